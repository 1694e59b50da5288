//! How order and payment events change the tables: orders' quantities and amounts, each
//! invoice's receivable with its instalments, every application of money to an instalment with
//! its business date (what as-of figures are computed from), and the money documents (receipts,
//! refunds, credit notes, write-offs).

use ltc_domain::money::Money;
use ltc_domain::order::OrderEvent;
use ltc_domain::payment::{Allocation, PaymentEvent};
use ltc_eventstore::RecordedEvent;
use rusqlite::Transaction;

use super::cash_rows::{CashRows, Order, Receivable};
use super::codes::document;
use super::deal_rows::DealRows;
use super::envelope::{Envelope, id_text};
use super::money_rows::{self, Application, Instalment, MoneyRows};
use super::timeline::{Owner, TimelineWriter};
use super::words;
use crate::ProjectionError;
use crate::models::decode::decode;
use crate::models::stored;

pub(super) fn order(
    tx: &Transaction<'_>,
    timeline: &mut TimelineWriter,
    deals: &DealRows,
    cash: &mut CashRows,
    recorded: &RecordedEvent,
    envelope: &Envelope<'_>,
) -> Result<(), ProjectionError> {
    let decoded = decode::<OrderEvent>(recorded)?;
    let event: &OrderEvent = &decoded;
    let id = envelope.stream_id.as_str();
    let order = match event {
        OrderEvent::Placed { quote_id, customer_id, currency, lines, total, at, .. } => {
            let quote_text = id_text(quote_id.0);
            let deal = deals.quotes.peek(tx, quote_id.0, &quote_text, |row| row.deal.clone())?;
            let placed = Order {
                order_id: recorded.stream.id,
                customer_id: customer_id.0,
                quote_id: quote_id.0,
                deal: deal.flatten(),
                currency: *currency,
                total_minor: total.amount_minor,
                cancelled_minor: 0,
                invoiced_minor: 0,
                ordered_units: lines.iter().map(|line| i64::from(line.quantity)).sum(),
                cancelled_units: 0,
                fulfilled_units: 0,
                invoiced_units: 0,
                placed_at: *at,
                confirmed_at: None,
                paid_on: None,
            };
            cash.orders.create(recorded.stream.id, placed)?
        }
        _ => {
            let order = cash.orders.existing(tx, recorded.stream.id, id)?;
            match event {
                OrderEvent::Placed { .. } => {}
                OrderEvent::Confirmed { at } => order.confirmed_at = Some(*at),
                OrderEvent::Fulfilled { lines, .. } => {
                    order.fulfilled_units +=
                        lines.iter().map(|line| i64::from(line.quantity)).sum::<i64>();
                }
                OrderEvent::Invoiced { lines, amount, .. } => {
                    order.invoiced_units +=
                        lines.iter().map(|line| i64::from(line.quantity)).sum::<i64>();
                    order.invoiced_minor += amount.amount_minor;
                }
                OrderEvent::LinesCancelled { lines, amount, .. } => {
                    order.cancelled_units +=
                        lines.iter().map(|line| i64::from(line.quantity)).sum::<i64>();
                    order.cancelled_minor += amount.amount_minor;
                }
                OrderEvent::Paid { paid_on, .. } => order.paid_on = Some(*paid_on),
            }
            order
        }
    };
    let text = words::order(event, &words::deal(order.deal.as_deref()));
    let customer_id = id_text(order.customer_id);
    timeline.record(tx, envelope, Owner::Customer(&customer_id), text)
}

