//! Lead requests. A capture goes through lead intake, which names the survivor a duplicate
//! belongs to (from the log, never from the client), scores with the company's model and assigns
//! by the company's rules; a merge reads the duplicate's data from its own stream. The rest
//! passes through.

use chrono::{DateTime, Utc};
use ltc_domain::actor::Ownership;
use ltc_domain::ids::{ContactId, LeadId, OpportunityId, TeamId, UserId};
use ltc_domain::lead::{
    ActivityKind, Channel, CompanySize, Contact, ConvertTo, LeadCommand, Source,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Engine, EngineError, Rejection};
use crate::command::{CommandMeta, Executed};
use crate::leads::{CaptureRequest, IntakeError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
// Unknown fields are refused: a client sending `duplicate_of` or a scoring model learns that
// those are not its to send, instead of having them silently dropped.
#[serde(deny_unknown_fields)]
#[allow(clippy::large_enum_variant, reason = "read once per request, then consumed")]
pub enum LeadRequest {
    /// Records a new lead, or a duplicate of the open lead with the same normalised email, phone
    /// or company; a new lead without an owner is assigned by the company's rules.
    Capture {
        channel: Channel,
        contact: Contact,
        company_name: Option<String>,
        website: Option<String>,
        industry: Option<String>,
        region: Option<String>,
        company_size: Option<CompanySize>,
        source: Source,
        owner: Option<Ownership>,
    },
    /// Assigns by hand, overriding the rules.
    Assign {
        owner: UserId,
        team: Option<TeamId>,
    },
    LogActivity {
        kind: ActivityKind,
        summary: String,
    },
    Qualify,
    Disqualify {
        reason: String,
    },
    Convert {
        customer: ConvertTo,
        contact_id: ContactId,
        opportunity_id: OpportunityId,
    },
    /// Folds this lead into `survivor`, which adopts what it lacked.
    MergeInto {
        survivor: LeadId,
    },
}

impl Engine {
    pub(super) async fn lead(
        &self,
        lead_id: LeadId,
        request: LeadRequest,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<Executed, EngineError> {
        let command = match request {
            LeadRequest::Capture {
                channel,
                contact,
                company_name,
                website,
                industry,
                region,
                company_size,
                source,
                owner,
            } => {
                let request = CaptureRequest {
                    lead_id,
                    channel,
                    contact,
                    company_name,
                    website,
                    industry,
                    region,
                    company_size,
                    source,
                    owner,
                };
                let captured =
                    self.intake.capture_at(&request, meta, now).await.map_err(intake_error)?;
                return Ok(captured.capture);
            }
            LeadRequest::MergeInto { survivor } => {
                let merged = self
                    .intake
                    .merge_at(lead_id, survivor, meta, now)
                    .await
                    .map_err(intake_error)?;
                return Ok(merged.merge_into);
            }
            LeadRequest::Assign { owner, team } => LeadCommand::Assign { owner, team, rule: None },
            LeadRequest::LogActivity { kind, summary } => {
                LeadCommand::LogActivity { kind, summary }
            }
            LeadRequest::Qualify => LeadCommand::Qualify,
            LeadRequest::Disqualify { reason } => LeadCommand::Disqualify { reason },
            LeadRequest::Convert { customer, contact_id, opportunity_id } => {
                LeadCommand::Convert { customer, contact_id, opportunity_id }
            }
        };
        self.run(&self.paths.leads, lead_id.0, &command, meta, now, Rejection::Lead).await
    }
}

fn intake_error(error: IntakeError) -> EngineError {
    match error {
        IntakeError::Lead(error) => EngineError::from_execute(error, Rejection::Lead),
        IntakeError::UnknownLead(lead) => EngineError::NotFound { kind: "lead", id: lead.0 },
        IntakeError::Directory(error) => EngineError::Internal(error.to_string()),
    }
}
