//! How order and payment events change the tables: orders' quantities and amounts, each
//! invoice's receivable with its instalments, every application of money to an instalment with
//! its business date (what as-of figures are computed from), and the money documents (receipts,
//! refunds, credit notes, write-offs).

use ltc_domain::money::Money;
use ltc_domain::order::OrderEvent;
use ltc_domain::payment::{Allocation, PaymentEvent};
use ltc_eventstore::RecordedEvent;
use rusqlite::{OptionalExtension, Transaction, params};

use super::codes::document;
use super::deal_rows::DealRows;
use super::envelope::{Envelope, date_text, id_text, time_text};
use super::money_rows::{self, Application, Instalment, MoneyRows};
use super::timeline::{Owner, TimelineWriter};
use super::update_deals::routed_by_sql;
use super::words;
use crate::ProjectionError;
use crate::models::decode::decode;

pub(super) fn order(
    tx: &Transaction<'_>,
    timeline: &mut TimelineWriter,
    rows: &DealRows,
    recorded: &RecordedEvent,
    envelope: &Envelope<'_>,
) -> Result<(), ProjectionError> {
    let event: OrderEvent = decode(recorded)?;
    let id = envelope.stream_id.as_str();
    let (customer_id, deal) = match &event {
        OrderEvent::Placed { quote_id, customer_id, currency, lines, total, at, .. } => {
            let customer_id = id_text(customer_id.0);
            let quote_text = id_text(quote_id.0);
            let deal = rows.quotes.peek(tx, quote_id.0, &quote_text, |row| row.deal.clone())?;
            let deal = deal.flatten().map(String::from);
            let units: i64 = lines.iter().map(|line| i64::from(line.quantity)).sum();
            tx.prepare_cached(
                "INSERT INTO c360_orders (order_id, customer_id, quote_id, deal, currency, \
                 total_minor, cancelled_minor, invoiced_minor, ordered_units, cancelled_units, \
                 fulfilled_units, invoiced_units, placed_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7, 0, 0, 0, ?8)",
            )?
            .execute(params![
                id,
                customer_id,
                quote_text,
                deal,
                currency.code(),
                total.amount_minor,
                units,
                time_text(*at)
            ])?;
            (customer_id, deal)
        }
        OrderEvent::Confirmed { at } => routed_by_sql(
            tx,
            id,
            "UPDATE c360_orders SET confirmed_at = ?2 WHERE order_id = ?1 \
             RETURNING customer_id, deal",
            params![id, time_text(*at)],
        )?,
        OrderEvent::Fulfilled { lines, .. } => {
            let units: i64 = lines.iter().map(|line| i64::from(line.quantity)).sum();
            routed_by_sql(
                tx,
                id,
                "UPDATE c360_orders SET fulfilled_units = fulfilled_units + ?2 \
                 WHERE order_id = ?1 RETURNING customer_id, deal",
                params![id, units],
            )?
        }
        OrderEvent::Invoiced { lines, amount, .. } => {
            let units: i64 = lines.iter().map(|line| i64::from(line.quantity)).sum();
            routed_by_sql(
                tx,
                id,
                "UPDATE c360_orders SET invoiced_units = invoiced_units + ?2, \
                 invoiced_minor = invoiced_minor + ?3 WHERE order_id = ?1 \
                 RETURNING customer_id, deal",
                params![id, units, amount.amount_minor],
            )?
        }
        OrderEvent::LinesCancelled { lines, amount, .. } => {
            let units: i64 = lines.iter().map(|line| i64::from(line.quantity)).sum();
            routed_by_sql(
                tx,
                id,
                "UPDATE c360_orders SET cancelled_units = cancelled_units + ?2, \
                 cancelled_minor = cancelled_minor + ?3 WHERE order_id = ?1 \
                 RETURNING customer_id, deal",
                params![id, units, amount.amount_minor],
            )?
        }
        OrderEvent::Paid { paid_on, .. } => routed_by_sql(
            tx,
            id,
            "UPDATE c360_orders SET paid_on = ?2 WHERE order_id = ?1 \
             RETURNING customer_id, deal",
            params![id, date_text(*paid_on)],
        )?,
    };
    let text = words::order(&event, &words::deal(deal.as_deref()));
    timeline.record(tx, envelope, Owner::Customer(&customer_id), text)
}