pub(super) fn payment(
    tx: &Transaction<'_>,
    timeline: &mut TimelineWriter,
    cash: &mut CashRows,
    money: &mut MoneyRows,
    recorded: &RecordedEvent,
    envelope: &Envelope<'_>,
) -> Result<(), ProjectionError> {
    let decoded = decode::<PaymentEvent>(recorded)?;
    let event: &PaymentEvent = &decoded;
    let id = envelope.stream_id.as_str();
    let (receivable, document) = match event {
        PaymentEvent::ReceivableOpened {
            invoice_reference,
            order_id,
            customer_id,
            total,
            schedule,
            at,
            ..
        } => {
            let order_text = id_text(order_id.0);
            let deal = cash.orders.peek(tx, order_id.0, &order_text, |row| row.deal.clone())?;
            for (instalment_idx, due) in (0i64..).zip(schedule) {
                let instalment = Instalment {
                    receivable_id: id.to_owned(),
                    instalment_idx,
                    due_on: stored::day_text(due.due_on),
                    amount_minor: due.amount.amount_minor,
                };
                money.instalment(tx, instalment)?;
            }
            let opened = Receivable {
                receivable_id: recorded.stream.id,
                customer_id: customer_id.0,
                order_id: order_id.0,
                deal: deal.flatten(),
                invoice_reference: invoice_reference.as_str().into(),
                currency: total.currency,
                total_minor: total.amount_minor,
                received_minor: 0,
                credited_minor: 0,
                written_off_minor: 0,
                outstanding_minor: total.amount_minor,
                credit_minor: 0,
                refunded_minor: 0,
                opened_on: at.date_naive(),
                settled_on: None,
            };
            (cash.receivables.create(recorded.stream.id, opened)?, None)
        }
        _ => {
            let receivable = cash.receivables.existing(tx, recorded.stream.id, id)?;
            let document = match event {
                PaymentEvent::ReceivableOpened { .. } => None,
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
                    receivable.received_minor += allocated;
                    receivable.outstanding_minor -= allocated;
                    receivable.credit_minor += credit.amount_minor;
                    let document = Document {
                        kind: document::RECEIPT,
                        document_id: id_text(receipt_id.0),
                        on: stored::day_text(*received_on),
                        amount: *amount,
                        credit_minor: credit.amount_minor,
                        note: reference,
                    };
                    Some(with_allocations(tx, money, envelope, allocations, document)?)
                }
                PaymentEvent::CreditRefunded {
                    refund_id, amount, reference, refunded_on, ..
                } => {
                    receivable.refunded_minor += amount.amount_minor;
                    Some(Document {
                        kind: document::REFUND,
                        document_id: id_text(refund_id.0),
                        on: stored::day_text(*refunded_on),
                        amount: *amount,
                        credit_minor: 0,
                        note: reference,
                    })
                }
                PaymentEvent::CreditNoteIssued {
                    credit_note_id,
                    amount,
                    reason,
                    issued_on,
                    allocations,
                    ..
                } => {
                    receivable.credited_minor += amount.amount_minor;
                    receivable.outstanding_minor -= amount.amount_minor;
                    let document = Document {
                        kind: document::CREDIT_NOTE,
                        document_id: id_text(credit_note_id.0),
                        on: stored::day_text(*issued_on),
                        amount: *amount,
                        credit_minor: 0,
                        note: reason,
                    };
                    Some(with_allocations(tx, money, envelope, allocations, document)?)
                }
                PaymentEvent::WrittenOff {
                    write_off_id,
                    amount,
                    reason,
                    written_off_on,
                    allocations,
                    ..
                } => {
                    receivable.written_off_minor += amount.amount_minor;
                    receivable.outstanding_minor -= amount.amount_minor;
                    let document = Document {
                        kind: document::WRITE_OFF,
                        document_id: id_text(write_off_id.0),
                        on: stored::day_text(*written_off_on),
                        amount: *amount,
                        credit_minor: 0,
                        note: reason,
                    };
                    Some(with_allocations(tx, money, envelope, allocations, document)?)
                }
                PaymentEvent::ReceivableSettled { settled_on, .. } => {
                    receivable.settled_on = Some(*settled_on);
                    None
                }
            };
            (receivable, document)
        }
    };
    // One id text for both the document and the timeline line.
    let customer_id = id_text(receivable.customer_id);
    if let Some(document) = document {
        record_document(tx, money, envelope, &customer_id, &document)?;
    }
    let text = words::payment(event, &receivable.invoice_reference);
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

/// A receipt, credit note or write-off, once each of its allocations to an instalment is
/// recorded under its business date.
fn with_allocations<'a>(
    tx: &Transaction<'_>,
    money: &mut MoneyRows,
    envelope: &Envelope<'_>,
    allocations: &[Allocation],
    document: Document<'a>,
) -> Result<Document<'a>, ProjectionError> {
    apply_allocations(tx, money, envelope, allocations, document.kind, &document.on)?;
    Ok(document)
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
