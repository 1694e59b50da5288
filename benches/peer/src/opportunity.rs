//! The opportunity aggregate as a cqrs-es user would write it: the same commands, rules and
//! event fields as ltc's (`domain/src/opportunity`), reduced to opening and moving stages. The
//! pipeline is the aggregate's service, as the engine's settings are ltc's; the time of each
//! command comes in the command, as ltc's shell puts it there.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ownership {
    pub owner: Uuid,
    pub team: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastCategory {
    Pipeline,
    BestCase,
    Commit,
    Closed,
    Omitted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageOutcome {
    Open,
    Won,
    Lost,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub key: String,
    pub probability: u32,
    pub forecast_category: ForecastCategory,
    pub outcome: StageOutcome,
    pub stall_after_days: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    pub stages: Vec<Stage>,
}

impl Pipeline {
    /// ltc's `Pipeline::default_sales`: four open stages, won, lost.
    pub fn default_sales() -> Pipeline {
        let open = |key: &str, probability, forecast_category, stall_after_days| Stage {
            key: key.to_owned(),
            probability,
            forecast_category,
            outcome: StageOutcome::Open,
            stall_after_days: Some(stall_after_days),
        };
        let closed = |key: &str, probability, forecast_category, outcome| Stage {
            key: key.to_owned(),
            probability,
            forecast_category,
            outcome,
            stall_after_days: None,
        };
        Pipeline {
            stages: vec![
                open("qualification", 1_000, ForecastCategory::Pipeline, 14),
                open("needs_analysis", 2_000, ForecastCategory::Pipeline, 21),
                open("proposal", 5_000, ForecastCategory::BestCase, 21),
                open("negotiation", 8_000, ForecastCategory::Commit, 30),
                closed("closed_won", 10_000, ForecastCategory::Closed, StageOutcome::Won),
                closed("closed_lost", 0, ForecastCategory::Omitted, StageOutcome::Lost),
            ],
        }
    }

    fn stage(&self, key: &str) -> Option<&Stage> {
        self.stages.iter().find(|stage| stage.key == key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpportunityCommand {
    Open {
        opportunity_id: Uuid,
        customer_id: Uuid,
        name: String,
        ownership: Ownership,
        amount: Money,
        expected_close: NaiveDate,
        at: DateTime<Utc>,
    },
    MoveStage {
        to: String,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpportunityEvent {
    Opened {
        opportunity_id: Uuid,
        customer_id: Uuid,
        name: String,
        ownership: Ownership,
        amount: Money,
        expected_close: NaiveDate,
        pipeline: Pipeline,
        stage: String,
        probability: u32,
        forecast_category: ForecastCategory,
        at: DateTime<Utc>,
    },
    StageMoved {
        from: String,
        to: String,
        probability: u32,
        forecast_category: ForecastCategory,
        at: DateTime<Utc>,
    },
}

impl DomainEvent for OpportunityEvent {
    fn event_type(&self) -> String {
        match self {
            OpportunityEvent::Opened { .. } => "OpportunityOpened",
            OpportunityEvent::StageMoved { .. } => "OpportunityStageMoved",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpportunityError {
    #[error("the opportunity has not been opened")]
    NotOpened,
    #[error("the opportunity is already open")]
    AlreadyOpened,
    #[error("stage {0} is not in this opportunity's pipeline")]
    UnknownStage(String),
    #[error("stage {0} closes the deal: use win or lose")]
    ClosingStage(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageVisit {
    pub stage: String,
    pub probability: u32,
    pub entered_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedDeal {
    pub customer_id: Uuid,
    pub name: String,
    pub ownership: Ownership,
    pub amount: Money,
    pub expected_close: NaiveDate,
    pub pipeline: Pipeline,
    /// Every stage entered, in order; the last is the current one.
    pub stage_history: Vec<StageVisit>,
}

impl OpenedDeal {
    pub fn current_stage(&self) -> &StageVisit {
        self.stage_history.last().expect("an opened opportunity has entered its first stage")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opportunity {
    pub opened: Option<OpenedDeal>,
}

impl Aggregate for Opportunity {
    const TYPE: &'static str = "opportunity";
    type Command = OpportunityCommand;
    type Event = OpportunityEvent;
    type Error = OpportunityError;
    type Services = Pipeline;

    async fn handle(
        &mut self,
        command: OpportunityCommand,
        pipeline: &Pipeline,
        sink: &EventSink<Self>,
    ) -> Result<(), OpportunityError> {
        match command {
            OpportunityCommand::Open {
                opportunity_id,
                customer_id,
                name,
                ownership,
                amount,
                expected_close,
                at,
            } => {
                if self.opened.is_some() {
                    return Err(OpportunityError::AlreadyOpened);
                }
                let first = pipeline.stages.first().expect("a pipeline has stages");
                let event = OpportunityEvent::Opened {
                    opportunity_id,
                    customer_id,
                    name,
                    ownership,
                    amount,
                    expected_close,
                    pipeline: pipeline.clone(),
                    stage: first.key.clone(),
                    probability: first.probability,
                    forecast_category: first.forecast_category,
                    at,
                };
                sink.write(event, self).await;
            }
            OpportunityCommand::MoveStage { to, at } => {
                let deal = self.opened.as_ref().ok_or(OpportunityError::NotOpened)?;
                let from = deal.current_stage().stage.clone();
                if from == to {
                    return Ok(());
                }
                let stage = deal
                    .pipeline
                    .stage(&to)
                    .ok_or_else(|| OpportunityError::UnknownStage(to.clone()))?;
                if stage.outcome != StageOutcome::Open {
                    return Err(OpportunityError::ClosingStage(to));
                }
                let event = OpportunityEvent::StageMoved {
                    from,
                    to,
                    probability: stage.probability,
                    forecast_category: stage.forecast_category,
                    at,
                };
                sink.write(event, self).await;
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: OpportunityEvent) {
        match event {
            OpportunityEvent::Opened {
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
            } => {
                let first = StageVisit { stage, probability, entered_at: at };
                self.opened = Some(OpenedDeal {
                    customer_id,
                    name,
                    ownership,
                    amount,
                    expected_close,
                    pipeline,
                    stage_history: vec![first],
                });
            }
            OpportunityEvent::StageMoved { to, probability, at, .. } => {
                if let Some(deal) = self.opened.as_mut() {
                    deal.stage_history.push(StageVisit { stage: to, probability, entered_at: at });
                }
            }
        }
    }
}
