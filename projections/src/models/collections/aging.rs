//! Accounts-receivable aging as of a business date, computed from due dates and application
//! dates at query time.
//!
//! An instalment's open amount at the end of `as_of` is its amount less everything applied to it
//! (receipts, credit notes, write-offs) dated `as_of` or before; only receivables invoiced by
//! `as_of` count. Its days past due are `as_of − due_on`. As in the domain's `payment::aging`,
//! an instalment due on `as_of` itself is not yet overdue, so the first overdue bucket is 1–30
//! days (the "0–30" of common AR reports), and `current` holds what is not yet due:
//!
//! | bucket     | days past due |
//! |------------|---------------|
//! | current    | ≤ 0           |
//! | 1–30       | 1 to 30       |
//! | 31–60      | 31 to 60      |
//! | 61–90      | 61 to 90      |
//! | 91–120     | 91 to 120     |
//! | over 120   | 121 and more  |
//!
//! `overdue` is the five past-due buckets together and `outstanding` all six.

use chrono::{NaiveDate, TimeDelta};
use rusqlite::{Connection, params};
use schemars::JsonSchema;
use serde::Serialize;

use super::QueryError;
use super::table::Table;
use crate::models::amount_text::amount_text;

/// What was owed at the end of a day, by how long it had been past due, in one currency: for
/// all customers (`customer_id` is `None`) or for one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct AgingRow {
    pub currency: String,
    pub customer_id: Option<String>,
    pub current_minor: i64,
    pub days_1_30_minor: i64,
    pub days_31_60_minor: i64,
    pub days_61_90_minor: i64,
    pub days_91_120_minor: i64,
    pub over_120_minor: i64,
    pub overdue_minor: i64,
    pub outstanding_minor: i64,
}

/// Aging at the end of `as_of`, one row per currency with anything outstanding.
pub fn aging(conn: &Connection, as_of: NaiveDate) -> Result<Vec<AgingRow>, QueryError> {
    query(conn, as_of, false)
}

/// Aging at the end of `as_of`, one row per customer and currency with anything outstanding,
/// ordered by customer.
pub fn aging_by_customer(conn: &Connection, as_of: NaiveDate) -> Result<Vec<AgingRow>, QueryError> {
    query(conn, as_of, true)
}

/// A text table of aging rows as of `as_of`, amounts in major units with two decimals.
pub fn render_aging(as_of: NaiveDate, rows: &[AgingRow]) -> String {
    let by_customer = rows.iter().any(|row| row.customer_id.is_some());
    let mut header = vec!["currency"];
    if by_customer {
        header.push("customer");
    }
    header.extend([
        "current",
        "1-30",
        "31-60",
        "61-90",
        "91-120",
        ">120",
        "overdue",
        "outstanding",
    ]);
    let n_label_columns = if by_customer { 2 } else { 1 };
    let mut table = Table::new(&header, n_label_columns);
    for row in rows {
        let mut cells = vec![row.currency.clone()];
        if by_customer {
            cells.push(row.customer_id.clone().unwrap_or_default());
        }
        cells.extend(
            [
                row.current_minor,
                row.days_1_30_minor,
                row.days_31_60_minor,
                row.days_61_90_minor,
                row.days_91_120_minor,
                row.over_120_minor,
                row.overdue_minor,
                row.outstanding_minor,
            ]
            .map(amount_text),
        );
        table.push(cells);
    }
    format!("AR aging as of {as_of}\n{}", table.render())
}

fn query(
    conn: &Connection,
    as_of: NaiveDate,
    by_customer: bool,
) -> Result<Vec<AgingRow>, QueryError> {
    // Bucket edges as dates: `days past due ≤ n` is `due_on ≥ as_of − n`, so ISO text compares
    // do the bucketing exactly, with no day arithmetic in SQL.
    let edge = |days: i64| (as_of - TimeDelta::days(days)).to_string();
    let group = if by_customer { "currency, customer_id" } else { "currency" };
    let customer = if by_customer { "customer_id" } else { "NULL" };
    let sql = format!(
        "WITH open_instalments AS (
            SELECT r.currency AS currency, r.customer_id AS customer_id, i.due_on AS due_on,
                   i.amount_minor - IFNULL((
                       SELECT SUM(a.amount_minor) FROM collections_applications a
                       WHERE a.receivable_id = i.receivable_id
                         AND a.instalment_idx = i.instalment_idx
                         AND a.applied_on <= ?1), 0) AS open_minor
            FROM collections_receivables r
            JOIN collections_instalments i ON i.receivable_id = r.receivable_id
            WHERE r.invoiced_on <= ?1
        )
        SELECT currency, {customer},
            SUM(CASE WHEN due_on >= ?1 THEN open_minor ELSE 0 END),
            SUM(CASE WHEN due_on < ?1 AND due_on >= ?2 THEN open_minor ELSE 0 END),
            SUM(CASE WHEN due_on < ?2 AND due_on >= ?3 THEN open_minor ELSE 0 END),
            SUM(CASE WHEN due_on < ?3 AND due_on >= ?4 THEN open_minor ELSE 0 END),
            SUM(CASE WHEN due_on < ?4 AND due_on >= ?5 THEN open_minor ELSE 0 END),
            SUM(CASE WHEN due_on < ?5 THEN open_minor ELSE 0 END)
        FROM open_instalments
        WHERE open_minor <> 0
        GROUP BY {group}
        ORDER BY {group}"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(
        params![as_of.to_string(), edge(30), edge(60), edge(90), edge(120)],
        |row| {
            let buckets: [i64; 6] =
                [row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?, row.get(7)?];
            let overdue_minor = buckets[1..].iter().sum();
            Ok(AgingRow {
                currency: row.get(0)?,
                customer_id: row.get(1)?,
                current_minor: buckets[0],
                days_1_30_minor: buckets[1],
                days_31_60_minor: buckets[2],
                days_61_90_minor: buckets[3],
                days_91_120_minor: buckets[4],
                over_120_minor: buckets[5],
                overdue_minor,
                outstanding_minor: overdue_minor + buckets[0],
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}
