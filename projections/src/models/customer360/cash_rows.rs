//! The `c360_orders` and `c360_receivables` rows, which every event of their stream changes and
//! reads (to route the event to its customer and name its deal or invoice on the timeline): the
//! batch keeps them in [`BatchRows`] and writes each once at the flush (a rebuild: once its
//! stream settles or goes idle, `models::batch_rows`), as `deal_rows.rs` does for opportunities
//! and quotes. Before, each of these events was an `UPDATE … RETURNING` of its row: a B-tree
//! search and a rewrite per event, 10 % of this model's rebuild. Every read of these rows during
//! `apply` goes through [`CashRows`].

use chrono::{DateTime, NaiveDate, Utc};
use ltc_domain::money::Currency;
use rusqlite::{Row, Transaction, params};
use uuid::Uuid;

use super::envelope::{id_text, time_text};
use crate::ProjectionError;
use crate::models::batch_rows::{BatchRow, BatchRows};
use crate::models::stored;

/// The batch's orders and receivables.
#[derive(Debug, Default)]
pub(super) struct CashRows {
    pub orders: BatchRows<Order>,
    pub receivables: BatchRows<Receivable>,
}

impl CashRows {
    pub fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let orders = self.orders.flush(tx);
        let receivables = self.receivables.flush(tx);
        orders.and(receivables)
    }

    pub fn finish(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let orders = self.orders.finish(tx);
        let receivables = self.receivables.finish(tx);
        orders.and(receivables)
    }

    pub fn discard(&mut self) {
        self.orders.discard();
        self.receivables.discard();
    }

    pub fn keep_across_batches(&mut self) {
        self.orders.keep_across_batches();
        self.receivables.keep_across_batches();
    }
}

/// A `c360_orders` row. Compact, as `deal_rows::Opportunity` is.
#[derive(Debug)]
pub(super) struct Order {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub quote_id: Uuid,
    /// The opportunity's name, shown on the order's and its receivables' timeline lines.
    pub deal: Option<Box<str>>,
    pub currency: Currency,
    pub total_minor: i64,
    pub cancelled_minor: i64,
    pub invoiced_minor: i64,
    pub ordered_units: i64,
    pub cancelled_units: i64,
    pub fulfilled_units: i64,
    pub invoiced_units: i64,
    pub placed_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub paid_on: Option<NaiveDate>,
}

impl BatchRow for Order {
    type Appended = ();

    fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Order>, ProjectionError> {
        stored::row(
            tx,
            "SELECT order_id, customer_id, quote_id, deal, currency, total_minor, \
             cancelled_minor, invoiced_minor, ordered_units, cancelled_units, fulfilled_units, \
             invoiced_units, placed_at, confirmed_at, paid_on FROM c360_orders WHERE order_id = ?1",
            id,
            Order::read,
        )
    }

    fn insert(&self, tx: &Transaction<'_>, _: &mut ()) -> Result<(), ProjectionError> {
        tx.prepare_cached(
            "INSERT INTO c360_orders (order_id, customer_id, quote_id, deal, currency, \
             total_minor, cancelled_minor, invoiced_minor, ordered_units, cancelled_units, \
             fulfilled_units, invoiced_units, placed_at, confirmed_at, paid_on) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?
        .execute(params![
            id_text(self.order_id),
            id_text(self.customer_id),
            id_text(self.quote_id),
            self.deal,
            self.currency.code(),
            self.total_minor,
            self.cancelled_minor,
            self.invoiced_minor,
            self.ordered_units,
            self.cancelled_units,
            self.fulfilled_units,
            self.invoiced_units,
            time_text(self.placed_at),
            self.confirmed_at.map(time_text),
            self.paid_on.map(stored::day_text),
        ])?;
        Ok(())
    }

    /// The columns a later event may change; the rest are set when it is placed.
    fn update(&self, tx: &Transaction<'_>, _: &mut ()) -> Result<(), ProjectionError> {
        tx.prepare_cached(
            "UPDATE c360_orders SET cancelled_minor = ?2, invoiced_minor = ?3, \
             cancelled_units = ?4, fulfilled_units = ?5, invoiced_units = ?6, confirmed_at = ?7, \
             paid_on = ?8 WHERE order_id = ?1",
        )?
        .execute(params![
            id_text(self.order_id),
            self.cancelled_minor,
            self.invoiced_minor,
            self.cancelled_units,
            self.fulfilled_units,
            self.invoiced_units,
            self.confirmed_at.map(time_text),
            self.paid_on.map(stored::day_text),
        ])?;
        Ok(())
    }

    /// Paid, or every unit cancelled: nothing is left to happen to it.
    fn settled(&self) -> bool {
        self.paid_on.is_some() || self.cancelled_units >= self.ordered_units
    }
}

impl Order {
    /// The row `load` selects, read back.
    fn read(row: &Row<'_>) -> Result<Order, ProjectionError> {
        let text = |index| row.get::<_, String>(index);
        let optional = |index| row.get::<_, Option<String>>(index);
        Ok(Order {
            order_id: stored::uuid(&text(0)?)?,
            customer_id: stored::uuid(&text(1)?)?,
            quote_id: stored::uuid(&text(2)?)?,
            deal: optional(3)?.map(String::into_boxed_str),
            currency: stored::currency(&text(4)?)?,
            total_minor: row.get(5)?,
            cancelled_minor: row.get(6)?,
            invoiced_minor: row.get(7)?,
            ordered_units: row.get(8)?,
            cancelled_units: row.get(9)?,
            fulfilled_units: row.get(10)?,
            invoiced_units: row.get(11)?,
            placed_at: stored::time(&text(12)?)?,
            confirmed_at: optional(13)?.as_deref().map(stored::time).transpose()?,
            paid_on: optional(14)?.as_deref().map(stored::day).transpose()?,
        })
    }
}

/// A `c360_receivables` row (one invoice). Compact, as [`Order`] is.
#[derive(Debug)]
pub(super) struct Receivable {
    pub receivable_id: Uuid,
    pub customer_id: Uuid,
    pub order_id: Uuid,
    pub deal: Option<Box<str>>,
    /// Shown on the receivable's timeline lines.
    pub invoice_reference: Box<str>,
    pub currency: Currency,
    pub total_minor: i64,
    pub received_minor: i64,
    pub credited_minor: i64,
    pub written_off_minor: i64,
    pub outstanding_minor: i64,
    pub credit_minor: i64,
    pub refunded_minor: i64,
    pub opened_on: NaiveDate,
    pub settled_on: Option<NaiveDate>,
}

impl BatchRow for Receivable {
    type Appended = ();

    fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Receivable>, ProjectionError> {
        stored::row(
            tx,
            "SELECT receivable_id, customer_id, order_id, deal, invoice_reference, currency, \
             total_minor, received_minor, credited_minor, written_off_minor, outstanding_minor, \
             credit_minor, refunded_minor, opened_on, settled_on \
             FROM c360_receivables WHERE receivable_id = ?1",
            id,
            Receivable::read,
        )
    }

    fn insert(&self, tx: &Transaction<'_>, _: &mut ()) -> Result<(), ProjectionError> {
        tx.prepare_cached(
            "INSERT INTO c360_receivables (receivable_id, customer_id, order_id, deal, \
             invoice_reference, currency, total_minor, received_minor, credited_minor, \
             written_off_minor, outstanding_minor, credit_minor, refunded_minor, opened_on, \
             settled_on) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?
        .execute(params![
            id_text(self.receivable_id),
            id_text(self.customer_id),
            id_text(self.order_id),
            self.deal,
            self.invoice_reference,
            self.currency.code(),
            self.total_minor,
            self.received_minor,
            self.credited_minor,
            self.written_off_minor,
            self.outstanding_minor,
            self.credit_minor,
            self.refunded_minor,
            stored::day_text(self.opened_on),
            self.settled_on.map(stored::day_text),
        ])?;
        Ok(())
    }

    /// The columns a later event may change; the rest are set when it opens.
    fn update(&self, tx: &Transaction<'_>, _: &mut ()) -> Result<(), ProjectionError> {
        tx.prepare_cached(
            "UPDATE c360_receivables SET received_minor = ?2, credited_minor = ?3, \
             written_off_minor = ?4, outstanding_minor = ?5, credit_minor = ?6, \
             refunded_minor = ?7, settled_on = ?8 WHERE receivable_id = ?1",
        )?
        .execute(params![
            id_text(self.receivable_id),
            self.received_minor,
            self.credited_minor,
            self.written_off_minor,
            self.outstanding_minor,
            self.credit_minor,
            self.refunded_minor,
            self.settled_on.map(stored::day_text),
        ])?;
        Ok(())
    }

    /// Settled: only a refund of the customer's credit may follow, and costs a read back.
    fn settled(&self) -> bool {
        self.settled_on.is_some()
    }
}

impl Receivable {
    /// The row `load` selects, read back.
    fn read(row: &Row<'_>) -> Result<Receivable, ProjectionError> {
        let text = |index| row.get::<_, String>(index);
        Ok(Receivable {
            receivable_id: stored::uuid(&text(0)?)?,
            customer_id: stored::uuid(&text(1)?)?,
            order_id: stored::uuid(&text(2)?)?,
            deal: row.get::<_, Option<String>>(3)?.map(String::into_boxed_str),
            invoice_reference: text(4)?.into(),
            currency: stored::currency(&text(5)?)?,
            total_minor: row.get(6)?,
            received_minor: row.get(7)?,
            credited_minor: row.get(8)?,
            written_off_minor: row.get(9)?,
            outstanding_minor: row.get(10)?,
            credit_minor: row.get(11)?,
            refunded_minor: row.get(12)?,
            opened_on: stored::day(&text(13)?)?,
            settled_on: row
                .get::<_, Option<String>>(14)?
                .as_deref()
                .map(stored::day)
                .transpose()?,
        })
    }
}
