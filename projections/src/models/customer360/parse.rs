//! Reading the tables back: [`QueryError`] and the parsers from the stored text forms (UUIDs,
//! RFC 3339 times and Unix seconds, ISO dates, currency codes) to typed values.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use ltc_domain::money::{Currency, Money};
use uuid::Uuid;

/// Why a customer360 query failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The read-model database failed (or lacks the customer360 tables: run the projector
    /// first). Retry once it is there.
    #[error("read-model query failed: {0}")]
    Storage(#[from] rusqlite::Error),
    /// A stored value does not parse as its column's type: the file was damaged or written by
    /// something else. Rebuild the read model.
    #[error("{column} holds {value:?}, which does not parse")]
    Corrupt { column: &'static str, value: String },
}

pub(super) fn parse_time(column: &'static str, text: &str) -> Result<DateTime<Utc>, QueryError> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| corrupt(column, text))
}

/// A time stored as Unix seconds.
pub(super) fn unix_time(column: &'static str, seconds: i64) -> Result<DateTime<Utc>, QueryError> {
    DateTime::from_timestamp(seconds, 0).ok_or_else(|| corrupt(column, &seconds.to_string()))
}

pub(super) fn parse_date(column: &'static str, text: &str) -> Result<NaiveDate, QueryError> {
    text.parse().map_err(|_| corrupt(column, text))
}

pub(super) fn parse_id(column: &'static str, text: &str) -> Result<Uuid, QueryError> {
    Uuid::parse_str(text).map_err(|_| corrupt(column, text))
}

pub(super) fn parse_money(
    column: &'static str,
    amount_minor: i64,
    currency: &str,
) -> Result<Money, QueryError> {
    let currency = Currency::new(currency).map_err(|_| corrupt(column, currency))?;
    Ok(Money::new(amount_minor, currency))
}

pub(super) fn optional<T>(
    column: &'static str,
    text: Option<String>,
    parse: impl Fn(&'static str, &str) -> Result<T, QueryError>,
) -> Result<Option<T>, QueryError> {
    text.map(|text| parse(column, &text)).transpose()
}

fn corrupt(column: &'static str, value: &str) -> QueryError {
    QueryError::Corrupt { column, value: value.chars().take(64).collect() }
}

/// Amounts summed per currency, never across currencies; in currency-code order.
#[derive(Debug, Default)]
pub(super) struct PerCurrency(BTreeMap<Currency, i64>);

impl PerCurrency {
    pub fn add(&mut self, amount: Money) {
        // Amounts in the tables are bounded by the domain's limits; saturating keeps a damaged
        // file from panicking a query.
        let total = self.0.entry(amount.currency).or_default();
        *total = total.saturating_add(amount.amount_minor);
    }

    /// The totals, leaving out currencies that add up to zero.
    pub fn totals(&self) -> Vec<Money> {
        self.0
            .iter()
            .filter(|(_, total)| **total != 0)
            .map(|(currency, total)| Money::new(*total, *currency))
            .collect()
    }
}
