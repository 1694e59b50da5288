//! The `c360_opportunities` and `c360_quotes` rows, which every event of their stream rewrites
//! and reads (to route the event to its customer and name its deal on the timeline): the batch
//! keeps them in [`BatchRows`] and writes each once at the flush (a rebuild: once its stream
//! settles or goes idle, `models::batch_rows`). Every read of these rows during `apply` goes
//! through [`DealRows`].

use chrono::{DateTime, NaiveDate, Utc};
use ltc_domain::money::Currency;
use rusqlite::{Row, Transaction, params};
use uuid::Uuid;

use super::codes::{self, quote_status};
use super::envelope::{id_text, time_text};
use crate::ProjectionError;
use crate::models::batch_rows::{BatchRow, BatchRows};
use crate::models::stored;

/// The batch's opportunities and quotes.
#[derive(Debug, Default)]
pub(super) struct DealRows {
    pub opportunities: BatchRows<Opportunity>,
    pub quotes: BatchRows<Quote>,
}

impl DealRows {
    pub fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let opportunities = self.opportunities.flush(tx);
        let quotes = self.quotes.flush(tx);
        opportunities.and(quotes)
    }

    pub fn finish(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let opportunities = self.opportunities.finish(tx);
        let quotes = self.quotes.finish(tx);
        opportunities.and(quotes)
    }

    pub fn discard(&mut self) {
        self.opportunities.discard();
        self.quotes.discard();
    }

    pub fn keep_across_batches(&mut self) {
        self.opportunities.keep_across_batches();
        self.quotes.keep_across_batches();
    }
}

/// A `c360_opportunities` row. Compact, because a rebuild keeps tens of thousands: ids as UUIDs,
/// dates and times as values, spelled as the table stores them when written.
#[derive(Debug)]
pub(super) struct Opportunity {
    pub opportunity_id: Uuid,
    pub customer_id: Uuid,
    pub name: Box<str>,
    pub owner_id: Uuid,
    pub stage: Box<str>,
    pub status: &'static str,
    pub amount_minor: i64,
    pub currency: Currency,
    pub probability_bps: u32,
    pub forecast_category: &'static str,
    pub expected_close: NaiveDate,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// An opportunity's status as the table spells it.
pub(super) const OPEN: &str = "open";
pub(super) const WON: &str = "won";
pub(super) const LOST: &str = "lost";

impl BatchRow for Opportunity {
    type Appended = ();

    fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Opportunity>, ProjectionError> {
        stored::row(
            tx,
            "SELECT opportunity_id, customer_id, name, owner_id, stage, status, amount_minor, \
             currency, probability_bps, forecast_category, expected_close, opened_at, closed_at \
             FROM c360_opportunities WHERE opportunity_id = ?1",
            id,
            Opportunity::read,
        )
    }

    fn insert(&self, tx: &Transaction<'_>, _: &mut ()) -> Result<(), ProjectionError> {
        tx.prepare_cached(
            "INSERT INTO c360_opportunities (opportunity_id, customer_id, name, owner_id, stage, \
             status, amount_minor, currency, probability_bps, forecast_category, expected_close, \
             opened_at, closed_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?
        .execute(params![
            id_text(self.opportunity_id),
            id_text(self.customer_id),
            self.name,
            id_text(self.owner_id),
            self.stage,
            self.status,
            self.amount_minor,
            self.currency.code(),
            self.probability_bps,
            self.forecast_category,
            stored::day_text(self.expected_close),
            time_text(self.opened_at),
            self.closed_at.map(time_text),
        ])?;
        Ok(())
    }

    /// The columns a later event may change; the rest are set when it opens.
    fn update(&self, tx: &Transaction<'_>, _: &mut ()) -> Result<(), ProjectionError> {
        tx.prepare_cached(
            "UPDATE c360_opportunities SET stage = ?2, status = ?3, amount_minor = ?4, \
             probability_bps = ?5, forecast_category = ?6, expected_close = ?7, closed_at = ?8 \
             WHERE opportunity_id = ?1",
        )?
        .execute(params![
            id_text(self.opportunity_id),
            self.stage,
            self.status,
            self.amount_minor,
            self.probability_bps,
            self.forecast_category,
            stored::day_text(self.expected_close),
            self.closed_at.map(time_text),
        ])?;
        Ok(())
    }

    /// Won or lost: only a reopening changes it again.
    fn settled(&self) -> bool {
        self.status != OPEN
    }
}

/// A `c360_quotes` row: its current version. Compact, as [`Opportunity`] is.
#[derive(Debug)]
pub(super) struct Quote {
    pub quote_id: Uuid,
    pub customer_id: Uuid,
    pub opportunity_id: Uuid,
    /// The opportunity's name, shown on the quote's and its order's timeline lines.
    pub deal: Option<Box<str>>,
    pub version: u32,
    pub status: &'static str,
    pub total_minor: i64,
    pub currency: Currency,
    pub valid_until: NaiveDate,
    pub created_at: DateTime<Utc>,
}

impl BatchRow for Quote {
    type Appended = ();

    fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Quote>, ProjectionError> {
        stored::row(
            tx,
            "SELECT quote_id, customer_id, opportunity_id, deal, version, status, total_minor, \
             currency, valid_until, created_at FROM c360_quotes WHERE quote_id = ?1",
            id,
            Quote::read,
        )
    }

    fn insert(&self, tx: &Transaction<'_>, _: &mut ()) -> Result<(), ProjectionError> {
        tx.prepare_cached(
            "INSERT INTO c360_quotes (quote_id, customer_id, opportunity_id, deal, version, \
             status, total_minor, currency, valid_until, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            id_text(self.quote_id),
            id_text(self.customer_id),
            id_text(self.opportunity_id),
            self.deal,
            self.version,
            self.status,
            self.total_minor,
            self.currency.code(),
            stored::day_text(self.valid_until),
            time_text(self.created_at),
        ])?;
        Ok(())
    }

    /// The columns a revision or a status change may change.
    fn update(&self, tx: &Transaction<'_>, _: &mut ()) -> Result<(), ProjectionError> {
        tx.prepare_cached(
            "UPDATE c360_quotes SET version = ?2, status = ?3, total_minor = ?4, \
             valid_until = ?5 WHERE quote_id = ?1",
        )?
        .execute(params![
            id_text(self.quote_id),
            self.version,
            self.status,
            self.total_minor,
            stored::day_text(self.valid_until),
        ])?;
        Ok(())
    }

    /// Accepted or declined: the customer has answered.
    fn settled(&self) -> bool {
        self.status == quote_status::ACCEPTED || self.status == quote_status::DECLINED
    }
}

impl Opportunity {
    /// The row `load` selects, read back.
    fn read(row: &Row<'_>) -> Result<Opportunity, ProjectionError> {
        let text = |index| row.get::<_, String>(index);
        Ok(Opportunity {
            opportunity_id: stored::uuid(&text(0)?)?,
            customer_id: stored::uuid(&text(1)?)?,
            name: text(2)?.into(),
            owner_id: stored::uuid(&text(3)?)?,
            stage: text(4)?.into(),
            status: stored::one_of(&text(5)?, &[OPEN, WON, LOST])?,
            amount_minor: row.get(6)?,
            currency: stored::currency(&text(7)?)?,
            probability_bps: row.get(8)?,
            forecast_category: stored::one_of(&text(9)?, &codes::FORECAST_CATEGORIES)?,
            expected_close: stored::day(&text(10)?)?,
            opened_at: stored::time(&text(11)?)?,
            closed_at: row
                .get::<_, Option<String>>(12)?
                .as_deref()
                .map(stored::time)
                .transpose()?,
        })
    }
}

impl Quote {
    /// The row `load` selects, read back.
    fn read(row: &Row<'_>) -> Result<Quote, ProjectionError> {
        let text = |index| row.get::<_, String>(index);
        Ok(Quote {
            quote_id: stored::uuid(&text(0)?)?,
            customer_id: stored::uuid(&text(1)?)?,
            opportunity_id: stored::uuid(&text(2)?)?,
            deal: row.get::<_, Option<String>>(3)?.map(String::into_boxed_str),
            version: row.get(4)?,
            status: stored::one_of(&text(5)?, &quote_status::STORED)?,
            total_minor: row.get(6)?,
            currency: stored::currency(&text(7)?)?,
            valid_until: stored::day(&text(8)?)?,
            created_at: stored::time(&text(9)?)?,
        })
    }
}
