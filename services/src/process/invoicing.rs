//! Order invoiced → receivable opened: every invoice gets a receivable (one payment stream) whose
//! due schedule is the invoice's instalments.

use std::sync::Arc;

use ltc_domain::ids::PaymentId;
use ltc_domain::order::{OrderDecider, OrderEvent, OrderState};
use ltc_domain::payment::{InstalmentDue, PaymentCommand, PaymentDecider};
use ltc_eventstore::{EventStore, Position, RecordedEvent};
use uuid::Uuid;

use super::replayed::ReplayedStates;
use super::{StateAsOfError, caused_command};
use crate::command::{CommandPath, ExecuteError};

const PROCESS: &str = "invoicing";

#[derive(Debug)]
pub struct Invoicing {
    store: EventStore,
    /// The causing streams' states, kept between events.
    replayed: ReplayedStates<OrderDecider>,
    payments: Arc<CommandPath<PaymentDecider>>,
}

#[derive(Debug, thiserror::Error)]
pub enum InvoicingError {
    #[error(transparent)]
    Read(#[from] ltc_eventstore::ReadError),
    #[error(transparent)]
    Codec(#[from] ltc_eventstore::CodecError),
    /// A stored event is of a schema version this build cannot read.
    #[error(transparent)]
    Upcast(#[from] ltc_projections::DecodeError),
    #[error("replaying the order: {0}")]
    Order(#[from] StateAsOfError),
    #[error("opening the receivable failed: {0}")]
    Payment(#[from] ExecuteError<ltc_domain::payment::PaymentError>),
}

impl Invoicing {
    pub fn new(store: EventStore, payments: Arc<CommandPath<PaymentDecider>>) -> Invoicing {
        Invoicing { store, payments, replayed: ReplayedStates::default() }
    }

    /// The receivable of an invoice: derived from the invoice id, so it is the same on every run.
    pub fn receivable_of(invoice_id: Uuid) -> PaymentId {
        PaymentId(Uuid::new_v5(&invoice_id, b"receivable"))
    }

    /// Handles every event from `from` on; returns the receivables it opened now (a repeat run
    /// opens none). Stops at the first failure, which names the event to look at.
    pub async fn run_from(&self, from: Position) -> Result<u64, InvoicingError> {
        let mut opened = 0;
        for event in super::causes_from(&self.store, from, &[("order", &["OrderInvoiced"])]) {
            opened += u64::from(self.react(&event?).await?);
        }
        Ok(opened)
    }

    async fn react(&self, cause: &RecordedEvent) -> Result<bool, InvoicingError> {
        let OrderEvent::Invoiced { invoice_id, amount, instalments, .. } =
            ltc_projections::decode_event::<OrderEvent>(cause)?
        else {
            return Ok(false);
        };
        let OrderState::Placed(order) = self.replayed.as_of(&self.store, cause)? else {
            unreachable!("an order stream starts with OrderPlaced")
        };
        // A share too small to be worth a cent yields a zero instalment; nothing is due then.
        let schedule: Vec<InstalmentDue> = instalments
            .iter()
            .filter(|instalment| instalment.amount.amount_minor != 0)
            .map(|instalment| InstalmentDue {
                due_on: instalment.due_on,
                amount: instalment.amount,
            })
            .collect();
        if schedule.is_empty() {
            return Ok(false);
        }
        let receivable = Self::receivable_of(invoice_id.0);
        let command = PaymentCommand::OpenReceivable {
            receivable_id: receivable,
            invoice_reference: format!("INV-{}", invoice_id.0.simple()),
            order_id: order.id,
            customer_id: order.customer_id,
            total: amount,
            schedule,
        };
        let meta = caused_command(cause, PROCESS, 0);
        let executed =
            self.payments.execute_at(receivable.0, &command, &meta, cause.occurred_at).await?;
        Ok(executed.appended_now())
    }
}
