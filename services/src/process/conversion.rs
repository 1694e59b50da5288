//! Lead converted → customer, contact and opportunity. The lead names the ids; this process
//! creates what they name (a new customer only when the lead asked for one), with defaults for
//! what a lead does not know yet: the opportunity opens at amount zero in the configured
//! currency, on the default pipeline, expected to close a quarter after conversion.

use std::sync::Arc;

use chrono::TimeDelta;
use ltc_domain::customer::{
    Contact, CustomerCommand, CustomerDecider, CustomerError, CustomerProfile, Origin, Tier,
};
use ltc_domain::lead::{ConvertTo, LeadDecider, LeadEvent, LeadState};
use ltc_domain::money::{Currency, Money};
use ltc_domain::opportunity::{OpportunityCommand, OpportunityDecider, OpportunityError, Pipeline};
use ltc_eventstore::{EventStore, Position, RecordedEvent};

use super::replayed::ReplayedStates;
use super::{StateAsOfError, caused_command};
use crate::command::{CommandPath, ExecuteError};

const PROCESS: &str = "conversion";

/// How long after conversion a new opportunity is expected to close.
const CLOSE_AFTER_DAYS: i64 = 90;

/// What a lead does not say and the business configures.
#[derive(Debug, Clone)]
pub struct ConversionDefaults {
    pub currency: Currency,
    pub pipeline: Pipeline,
}

#[derive(Debug)]
pub struct Conversion {
    store: EventStore,
    /// The causing streams' states, kept between events.
    replayed: ReplayedStates<LeadDecider>,
    customers: Arc<CommandPath<CustomerDecider>>,
    opportunities: Arc<CommandPath<OpportunityDecider>>,
    defaults: ConversionDefaults,
}

#[derive(Debug, thiserror::Error)]
pub enum ConversionError {
    #[error(transparent)]
    Read(#[from] ltc_eventstore::ReadError),
    #[error(transparent)]
    Codec(#[from] ltc_eventstore::CodecError),
    /// A stored event is of a schema version this build cannot read.
    #[error(transparent)]
    Upcast(#[from] ltc_projections::DecodeError),
    #[error("replaying the lead: {0}")]
    Lead(#[from] StateAsOfError),
    #[error("creating the customer or contact failed: {0}")]
    Customer(#[from] ExecuteError<CustomerError>),
    #[error("opening the opportunity failed: {0}")]
    Opportunity(#[from] ExecuteError<OpportunityError>),
}

impl Conversion {
    pub fn new(
        store: EventStore,
        customers: Arc<CommandPath<CustomerDecider>>,
        opportunities: Arc<CommandPath<OpportunityDecider>>,
        defaults: ConversionDefaults,
    ) -> Conversion {
        Conversion {
            store,
            customers,
            opportunities,
            defaults,
            replayed: ReplayedStates::default(),
        }
    }

    /// Handles every event from `from` on; returns how many commands appended something now
    /// (a repeat run appends nothing).
    pub async fn run_from(&self, from: Position) -> Result<u64, ConversionError> {
        let mut applied = 0;
        for event in super::causes_from(&self.store, from, &[("lead", &["LeadConverted"])]) {
            applied += self.react(&event?).await?;
        }
        Ok(applied)
    }

    async fn react(&self, cause: &RecordedEvent) -> Result<u64, ConversionError> {
        let LeadEvent::Converted {
            customer, contact_id, opportunity_id, contact, ownership, ..
        } = ltc_projections::decode_event::<LeadEvent>(cause)?
        else {
            return Ok(0);
        };
        let LeadState::Captured(lead) = self.replayed.as_of(&self.store, cause)? else {
            unreachable!("a lead stream starts with LeadCaptured")
        };
        let at = cause.occurred_at;
        let company_name = lead.company.name.clone().unwrap_or_else(|| contact.name.clone());
        let mut applied = 0;
        let customer_id = match customer {
            ConvertTo::NewCustomer(customer_id) => {
                let create = CustomerCommand::Create {
                    customer_id,
                    profile: CustomerProfile {
                        name: company_name.clone(),
                        industry: lead.industry.clone().unwrap_or_else(|| "unknown".into()),
                        region: lead.region.clone().unwrap_or_else(|| "unknown".into()),
                        tier: Tier::Normal,
                        owner: ownership.owner,
                        team: ownership.team,
                        credit_limit: Money::zero(self.defaults.currency),
                    },
                    origin: Origin::ConvertedLead(lead.id),
                };
                let meta = caused_command(cause, PROCESS, 0);
                applied += u64::from(
                    self.customers
                        .execute_at(customer_id.0, &create, &meta, at)
                        .await?
                        .appended_now(),
                );
                customer_id
            }
            ConvertTo::ExistingCustomer(customer_id) => customer_id,
        };
        // A customer's contact is reached by email; a lead known only by phone stays a lead's
        // contact until someone adds the email.
        if let Some(email) = contact.email.clone() {
            let add = CustomerCommand::AddContact {
                contact_id,
                contact: Contact {
                    name: contact.name.clone(),
                    email,
                    phone: contact.phone.clone(),
                    role: "converted lead".into(),
                },
            };
            let meta = caused_command(cause, PROCESS, 1);
            applied += u64::from(
                self.customers.execute_at(customer_id.0, &add, &meta, at).await?.appended_now(),
            );
        }
        let open = OpportunityCommand::Open {
            opportunity_id,
            customer_id,
            name: company_name,
            owner: ownership.owner,
            team: ownership.team,
            amount: Money::zero(self.defaults.currency),
            expected_close: (at + TimeDelta::days(CLOSE_AFTER_DAYS)).date_naive(),
            pipeline: self.defaults.pipeline.clone(),
        };
        let meta = caused_command(cause, PROCESS, 2);
        applied += u64::from(
            self.opportunities.execute_at(opportunity_id.0, &open, &meta, at).await?.appended_now(),
        );
        Ok(applied)
    }
}
