//! Every receivable of an order settled → order paid, and its opportunity won if nobody recorded
//! the win. An order is paid once everything still ordered is invoiced and the receivable of every
//! invoice that asked for money (derived from the invoice id, as the invoicing process manager
//! derives it) was settled by receipts and credit notes.
//!
//! Three events can complete that picture, so each makes this process look at the order again:
//! a receivable settled (the usual last step), an invoice issued (an order whose last invoice
//! asked for nothing, and so has no receivable), and lines cancelled (the rest of an order whose
//! invoices were already settled). Whatever the event, the order and its receivables are read as
//! of that event's position, so a rerun decides exactly as the first run did.
//!
//! A receivable settled by a write-off is settled but not paid: its order is never recorded paid
//! and its opportunity is left as it is.

use std::sync::Arc;

use ltc_domain::ids::OrderId;
use ltc_domain::opportunity::{
    OpportunityCommand, OpportunityDecider, OpportunityError, OpportunityState, Status,
};
use ltc_domain::order::{
    InvoiceSettlement, Order, OrderCommand, OrderDecider, OrderError, OrderState, OrderStatus,
};
use ltc_domain::payment::{PaymentDecider, PaymentState};
use ltc_domain::quote::{QuoteDecider, QuoteState};
use ltc_eventstore::{EventStore, Position, RecordedEvent};

use super::{Invoicing, StateAsOfError, caused_command, state_at};
use crate::command::{CommandPath, ExecuteError};

const PROCESS: &str = "settlement";

#[derive(Debug)]
pub struct Settlement {
    store: EventStore,
    orders: Arc<CommandPath<OrderDecider>>,
    opportunities: Arc<CommandPath<OpportunityDecider>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettlementError {
    #[error(transparent)]
    Read(#[from] ltc_eventstore::ReadError),
    #[error("replaying an order, receivable or quote: {0}")]
    Replay(#[from] StateAsOfError),
    #[error("recording the order paid failed: {0}")]
    Order(#[from] ExecuteError<OrderError>),
    #[error("winning the opportunity failed: {0}")]
    Opportunity(#[from] ExecuteError<OpportunityError>),
}

impl Settlement {
    pub fn new(
        store: EventStore,
        orders: Arc<CommandPath<OrderDecider>>,
        opportunities: Arc<CommandPath<OpportunityDecider>>,
    ) -> Settlement {
        Settlement { store, orders, opportunities }
    }

    /// Handles every event from `from` on; returns how many commands appended something now
    /// (a repeat run appends nothing). Stops at the first failure.
    pub async fn run_from(&self, from: Position) -> Result<u64, SettlementError> {
        let mut applied = 0;
        let causes = [
            ("payment", &["ReceivableSettled"][..]),
            ("order", &["OrderInvoiced", "OrderLinesCancelled"][..]),
        ];
        for event in super::causes_from(&self.store, from, &causes) {
            let event = event?;
            let order_id = match (event.stream.kind.as_str(), event.event_type.as_str()) {
                ("payment", "ReceivableSettled") => {
                    match state_at::<PaymentDecider>(&self.store, event.stream.id, event.position)?
                    {
                        PaymentState::Opened(receivable) => receivable.order_id,
                        PaymentState::NotOpened => unreachable!("a receivable is opened first"),
                    }
                }
                ("order", "OrderInvoiced" | "OrderLinesCancelled") => OrderId(event.stream.id),
                _ => continue,
            };
            applied += self.react(&event, order_id).await?;
        }
        Ok(applied)
    }

    async fn react(
        &self,
        cause: &RecordedEvent,
        order_id: OrderId,
    ) -> Result<u64, SettlementError> {
        let OrderState::Placed(order) =
            state_at::<OrderDecider>(&self.store, order_id.0, cause.position)?
        else {
            // A receivable of an order this log does not hold (an import): nothing to record.
            return Ok(0);
        };
        if order.paid_on.is_some() || order.status() == OrderStatus::Cancelled {
            return Ok(0);
        }
        let Some(settlements) = self.settlements(&order, cause.position)? else {
            return Ok(0);
        };
        let at = cause.occurred_at;
        let record = OrderCommand::RecordPaid { settlements };
        let meta = caused_command(cause, PROCESS, 0);
        let mut applied =
            u64::from(self.orders.execute_at(order_id.0, &record, &meta, at).await?.appended_now());

        let QuoteState::Created(quote) =
            state_at::<QuoteDecider>(&self.store, order.quote_id.0, cause.position)?
        else {
            // An order placed from a quote this log does not hold: no opportunity to win.
            return Ok(applied);
        };
        // Whether to win is read from the opportunity as it is now, as its command is decided.
        // A won deal needs nothing. A lost one stays lost: losing was someone's recorded
        // decision with a reason, and reopening it is theirs to make, not the automation's.
        let opportunity_id = quote.opportunity_id;
        let current = self.opportunities.state_of(opportunity_id.0)?;
        if let OpportunityState::Opened(opportunity) = current
            && opportunity.status == Status::Open
        {
            let meta = caused_command(cause, PROCESS, 1);
            let win = OpportunityCommand::Win;
            let executed = self.opportunities.execute_at(opportunity_id.0, &win, &meta, at).await?;
            applied += u64::from(executed.appended_now());
        }
        Ok(applied)
    }

    /// How each invoice of `order` that asked for money was settled, as of `position`; `None`
    /// while anything is left to invoice or any such invoice is not settled by the customer's
    /// money (not yet, or by a write-off).
    fn settlements(
        &self,
        order: &Order,
        position: Position,
    ) -> Result<Option<Vec<InvoiceSettlement>>, SettlementError> {
        if !order.fully_invoiced() {
            return Ok(None);
        }
        let mut settlements = Vec::with_capacity(order.invoices.len());
        for invoice in order.invoices.iter().filter(|invoice| invoice.amount.amount_minor != 0) {
            let receivable_id = Invoicing::receivable_of(invoice.id.0);
            let PaymentState::Opened(receivable) =
                state_at::<PaymentDecider>(&self.store, receivable_id.0, position)?
            else {
                return Ok(None);
            };
            let Some(settled_on) = receivable.settled_on else { return Ok(None) };
            if receivable.written_off.amount_minor != 0 {
                return Ok(None);
            }
            settlements.push(InvoiceSettlement {
                invoice_id: invoice.id,
                received: receivable.allocated(),
                credited: receivable.credited,
                settled_on,
            });
        }
        Ok(Some(settlements))
    }
}
