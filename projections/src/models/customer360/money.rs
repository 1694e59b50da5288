//! The customer's money as of a date, computed from dated facts: each receivable with its
//! instalments (what was due, paid, credited, written off, outstanding and overdue at the end of
//! the day), and the cash documents (lifetime value, credit balance, the list of credits).
//!
//! The rule is the payment aggregate's own (`ltc_domain::payment::aging`): an application
//! counts if dated on or before `as_of`, an instalment is overdue if due before `as_of`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use ltc_domain::money::{Currency, Money};
use rusqlite::{Connection, params};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use super::codes::document;
use super::parse::{PerCurrency, QueryError, optional, parse_date, parse_id, parse_money};
use super::query::rows;
use crate::models::stored;

/// One invoice's receivable at the end of the query's `as_of`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct ReceivableRow {
    pub receivable_id: Uuid,
    pub order_id: Uuid,
    pub deal: Option<String>,
    pub invoice_reference: String,
    pub opened_on: NaiveDate,
    pub total: Money,
    /// Receipts applied to the instalments (overpayment kept as credit not included).
    pub paid: Money,
    pub credited: Money,
    pub written_off: Money,
    pub outstanding: Money,
    /// The part of `outstanding` due before `as_of`.
    pub overdue: Money,
    /// The earliest due date with something still open; `None` once nothing is.
    pub next_due_on: Option<NaiveDate>,
    /// Settled by `as_of`: the day nothing was left to pay.
    pub settled_on: Option<NaiveDate>,
    pub instalments: Vec<InstalmentRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct InstalmentRow {
    pub due_on: NaiveDate,
    pub amount: Money,
    /// Still owed at the end of `as_of`.
    pub open: Money,
}

/// A credit the customer got: a credit note, an overpayment kept as credit, or a refund of
/// credit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct CreditRow {
    pub on: NaiveDate,
    /// credit_note, overpayment or refund.
    pub kind: String,
    pub invoice_reference: String,
    pub amount: Money,
    /// The reason or payment reference.
    pub note: String,
}

/// What the cash documents say, by `as_of`.
#[derive(Debug)]
pub(super) struct Cash {
    pub lifetime_value: Vec<Money>,
    pub credit_balance: Vec<Money>,
    pub credits: Vec<CreditRow>,
}

/// The receivables opened by `as_of`, each as it stood at the end of that day.
pub(super) fn receivables(
    conn: &Connection,
    id: &str,
    as_of: NaiveDate,
) -> Result<Vec<ReceivableRow>, QueryError> {
    let day = stored::day_text(as_of);
    let mut by_id: BTreeMap<String, ReceivableRow> = BTreeMap::new();
    let mut order = Vec::new();
    let mut statement = conn.prepare_cached(
        "SELECT receivable_id, order_id, deal, invoice_reference, opened_on, currency, \
         total_minor, settled_on FROM c360_receivables \
         WHERE customer_id = ?1 AND opened_on <= ?2 ORDER BY opened_on, invoice_reference",
    )?;
    let mut found = statement.query(params![id, day])?;
    while let Some(row) = found.next()? {
        let column = "c360_receivables";
        let receivable_id: String = row.get(0)?;
        let currency: String = row.get(5)?;
        let total = parse_money(column, row.get(6)?, &currency)?;
        let zero = Money::zero(total.currency);
        let settled_on = optional(column, row.get(7)?, parse_date)?.filter(|on| *on <= as_of);
        let receivable = ReceivableRow {
            receivable_id: parse_id(column, &receivable_id)?,
            order_id: parse_id(column, &row.get::<_, String>(1)?)?,
            deal: row.get(2)?,
            invoice_reference: row.get(3)?,
            opened_on: parse_date(column, &row.get::<_, String>(4)?)?,
            total,
            paid: zero,
            credited: zero,
            written_off: zero,
            outstanding: zero,
            overdue: zero,
            next_due_on: None,
            settled_on,
            instalments: Vec::new(),
        };
        order.push(receivable_id.clone());
        by_id.insert(receivable_id, receivable);
    }
    for instalment in instalments(conn, id, &day)? {
        let Some(receivable) = by_id.get_mut(&instalment.receivable_id) else { continue };
        let currency = receivable.total.currency;
        let [paid, credited, written_off] = instalment.applied;
        let open = instalment.amount_minor - paid - credited - written_off;
        let due_on = parse_date("c360_instalments.due_on", &instalment.due_on)?;
        receivable.paid.amount_minor += paid;
        receivable.credited.amount_minor += credited;
        receivable.written_off.amount_minor += written_off;
        receivable.outstanding.amount_minor += open;
        if due_on < as_of {
            receivable.overdue.amount_minor += open;
        }
        if open > 0 && receivable.next_due_on.is_none() {
            receivable.next_due_on = Some(due_on);
        }
        receivable.instalments.push(InstalmentRow {
            due_on,
            amount: Money::new(instalment.amount_minor, currency),
            open: Money::new(open, currency),
        });
    }
    Ok(order.into_iter().filter_map(|receivable_id| by_id.remove(&receivable_id)).collect())
}

