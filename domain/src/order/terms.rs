//! Payment terms: how an invoice's amount is split into instalments, each a share of the amount
//! due some days after a base date (for example 30 % on the invoice date and 70 % net 30). The
//! split uses `Money::allocate`, so the instalments always add up to exactly the invoiced amount.

use chrono::{Days, NaiveDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::money::{Bps, Money, MoneyError};

/// The most instalments one set of terms may have.
pub const INSTALMENTS_MAX: u32 = 12;
/// The longest payment term, in days after the base date.
pub const TERM_DAYS_MAX: u32 = 730;

/// One part of the terms: this share of the amount is due this many days after the base date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct TermPart {
    pub share: Bps,
    pub days_after: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct PaymentTerms {
    pub parts: Vec<TermPart>,
}

/// One amount of an invoice and the day it falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct Instalment {
    pub share: Bps,
    pub amount: Money,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PaymentTermsError {
    /// Send 1 to `INSTALMENTS_MAX` parts.
    #[error("payment terms need 1 to {INSTALMENTS_MAX} parts, got {0}")]
    PartCount(u32),
    /// Every part must carry some of the amount; drop the empty one.
    #[error("a part of the payment terms has a zero share")]
    ZeroShare,
    /// The shares must add up to exactly 100 %.
    #[error("the shares add up to {total_bps} bps, not 10000")]
    SharesNotWhole { total_bps: u64 },
    /// Parts must be listed in the order they fall due, each within `TERM_DAYS_MAX`.
    #[error("the parts must fall due in order, each within {TERM_DAYS_MAX} days")]
    Days,
    /// The base date is so late that a due date leaves the calendar; send a real date.
    #[error("a due date after {0} is out of range")]
    DueDateOutOfRange(NaiveDate),
}

impl PaymentTerms {
    /// Everything due on the base date.
    pub fn immediate() -> PaymentTerms {
        PaymentTerms { parts: vec![TermPart { share: Bps::HUNDRED_PERCENT, days_after: 0 }] }
    }

    pub fn validate(&self) -> Result<(), PaymentTermsError> {
        let n_parts = u32::try_from(self.parts.len()).unwrap_or(u32::MAX);
        if n_parts == 0 || n_parts > INSTALMENTS_MAX {
            return Err(PaymentTermsError::PartCount(n_parts));
        }
        if self.parts.iter().any(|part| part.share == Bps::ZERO) {
            return Err(PaymentTermsError::ZeroShare);
        }
        let total_bps: u64 = self.parts.iter().map(|part| u64::from(part.share.0)).sum();
        if total_bps != u64::from(Bps::HUNDRED_PERCENT.0) {
            return Err(PaymentTermsError::SharesNotWhole { total_bps });
        }
        // Strictly later each time: a receivable's due schedule has one instalment per date.
        let in_order = self.parts.windows(2).all(|pair| pair[0].days_after < pair[1].days_after);
        if !in_order || self.parts.iter().any(|part| part.days_after > TERM_DAYS_MAX) {
            return Err(PaymentTermsError::Days);
        }
        Ok(())
    }

    /// The instalments of `amount` counted from `base_date`. The terms must be valid.
    pub fn schedule(
        &self,
        amount: Money,
        base_date: NaiveDate,
    ) -> Result<Vec<Instalment>, PaymentTermsError> {
        let shares: Vec<Bps> = self.parts.iter().map(|part| part.share).collect();
        let amounts = amount.allocate(&shares).map_err(|error| match error {
            MoneyError::SharesNotWhole { total_bps } => {
                PaymentTermsError::SharesNotWhole { total_bps }
            }
            other => unreachable!("allocating within one amount only fails on shares: {other}"),
        })?;
        self.parts
            .iter()
            .zip(amounts)
            .map(|(part, amount)| {
                let due_on = base_date
                    .checked_add_days(Days::new(u64::from(part.days_after)))
                    .ok_or(PaymentTermsError::DueDateOutOfRange(base_date))?;
                Ok(Instalment { share: part.share, amount, due_on })
            })
            .collect()
    }
}
