//! Invoiced, collected and outstanding per period (month or quarter), for all customers or per
//! customer, per currency.
//!
//! A period's flows are the documents dated in it: `invoiced` (receivables opened), `collected`
//! (receipts, whole, including any part kept as customer credit), `refunded` (credit paid back),
//! `credited` (credit notes) and `written_off`. `outstanding` and `credit_balance` are balances
//! at the end of the period's last day: outstanding as [`super::aging`] computes it on that day,
//! credit balance as receipts' credit parts less refunds dated by then.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::Connection;
use schemars::JsonSchema;
use serde::Serialize;

use super::QueryError;
use super::table::Table;
use crate::models::amount_text::amount_text;
use crate::models::period::Period;

/// The most periods one query walks through, from the first dated fact to the last: a century
/// of months.
pub const COLLECTIONS_PERIODS_MAX: usize = 1_200;

/// One period's collections in one currency, for all customers (`customer_id` is `None`) or
/// for one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct CollectionsRow {
    pub period: String,
    pub customer_id: Option<String>,
    pub currency: String,
    pub invoiced_minor: i64,
    pub collected_minor: i64,
    pub refunded_minor: i64,
    pub credited_minor: i64,
    pub written_off_minor: i64,
    /// Still owed at the end of the period.
    pub outstanding_minor: i64,
    /// Money received beyond what was owed and not refunded, at the end of the period.
    pub credit_balance_minor: i64,
}

/// Every period from the first with a dated fact to the last, per currency (and per customer
/// when `by_customer`), in period order; periods where nothing moved and nothing is owed or
/// held are left out.
pub fn collections(
    conn: &Connection,
    period: Period,
    by_customer: bool,
) -> Result<Vec<CollectionsRow>, QueryError> {
    collections_until(conn, period, by_customer, None)
}

/// [`collections`] from the facts dated by the end of `until` only (every fact when `None`):
/// the periods as they stood on that business date, the last one so far. A receipt recorded
/// later but received by then counts.
pub fn collections_until(
    conn: &Connection,
    period: Period,
    by_customer: bool,
    until: Option<NaiveDate>,
) -> Result<Vec<CollectionsRow>, QueryError> {
    let mut flows: BTreeMap<Group, BTreeMap<String, Flows>> = BTreeMap::new();
    let mut last_period: Option<String> = None;
    for fact in dated_facts(conn)? {
        let day: NaiveDate =
            fact.on.parse().map_err(|_| QueryError::StoredDate(fact.on.clone()))?;
        if until.is_some_and(|until| day > until) {
            continue;
        }
        let key = period.key(day);
        if last_period.as_ref().is_none_or(|last| *last < key) {
            last_period = Some(key.clone());
        }
        let customer_id = by_customer.then_some(fact.customer_id);
        let group = Group { customer_id, currency: fact.currency };
        let period_flows = flows.entry(group).or_default().entry(key).or_default();
        period_flows.add(&fact.kind, fact.amount_minor, fact.to_credit_minor);
    }
    let Some(last_period) = last_period else { return Ok(Vec::new()) };
    let mut rows = Vec::new();
    for (group, by_period) in flows {
        let first_period = by_period.keys().next().expect("a group has a period").clone();
        let (mut outstanding_minor, mut credit_balance_minor) = (0i64, 0i64);
        for key in periods_between(first_period, &last_period)? {
            let period_flows = by_period.get(&key).copied().unwrap_or_default();
            outstanding_minor += period_flows.invoiced - period_flows.applied;
            credit_balance_minor += period_flows.to_credit - period_flows.refunded;
            let row = CollectionsRow {
                period: key,
                customer_id: group.customer_id.clone(),
                currency: group.currency.clone(),
                invoiced_minor: period_flows.invoiced,
                collected_minor: period_flows.collected,
                refunded_minor: period_flows.refunded,
                credited_minor: period_flows.credited,
                written_off_minor: period_flows.written_off,
                outstanding_minor,
                credit_balance_minor,
            };
            if !row.is_empty() {
                rows.push(row);
            }
        }
    }
    rows.sort_by(|a, b| {
        (&a.period, &a.customer_id, &a.currency).cmp(&(&b.period, &b.customer_id, &b.currency))
    });
    Ok(rows)
}

