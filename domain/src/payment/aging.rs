//! Outstanding, overdue and aging as of a date: pure functions of the receivable, never stored,
//! so a report for any past or future date is computed from the same facts.
//!
//! "As of a day" means at the end of that day: a receipt, credit note or write-off dated that
//! day counts, and an instalment due that day is not yet overdue.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::Money;

use super::Receivable;
use super::state::sum;

/// How long an amount has been past its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgingBucket {
    /// Not yet past due (due today or later).
    Current,
    Days1To30,
    Days31To60,
    Days61To90,
    Over90Days,
}

impl AgingBucket {
    /// The bucket for an amount due on `due_on`, seen at the end of `as_of`.
    pub fn of(due_on: NaiveDate, as_of: NaiveDate) -> AgingBucket {
        match (as_of - due_on).num_days() {
            days_past_due if days_past_due <= 0 => AgingBucket::Current,
            1..=30 => AgingBucket::Days1To30,
            31..=60 => AgingBucket::Days31To60,
            61..=90 => AgingBucket::Days61To90,
            _ => AgingBucket::Over90Days,
        }
    }
}

/// What was outstanding in each aging bucket; the buckets add up to [`outstanding_as_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aging {
    pub current: Money,
    pub days_1_to_30: Money,
    pub days_31_to_60: Money,
    pub days_61_to_90: Money,
    pub over_90_days: Money,
}

impl Aging {
    pub fn bucket(&self, bucket: AgingBucket) -> Money {
        match bucket {
            AgingBucket::Current => self.current,
            AgingBucket::Days1To30 => self.days_1_to_30,
            AgingBucket::Days31To60 => self.days_31_to_60,
            AgingBucket::Days61To90 => self.days_61_to_90,
            AgingBucket::Over90Days => self.over_90_days,
        }
    }
}

/// What the customer owed at the end of `as_of`: the total less receipts, credit notes and
/// write-offs dated that day or before.
pub fn outstanding_as_of(receivable: &Receivable, as_of: NaiveDate) -> Money {
    sum(
        receivable.currency(),
        receivable.instalments.iter().map(|instalment| instalment.open_as_of(as_of)),
    )
}

/// The part of [`outstanding_as_of`] whose due date had passed by `as_of`.
pub fn overdue_as_of(receivable: &Receivable, as_of: NaiveDate) -> Money {
    sum(
        receivable.currency(),
        receivable
            .instalments
            .iter()
            .filter(|instalment| instalment.due_on < as_of)
            .map(|instalment| instalment.open_as_of(as_of)),
    )
}

/// [`outstanding_as_of`] split by how long each instalment had been past due on `as_of`.
pub fn aging_as_of(receivable: &Receivable, as_of: NaiveDate) -> Aging {
    let in_bucket = |bucket: AgingBucket| {
        sum(
            receivable.currency(),
            receivable
                .instalments
                .iter()
                .filter(|instalment| AgingBucket::of(instalment.due_on, as_of) == bucket)
                .map(|instalment| instalment.open_as_of(as_of)),
        )
    };
    Aging {
        current: in_bucket(AgingBucket::Current),
        days_1_to_30: in_bucket(AgingBucket::Days1To30),
        days_31_to_60: in_bucket(AgingBucket::Days31To60),
        days_61_to_90: in_bucket(AgingBucket::Days61To90),
        over_90_days: in_bucket(AgingBucket::Over90Days),
    }
}
