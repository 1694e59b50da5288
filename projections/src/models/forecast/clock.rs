//! The forecast's clock: the latest business time (`occurred_at`) of any event it has applied,
//! kept in `forecast_clock`. It is the read model's "now": recency is measured to it, and a
//! forecast asked for without a date is made on its day. The read model reads no wall clock, so
//! it gives the same answer whenever it is asked; a caller with a business date of its own (the
//! query service's today) names that day instead (`forecast_made_on`, `win_probabilities_on`).
//!
//! The day a forecast is made on decides where an overdue open deal goes. A deal expected to
//! close on a day that is already over can still close, but not in the past: a forecast made on
//! day D gives it the close date D (`max(expected_close, D)` in the queries), so it counts in D's
//! period and never in a period that ended before D. Left at its expected close, it kept adding
//! pipeline to periods that were over (a past quarter's P50 above what actually closed in it)
//! and was missing from the period it can still land in.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::query::{QueryError, parse_time};
use super::schema::timestamp;
use crate::ProjectionError;

/// The latest business time the batch in hand has seen, written at its flush.
#[derive(Debug, Default)]
pub(super) struct PendingClock {
    latest_at: Option<DateTime<Utc>>,
}

impl PendingClock {
    pub(super) fn observe(&mut self, occurred_at: DateTime<Utc>) {
        self.latest_at = self.latest_at.max(Some(occurred_at));
    }

    /// Moves the clock forward to the batch's latest time, never back: a back-dated event does
    /// not turn it back, and a rebuild and a live build, whatever their batches, end at the same
    /// time.
    pub(super) fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let Some(latest_at) = self.latest_at.take() else { return Ok(()) };
        tx.prepare_cached(
            "INSERT INTO forecast_clock (clock, latest_at) VALUES (0, ?1) \
             ON CONFLICT (clock) DO UPDATE SET latest_at = max(latest_at, excluded.latest_at)",
        )?
        .execute(params![timestamp(latest_at)])?;
        Ok(())
    }

    /// The batch rolled back: its events were not applied.
    pub(super) fn discard(&mut self) {
        self.latest_at = None;
    }
}

/// The latest business time the read model has seen; `None` before its first event.
pub(super) fn latest_at(conn: &Connection) -> Result<Option<DateTime<Utc>>, QueryError> {
    let latest: Option<String> = conn
        .query_row("SELECT latest_at FROM forecast_clock WHERE clock = 0", [], |row| row.get(0))
        .optional()?;
    latest.as_deref().map(parse_time).transpose()
}

/// The day a forecast is made on: `as_of` when the caller names one, else the clock's day.
pub(super) fn forecast_day(
    conn: &Connection,
    as_of: Option<NaiveDate>,
) -> Result<Option<NaiveDate>, QueryError> {
    match as_of {
        Some(day) => Ok(Some(day)),
        None => Ok(latest_at(conn)?.map(|at| at.date_naive())),
    }
}

/// The forecast's day as the queries' `max(expected_close, ?)` takes it: below every date when
/// there is none (an empty read model), so every expected close stands.
pub(super) fn day_key(day: Option<NaiveDate>) -> String {
    day.map(|day| day.to_string()).unwrap_or_default()
}

/// The last instant of `day` (UTC) the store can record: a rebuild up to a day, and a forecast
/// made on it, know all of it.
pub(super) fn end_of(day: NaiveDate) -> DateTime<Utc> {
    let start = day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
    start + TimeDelta::days(1) - TimeDelta::microseconds(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_of_a_day_is_its_last_microsecond() {
        let day = NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
        assert_eq!(end_of(day).to_rfc3339(), "2026-02-28T23:59:59.999999+00:00");
    }

    #[test]
    fn a_day_key_compares_as_text_like_the_stored_dates_and_no_day_is_below_them_all() {
        let day = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert_eq!(day_key(Some(day)), "2026-10-01");
        assert!("2026-09-30" < day_key(Some(day)).as_str());
        assert!(day_key(None).as_str() < "0001-01-01");
    }
}
