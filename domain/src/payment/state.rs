//! The receivable as its facts leave it, and `evolve`, which only records those facts. Every
//! amount applied to an instalment is kept with its business date, so what was outstanding on
//! any past date can be recomputed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CustomerId, OrderId, PaymentId};
use crate::money::{Currency, Money};

use super::{
    Allocation, CreditNoteId, PaymentEvent, PaymentMethod, ReceiptId, RefundId, WriteOffId,
};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant, reason = "one per stream: a box adds only an allocation")]
pub enum PaymentState {
    #[default]
    NotOpened,
    Opened(Receivable),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receivable {
    pub id: PaymentId,
    pub invoice_reference: String,
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    /// The invoiced total; the instalments add up to it.
    pub total: Money,
    pub instalments: Vec<Instalment>,
    pub receipts: Vec<Receipt>,
    /// Money received beyond what was owed and not yet refunded.
    pub credit_balance: Money,
    pub refunded: Money,
    /// The sum of credit notes.
    pub credited: Money,
    pub written_off: Money,
    /// Refunds, credit notes and write-offs, each kept whole so a repeat can be recognised;
    /// together bounded by `ADJUSTMENTS_MAX`.
    pub refunds: Vec<Refund>,
    pub credit_notes: Vec<CreditNote>,
    pub write_offs: Vec<WriteOff>,
    /// The business date of the fact that left nothing outstanding.
    pub settled_on: Option<NaiveDate>,
    pub opened_at: DateTime<Utc>,
}

/// One due date of the schedule and everything applied to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    pub due_on: NaiveDate,
    pub amount: Money,
    pub applications: Vec<Application>,
}

/// An amount of a receipt, credit note or write-off applied to an instalment on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub on: NaiveDate,
    pub kind: ApplicationKind,
    pub amount: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationKind {
    Receipt,
    CreditNote,
    WriteOff,
}

/// A recorded payment, kept whole so a repeat of it can be recognised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub receipt_id: ReceiptId,
    pub amount: Money,
    pub method: PaymentMethod,
    pub reference: String,
    pub received_on: NaiveDate,
    /// The part that became customer credit.
    pub credit: Money,
}

/// A recorded refund of customer credit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub refund_id: RefundId,
    pub amount: Money,
    pub reference: String,
    pub refunded_on: NaiveDate,
}

/// A recorded credit note. Its allocations are not kept here: they are in the instalments'
/// applications, and a repeat is recognised without them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditNote {
    pub credit_note_id: CreditNoteId,
    pub amount: Money,
    pub reason: String,
    pub issued_on: NaiveDate,
}

/// A recorded write-off; like a credit note, without its allocations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOff {
    pub write_off_id: WriteOffId,
    pub amount: Money,
    pub reason: String,
    pub written_off_on: NaiveDate,
}

impl Receivable {
    pub fn currency(&self) -> Currency {
        self.total.currency
    }

    /// What is still owed today: the total less everything applied to the instalments.
    pub fn outstanding(&self) -> Money {
        sum(self.currency(), self.instalments.iter().map(Instalment::open))
    }

    /// The sum of all receipts, including the parts that became credit.
    pub fn received(&self) -> Money {
        sum(self.currency(), self.receipts.iter().map(|receipt| receipt.amount))
    }

    /// The parts of receipts applied to instalments.
    pub fn allocated(&self) -> Money {
        self.applied(ApplicationKind::Receipt)
    }

    pub fn is_settled(&self) -> bool {
        self.settled_on.is_some()
    }

    pub fn receipt(&self, receipt_id: ReceiptId) -> Option<&Receipt> {
        self.receipts.iter().find(|receipt| receipt.receipt_id == receipt_id)
    }

    pub fn refund(&self, refund_id: RefundId) -> Option<&Refund> {
        self.refunds.iter().find(|refund| refund.refund_id == refund_id)
    }

    pub fn credit_note(&self, credit_note_id: CreditNoteId) -> Option<&CreditNote> {
        self.credit_notes.iter().find(|note| note.credit_note_id == credit_note_id)
    }

    pub fn write_off(&self, write_off_id: WriteOffId) -> Option<&WriteOff> {
        self.write_offs.iter().find(|write_off| write_off.write_off_id == write_off_id)
    }

    /// Refunds, credit notes and write-offs recorded, bounded by `ADJUSTMENTS_MAX`.
    pub fn n_adjustments(&self) -> usize {
        self.refunds.len() + self.credit_notes.len() + self.write_offs.len()
    }

    fn applied(&self, kind: ApplicationKind) -> Money {
        let applications = self.instalments.iter().flat_map(|instalment| &instalment.applications);
        sum(
            self.currency(),
            applications
                .filter(|application| application.kind == kind)
                .map(|application| application.amount),
        )
    }
}

impl Instalment {
    /// What is still owed on this instalment today.
    pub fn open(&self) -> Money {
        self.open_as_of(NaiveDate::MAX)
    }

