//! Opportunity: a deal moving through a configurable pipeline, from open to won or lost (and back
//! by reopening). Every stage change records the probability and forecast category of that
//! moment, so forecasts and funnels can be rebuilt as they were. Follow-up tasks with a due date
//! remind the owner to get back to the customer (`follow_up.rs`).

mod decide;
mod follow_up;
mod pipeline;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::actor::{Ownership, Role};
use crate::decider::{Context, Decider};
use crate::ids::{CustomerId, OpportunityId, TeamId, UserId};
use crate::money::{Bps, Currency, Money};

pub use follow_up::{FOLLOW_UPS_MAX, FOLLOW_UPS_OPEN_MAX, FollowUp, TaskId};
pub use pipeline::{
    ForecastCategory, PIPELINE_STAGES_MAX, Pipeline, PipelineError, Stage, StageKey, StageOutcome,
};

/// The longest name, loss reason or competitor name, in bytes.
pub const TEXT_BYTES_MAX: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpportunityCommand {
    Open {
        opportunity_id: OpportunityId,
        customer_id: CustomerId,
        name: String,
        owner: UserId,
        team: Option<TeamId>,
        amount: Money,
        expected_close: NaiveDate,
        pipeline: Pipeline,
    },
    /// Forward or back, to any open stage.
    MoveStage {
        to: StageKey,
    },
    ChangeAmount {
        amount: Money,
    },
    ChangeExpectedClose {
        expected_close: NaiveDate,
    },
    Win,
    Lose {
        reason: String,
        competitor: Option<String>,
    },
    /// Reopens a won or lost deal at an open stage.
    Reopen {
        to: StageKey,
    },
    /// Schedules a follow-up task due on `due_on`; only while the deal is open.
    ScheduleFollowUp {
        task_id: TaskId,
        due_on: NaiveDate,
        subject: String,
    },
    CompleteFollowUp {
        task_id: TaskId,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub enum OpportunityEvent {
    Opened {
        opportunity_id: OpportunityId,
        customer_id: CustomerId,
        name: String,
        ownership: Ownership,
        amount: Money,
        expected_close: NaiveDate,
        pipeline: Pipeline,
        stage: StageKey,
        probability: Bps,
        forecast_category: ForecastCategory,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    StageMoved {
        from: StageKey,
        to: StageKey,
        probability: Bps,
        forecast_category: ForecastCategory,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    AmountChanged {
        from: Money,
        to: Money,
    },
    ExpectedCloseChanged {
        from: NaiveDate,
        to: NaiveDate,
    },
    Won {
        stage: StageKey,
        amount: Money,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    Lost {
        stage: StageKey,
        reason: String,
        competitor: Option<String>,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    Reopened {
        to: StageKey,
        probability: Bps,
        forecast_category: ForecastCategory,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    FollowUpScheduled {
        task_id: TaskId,
        due_on: NaiveDate,
        subject: String,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    FollowUpCompleted {
        task_id: TaskId,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
}

impl OpportunityEvent {
    /// The event's name in the store and on the wire.
    pub fn event_type(&self) -> &'static str {
        match self {
            OpportunityEvent::Opened { .. } => "OpportunityOpened",
            OpportunityEvent::StageMoved { .. } => "OpportunityStageMoved",
            OpportunityEvent::AmountChanged { .. } => "OpportunityAmountChanged",
            OpportunityEvent::ExpectedCloseChanged { .. } => "OpportunityExpectedCloseChanged",
            OpportunityEvent::Won { .. } => "OpportunityWon",
            OpportunityEvent::Lost { .. } => "OpportunityLost",
            OpportunityEvent::Reopened { .. } => "OpportunityReopened",
            OpportunityEvent::FollowUpScheduled { .. } => "OpportunityFollowUpScheduled",
            OpportunityEvent::FollowUpCompleted { .. } => "OpportunityFollowUpCompleted",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Open,
    Won,
    Lost,
}

/// One stay in a stage: when it began, and the probability recorded on entering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageVisit {
    pub stage: StageKey,
    pub probability: Bps,
    pub entered_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opportunity {
    pub id: OpportunityId,
    pub customer_id: CustomerId,
    pub name: String,
    pub ownership: Ownership,
    pub amount: Money,
    pub expected_close: NaiveDate,
    pub pipeline: Pipeline,
    pub status: Status,
    /// Every stage entered, in order; the last is the current one.
    pub stage_history: Vec<StageVisit>,
    /// The amount and expected close as opened, kept so that a repeated `Open` can be told from
    /// another one: both may have changed since.
    pub opened_amount: Money,
    pub opened_expected_close: NaiveDate,
    /// Every follow-up task scheduled, open or completed, in order; at most `FOLLOW_UPS_MAX`.
    pub follow_ups: Vec<FollowUp>,
}

impl Opportunity {
    pub fn current_stage(&self) -> &StageVisit {
        self.stage_history.last().expect("an opened opportunity has entered its first stage")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant, reason = "one per stream: a box adds only an allocation")]
pub enum OpportunityState {
    #[default]
    NotOpened,
    Opened(Opportunity),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum OpportunityError {
    /// The command needs an opened opportunity.
    #[error("the opportunity has not been opened")]
    NotOpened,
    /// This stream already holds an opportunity, under another id or opened with other
    /// details: open a new deal under its own id, or resend the original exactly.
    #[error("opportunity {0} is already open")]
    AlreadyOpened(OpportunityId),
    /// Won and lost deals change only by reopening them.
    #[error("the opportunity is closed ({0:?}); reopen it first")]
    Closed(Status),
    #[error("the opportunity is not closed, so it cannot be reopened")]
    NotClosed,
    #[error("stage {0} is not in this opportunity's pipeline")]
    UnknownStage(StageKey),
    /// Closing stages are reached with `Win` or `Lose`, which record the outcome's details.
    #[error("stage {0} closes the deal: use win or lose")]
    ClosingStage(StageKey),
    #[error("the amount is in {got}, the opportunity in {expected}")]
    CurrencyMismatch { expected: Currency, got: Currency },
    #[error("an opportunity's amount cannot be negative")]
    NegativeAmount,
    #[error("{field} must be 1 to {TEXT_BYTES_MAX} bytes")]
    Text { field: &'static str },
    #[error("invalid pipeline: {0}")]
    Pipeline(#[from] PipelineError),
    #[error("a {role:?} may not change this opportunity")]
    Forbidden { role: Role },
    /// The task id was already used for another follow-up: a new task needs a new id.
    #[error("task {0:?} was already scheduled with another subject or due date")]
    TaskIdReused(TaskId),
    #[error("the opportunity has no task {0:?}")]
    UnknownTask(TaskId),
    /// A task is completed once. Retries of one command are answered by its command id before
    /// they reach the rules, so a second completion is someone else doing it again: tell them.
    #[error("task {0:?} is already completed")]
    FollowUpAlreadyCompleted(TaskId),
    /// A follow-up cannot fall due before the day it is scheduled.
    #[error("a follow-up scheduled on {scheduled_on} cannot be due on {due_on}")]
    FollowUpDueInPast { due_on: NaiveDate, scheduled_on: NaiveDate },
    /// `FOLLOW_UPS_OPEN_MAX` tasks are open: complete some first.
    #[error("the opportunity has {FOLLOW_UPS_OPEN_MAX} open follow-ups already")]
    TooManyOpenFollowUps,
    /// The opportunity has recorded `FOLLOW_UPS_MAX` follow-ups; ask an admin.
    #[error("the opportunity has recorded {FOLLOW_UPS_MAX} follow-ups")]
    FollowUpsExhausted,
}

/// The opportunity decider.
#[derive(Debug)]
pub enum OpportunityDecider {}

impl Decider for OpportunityDecider {
    type Command = OpportunityCommand;
    type Event = OpportunityEvent;
    type State = OpportunityState;
    type Error = OpportunityError;

    fn decide(
        state: &OpportunityState,
        command: &OpportunityCommand,
        context: &Context,
    ) -> Result<Vec<OpportunityEvent>, OpportunityError> {
        decide::decide(state, command, context)
    }

    fn evolve(state: OpportunityState, event: &OpportunityEvent) -> OpportunityState {
        evolve(state, event)
    }

    /// A closed deal can always be reopened, so an opportunity never is terminal.
    fn is_terminal(_state: &OpportunityState) -> bool {
        false
    }
}

fn evolve(state: OpportunityState, event: &OpportunityEvent) -> OpportunityState {
    let opportunity = match (state, event) {
        (
            OpportunityState::NotOpened,
            OpportunityEvent::Opened {
                opportunity_id,
                customer_id,
                name,
                ownership,
                amount,
                expected_close,
                pipeline,
                stage,
                probability,
                at,
                ..
            },
        ) => {
            return OpportunityState::Opened(Opportunity {
                id: *opportunity_id,
                customer_id: *customer_id,
                name: name.clone(),
                ownership: *ownership,
                amount: *amount,
                expected_close: *expected_close,
                pipeline: pipeline.clone(),
                status: Status::Open,
                stage_history: vec![StageVisit {
                    stage: stage.clone(),
                    probability: *probability,
                    entered_at: *at,
                }],
                opened_amount: *amount,
                opened_expected_close: *expected_close,
                follow_ups: Vec::new(),
            });
        }
        (OpportunityState::Opened(opportunity), _) => opportunity,
        (OpportunityState::NotOpened, _) => {
            unreachable!("every stream starts with Opened; decide emits nothing else first")
        }
    };
    OpportunityState::Opened(record(opportunity, event))
}

fn record(mut opportunity: Opportunity, event: &OpportunityEvent) -> Opportunity {
    match event {
        OpportunityEvent::Opened { .. } => {
            unreachable!("Opened is only ever the first event of a stream")
        }
        OpportunityEvent::StageMoved { to, probability, at, .. } => {
            enter(&mut opportunity, to, *probability, *at);
        }
        OpportunityEvent::AmountChanged { to, .. } => opportunity.amount = *to,
        OpportunityEvent::ExpectedCloseChanged { to, .. } => opportunity.expected_close = *to,
        OpportunityEvent::Won { stage, amount, at } => {
            let probability = probability_of(&opportunity.pipeline, stage);
            enter(&mut opportunity, stage, probability, *at);
            opportunity.amount = *amount;
            opportunity.status = Status::Won;
        }
        OpportunityEvent::Lost { stage, at, .. } => {
            let probability = probability_of(&opportunity.pipeline, stage);
            enter(&mut opportunity, stage, probability, *at);
            opportunity.status = Status::Lost;
        }
        OpportunityEvent::Reopened { to, probability, at, .. } => {
            enter(&mut opportunity, to, *probability, *at);
            opportunity.status = Status::Open;
        }
        OpportunityEvent::FollowUpScheduled { .. } | OpportunityEvent::FollowUpCompleted { .. } => {
            follow_up::record(&mut opportunity, event);
        }
    }
    opportunity
}

fn enter(opportunity: &mut Opportunity, stage: &StageKey, probability: Bps, at: DateTime<Utc>) {
    opportunity.stage_history.push(StageVisit {
        stage: stage.clone(),
        probability,
        entered_at: at,
    });
}

/// The pipeline recorded at opening holds every stage an event can name.
fn probability_of(pipeline: &Pipeline, stage: &StageKey) -> Bps {
    pipeline.stage(stage).map(|stage| stage.probability).unwrap_or(Bps::ZERO)
}
