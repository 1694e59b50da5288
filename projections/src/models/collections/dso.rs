//! Days sales outstanding: how many days of recent sales are still unpaid.
//!
//! ```text
//! DSO(as_of, N) = outstanding at the end of as_of
//!                 ÷ invoiced in the N days ending on as_of (as_of − N + 1 ..= as_of)
//!                 × N
//! ```
//!
//! per currency, in whole days rounded half up (both amounts are never negative), computed in
//! integers. Outstanding is [`super::aging`]'s, over all receivables invoiced by `as_of`
//! whenever they were invoiced; with nothing invoiced in the window DSO is undefined (`None`).
//! This is the simple (average-sales) method, not the countback method: it moves with the
//! window's sales, so compare only figures taken with the same `N`.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};
use rusqlite::{Connection, params};
use schemars::JsonSchema;
use serde::Serialize;

use super::QueryError;
use super::table::Table;
use crate::models::amount_text::amount_text;

/// The longest DSO window: ten years of days.
pub const DSO_DAYS_MAX: u32 = 3_650;

/// DSO in one currency, with the figures it is computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct DsoRow {
    pub currency: String,
    pub as_of: NaiveDate,
    pub days: u32,
    pub outstanding_minor: i64,
    /// Invoiced in the `days` days ending on `as_of`.
    pub invoiced_minor: i64,
    /// `outstanding ÷ invoiced × days`, rounded half up; `None` when nothing was invoiced.
    pub dso_days: Option<i64>,
}

/// DSO at the end of `as_of` over a window of `days` days, one row per currency with anything
/// outstanding or invoiced in the window.
pub fn dso(conn: &Connection, as_of: NaiveDate, days: u32) -> Result<Vec<DsoRow>, QueryError> {
    if !(1..=DSO_DAYS_MAX).contains(&days) {
        return Err(QueryError::DsoWindow(days));
    }
    let mut by_currency: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for row in super::aging(conn, as_of)? {
        by_currency.entry(row.currency).or_default().0 = row.outstanding_minor;
    }
    let window_start = as_of - TimeDelta::days(i64::from(days) - 1);
    let mut statement = conn.prepare_cached(
        "SELECT currency, SUM(total_minor) FROM collections_receivables
         WHERE invoiced_on >= ?1 AND invoiced_on <= ?2 GROUP BY currency",
    )?;
    let invoiced = statement
        .query_map(params![window_start.to_string(), as_of.to_string()], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })?;
    for row in invoiced {
        let (currency, invoiced_minor) = row?;
        by_currency.entry(currency).or_default().1 = invoiced_minor;
    }
    Ok(by_currency
        .into_iter()
        .map(|(currency, (outstanding_minor, invoiced_minor))| DsoRow {
            currency,
            as_of,
            days,
            outstanding_minor,
            invoiced_minor,
            dso_days: dso_days(outstanding_minor, invoiced_minor, days),
        })
        .collect())
}

/// A text table of DSO rows.
pub fn render_dso(rows: &[DsoRow]) -> String {
    let mut table =
        Table::new(&["currency", "as of", "window", "outstanding", "invoiced", "DSO"], 2);
    for row in rows {
        table.push(vec![
            row.currency.clone(),
            row.as_of.to_string(),
            format!("{} d", row.days),
            amount_text(row.outstanding_minor),
            amount_text(row.invoiced_minor),
            row.dso_days.map_or_else(|| "n/a".to_owned(), |days| format!("{days} d")),
        ]);
    }
    table.render()
}

/// `outstanding × days ÷ invoiced`, rounded half up, in i128 so no product overflows.
fn dso_days(outstanding_minor: i64, invoiced_minor: i64, days: u32) -> Option<i64> {
    if invoiced_minor <= 0 {
        return None;
    }
    let numerator = i128::from(outstanding_minor) * i128::from(days);
    let invoiced = i128::from(invoiced_minor);
    i64::try_from((2 * numerator + invoiced) / (2 * invoiced)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dso_rounds_half_up_to_whole_days_and_is_undefined_without_sales() {
        assert_eq!(dso_days(500, 1_000, 30), Some(15));
        assert_eq!(dso_days(1, 2_000, 30), Some(0), "0.015 days rounds down");
        assert_eq!(dso_days(1, 40, 2), Some(0), "0.05 days rounds down");
        assert_eq!(dso_days(1, 60, 90), Some(2), "1.5 days rounds up");
        assert_eq!(dso_days(2_000, 1_000, 90), Some(180), "more owed than sold in the window");
        assert_eq!(dso_days(500, 0, 30), None);
    }
}
