//! [`list`]: every customer with the figures that help choose one to look at: tier, owner, open
//! pipeline and open AR (outstanding today, whatever its dates), by name.

use std::collections::HashMap;

use ltc_domain::money::Money;
use rusqlite::Connection;
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use super::parse::{PerCurrency, QueryError, parse_id, parse_money};

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
    let pipeline = per_customer(
        conn,
        "SELECT customer_id, currency, SUM(amount_minor) FROM c360_opportunities \
         WHERE status = 'open' GROUP BY customer_id, currency",
    )?;
    let open_ar = per_customer(
        conn,
        "SELECT customer_id, currency, SUM(outstanding_minor) FROM c360_receivables \
         GROUP BY customer_id, currency",
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
            open_ar: totals(&open_ar),
        });
    }
    Ok(rows)
}

/// Rows of (customer id, currency, amount) gathered per customer.
fn per_customer(conn: &Connection, sql: &str) -> Result<HashMap<String, PerCurrency>, QueryError> {
    let mut statement = conn.prepare_cached(sql)?;
    let mut found = statement.query([])?;
    let mut totals: HashMap<String, PerCurrency> = HashMap::new();
    while let Some(row) = found.next()? {
        let amount = parse_money("currency", row.get(2)?, &row.get::<_, String>(1)?)?;
        totals.entry(row.get(0)?).or_default().add(amount);
    }
    Ok(totals)
}
