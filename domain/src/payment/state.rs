//! The receivable as its facts leave it, and `evolve`, which only records those facts. Every
//! amount applied to an instalment is kept with its business date, so what was outstanding on
//! any past date can be recomputed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CustomerId, OrderId, PaymentId};
use crate::money::{Currency, Money};

use super::{Allocation, PaymentEvent, PaymentMethod, ReceiptId};

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
    /// Refunds, credit notes and write-offs recorded, bounded by `ADJUSTMENTS_MAX`.
    pub n_adjustments: u32,
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
                n_adjustments: 0,
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
        PaymentEvent::CreditRefunded { amount, .. } => {
            receivable.credit_balance = checked(receivable.credit_balance.checked_sub(*amount));
            receivable.refunded = checked(receivable.refunded.checked_add(*amount));
            receivable.n_adjustments += 1;
        }
        PaymentEvent::CreditNoteIssued { amount, issued_on, allocations, .. } => {
            apply(&mut receivable, allocations, *issued_on, ApplicationKind::CreditNote);
            receivable.credited = checked(receivable.credited.checked_add(*amount));
            receivable.n_adjustments += 1;
        }
        PaymentEvent::WrittenOff { amount, written_off_on, allocations, .. } => {
            apply(&mut receivable, allocations, *written_off_on, ApplicationKind::WriteOff);
            receivable.written_off = checked(receivable.written_off.checked_add(*amount));
            receivable.n_adjustments += 1;
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