    /// What was owed on this instalment at the end of `day`: applications dated later are not
    /// yet counted.
    pub fn open_as_of(&self, day: NaiveDate) -> Money {
        let applied = sum(
            self.amount.currency,
            self.applications
                .iter()
                .filter(|application| application.on <= day)
                .map(|application| application.amount),
        );
        checked(self.amount.checked_sub(applied))
    }
}

/// Adds amounts of one currency. The limits bound every sum a receivable keeps far below
/// `i64::MAX`, and decide admits only amounts of the receivable's currency.
pub(super) fn sum(currency: Currency, amounts: impl Iterator<Item = Money>) -> Money {
    amounts.fold(Money::zero(currency), |total, amount| checked(total.checked_add(amount)))
}

fn checked(result: Result<Money, crate::money::MoneyError>) -> Money {
    result.expect("decide admits only bounded amounts of the receivable's currency")
}

pub(super) fn evolve(state: PaymentState, event: &PaymentEvent) -> PaymentState {
    let receivable = match (state, event) {
        (
            PaymentState::NotOpened,
            PaymentEvent::ReceivableOpened {
                receivable_id,
                invoice_reference,
                order_id,
                customer_id,
                total,
                schedule,
                at,
            },
        ) => {
            let zero = Money::zero(total.currency);
            return PaymentState::Opened(Receivable {
                id: *receivable_id,
                invoice_reference: invoice_reference.clone(),
                order_id: *order_id,
                customer_id: *customer_id,
                total: *total,
                instalments: schedule
                    .iter()
                    .map(|due| Instalment {
                        due_on: due.due_on,
                        amount: due.amount,
                        applications: Vec::new(),
                    })
                    .collect(),
                receipts: Vec::new(),
                credit_balance: zero,
                refunded: zero,
                credited: zero,
                written_off: zero,
                refunds: Vec::new(),
                credit_notes: Vec::new(),
                write_offs: Vec::new(),
                settled_on: None,
                opened_at: *at,
            });
        }
        (PaymentState::Opened(receivable), _) => receivable,
        (PaymentState::NotOpened, _) => {
            unreachable!(
                "every stream starts with ReceivableOpened; decide emits nothing else first"
            )
        }
    };
    PaymentState::Opened(record(receivable, event))
}

fn record(mut receivable: Receivable, event: &PaymentEvent) -> Receivable {
    match event {
        PaymentEvent::ReceivableOpened { .. } => {
            unreachable!("ReceivableOpened is only ever the first event of a stream")
        }
        PaymentEvent::PaymentReceived {
            receipt_id,
            amount,
            method,
            reference,
            received_on,
            allocations,
            credit,
            ..
        } => {
            apply(&mut receivable, allocations, *received_on, ApplicationKind::Receipt);
            receivable.credit_balance = checked(receivable.credit_balance.checked_add(*credit));
            receivable.receipts.push(Receipt {
                receipt_id: *receipt_id,
                amount: *amount,
                method: *method,
                reference: reference.clone(),
                received_on: *received_on,
                credit: *credit,
            });
        }
        PaymentEvent::CreditRefunded { refund_id, amount, reference, refunded_on, .. } => {
            receivable.credit_balance = checked(receivable.credit_balance.checked_sub(*amount));
            receivable.refunded = checked(receivable.refunded.checked_add(*amount));
            receivable.refunds.push(Refund {
                refund_id: *refund_id,
                amount: *amount,
                reference: reference.clone(),
                refunded_on: *refunded_on,
            });
        }
        PaymentEvent::CreditNoteIssued {
            credit_note_id,
            amount,
            reason,
            issued_on,
            allocations,
            ..
        } => {
            apply(&mut receivable, allocations, *issued_on, ApplicationKind::CreditNote);
            receivable.credited = checked(receivable.credited.checked_add(*amount));
            receivable.credit_notes.push(CreditNote {
                credit_note_id: *credit_note_id,
                amount: *amount,
                reason: reason.clone(),
                issued_on: *issued_on,
            });
        }
        PaymentEvent::WrittenOff {
            write_off_id,
            amount,
            reason,
            written_off_on,
            allocations,
            ..
        } => {
            apply(&mut receivable, allocations, *written_off_on, ApplicationKind::WriteOff);
            receivable.written_off = checked(receivable.written_off.checked_add(*amount));
            receivable.write_offs.push(WriteOff {
                write_off_id: *write_off_id,
                amount: *amount,
                reason: reason.clone(),
                written_off_on: *written_off_on,
            });
        }
        PaymentEvent::ReceivableSettled { settled_on, .. } => {
            receivable.settled_on = Some(*settled_on);
        }
    }
    receivable
}

fn apply(
    receivable: &mut Receivable,
    allocations: &[Allocation],
    on: NaiveDate,
    kind: ApplicationKind,
) {
    for allocation in allocations {
        let instalment = usize::try_from(allocation.instalment_idx)
            .ok()
            .and_then(|idx| receivable.instalments.get_mut(idx))
            .expect("decide allocates only to instalments of the schedule");
        instalment.applications.push(Application { on, kind, amount: allocation.amount });
    }
}
