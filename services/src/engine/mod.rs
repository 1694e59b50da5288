//! The engine: the one entry point for commands from outside, `Engine::execute(command, meta)`.
//!
//! A client names what it wants done; the engine fills in every fact a client must not be
//! trusted with before the aggregate's rules see the command: prices and the catalog, the
//! approval limits, the pipeline, the business date, the customer's tier and region, the
//! opportunity's owner, the accepted quote an order copies, and whether the opportunity already
//! has an accepted quote. Then the aggregate's command path loads, decides and appends (see
//! [`crate::command`]). What a client may send is [`Command`]; its JSON form is the wire contract
//! of step 4.

mod accepted_quotes;
mod error;
mod lead;
mod order;
mod payment;
mod quote;
mod sales;
mod settings;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use ltc_domain::customer::{CustomerCommand, CustomerDecider, CustomerState};
use ltc_domain::ids::{CustomerId, LeadId, OpportunityId, OrderId, PaymentId, QuoteId};
use ltc_domain::lead::LeadDecider;
use ltc_domain::opportunity::OpportunityDecider;
use ltc_domain::order::OrderDecider;
use ltc_domain::payment::PaymentDecider;
use ltc_domain::quota::{QuotaCommand, QuotaDecider, QuotaId};
use ltc_domain::quote::QuoteDecider;
use ltc_eventstore::{Clock, EventStore};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::command::{Aggregate, CommandMeta, CommandPath, Executed};
use crate::leads::LeadIntake;
use accepted_quotes::AcceptedQuotes;

pub(crate) use error::snake_case;
pub use error::{EngineError, Rejection};
pub use lead::LeadRequest;
pub use order::OrderRequest;
pub use payment::PaymentRequest;
pub use quote::QuoteRequest;
pub use sales::OpportunityRequest;
pub use settings::{QUOTE_VALID_DAYS_DEFAULT, Settings, net_30};

/// A command as a client sends it: the aggregate it targets and what to do. Customer commands
/// hold nothing the engine fills in, so they are the domain's own commands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(clippy::large_enum_variant, reason = "read once per request, then consumed")]
pub enum Command {
    Lead {
        lead_id: LeadId,
        command: LeadRequest,
    },
    Customer {
        customer_id: CustomerId,
        command: CustomerCommand,
    },
    Opportunity {
        opportunity_id: OpportunityId,
        command: OpportunityRequest,
    },
    Quote {
        quote_id: QuoteId,
        command: QuoteRequest,
    },
    Order {
        order_id: OrderId,
        command: OrderRequest,
    },
    Payment {
        receivable_id: PaymentId,
        command: PaymentRequest,
    },
    /// A rep's quota for a period; its stream follows from the rep and the period.
    Quota {
        command: QuotaCommand,
    },
}

impl Command {
    /// The kind and id of the aggregate the command goes to.
    pub fn target(&self) -> (&'static str, Uuid) {
        match self {
            Command::Lead { lead_id, .. } => ("lead", lead_id.0),
            Command::Customer { customer_id, .. } => ("customer", customer_id.0),
            Command::Opportunity { opportunity_id, .. } => ("opportunity", opportunity_id.0),
            Command::Quote { quote_id, .. } => ("quote", quote_id.0),
            Command::Order { order_id, .. } => ("order", order_id.0),
            Command::Payment { receivable_id, .. } => ("payment", receivable_id.0),
            Command::Quota { command: QuotaCommand::Set { rep, period, .. } } => {
                ("quota", QuotaId::of(*rep, period).0)
            }
        }
    }
}

/// One command path per aggregate kind, over one store and clock. Shared with the process
/// managers, so a command and the automation it triggers see the same cached aggregates.
#[derive(Debug, Clone)]
pub struct Paths {
    pub leads: Arc<CommandPath<LeadDecider>>,
    pub customers: Arc<CommandPath<CustomerDecider>>,
    pub opportunities: Arc<CommandPath<OpportunityDecider>>,
    pub quotes: Arc<CommandPath<QuoteDecider>>,
    pub orders: Arc<CommandPath<OrderDecider>>,
    pub payments: Arc<CommandPath<PaymentDecider>>,
    pub quotas: Arc<CommandPath<QuotaDecider>>,
}

impl Paths {
    pub fn new(store: &EventStore, clock: &Arc<dyn Clock>) -> Paths {
        Paths {
            leads: Arc::new(CommandPath::new(store.clone(), clock.clone())),
            customers: Arc::new(CommandPath::new(store.clone(), clock.clone())),
            opportunities: Arc::new(CommandPath::new(store.clone(), clock.clone())),
            quotes: Arc::new(CommandPath::new(store.clone(), clock.clone())),
            orders: Arc::new(CommandPath::new(store.clone(), clock.clone())),
            payments: Arc::new(CommandPath::new(store.clone(), clock.clone())),
            quotas: Arc::new(CommandPath::new(store.clone(), clock.clone())),
        }
    }
}