/// A text table of collections rows, amounts in major units with two decimals.
pub fn render_collections(rows: &[CollectionsRow]) -> String {
    let by_customer = rows.iter().any(|row| row.customer_id.is_some());
    let mut header = vec!["period"];
    if by_customer {
        header.push("customer");
    }
    header.extend([
        "currency",
        "invoiced",
        "collected",
        "refunded",
        "credited",
        "written off",
        "outstanding",
        "credit",
    ]);
    let mut table = Table::new(&header, if by_customer { 3 } else { 2 });
    for row in rows {
        let mut cells = vec![row.period.clone()];
        if by_customer {
            cells.push(row.customer_id.clone().unwrap_or_default());
        }
        cells.push(row.currency.clone());
        cells.extend(
            [
                row.invoiced_minor,
                row.collected_minor,
                row.refunded_minor,
                row.credited_minor,
                row.written_off_minor,
                row.outstanding_minor,
                row.credit_balance_minor,
            ]
            .map(amount_text),
        );
        table.push(cells);
    }
    table.render()
}

impl CollectionsRow {
    fn is_empty(&self) -> bool {
        [
            self.invoiced_minor,
            self.collected_minor,
            self.refunded_minor,
            self.credited_minor,
            self.written_off_minor,
            self.outstanding_minor,
            self.credit_balance_minor,
        ]
        .iter()
        .all(|amount| *amount == 0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Group {
    customer_id: Option<String>,
    currency: String,
}

/// What moved in one period, in minor units.
#[derive(Debug, Clone, Copy, Default)]
struct Flows {
    invoiced: i64,
    collected: i64,
    to_credit: i64,
    refunded: i64,
    credited: i64,
    written_off: i64,
    /// Receipts, credit notes and write-offs applied to instalments: what reduces outstanding.
    applied: i64,
}

impl Flows {
    fn add(&mut self, kind: &str, amount_minor: i64, to_credit_minor: i64) {
        match kind {
            "invoiced" => self.invoiced += amount_minor,
            "receipt" => {
                self.collected += amount_minor;
                self.to_credit += to_credit_minor;
            }
            "refund" => self.refunded += amount_minor,
            "credit_note" => self.credited += amount_minor,
            "write_off" => self.written_off += amount_minor,
            "applied" => self.applied += amount_minor,
            other => unreachable!("the dated-facts query yields no kind {other:?}"),
        }
    }
}

/// One day's sum of one kind of fact for one customer and currency.
struct DatedFact {
    on: String,
    customer_id: String,
    currency: String,
    kind: String,
    amount_minor: i64,
    to_credit_minor: i64,
}

/// Every dated fact summed per day, customer, currency and kind. An application counts from
/// the later of its own date and its receivable's invoice date, so a receipt dated before the
/// invoice it pays never makes a balance negative, and outstanding at a period's end agrees
/// with aging on that day (which counts only receivables invoiced by then).
fn dated_facts(conn: &Connection) -> Result<Vec<DatedFact>, QueryError> {
    let mut statement = conn.prepare_cached(
        "SELECT invoiced_on, customer_id, currency, 'invoiced', SUM(total_minor), 0
         FROM collections_receivables
         GROUP BY invoiced_on, customer_id, currency
         UNION ALL
         SELECT d.dated_on, r.customer_id, d.currency, d.kind, SUM(d.amount_minor),
                SUM(d.to_credit_minor)
         FROM collections_documents d
         JOIN collections_receivables r ON r.receivable_id = d.receivable_id
         GROUP BY d.dated_on, r.customer_id, d.currency, d.kind
         UNION ALL
         SELECT MAX(a.applied_on, r.invoiced_on), r.customer_id, a.currency, 'applied',
                SUM(a.amount_minor), 0
         FROM collections_applications a
         JOIN collections_receivables r ON r.receivable_id = a.receivable_id
         GROUP BY 1, r.customer_id, a.currency",
    )?;
    let facts = statement
        .query_map([], |row| {
            Ok(DatedFact {
                on: row.get(0)?,
                customer_id: row.get(1)?,
                currency: row.get(2)?,
                kind: row.get(3)?,
                amount_minor: row.get(4)?,
                to_credit_minor: row.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(facts)
}

/// The keys from `first` to `last`, both included, in order.
fn periods_between(first: String, last: &str) -> Result<Vec<String>, QueryError> {
    let mut keys = Vec::new();
    let mut key = first;
    loop {
        if keys.len() == COLLECTIONS_PERIODS_MAX {
            return Err(QueryError::TooManyPeriods(COLLECTIONS_PERIODS_MAX));
        }
        let (period, _, last_day) =
            Period::bounds(&key).expect("keys come from Period::key and are well formed");
        let done = key.as_str() >= last;
        keys.push(key);
        if done {
            return Ok(keys);
        }
        key = period.key(last_day.succ_opt().ok_or(QueryError::TooManyPeriods(keys.len()))?);
    }
}