/// One instalment with what was applied to it by the day: receipts, credit notes, write-offs.
struct AppliedInstalment {
    receivable_id: String,
    due_on: String,
    amount_minor: i64,
    applied: [i64; 3],
}

fn instalments(
    conn: &Connection,
    id: &str,
    day: &str,
) -> Result<Vec<AppliedInstalment>, QueryError> {
    let mut statement = conn.prepare_cached(
        "SELECT i.receivable_id, i.due_on, i.amount_minor, \
         COALESCE(SUM(CASE a.kind WHEN ?3 THEN a.amount_minor END), 0), \
         COALESCE(SUM(CASE a.kind WHEN ?4 THEN a.amount_minor END), 0), \
         COALESCE(SUM(CASE a.kind WHEN ?5 THEN a.amount_minor END), 0) \
         FROM c360_receivables r \
         JOIN c360_instalments i ON i.receivable_id = r.receivable_id \
         LEFT JOIN c360_applications a ON a.receivable_id = i.receivable_id \
             AND a.instalment_idx = i.instalment_idx AND a.on_date <= ?2 \
         WHERE r.customer_id = ?1 AND r.opened_on <= ?2 \
         GROUP BY i.receivable_id, i.instalment_idx ORDER BY i.receivable_id, i.instalment_idx",
    )?;
    let found = statement.query_map(
        params![id, day, document::RECEIPT, document::CREDIT_NOTE, document::WRITE_OFF],
        |row| {
            Ok(AppliedInstalment {
                receivable_id: row.get(0)?,
                due_on: row.get(1)?,
                amount_minor: row.get(2)?,
                applied: [row.get(3)?, row.get(4)?, row.get(5)?],
            })
        },
    )?;
    Ok(found.collect::<Result<_, _>>()?)
}

/// Lifetime value, credit balance and the credits, from the documents dated by `as_of`.
pub(super) fn cash(conn: &Connection, id: &str, as_of: NaiveDate) -> Result<Cash, QueryError> {
    let documents = rows(
        conn,
        "SELECT d.kind, d.on_date, d.amount_minor, d.credit_minor, d.currency, d.note, \
         r.invoice_reference FROM c360_documents d \
         JOIN c360_receivables r ON r.receivable_id = d.receivable_id \
         WHERE d.customer_id = ?1 ORDER BY d.position",
        id,
        |row| {
            let column = "c360_documents";
            let currency: String = row.get(4)?;
            Ok(DocumentRow {
                kind: row.get(0)?,
                on: parse_date(column, &row.get::<_, String>(1)?)?,
                amount: parse_money(column, row.get(2)?, &currency)?,
                credit_minor: row.get(3)?,
                note: row.get(5)?,
                invoice_reference: row.get(6)?,
            })
        },
    )?;
    let (mut lifetime_value, mut credit_balance) = (PerCurrency::default(), PerCurrency::default());
    let mut credits = Vec::new();
    for document in documents.into_iter().filter(|document| document.on <= as_of) {
        let currency = document.amount.currency;
        let credit = |kind: &str, amount: Money| CreditRow {
            on: document.on,
            kind: kind.to_owned(),
            invoice_reference: document.invoice_reference.clone(),
            amount,
            note: document.note.clone(),
        };
        match document.kind.as_str() {
            document::RECEIPT => {
                lifetime_value.add(document.amount);
                if document.credit_minor > 0 {
                    let kept = Money::new(document.credit_minor, currency);
                    credit_balance.add(kept);
                    credits.push(credit("overpayment", kept));
                }
            }
            document::REFUND => {
                lifetime_value.add(negated(document.amount, currency));
                credit_balance.add(negated(document.amount, currency));
                credits.push(credit("refund", document.amount));
            }
            document::CREDIT_NOTE => credits.push(credit("credit_note", document.amount)),
            _ => {}
        }
    }
    Ok(Cash {
        lifetime_value: lifetime_value.totals(),
        credit_balance: credit_balance.totals(),
        credits,
    })
}

struct DocumentRow {
    kind: String,
    on: NaiveDate,
    amount: Money,
    credit_minor: i64,
    note: String,
    invoice_reference: String,
}

fn negated(amount: Money, currency: Currency) -> Money {
    Money::new(amount.amount_minor.saturating_neg(), currency)
}
