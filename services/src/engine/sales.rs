//! Opportunity requests: the pipeline comes from the settings and the customer must exist; the
//! rest passes through as the client sent it.

use chrono::{DateTime, NaiveDate, Utc};
use ltc_domain::ids::{CustomerId, OpportunityId, TeamId, UserId};
use ltc_domain::money::Money;
use ltc_domain::opportunity::{OpportunityCommand, StageKey, TaskId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Engine, EngineError, Rejection};
use crate::command::{CommandMeta, Executed};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
// Unknown fields are refused: a client sending `pricing` or `on` learns that those are not its
// to send, instead of having them silently dropped.
#[serde(deny_unknown_fields)]
pub enum OpportunityRequest {
    /// Opens the deal at the first stage of the company's pipeline.
    Open {
        customer_id: CustomerId,
        name: String,
        owner: UserId,
        team: Option<TeamId>,
        amount: Money,
        expected_close: NaiveDate,
    },
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
    Reopen {
        to: StageKey,
    },
    /// A task for the deal's owner, due on `due_on` (today or later).
    ScheduleFollowUp {
        task_id: TaskId,
        due_on: NaiveDate,
        subject: String,
    },
    CompleteFollowUp {
        task_id: TaskId,
    },
}

impl Engine {
    pub(super) async fn opportunity(
        &self,
        opportunity_id: OpportunityId,
        request: OpportunityRequest,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<Executed, EngineError> {
        let command = match request {
            OpportunityRequest::Open { customer_id, name, owner, team, amount, expected_close } => {
                self.customer(customer_id)?;
                OpportunityCommand::Open {
                    opportunity_id,
                    customer_id,
                    name,
                    owner,
                    team,
                    amount,
                    expected_close,
                    pipeline: self.settings.pipeline.clone(),
                }
            }
            OpportunityRequest::MoveStage { to } => OpportunityCommand::MoveStage { to },
            OpportunityRequest::ChangeAmount { amount } => {
                OpportunityCommand::ChangeAmount { amount }
            }
            OpportunityRequest::ChangeExpectedClose { expected_close } => {
                OpportunityCommand::ChangeExpectedClose { expected_close }
            }
            OpportunityRequest::Win => OpportunityCommand::Win,
            OpportunityRequest::Lose { reason, competitor } => {
                OpportunityCommand::Lose { reason, competitor }
            }
            OpportunityRequest::Reopen { to } => OpportunityCommand::Reopen { to },
            OpportunityRequest::ScheduleFollowUp { task_id, due_on, subject } => {
                OpportunityCommand::ScheduleFollowUp { task_id, due_on, subject }
            }
            OpportunityRequest::CompleteFollowUp { task_id } => {
                OpportunityCommand::CompleteFollowUp { task_id }
            }
        };
        let path = &self.paths.opportunities;
        self.run(path, opportunity_id.0, &command, meta, now, Rejection::Opportunity).await
    }
}