#[derive(Debug)]
pub struct Engine {
    store: EventStore,
    clock: Arc<dyn Clock>,
    settings: Settings,
    paths: Paths,
    intake: Arc<LeadIntake>,
    accepted_quotes: tokio::sync::Mutex<AcceptedQuotes>,
}

impl Engine {
    /// An engine over `store`, reading time from `clock`. Reads the log once to learn which
    /// opportunities already have an accepted quote.
    pub fn open(
        store: EventStore,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Result<Engine, EngineError> {
        let mut accepted_quotes = AcceptedQuotes::default();
        accepted_quotes.catch_up(&store)?;
        let paths = Paths::new(&store, &clock);
        let intake = Arc::new(LeadIntake::new(
            store.clone(),
            paths.leads.clone(),
            clock.clone(),
            settings.assignment.clone(),
            settings.scoring.clone(),
        ));
        Ok(Engine {
            store,
            clock,
            settings,
            paths,
            intake,
            accepted_quotes: tokio::sync::Mutex::new(accepted_quotes),
        })
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The lead intake `Command::Lead` captures and merges go through, for callers that want
    /// its fuller answer (where a new lead was assigned).
    pub fn intake(&self) -> &Arc<LeadIntake> {
        &self.intake
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn store(&self) -> &EventStore {
        &self.store
    }

    /// Fills in what the shell knows, then decides and appends through the aggregate's command
    /// path. Sending the same `meta.command_id` again returns the first outcome and appends
    /// nothing, whatever happened in between.
    pub async fn execute(
        &self,
        command: Command,
        meta: &CommandMeta,
    ) -> Result<Executed, EngineError> {
        // One reading of the clock gives both the event time and the business date, so the two
        // agree even across midnight.
        let now = self.clock.now();
        match command {
            Command::Lead { lead_id, command } => self.lead(lead_id, command, meta, now).await,
            Command::Customer { customer_id, command } => {
                if let CustomerCommand::Create { customer_id: created, .. } = &command
                    && *created != customer_id
                {
                    return Err(EngineError::IdMismatch {
                        target: customer_id.0,
                        named: created.0,
                    });
                }
                let path = &self.paths.customers;
                self.run(path, customer_id.0, &command, meta, now, Rejection::Customer).await
            }
            Command::Opportunity { opportunity_id, command } => {
                self.opportunity(opportunity_id, command, meta, now).await
            }
            Command::Quote { quote_id, command } => self.quote(quote_id, command, meta, now).await,
            Command::Order { order_id, command } => self.order(order_id, command, meta, now).await,
            Command::Payment { receivable_id, command } => {
                self.payment(receivable_id, command, meta, now).await
            }
            Command::Quota { command } => {
                let QuotaCommand::Set { rep, period, .. } = &command;
                let stream = QuotaId::of(*rep, period).0;
                self.run(&self.paths.quotas, stream, &command, meta, now, Rejection::Quota).await
            }
        }
    }

    /// Decides `command` on aggregate `id` through `path` at `now`.
    async fn run<A: Aggregate>(
        &self,
        path: &CommandPath<A>,
        id: Uuid,
        command: &A::Command,
        meta: &CommandMeta,
        now: DateTime<Utc>,
        wrap: fn(A::Error) -> Rejection,
    ) -> Result<Executed, EngineError> {
        path.execute_at(id, command, meta, now)
            .await
            .map_err(|error| EngineError::from_execute(error, wrap))
    }

    /// The current state of aggregate `id`, for facts the shell fills in.
    fn state_of<A: Aggregate>(
        &self,
        path: &CommandPath<A>,
        id: Uuid,
    ) -> Result<A::State, EngineError> {
        path.state_of(id).map_err(|error| EngineError::Internal(error.to_string()))
    }

    fn customer(
        &self,
        customer_id: CustomerId,
    ) -> Result<ltc_domain::customer::Customer, EngineError> {
        match self.state_of(&self.paths.customers, customer_id.0)? {
            CustomerState::Created(customer) => Ok(*customer),
            CustomerState::NotCreated => {
                Err(EngineError::NotFound { kind: "customer", id: customer_id.0 })
            }
        }
    }

    /// The business date of `now`. Dates are UTC dates: a business day is a UTC day.
    fn today(now: DateTime<Utc>) -> NaiveDate {
        now.date_naive()
    }
}
