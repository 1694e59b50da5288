//! [`customer`]: everything the read model knows of one customer, as of a date, as one nested
//! value ([`Customer360`]) that the CLI prints as text ([`super::render`]) or JSON.
//!
//! What "as of" covers: money is measured at the end of `as_of` from dated facts (receivables
//! opened by then, receipts, refunds, credit notes and write-offs dated that day or before,
//! instalments due before it), and an open quote past its validity date shows as expired.
//! Everything else (profile, stages, order progress) is the latest state; the whole view as it
//! stood on a past day comes from rebuilding up to that day's recorded time.

use chrono::{DateTime, NaiveDate, Utc};
use ltc_domain::money::Money;
use ltc_domain::order::{OrderStatus, status_of};
use rusqlite::{Connection, Row, params};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use super::codes::quote_status;
use super::money::{self, CreditRow, ReceivableRow};
use super::parse::{
    PerCurrency, QueryError, optional, parse_date, parse_id, parse_money, parse_time,
};
use super::timeline;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct Customer360 {
    pub as_of: NaiveDate,
    pub profile: Profile,
    pub tags: Vec<String>,
    pub contacts: Vec<ContactRow>,
    /// The leads converted into this customer.
    pub leads: Vec<LeadRow>,
    pub opportunities: Vec<OpportunityRow>,
    pub quotes: Vec<QuoteRow>,
    pub orders: Vec<OrderRow>,
    /// One per invoice: its receivable as of `as_of`.
    pub receivables: Vec<ReceivableRow>,
    /// Credit notes, refunds and overpayments kept as credit, dated by `as_of`.
    pub credits: Vec<CreditRow>,
    pub figures: Figures,
}

