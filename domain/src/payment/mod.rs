//! Payment (collections): one receivable per invoice, with its due schedule, the payments
//! received against it, refunds of customer credit, credit notes and write-offs.
//!
//! Money is never lost or created: every receipt is split, oldest instalment first, into
//! amounts allocated to instalments and customer credit, so at all times
//! `received = allocated + credit balance + refunded` and
//! `outstanding = invoiced − allocated − credited − written off ≥ 0`. Overdue amounts and aging
//! are computed as of a date by the functions in [`aging`], never stored.

pub mod aging;
mod allocation;
mod decide;
mod state;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::actor::Role;
use crate::decider::{Context, Decider};
use crate::ids::{CustomerId, OrderId, PaymentId, id_type};
use crate::money::{Currency, Money};

pub use aging::{Aging, AgingBucket, aging_as_of, outstanding_as_of, overdue_as_of};
pub use state::{
    Application, ApplicationKind, CreditNote, Instalment, PaymentState, Receipt, Receivable,
    Refund, WriteOff,
};

/// The longest invoice reference, payment reference or reason, in bytes.
pub const TEXT_BYTES_MAX: usize = 256;
/// The most instalments in one due schedule.
pub const INSTALMENTS_MAX: usize = 120;
/// The most receipts one receivable records.
pub const RECEIPTS_MAX: usize = 1_000;
/// The most refunds, credit notes and write-offs, together, on one receivable.
pub const ADJUSTMENTS_MAX: usize = 1_000;
/// The largest single amount (an invoice total, receipt or adjustment): 10^13 in major units.
pub const AMOUNT_MINOR_MAX: i64 = 1_000_000_000_000_000;

// With every amount and count bounded, no sum a receivable keeps can overflow an i64.
const _: () = assert!(
    (AMOUNT_MINOR_MAX as i128) * ((RECEIPTS_MAX + ADJUSTMENTS_MAX + INSTALMENTS_MAX) as i128)
        < i64::MAX as i128
);

// The documents that move money on a receivable. The shell mints each id once per real-world
// document, so a retried command is recognised and records nothing twice, while a second
// document of the same amount gets its own id and is recorded. (The receivable itself is
// identified by `PaymentId`.)
id_type!(
    /// One payment received from the customer.
    ReceiptId
);
id_type!(
    /// One refund of customer credit.
    RefundId
);
id_type!(
    /// One credit note reducing what is owed.
    CreditNoteId
);
id_type!(
    /// One write-off of what cannot be collected.
    WriteOffId
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    BankTransfer,
    Card,
    Cash,
    Cheque,
    Other,
}

/// One line of a due schedule: this much is due on this date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct InstalmentDue {
    pub due_on: NaiveDate,
    pub amount: Money,
}

