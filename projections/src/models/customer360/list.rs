//! [`list`]: every customer with the figures that help choose one to look at: tier, owner, open
//! pipeline and open AR (outstanding today, whatever its dates), by name. [`list_split`] is the
//! same list for a business date: open AR from dated facts at the end of that day, the rest from
//! the read model as it stood (see `query.rs`'s `customer_split`).

use std::collections::HashMap;

use chrono::NaiveDate;
use ltc_domain::money::Money;
use rusqlite::{Connection, params};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use super::codes::document;
use super::parse::{PerCurrency, QueryError, parse_id, parse_money};
use crate::models::stored;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct CustomerListRow {
    pub customer_id: Uuid,
    pub name: String,
    pub tier: String,
    pub owner_id: Uuid,
    /// The amounts of the open opportunities, per currency.
    pub open_pipeline: Vec<Money>,
    /// Outstanding on the receivables as recorded so far, per currency.
    pub open_ar: Vec<Money>,
}

/// Every customer, by name (then id).
pub fn list(conn: &Connection) -> Result<Vec<CustomerListRow>, QueryError> {
    let open_ar = per_customer(
        conn,
        "SELECT customer_id, currency, SUM(outstanding_minor) FROM c360_receivables \
         GROUP BY customer_id, currency",
        params![],
    )?;
    list_with(conn, &open_ar)
}

/// Every customer in `state`, by name, with open AR at the end of `as_of` computed from the
/// dated facts in `facts`: receivables opened by then, less what was applied to them (receipts,
/// credit notes, write-offs) dated by then, as `customer_split` computes it for one customer.
pub fn list_split(
    state: &Connection,
    facts: &Connection,
    as_of: NaiveDate,
) -> Result<Vec<CustomerListRow>, QueryError> {
    let open_ar = per_customer(
        facts,
        "SELECT r.customer_id, r.currency, SUM(i.amount_minor - COALESCE(( \
             SELECT SUM(a.amount_minor) FROM c360_applications a \
             WHERE a.receivable_id = i.receivable_id AND a.instalment_idx = i.instalment_idx \
               AND a.on_date <= ?1 AND a.kind IN (?2, ?3, ?4)), 0)) \
         FROM c360_receivables r JOIN c360_instalments i ON i.receivable_id = r.receivable_id \
         WHERE r.opened_on <= ?1 GROUP BY r.customer_id, r.currency",
        params![
            stored::day_text(as_of),
            document::RECEIPT,
            document::CREDIT_NOTE,
            document::WRITE_OFF
        ],
    )?;
    list_with(state, &open_ar)
}

fn list_with(
    conn: &Connection,
    open_ar: &HashMap<String, PerCurrency>,
) -> Result<Vec<CustomerListRow>, QueryError> {
    let pipeline = per_customer(
        conn,
        "SELECT customer_id, currency, SUM(amount_minor) FROM c360_opportunities \
         WHERE status = 'open' GROUP BY customer_id, currency",
        params![],
    )?;
    let mut statement = conn.prepare_cached(
        "SELECT customer_id, name, tier, owner_id FROM c360_customers ORDER BY name, customer_id",
    )?;
    let mut found = statement.query([])?;
    let mut rows = Vec::new();
    while let Some(row) = found.next()? {
        let customer_id: String = row.get(0)?;
        let totals = |map: &HashMap<String, PerCurrency>| {
            map.get(&customer_id).map(PerCurrency::totals).unwrap_or_default()
        };
        rows.push(CustomerListRow {
            customer_id: parse_id("c360_customers.customer_id", &customer_id)?,
            name: row.get(1)?,
            tier: row.get(2)?,
            owner_id: parse_id("c360_customers.owner_id", &row.get::<_, String>(3)?)?,
            open_pipeline: totals(&pipeline),
            open_ar: totals(open_ar),
        });
    }
    Ok(rows)
}

/// Rows of (customer id, currency, amount) gathered per customer.
fn per_customer(
    conn: &Connection,
    sql: &str,
    parameters: &[&dyn rusqlite::ToSql],
) -> Result<HashMap<String, PerCurrency>, QueryError> {
    let mut statement = conn.prepare_cached(sql)?;
    let mut found = statement.query(parameters)?;
    let mut totals: HashMap<String, PerCurrency> = HashMap::new();
    while let Some(row) = found.next()? {
        let amount = parse_money("currency", row.get(2)?, &row.get::<_, String>(1)?)?;
        totals.entry(row.get(0)?).or_default().add(amount);
    }
    Ok(totals)
}
