//! Opportunity moved to a stage → a follow-up task for its owner, due a number of days after the
//! move that the business sets per stage. Moves forward or back and reopenings count; closing
//! (won or lost) schedules nothing, and neither does a deal that has closed since or already has
//! as many open tasks as it may.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Days, Utc};
use ltc_domain::opportunity::{
    OpportunityCommand, OpportunityDecider, OpportunityError, OpportunityEvent, OpportunityState,
    StageKey, StageOutcome, TEXT_BYTES_MAX, TaskId,
};
use ltc_eventstore::{EventStore, Position, RecordedEvent};
use uuid::Uuid;

use super::replayed::ReplayedStates;
use super::{StateAsOfError, caused_command};
use crate::command::{CommandPath, ExecuteError};

const PROCESS: &str = "follow-up";

/// Days from a stage change to its follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpSettings {
    /// For every open stage not named in `days_by_stage`.
    pub default_days: u32,
    pub days_by_stage: BTreeMap<StageKey, u32>,
}

impl Default for FollowUpSettings {
    /// Three days after entering any open stage.
    fn default() -> FollowUpSettings {
        FollowUpSettings { default_days: 3, days_by_stage: BTreeMap::new() }
    }
}

impl FollowUpSettings {
    pub fn days_in(&self, stage: &StageKey) -> u32 {
        self.days_by_stage.get(stage).copied().unwrap_or(self.default_days)
    }
}

#[derive(Debug)]
pub struct FollowUps {
    store: EventStore,
    /// The causing streams' states, kept between events.
    replayed: ReplayedStates<OpportunityDecider>,
    opportunities: Arc<CommandPath<OpportunityDecider>>,
    settings: FollowUpSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum FollowUpError {
    #[error(transparent)]
    Read(#[from] ltc_eventstore::ReadError),
    #[error(transparent)]
    Codec(#[from] ltc_eventstore::CodecError),
    /// A stored event is of a schema version this build cannot read.
    #[error(transparent)]
    Upcast(#[from] ltc_projections::DecodeError),
    #[error("replaying the opportunity: {0}")]
    Opportunity(#[from] StateAsOfError),
    #[error("scheduling the follow-up failed: {0}")]
    Schedule(#[from] ExecuteError<OpportunityError>),
}

impl FollowUps {
    pub fn new(
        store: EventStore,
        opportunities: Arc<CommandPath<OpportunityDecider>>,
        settings: FollowUpSettings,
    ) -> FollowUps {
        FollowUps { store, opportunities, settings, replayed: ReplayedStates::default() }
    }

    /// The task a stage change leads to: derived from the event, the same on every run.
    pub fn task_of(cause: &RecordedEvent) -> TaskId {
        TaskId(Uuid::new_v5(&cause.event_id.0, b"follow-up task"))
    }

    /// Handles every event from `from` on; returns the tasks it scheduled now (a repeat run
    /// schedules none). Stops at the first failure.
    pub async fn run_from(&self, from: Position) -> Result<u64, FollowUpError> {
        let mut scheduled = 0;
        let stage_changes =
            [("opportunity", &["OpportunityStageMoved", "OpportunityReopened"][..])];
        for event in super::causes_from(&self.store, from, &stage_changes) {
            scheduled += u64::from(self.react(&event?).await?);
        }
        Ok(scheduled)
    }

    async fn react(&self, cause: &RecordedEvent) -> Result<bool, FollowUpError> {
        let (stage, at): (StageKey, DateTime<Utc>) =
            match ltc_projections::decode_event::<OpportunityEvent>(cause)? {
                OpportunityEvent::StageMoved { to, at, .. }
                | OpportunityEvent::Reopened { to, at, .. } => (to, at),
                _ => return Ok(false),
            };
        let OpportunityState::Opened(opportunity) = self.replayed.as_of(&self.store, cause)? else {
            unreachable!("an opportunity stream starts with OpportunityOpened")
        };
        let is_open_stage = opportunity
            .pipeline
            .stage(&stage)
            .is_some_and(|stage| stage.outcome == StageOutcome::Open);
        if !is_open_stage {
            return Ok(false);
        }
        let days = self.settings.days_in(&stage);
        let Some(due_on) = at.date_naive().checked_add_days(Days::new(u64::from(days))) else {
            // Only a stage change at the very end of the calendar gets here: no date to be due.
            return Ok(false);
        };
        let command = OpportunityCommand::ScheduleFollowUp {
            task_id: Self::task_of(cause),
            due_on,
            subject: subject(&stage, &opportunity.name),
        };
        let meta = caused_command(cause, PROCESS, 0);
        match self.opportunities.execute_at(cause.stream.id, &command, &meta, at).await {
            Ok(executed) => Ok(executed.appended_now()),
            // The deal closed since, or its owner has enough open reminders: nothing to add.
            Err(ExecuteError::Rejected(
                OpportunityError::Closed(_)
                | OpportunityError::TooManyOpenFollowUps
                | OpportunityError::FollowUpsExhausted,
            )) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }
}

/// "Follow up in {stage}: {name}", cut to the longest subject an opportunity accepts.
fn subject(stage: &StageKey, name: &str) -> String {
    let mut subject = format!("Follow up in {stage}: {name}");
    if subject.len() > TEXT_BYTES_MAX {
        let mut end = TEXT_BYTES_MAX;
        while !subject.is_char_boundary(end) {
            end -= 1;
        }
        subject.truncate(end);
    }
    subject
}
