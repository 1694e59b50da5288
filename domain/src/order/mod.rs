//! Order: what the customer bought, placed only from an accepted quote. It is confirmed, then
//! fulfilled and invoiced line by line, in parts, and what is neither fulfilled nor invoiced can
//! be cancelled. Once everything is invoiced and every invoice's receivable is settled by the
//! customer's money, it is recorded as paid. Its status is never stored: it is derived from how
//! much is fulfilled and invoiced and whether it was paid (see [`OrderStatus`]).

mod accepted;
mod decide;
mod paid;
mod state;
mod terms;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::actor::{Ownership, Role};
use crate::decider::{Context, Decider};
use crate::ids::{CustomerId, OrderId, QuoteId, TeamId, UserId, id_type};
use crate::money::{Currency, Money};

pub use state::{IssuedInvoice, Order, OrderLine, OrderState, OrderStatus, status_of};
pub use terms::{
    INSTALMENTS_MAX, Instalment, PaymentTerms, PaymentTermsError, TERM_DAYS_MAX, TermPart,
};

/// The most lines an order may have: at least as many as a quote, so every accepted quote can
/// be ordered.
pub const ORDER_LINES_MAX: u32 = 500;
const _: () = assert!(crate::quote::QUOTE_LINES_MAX as u32 <= ORDER_LINES_MAX);
/// The largest quantity of one line.
pub const LINE_QUANTITY_MAX: u32 = 1_000_000;
/// The longest SKU, in bytes.
pub const SKU_BYTES_MAX: u32 = 64;
/// The longest cancellation reason, in bytes.
pub const REASON_BYTES_MAX: u32 = 256;
/// The most fulfilments, invoices or cancellations one order may record, each.
pub const DOCUMENTS_MAX: u32 = 200;

// The three kinds of document that move quantities on an order. They live here rather than in
// `ids.rs` because only the order names them so far; each makes a repeated command a no-op.
id_type!(
    /// An invoice raised against an order.
    InvoiceId
);
id_type!(
    /// One delivery (shipment, service hand-over) against an order.
    FulfilmentId
);
id_type!(
    /// One cancellation of order quantities.
    CancellationId
);

/// A priced line as the accepted quote has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct PricedLine {
    pub sku: String,
    pub quantity: u32,
    pub unit_price: Money,
    /// At most `quantity × unit_price`: lower when the quote gave a line discount.
    pub line_total: Money,
}

/// The facts of the accepted quote the order is placed from, copied by the shell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedQuote {
    pub quote_id: QuoteId,
    pub version: u32,
    pub customer_id: CustomerId,
    pub owner: UserId,
    pub team: Option<TeamId>,
    pub currency: Currency,
    pub lines: Vec<PricedLine>,
    /// The quote's total; must equal the sum of the line totals.
    pub total: Money,
}

/// A quantity of one order line, the line named by its position (0-based) in the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct LineQuantity {
    pub line: u32,
    pub quantity: u32,
}

/// A quantity of one order line and the part of the line total it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct LineAmount {
    pub line: u32,
    pub quantity: u32,
    pub amount: Money,
}