/// The part of a receipt, credit note or write-off applied to one instalment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct Allocation {
    /// The instalment's position in the schedule, from 0.
    pub instalment_idx: u32,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentCommand {
    /// Opens the receivable of one invoice. The instalments add up to the total, in date order.
    OpenReceivable {
        receivable_id: PaymentId,
        invoice_reference: String,
        order_id: OrderId,
        customer_id: CustomerId,
        total: Money,
        schedule: Vec<InstalmentDue>,
    },
    /// Records a payment, allocated oldest instalment first; any excess becomes credit.
    ReceivePayment {
        receipt_id: ReceiptId,
        amount: Money,
        method: PaymentMethod,
        /// The bank or cheque reference; may be empty (cash).
        reference: String,
        /// The business date the money arrived, which may lie in the past.
        received_on: NaiveDate,
    },
    /// Pays customer credit back; never more than the credit balance.
    RefundCredit { refund_id: RefundId, amount: Money, reference: String, refunded_on: NaiveDate },
    /// Reduces what is owed, oldest instalment first; never more than is outstanding.
    IssueCreditNote {
        credit_note_id: CreditNoteId,
        amount: Money,
        reason: String,
        issued_on: NaiveDate,
    },
    /// Gives up on collecting part of what is owed; never more than is outstanding.
    WriteOff { write_off_id: WriteOffId, amount: Money, reason: String, written_off_on: NaiveDate },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub enum PaymentEvent {
    ReceivableOpened {
        receivable_id: PaymentId,
        invoice_reference: String,
        order_id: OrderId,
        customer_id: CustomerId,
        total: Money,
        schedule: Vec<InstalmentDue>,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    /// `allocations` plus `credit` add up to exactly `amount`.
    PaymentReceived {
        receipt_id: ReceiptId,
        amount: Money,
        method: PaymentMethod,
        reference: String,
        received_on: NaiveDate,
        allocations: Vec<Allocation>,
        /// The part beyond what was outstanding, kept as customer credit.
        credit: Money,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    CreditRefunded {
        refund_id: RefundId,
        amount: Money,
        reference: String,
        refunded_on: NaiveDate,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    /// `allocations` add up to exactly `amount`.
    CreditNoteIssued {
        credit_note_id: CreditNoteId,
        amount: Money,
        reason: String,
        issued_on: NaiveDate,
        allocations: Vec<Allocation>,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    /// `allocations` add up to exactly `amount`.
    WrittenOff {
        write_off_id: WriteOffId,
        amount: Money,
        reason: String,
        written_off_on: NaiveDate,
        allocations: Vec<Allocation>,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    /// Nothing is outstanding any more; emitted with the fact that brought it to zero.
    ReceivableSettled {
        settled_on: NaiveDate,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
}

impl PaymentEvent {
    /// The event's name in the store and on the wire.
    pub fn event_type(&self) -> &'static str {
        match self {
            PaymentEvent::ReceivableOpened { .. } => "ReceivableOpened",
            PaymentEvent::PaymentReceived { .. } => "PaymentReceived",
            PaymentEvent::CreditRefunded { .. } => "CreditRefunded",
            PaymentEvent::CreditNoteIssued { .. } => "CreditNoteIssued",
            PaymentEvent::WrittenOff { .. } => "ReceivableWrittenOff",
            PaymentEvent::ReceivableSettled { .. } => "ReceivableSettled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PaymentError {
    /// Only finance and admins (the process manager acts as admin) move money: ask one of them.
    #[error("a {role:?} may not change receivables or payments")]
    Forbidden { role: Role },
    /// Open the receivable for the invoice first.
    #[error("the receivable has not been opened")]
    NotOpened,
    /// This stream already holds a receivable, under another id or opened with other details:
    /// use a new id for a new invoice, or resend the original opening exactly.
    #[error("receivable {0} is already open")]
    AlreadyOpened(PaymentId),
    /// Convert at a rate outside ltc and send the amount in the receivable's currency.
    #[error("the amount is in {got}, the receivable in {expected}")]
    CurrencyMismatch { expected: Currency, got: Currency },
    /// Every amount must be positive and at most [`AMOUNT_MINOR_MAX`]: correct the amount.
    #[error("amounts must be 1 to {AMOUNT_MINOR_MAX} minor units, got {amount_minor}")]
    AmountOutOfRange { amount_minor: i64 },
    /// A schedule has 1 to [`INSTALMENTS_MAX`] instalments.
    #[error("a schedule has 1 to {INSTALMENTS_MAX} instalments, got {count}")]
    InstalmentCount { count: u32 },
    /// The instalments must add up to the invoiced total: fix the schedule.
    #[error("the instalments add up to {scheduled}, the total is {total}")]
    ScheduleNotWhole { total: Money, scheduled: Money },
    /// Instalments are listed by due date, each strictly after the one before: reorder or
    /// merge them.
    #[error("instalment {instalment_idx} is not due after the one before it")]
    ScheduleOutOfOrder { instalment_idx: u32 },
    /// A required text is blank or longer than [`TEXT_BYTES_MAX`].
    #[error("{field} must be at most {TEXT_BYTES_MAX} bytes and, where required, not blank")]
    Text { field: &'static str },
    /// This receipt id was recorded with other details. Resend the original exactly, or give a
    /// different payment a new id.
    #[error("receipt {0} was already recorded with different details")]
    ReceiptIdReused(ReceiptId),
    /// This refund id was recorded with other details. Resend the original exactly, or give a
    /// different refund a new id.
    #[error("refund {0} was already recorded with different details")]
    RefundIdReused(RefundId),
    /// This credit note id was recorded with other details. Resend the original exactly, or
    /// give a different credit note a new id.
    #[error("credit note {0} was already issued with different details")]
    CreditNoteIdReused(CreditNoteId),
    /// This write-off id was recorded with other details. Resend the original exactly, or give
    /// a different write-off a new id.
    #[error("write-off {0} was already recorded with different details")]
    WriteOffIdReused(WriteOffId),
    /// Only credit (money received beyond what was owed) can be refunded.
    #[error("cannot refund more than the credit balance of {credit}")]
    RefundExceedsCredit { credit: Money },
    /// A credit note or write-off reduces only what is still owed.
    #[error("cannot reduce by more than the {outstanding} outstanding")]
    ExceedsOutstanding { outstanding: Money },
    /// The receivable holds [`RECEIPTS_MAX`] receipts; nothing more can be recorded on it.
    #[error("the receivable already holds {RECEIPTS_MAX} receipts")]
    TooManyReceipts,
    /// The receivable holds [`ADJUSTMENTS_MAX`] refunds, credit notes and write-offs.
    #[error("the receivable already holds {ADJUSTMENTS_MAX} adjustments")]
    TooManyAdjustments,
}

/// The payment decider: one stream per receivable.
#[derive(Debug)]
pub enum PaymentDecider {}

impl Decider for PaymentDecider {
    type Command = PaymentCommand;
    type Event = PaymentEvent;
    type State = PaymentState;
    type Error = PaymentError;

    fn decide(
        state: &PaymentState,
        command: &PaymentCommand,
        context: &Context,
    ) -> Result<Vec<PaymentEvent>, PaymentError> {
        decide::decide(state, command, context)
    }

    fn evolve(state: PaymentState, event: &PaymentEvent) -> PaymentState {
        state::evolve(state, event)
    }

    /// A settled receivable still records a customer's late duplicate payment, and refunds the
    /// credit it leaves, so a receivable is never terminal.
    fn is_terminal(_state: &PaymentState) -> bool {
        false
    }
}