pub(super) fn payment(
    tx: &Transaction<'_>,
    timeline: &mut TimelineWriter,
    money: &mut MoneyRows,
    recorded: &RecordedEvent,
    envelope: &Envelope<'_>,
) -> Result<(), ProjectionError> {
    let event: PaymentEvent = decode(recorded)?;
    let id = envelope.stream_id.as_str();
    let (customer_id, invoice) = match &event {
        PaymentEvent::ReceivableOpened {
            invoice_reference,
            order_id,
            customer_id,
            total,
            schedule,
            at,
            ..
        } => {
            let customer_id = id_text(customer_id.0);
            let order_id = id_text(order_id.0);
            let deal: Option<String> = tx
                .prepare_cached("SELECT deal FROM c360_orders WHERE order_id = ?1")?
                .query_row(params![order_id], |row| row.get(0))
                .optional()?
                .flatten();
            tx.prepare_cached(
                "INSERT INTO c360_receivables (receivable_id, customer_id, order_id, deal, \
                 invoice_reference, currency, total_minor, received_minor, credited_minor, \
                 written_off_minor, outstanding_minor, credit_minor, refunded_minor, opened_on) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, 0, 0, ?7, 0, 0, ?8)",
            )?
            .execute(params![
                id,
                customer_id,
                order_id,
                deal,
                invoice_reference,
                total.currency.code(),
                total.amount_minor,
                date_text(at.date_naive())
            ])?;
            for (instalment_idx, due) in (0i64..).zip(schedule) {
                let instalment = Instalment {
                    receivable_id: id.to_owned(),
                    instalment_idx,
                    due_on: date_text(due.due_on),
                    amount_minor: due.amount.amount_minor,
                };
                money.instalment(tx, instalment)?;
            }
            (customer_id, Some(invoice_reference.clone()))
        }
        PaymentEvent::PaymentReceived {
            receipt_id,
            amount,
            reference,
            received_on,
            allocations,
            credit,
            ..
        } => {
            let allocated = amount.amount_minor - credit.amount_minor;
            let row = routed_by_sql(
                tx,
                id,
                "UPDATE c360_receivables SET received_minor = received_minor + ?2, \
                 outstanding_minor = outstanding_minor - ?2, credit_minor = credit_minor + ?3 \
                 WHERE receivable_id = ?1 RETURNING customer_id, invoice_reference",
                params![id, allocated, credit.amount_minor],
            )?;
            let on = date_text(*received_on);
            apply_allocations(tx, money, envelope, allocations, document::RECEIPT, &on)?;
            let document = Document {
                kind: document::RECEIPT,
                document_id: id_text(receipt_id.0),
                on,
                amount: *amount,
                credit_minor: credit.amount_minor,
                note: reference,
            };
            record_document(tx, money, envelope, &row.0, &document)?;
            row
        }
        PaymentEvent::CreditRefunded { refund_id, amount, reference, refunded_on, .. } => {
            let row = routed_by_sql(
                tx,
                id,
                "UPDATE c360_receivables SET refunded_minor = refunded_minor + ?2 \
                 WHERE receivable_id = ?1 RETURNING customer_id, invoice_reference",
                params![id, amount.amount_minor],
            )?;
            let document = Document {
                kind: document::REFUND,
                document_id: id_text(refund_id.0),
                on: date_text(*refunded_on),
                amount: *amount,
                credit_minor: 0,
                note: reference,
            };
            record_document(tx, money, envelope, &row.0, &document)?;
            row
        }
        PaymentEvent::CreditNoteIssued {
            credit_note_id,
            amount,
            reason,
            issued_on,
            allocations,
            ..
        } => {
            let document = Document {
                kind: document::CREDIT_NOTE,
                document_id: id_text(credit_note_id.0),
                on: date_text(*issued_on),
                amount: *amount,
                credit_minor: 0,
                note: reason,
            };
            let sum = "UPDATE c360_receivables SET credited_minor = credited_minor + ?2, \
                 outstanding_minor = outstanding_minor - ?2 \
                 WHERE receivable_id = ?1 RETURNING customer_id, invoice_reference";
            reduction(tx, money, envelope, id, sum, &document, allocations)?
        }
        PaymentEvent::WrittenOff {
            write_off_id,
            amount,
            reason,
            written_off_on,
            allocations,
            ..
        } => {
            let document = Document {
                kind: document::WRITE_OFF,
                document_id: id_text(write_off_id.0),
                on: date_text(*written_off_on),
                amount: *amount,
                credit_minor: 0,
                note: reason,
            };
            let sum = "UPDATE c360_receivables SET written_off_minor = written_off_minor + ?2, \
                 outstanding_minor = outstanding_minor - ?2 \
                 WHERE receivable_id = ?1 RETURNING customer_id, invoice_reference";
            reduction(tx, money, envelope, id, sum, &document, allocations)?
        }
        PaymentEvent::ReceivableSettled { settled_on, .. } => routed_by_sql(
            tx,
            id,
            "UPDATE c360_receivables SET settled_on = ?2 WHERE receivable_id = ?1 \
             RETURNING customer_id, invoice_reference",
            params![id, date_text(*settled_on)],
        )?,
    };
    let text = words::payment(&event, invoice.as_deref().unwrap_or_default());
    timeline.record(tx, envelope, Owner::Customer(&customer_id), text)
}