/// How one invoice of the order was settled, as its receivable records it (copied by the shell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct InvoiceSettlement {
    pub invoice_id: InvoiceId,
    /// The customer's receipts applied to the invoice; credit beyond what was owed not included.
    pub received: Money,
    /// Credit notes that reduced what was owed.
    pub credited: Money,
    /// The business date the receivable was settled.
    pub settled_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderCommand {
    Place {
        order_id: OrderId,
        quote: AcceptedQuote,
        payment_terms: PaymentTerms,
    },
    Confirm,
    Fulfil {
        fulfilment_id: FulfilmentId,
        lines: Vec<LineQuantity>,
    },
    /// Invoices these quantities; the amount is split into instalments by the order's payment
    /// terms, counted from `base_date` (usually the invoice date).
    Invoice {
        invoice_id: InvoiceId,
        lines: Vec<LineQuantity>,
        base_date: NaiveDate,
    },
    CancelLines {
        cancellation_id: CancellationId,
        lines: Vec<LineQuantity>,
        reason: String,
    },
    /// Cancels everything neither fulfilled nor invoiced.
    CancelRest {
        cancellation_id: CancellationId,
        reason: String,
    },
    /// Records that the customer paid the whole order: everything is invoiced, and `settlements`
    /// names each invoice that asked for money once, with what settled it. Receipts and credit
    /// notes must add up to each invoice's amount: an invoice settled by a write-off was not paid.
    RecordPaid {
        settlements: Vec<InvoiceSettlement>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub enum OrderEvent {
    Placed {
        order_id: OrderId,
        quote_id: QuoteId,
        quote_version: u32,
        customer_id: CustomerId,
        ownership: Ownership,
        currency: Currency,
        lines: Vec<PricedLine>,
        total: Money,
        payment_terms: PaymentTerms,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    Confirmed {
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    Fulfilled {
        fulfilment_id: FulfilmentId,
        lines: Vec<LineQuantity>,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    Invoiced {
        invoice_id: InvoiceId,
        lines: Vec<LineAmount>,
        amount: Money,
        /// Adds up to exactly `amount`.
        instalments: Vec<Instalment>,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    LinesCancelled {
        cancellation_id: CancellationId,
        lines: Vec<LineAmount>,
        amount: Money,
        reason: String,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    /// `received` plus `credited` is exactly what was invoiced; `paid_on` is the latest
    /// settlement date.
    Paid {
        settlements: Vec<InvoiceSettlement>,
        received: Money,
        credited: Money,
        paid_on: NaiveDate,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
}

impl OrderEvent {
    /// The event's name in the store and on the wire.
    pub fn event_type(&self) -> &'static str {
        match self {
            OrderEvent::Placed { .. } => "OrderPlaced",
            OrderEvent::Confirmed { .. } => "OrderConfirmed",
            OrderEvent::Fulfilled { .. } => "OrderFulfilled",
            OrderEvent::Invoiced { .. } => "OrderInvoiced",
            OrderEvent::LinesCancelled { .. } => "OrderLinesCancelled",
            OrderEvent::Paid { .. } => "OrderPaid",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum OrderError {
    /// The fulfilment id was already used for other quantities: a new delivery needs a new id.
    #[error("fulfilment {0:?} was already recorded with other quantities")]
    FulfilmentIdReused(FulfilmentId),
    /// The invoice id was already used for other quantities: a new invoice needs a new id.
    #[error("invoice {0:?} was already issued for other quantities")]
    InvoiceIdReused(InvoiceId),
    /// The command needs a placed order.
    #[error("the order has not been placed")]
    NotPlaced,
    /// Another order already lives in this stream; place the new one under its own id.
    #[error("order {0} is already placed")]
    AlreadyPlaced(OrderId),
    /// Fulfilment and invoicing wait for confirmation: confirm first.
    #[error("the order is not confirmed yet")]
    NotConfirmed,
    /// Everything was cancelled; nothing can change any more.
    #[error("the order is cancelled")]
    Cancelled,
    /// An order needs at least one line.
    #[error("an order needs at least one line")]
    Empty,
    /// Split the order: at most `ORDER_LINES_MAX` lines.
    #[error("an order has at most {ORDER_LINES_MAX} lines")]
    TooManyLines,
    /// Every amount must be in the quote's currency; convert in the quote first.
    #[error("an amount is in {got}, the order in {expected}")]
    CurrencyMismatch { expected: Currency, got: Currency },
    #[error("an order amount cannot be negative")]
    NegativeAmount,
    /// The line total must lie between zero and quantity × unit price: copy it from the quote.
    #[error("line {line}: total {line_total} is above quantity × unit price {list_amount}")]
    LineTotalMismatch { line: u32, list_amount: Money, line_total: Money },
    /// The line totals do not add up to the quote's total: copy both from the same version.
    #[error("the lines add up to {lines_sum}, the total says {total}")]
    TotalMismatch { lines_sum: Money, total: Money },
    #[error("amount out of range")]
    Overflow,
    /// A quantity must be 1 to `LINE_QUANTITY_MAX`.
    #[error("line {line}: quantity must be 1 to {LINE_QUANTITY_MAX}")]
    Quantity { line: u32 },
    #[error("the order has no line {0}")]
    UnknownLine(u32),
    /// Name each line once per command; add the quantities up.
    #[error("line {0} is named twice")]
    DuplicateLine(u32),
    /// More than is left to fulfil on this line; `open` is what may still be delivered.
    #[error("line {line}: {requested} requested, {open} left to fulfil")]
    BeyondOrdered { line: u32, open: u32, requested: u32 },
    /// More than is left to invoice on this line; `open` is what may still be invoiced.
    #[error("line {line}: {requested} requested, {open} left to invoice")]
    BeyondInvoiceable { line: u32, open: u32, requested: u32 },
    /// Only what is neither fulfilled nor invoiced can be cancelled; `open` is that quantity.
    /// Delivered or invoiced goods are returned with a credit note instead.
    #[error("line {line}: {requested} requested, {open} may be cancelled")]
    BeyondCancellable { line: u32, open: u32, requested: u32 },
    /// This order has recorded `DOCUMENTS_MAX` documents of the kind; ask an admin.
    #[error("the order has reached {DOCUMENTS_MAX} {what}")]
    TooManyDocuments { what: &'static str },
    /// A text field is blank or too long; `bytes_max` is its limit.
    #[error("{field} must be 1 to {bytes_max} bytes")]
    Text { field: &'static str, bytes_max: u32 },
    #[error("invalid payment terms: {0}")]
    PaymentTerms(#[from] PaymentTermsError),
    #[error("a {role:?} may not do this to this order")]
    Forbidden { role: Role },
    /// An order is paid only once everything still ordered is invoiced; `open` is what line
    /// `line` has left to invoice. Invoice or cancel it first.
    #[error("line {line} still has {open} to invoice")]
    NotFullyInvoiced { line: u32, open: u32 },
    /// The settlement names an invoice this order never issued.
    #[error("invoice {0:?} is not an invoice of this order")]
    UnknownInvoice(InvoiceId),
    /// Name each invoice once.
    #[error("invoice {0:?} is named twice")]
    InvoiceNamedTwice(InvoiceId),
    /// An invoice that asked for money is missing from the settlement: wait until its
    /// receivable is settled.
    #[error("invoice {0:?} is not settled")]
    InvoiceUnsettled(InvoiceId),
    /// What settled the invoice does not add up to its amount (for instance, part of it was
    /// written off): the order was not paid in full.
    #[error("invoice {invoice_id:?} asked for {invoiced}, {settled} was received or credited")]
    SettlementMismatch { invoice_id: InvoiceId, invoiced: Money, settled: Money },
    /// The order was already recorded as paid with other settlements; the record stands.
    #[error("the order was already recorded as paid with other settlements")]
    AlreadyPaid,
}

/// The order decider.
#[derive(Debug)]
pub enum OrderDecider {}

impl Decider for OrderDecider {
    type Command = OrderCommand;
    type Event = OrderEvent;
    type State = OrderState;
    type Error = OrderError;

    fn decide(
        state: &OrderState,
        command: &OrderCommand,
        context: &Context,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        decide::decide(state, command, context)
    }

    fn evolve(state: OrderState, event: &OrderEvent) -> OrderState {
        state::evolve(state, event)
    }

    /// Terminal once wholly cancelled, or once nothing is left to fulfil, invoice or cancel and
    /// the order is paid. A completed order not yet paid still waits for `RecordPaid`.
    fn is_terminal(state: &OrderState) -> bool {
        match state {
            OrderState::NotPlaced => false,
            OrderState::Placed(order) => {
                order.status() == OrderStatus::Cancelled
                    || (order.nothing_open() && order.paid_on.is_some())
            }
        }
    }
}