/// The customer's headline figures, each per currency (never summed across currencies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct Figures {
    /// Collected cash net of refunds: every payment received by `as_of` (including any part
    /// kept as credit) less credit refunded by then. Credit notes and write-offs move no cash
    /// and do not count.
    pub lifetime_value: Vec<Money>,
    /// The amounts of the open opportunities.
    pub open_pipeline: Vec<Money>,
    /// Outstanding on the receivables at the end of `as_of`.
    pub open_ar: Vec<Money>,
    /// The part of `open_ar` whose due date had passed.
    pub overdue: Vec<Money>,
    /// Overpayments kept as credit less credit refunded, by `as_of`.
    pub credit_balance: Vec<Money>,
    /// When the latest event of the customer's timeline happened.
    pub last_activity: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct Profile {
    pub customer_id: Uuid,
    pub name: String,
    pub industry: String,
    pub region: String,
    /// strategic, key or normal.
    pub tier: String,
    pub owner_id: Uuid,
    pub team_id: Option<Uuid>,
    pub credit_limit: Money,
    /// direct, or lead (then `lead_id` names it).
    pub origin: String,
    pub lead_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct ContactRow {
    pub contact_id: Uuid,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
// Named apart from `leads::LeadRow` in the published query schemas.
#[schemars(rename = "CustomerLeadRow")]
pub struct LeadRow {
    pub lead_id: Uuid,
    pub channel: String,
    pub contact_name: String,
    pub company_name: Option<String>,
    pub score: Option<u32>,
    pub captured_at: DateTime<Utc>,
    pub qualified_at: Option<DateTime<Utc>>,
    pub converted_at: Option<DateTime<Utc>>,
    pub opportunity_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct OpportunityRow {
    pub opportunity_id: Uuid,
    pub name: String,
    pub owner_id: Uuid,
    pub stage: String,
    /// open, won or lost.
    pub status: String,
    pub amount: Money,
    pub probability_bps: u32,
    pub forecast_category: String,
    pub expected_close: NaiveDate,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct QuoteRow {
    pub quote_id: Uuid,
    pub opportunity_id: Uuid,
    pub deal: Option<String>,
    /// The current version.
    pub version: u32,
    /// The current version's status, or `expired` if it was still open past its validity.
    pub status: String,
    pub total: Money,
    pub valid_until: NaiveDate,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct OrderRow {
    pub order_id: Uuid,
    pub quote_id: Uuid,
    pub deal: Option<String>,
    /// Derived from the facts as the order itself derives it ([`status_of`]).
    pub status: OrderStatus,
    /// As placed, before cancellations.
    pub total: Money,
    pub cancelled: Money,
    pub invoiced: Money,
    /// Delivered units over units still ordered, rounded down.
    pub fulfilled_bps: u32,
    /// Invoiced amount over the amount still ordered, rounded down (by units for an order
    /// worth nothing).
    pub invoiced_bps: u32,
    pub placed_at: DateTime<Utc>,
    pub paid_on: Option<NaiveDate>,
}

/// The customer as of the end of `as_of`, or `None` if no customer has this id.
pub fn customer(
    conn: &Connection,
    customer_id: Uuid,
    as_of: NaiveDate,
) -> Result<Option<Customer360>, QueryError> {
    customer_split(conn, conn, customer_id, as_of)
}

/// The customer as of the end of `as_of`, read from two states of the read model: `state` for
/// what has no business date of its own (profile, deals, quotes, orders, timeline) and `facts`
/// for the money, computed from dated facts. With `state` rebuilt up to `as_of` and `facts`
/// later, the view is what was true on `as_of` as known later: a receipt recorded after
/// `as_of` but received by then counts. `None` if `state` has no customer with this id.
pub fn customer_split(
    state: &Connection,
    facts: &Connection,
    customer_id: Uuid,
    as_of: NaiveDate,
) -> Result<Option<Customer360>, QueryError> {
    let conn = state;
    let id = customer_id.to_string();
    let Some(profile) = profile(conn, &id)? else { return Ok(None) };
    let opportunities = opportunities(conn, &id)?;
    let mut open_pipeline = PerCurrency::default();
    for opportunity in opportunities.iter().filter(|opportunity| opportunity.status == "open") {
        open_pipeline.add(opportunity.amount);
    }
    let receivables = money::receivables(facts, &id, as_of)?;
    let (mut open_ar, mut overdue) = (PerCurrency::default(), PerCurrency::default());
    for receivable in &receivables {
        open_ar.add(receivable.outstanding);
        overdue.add(receivable.overdue);
    }
    let cash = money::cash(facts, &id, as_of)?;
    Ok(Some(Customer360 {
        as_of,
        tags: tags(conn, &id)?,
        contacts: contacts(conn, &id)?,
        leads: leads(conn, &id)?,
        quotes: quotes(conn, &id, as_of)?,
        orders: orders(conn, &id)?,
        figures: Figures {
            lifetime_value: cash.lifetime_value,
            open_pipeline: open_pipeline.totals(),
            open_ar: open_ar.totals(),
            overdue: overdue.totals(),
            credit_balance: cash.credit_balance,
            last_activity: timeline::last_activity(conn, &id)?,
        },
        profile,
        opportunities,
        receivables,
        credits: cash.credits,
    }))
}

fn profile(conn: &Connection, id: &str) -> Result<Option<Profile>, QueryError> {
    let profiles = rows(
        conn,
        "SELECT customer_id, name, industry, region, tier, owner_id, team_id, \
         credit_limit_minor, currency, origin, lead_id, created_at FROM c360_customers \
         WHERE customer_id = ?1",
        id,
        |row| {
            let column = "c360_customers";
            Ok(Profile {
                customer_id: parse_id(column, &row.get::<_, String>(0)?)?,
                name: row.get(1)?,
                industry: row.get(2)?,
                region: row.get(3)?,
                tier: row.get(4)?,
                owner_id: parse_id(column, &row.get::<_, String>(5)?)?,
                team_id: optional(column, row.get(6)?, parse_id)?,
                credit_limit: parse_money(column, row.get(7)?, &row.get::<_, String>(8)?)?,
                origin: row.get(9)?,
                lead_id: optional(column, row.get(10)?, parse_id)?,
                created_at: parse_time(column, &row.get::<_, String>(11)?)?,
            })
        },
    )?;
    Ok(profiles.into_iter().next())
}

fn tags(conn: &Connection, id: &str) -> Result<Vec<String>, QueryError> {
    let mut statement =
        conn.prepare_cached("SELECT tag FROM c360_tags WHERE customer_id = ?1 ORDER BY tag")?;
    let tags = statement.query_map(params![id], |row| row.get(0))?;
    Ok(tags.collect::<Result<_, _>>()?)
}

fn contacts(conn: &Connection, id: &str) -> Result<Vec<ContactRow>, QueryError> {
    rows(
        conn,
        "SELECT contact_id, name, email, phone, role FROM c360_contacts WHERE customer_id = ?1 \
         ORDER BY added_at, contact_id",
        id,
        |row| {
            Ok(ContactRow {
                contact_id: parse_id("c360_contacts.contact_id", &row.get::<_, String>(0)?)?,
                name: row.get(1)?,
                email: row.get(2)?,
                phone: row.get(3)?,
                role: row.get(4)?,
            })
        },
    )
}

fn leads(conn: &Connection, id: &str) -> Result<Vec<LeadRow>, QueryError> {
    rows(
        conn,
        "SELECT lead_id, channel, contact_name, company_name, score, captured_at, qualified_at, \
         converted_at, opportunity_id FROM c360_leads WHERE customer_id = ?1 \
         ORDER BY captured_at, lead_id",
        id,
        |row| {
            Ok(LeadRow {
                lead_id: parse_id("c360_leads.lead_id", &row.get::<_, String>(0)?)?,
                channel: row.get(1)?,
                contact_name: row.get(2)?,
                company_name: row.get(3)?,
                score: row.get(4)?,
                captured_at: parse_time("c360_leads.captured_at", &row.get::<_, String>(5)?)?,
                qualified_at: optional("c360_leads.qualified_at", row.get(6)?, parse_time)?,
                converted_at: optional("c360_leads.converted_at", row.get(7)?, parse_time)?,
                opportunity_id: optional("c360_leads.opportunity_id", row.get(8)?, parse_id)?,
            })
        },
    )
}

fn opportunities(conn: &Connection, id: &str) -> Result<Vec<OpportunityRow>, QueryError> {
    rows(
        conn,
        "SELECT opportunity_id, name, owner_id, stage, status, amount_minor, currency, \
         probability_bps, forecast_category, expected_close, opened_at, closed_at \
         FROM c360_opportunities WHERE customer_id = ?1 ORDER BY opened_at, opportunity_id",
        id,
        |row| {
            let column = "c360_opportunities";
            Ok(OpportunityRow {
                opportunity_id: parse_id(column, &row.get::<_, String>(0)?)?,
                name: row.get(1)?,
                owner_id: parse_id(column, &row.get::<_, String>(2)?)?,
                stage: row.get(3)?,
                status: row.get(4)?,
                amount: parse_money(column, row.get(5)?, &row.get::<_, String>(6)?)?,
                probability_bps: row.get(7)?,
                forecast_category: row.get(8)?,
                expected_close: parse_date(column, &row.get::<_, String>(9)?)?,
                opened_at: parse_time(column, &row.get::<_, String>(10)?)?,
                closed_at: optional(column, row.get(11)?, parse_time)?,
            })
        },
    )
}

fn quotes(conn: &Connection, id: &str, as_of: NaiveDate) -> Result<Vec<QuoteRow>, QueryError> {
    rows(
        conn,
        "SELECT quote_id, opportunity_id, deal, version, status, total_minor, currency, \
         valid_until, created_at FROM c360_quotes WHERE customer_id = ?1 \
         ORDER BY created_at, quote_id",
        id,
        |row| {
            let column = "c360_quotes";
            let status: String = row.get(4)?;
            let valid_until = parse_date(column, &row.get::<_, String>(7)?)?;
            let expired = quote_status::is_open(&status) && as_of > valid_until;
            Ok(QuoteRow {
                quote_id: parse_id(column, &row.get::<_, String>(0)?)?,
                opportunity_id: parse_id(column, &row.get::<_, String>(1)?)?,
                deal: row.get(2)?,
                version: row.get(3)?,
                status: if expired { quote_status::EXPIRED.to_owned() } else { status },
                total: parse_money(column, row.get(5)?, &row.get::<_, String>(6)?)?,
                valid_until,
                created_at: parse_time(column, &row.get::<_, String>(8)?)?,
            })
        },
    )
}

fn orders(conn: &Connection, id: &str) -> Result<Vec<OrderRow>, QueryError> {
    rows(
        conn,
        "SELECT order_id, quote_id, deal, currency, total_minor, cancelled_minor, \
         invoiced_minor, ordered_units, cancelled_units, fulfilled_units, invoiced_units, \
         placed_at, confirmed_at, paid_on FROM c360_orders WHERE customer_id = ?1 \
         ORDER BY placed_at, order_id",
        id,
        |row| {
            let column = "c360_orders";
            let currency: String = row.get(3)?;
            let (total, cancelled, invoiced): (i64, i64, i64) =
                (row.get(4)?, row.get(5)?, row.get(6)?);
            let units: [i64; 4] = [row.get(7)?, row.get(8)?, row.get(9)?, row.get(10)?];
            let [ordered, cancelled_units, fulfilled, invoiced_units] = units;
            let effective_units = ordered - cancelled_units;
            let effective_total = total - cancelled;
            let fulfilled_bps = ratio_bps(fulfilled, effective_units);
            // As the order measures it: by amount, or by units when it is worth nothing.
            let invoiced_bps = if effective_total == 0 {
                ratio_bps(invoiced_units, effective_units)
            } else {
                ratio_bps(invoiced, effective_total)
            };
            let confirmed: Option<String> = row.get(12)?;
            let paid_on = optional(column, row.get(13)?, parse_date)?;
            Ok(OrderRow {
                order_id: parse_id(column, &row.get::<_, String>(0)?)?,
                quote_id: parse_id(column, &row.get::<_, String>(1)?)?,
                deal: row.get(2)?,
                status: status_of(
                    confirmed.is_some(),
                    effective_units == 0,
                    ltc_domain::money::Bps(fulfilled_bps),
                    ltc_domain::money::Bps(invoiced_bps),
                    paid_on.is_some(),
                ),
                total: parse_money(column, total, &currency)?,
                cancelled: parse_money(column, cancelled, &currency)?,
                invoiced: parse_money(column, invoiced, &currency)?,
                fulfilled_bps,
                invoiced_bps,
                placed_at: parse_time(column, &row.get::<_, String>(11)?)?,
                paid_on,
            })
        },
    )
}

/// `part / whole` in basis points, rounded down and capped at 100 %; zero when the whole is.
fn ratio_bps(part: i64, whole: i64) -> u32 {
    if whole <= 0 || part <= 0 {
        return 0;
    }
    let bps = i128::from(part) * 10_000 / i128::from(whole);
    u32::try_from(bps.min(10_000)).unwrap_or(10_000)
}

/// Runs a query keyed by the customer id and maps each row, stopping at the first error.
pub(super) fn rows<T>(
    conn: &Connection,
    sql: &str,
    id: &str,
    map: impl Fn(&Row<'_>) -> Result<T, QueryError>,
) -> Result<Vec<T>, QueryError> {
    let mut statement = conn.prepare_cached(sql)?;
    let mut rows = statement.query(params![id])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(map(row)?);
    }
    Ok(out)
}
