//! Reading back what the read models' tables store (ids, dates, times, currencies, codes), for a
//! projection that loads a row into memory (`batch_rows`). A value that does not read back means
//! the table and the code that wrote it disagree: an error, never a default.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use ltc_domain::money::Currency;
use rusqlite::{OptionalExtension, Row, Transaction};
use uuid::Uuid;

use crate::ProjectionError;

/// The one row `sql` selects for the key `id` (its `?1`), read back by `read`; `None` if the
/// table has none. `read`'s errors are the projection's (a value that does not read back), not
/// SQLite's, so they pass through `query_row` as its value.
pub fn row<T>(
    tx: &Transaction<'_>,
    sql: &str,
    id: &str,
    read: impl FnOnce(&Row<'_>) -> Result<T, ProjectionError>,
) -> Result<Option<T>, ProjectionError> {
    tx.prepare_cached(sql)?.query_row([id], |row| Ok(read(row))).optional()?.transpose()
}

fn unreadable(what: &str, text: &str) -> ProjectionError {
    ProjectionError::Unexpected(format!("{text:?} is not a stored {what}"))
}

/// An id, stored as lower-case hyphenated text.
pub fn uuid(text: &str) -> Result<Uuid, ProjectionError> {
    Uuid::parse_str(text).map_err(|_| unreadable("id", text))
}

/// A date as the tables store it, `YYYY-MM-DD`: exactly what `NaiveDate`'s `Display` writes,
/// without its formatting machinery, which took ≈ 2.8 % of a rebuild's instructions (callgrind,
/// BENCHMARKS.md, "Small costs a rebuild paid per event"). Years outside 0–9999, which
/// `Display` writes with a sign, go through `Display`.
pub fn day_text(day: NaiveDate) -> String {
    let Ok(year) = u32::try_from(day.year()) else { return day.to_string() };
    if year > 9999 {
        return day.to_string();
    }
    let digit = |value: u32| char::from(b'0' + (value % 10) as u8);
    let mut text = String::with_capacity(10);
    for value in [year / 1000, year / 100, year / 10, year] {
        text.push(digit(value));
    }
    for part in [day.month(), day.day()] {
        text.push('-');
        text.push(digit(part / 10));
        text.push(digit(part));
    }
    text
}

/// A date, stored as `YYYY-MM-DD`.
pub fn day(text: &str) -> Result<NaiveDate, ProjectionError> {
    text.parse().map_err(|_| unreadable("date", text))
}

/// A time, stored as RFC 3339.
pub fn time(text: &str) -> Result<DateTime<Utc>, ProjectionError> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| unreadable("time", text))
}

/// A currency, stored as its ISO 4217 code.
pub fn currency(text: &str) -> Result<Currency, ProjectionError> {
    Currency::new(text).map_err(|_| unreadable("currency", text))
}

/// A status, outcome or category: one of the constants the table is written with.
pub fn one_of(text: &str, known: &[&'static str]) -> Result<&'static str, ProjectionError> {
    known.iter().find(|code| **code == text).copied().ok_or_else(|| unreadable("code", text))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Mostly years 0–9999, the fast path; the rest anywhere chrono can hold a date, signed
        /// years included.
        #[test]
        fn a_day_is_stored_as_chronos_display_writes_it(
            days in proptest::prop_oneof![3 => -365..3_652_060i32, 1 => -100_000_000..100_000_000i32],
        ) {
            let Some(day) = NaiveDate::from_num_days_from_ce_opt(days) else { return Ok(()) };
            proptest::prop_assert_eq!(day_text(day), day.to_string());
        }
    }

    #[test]
    fn a_day_at_the_edges_of_four_digit_years_is_stored_as_chronos_display_writes_it() {
        let edges = [(0, 1, 1), (0, 12, 31), (-1, 12, 31), (9999, 12, 31), (10_000, 1, 1)];
        let days = edges.map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("a date"));
        for day in days.into_iter().chain([NaiveDate::MIN, NaiveDate::MAX]) {
            assert_eq!(day_text(day), day.to_string());
        }
        assert_eq!(day_text(days[1]), "0000-12-31");
        assert_eq!(day_text(days[4]), "+10000-01-01");
    }

    #[test]
    fn what_the_tables_store_reads_back_and_anything_else_is_an_error() {
        let id = Uuid::from_u128(42);
        assert_eq!(uuid(&id.to_string()).unwrap(), id);
        assert_eq!(day("2026-12-01").unwrap(), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(time("2026-12-01T07:05:00Z").unwrap().to_rfc3339(), "2026-12-01T07:05:00+00:00");
        assert_eq!(currency("EUR").unwrap().code(), "EUR");
        assert_eq!(one_of("won", &["open", "won"]).unwrap(), "won");
        assert!(matches!(uuid("x"), Err(ProjectionError::Unexpected(_))));
        assert!(matches!(day("2026-13-01"), Err(ProjectionError::Unexpected(_))));
        assert!(matches!(time("yesterday"), Err(ProjectionError::Unexpected(_))));
        assert!(matches!(currency("euro"), Err(ProjectionError::Unexpected(_))));
        assert!(matches!(one_of("lost", &["open", "won"]), Err(ProjectionError::Unexpected(_))));
    }
}
