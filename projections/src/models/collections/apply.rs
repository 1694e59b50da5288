//! Payment events into the collections tables. Only the payment stream kind is looked at, and
//! `ReceivableSettled` is not decoded at all: settlement is what the applications already say.

use ltc_domain::money::Money;
use ltc_domain::payment::{Allocation, PaymentEvent};
use ltc_eventstore::RecordedEvent;
use rusqlite::{Transaction, params};
use uuid::Uuid;

use crate::models::decode::decode;
use crate::models::stored;
use crate::projection::ProjectionError;

/// Everything a payment stream records except its settlement.
pub(super) fn wants(event: &RecordedEvent) -> bool {
    event.stream.kind.as_str() == "payment" && event.event_type != "ReceivableSettled"
}

pub(super) fn apply(tx: &Transaction<'_>, event: &RecordedEvent) -> Result<(), ProjectionError> {
    // The receivable is keyed by its stream's id, which every later event of it shares.
    let mut id_buffer = Uuid::encode_buffer();
    let receivable_id: &str = event.stream.id.hyphenated().encode_lower(&mut id_buffer);
    let position = i64::try_from(event.position.0).expect("positions fit in an i64");
    let record = Record { tx, receivable_id, position };
    match &*decode::<PaymentEvent>(event)? {
        PaymentEvent::ReceivableOpened {
            invoice_reference,
            order_id,
            customer_id,
            total,
            schedule,
            at,
            ..
        } => {
            tx.prepare_cached(
                "INSERT INTO collections_receivables (receivable_id, invoice_reference, \
                 order_id, customer_id, invoiced_on, total_minor, currency) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                receivable_id,
                invoice_reference,
                order_id.0.to_string(),
                customer_id.0.to_string(),
                stored::day_text(at.date_naive()),
                total.amount_minor,
                total.currency.code(),
            ])?;
            let mut instalment = tx.prepare_cached(
                "INSERT INTO collections_instalments \
                 (receivable_id, instalment_idx, due_on, amount_minor, currency) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (instalment_idx, due) in (0u32..).zip(schedule) {
                instalment.execute(params![
                    receivable_id,
                    instalment_idx,
                    stored::day_text(due.due_on),
                    due.amount.amount_minor,
                    due.amount.currency.code(),
                ])?;
            }
        }
        PaymentEvent::PaymentReceived {
            receipt_id,
            amount,
            received_on,
            allocations,
            credit,
            ..
        } => {
            let on = stored::day_text(*received_on);
            record.document("receipt", receipt_id.0, &on, *amount, *credit)?;
            record.applications("receipt", &on, allocations)?;
        }
        PaymentEvent::CreditRefunded { refund_id, amount, refunded_on, .. } => {
            let zero = Money::zero(amount.currency);
            record.document(
                "refund",
                refund_id.0,
                &stored::day_text(*refunded_on),
                *amount,
                zero,
            )?;
        }
        PaymentEvent::CreditNoteIssued {
            credit_note_id, amount, issued_on, allocations, ..
        } => {
            let on = stored::day_text(*issued_on);
            let zero = Money::zero(amount.currency);
            record.document("credit_note", credit_note_id.0, &on, *amount, zero)?;
            record.applications("credit_note", &on, allocations)?;
        }
        PaymentEvent::WrittenOff { write_off_id, amount, written_off_on, allocations, .. } => {
            let on = stored::day_text(*written_off_on);
            let zero = Money::zero(amount.currency);
            record.document("write_off", write_off_id.0, &on, *amount, zero)?;
            record.applications("write_off", &on, allocations)?;
        }
        // Filtered out by `wants`; nothing to record if it ever arrives.
        PaymentEvent::ReceivableSettled { .. } => {}
    }
    Ok(())
}

/// The rows one money-moving event writes for one receivable.
struct Record<'a> {
    tx: &'a Transaction<'a>,
    receivable_id: &'a str,
    position: i64,
}

impl Record<'_> {
    fn document(
        &self,
        kind: &str,
        document_id: Uuid,
        dated_on: &str,
        amount: Money,
        to_credit: Money,
    ) -> Result<(), ProjectionError> {
        self.tx
            .prepare_cached(
                "INSERT INTO collections_documents (position, receivable_id, kind, document_id, \
                 dated_on, amount_minor, to_credit_minor, currency) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                self.position,
                self.receivable_id,
                kind,
                document_id.to_string(),
                dated_on,
                amount.amount_minor,
                to_credit.amount_minor,
                amount.currency.code(),
            ])?;
        Ok(())
    }

    /// One row per instalment the event reduced; the decider allocates to each at most once.
    fn applications(
        &self,
        kind: &str,
        applied_on: &str,
        allocations: &[Allocation],
    ) -> Result<(), ProjectionError> {
        let mut statement = self.tx.prepare_cached(
            "INSERT INTO collections_applications (receivable_id, instalment_idx, position, \
             kind, applied_on, amount_minor, currency) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for allocation in allocations {
            statement.execute(params![
                self.receivable_id,
                allocation.instalment_idx,
                self.position,
                kind,
                applied_on,
                allocation.amount.amount_minor,
                allocation.amount.currency.code(),
            ])?;
        }
        Ok(())
    }
}