/// One receipt, refund, credit note or write-off.
struct Document<'a> {
    kind: &'static str,
    document_id: String,
    on: String,
    amount: Money,
    /// The part of a receipt kept as customer credit; zero for the other kinds.
    credit_minor: i64,
    /// The payment reference or the reason.
    note: &'a str,
}

/// A credit note or a write-off: each lowers what is outstanding by its amount (the column
/// `sum` adds it to differs), is allocated to instalments, and is kept whole.
fn reduction(
    tx: &Transaction<'_>,
    money: &mut MoneyRows,
    envelope: &Envelope<'_>,
    id: &str,
    sum: &str,
    document: &Document<'_>,
    allocations: &[Allocation],
) -> Result<(String, Option<String>), ProjectionError> {
    let row = routed_by_sql(tx, id, sum, params![id, document.amount.amount_minor])?;
    apply_allocations(tx, money, envelope, allocations, document.kind, &document.on)?;
    record_document(tx, money, envelope, &row.0, document)?;
    Ok(row)
}

fn record_document(
    tx: &Transaction<'_>,
    money: &mut MoneyRows,
    envelope: &Envelope<'_>,
    customer_id: &str,
    document: &Document<'_>,
) -> Result<(), ProjectionError> {
    let row = money_rows::Document {
        position: envelope.position,
        customer_id: customer_id.to_owned(),
        receivable_id: envelope.stream_id.clone(),
        kind: document.kind,
        document_id: document.document_id.clone(),
        on_date: document.on.clone(),
        amount_minor: document.amount.amount_minor,
        credit_minor: document.credit_minor,
        currency: document.amount.currency,
        note: document.note.to_owned(),
    };
    money.document(tx, row)
}

/// Each allocation to an instalment, dated by its document's business date.
fn apply_allocations(
    tx: &Transaction<'_>,
    money: &mut MoneyRows,
    envelope: &Envelope<'_>,
    allocations: &[Allocation],
    kind: &'static str,
    on: &str,
) -> Result<(), ProjectionError> {
    for allocation in allocations {
        let application = Application {
            receivable_id: envelope.stream_id.clone(),
            instalment_idx: i64::from(allocation.instalment_idx),
            position: envelope.position,
            kind,
            on_date: on.to_owned(),
            amount_minor: allocation.amount.amount_minor,
        };
        money.application(tx, application)?;
    }
    Ok(())
}
