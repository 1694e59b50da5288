//! The `c360_opportunities` and `c360_quotes` rows, which every event of their stream rewrites
//! and reads (to route the event to its customer and name its deal on the timeline): the batch
//! keeps them in [`BatchRows`] and writes each once at the flush (a rebuild: once its stream
//! settles). Every read of these rows during `apply` goes through [`DealRows`].

use rusqlite::{OptionalExtension, Transaction, params};

use super::codes::quote_status;
use crate::ProjectionError;
use crate::models::batch_rows::{BatchRow, BatchRows};

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

/// A `c360_opportunities` row; dates and times as the table stores them.
#[derive(Debug)]
pub(super) struct Opportunity {
    pub opportunity_id: String,
    pub customer_id: String,
    pub name: String,
    pub owner_id: String,
    pub stage: String,
    pub status: &'static str,
    pub amount_minor: i64,
    pub currency: String,
    pub probability_bps: u32,
    pub forecast_category: String,
    pub expected_close: String,
    pub opened_at: String,
    pub closed_at: Option<String>,
}

/// An opportunity's status as the table spells it.
pub(super) const OPEN: &str = "open";
pub(super) const WON: &str = "won";
pub(super) const LOST: &str = "lost";

impl BatchRow for Opportunity {
    fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Opportunity>, ProjectionError> {
        let row = tx
            .prepare_cached(
                "SELECT customer_id, name, owner_id, stage, status, amount_minor, currency, \
                 probability_bps, forecast_category, expected_close, opened_at, closed_at \
                 FROM c360_opportunities WHERE opportunity_id = ?1",
            )?
            .query_row([id], |row| {
                let status: String = row.get(4)?;
                Ok((
                    status,
                    Opportunity {
                        opportunity_id: id.to_owned(),
                        customer_id: row.get(0)?,
                        name: row.get(1)?,
                        owner_id: row.get(2)?,
                        stage: row.get(3)?,
                        status: OPEN,
                        amount_minor: row.get(5)?,
                        currency: row.get(6)?,
                        probability_bps: row.get(7)?,
                        forecast_category: row.get(8)?,
                        expected_close: row.get(9)?,
                        opened_at: row.get(10)?,
                        closed_at: row.get(11)?,
                    },
                ))
            })
            .optional()?;
        let Some((status, mut opportunity)) = row else { return Ok(None) };
        opportunity.status = spelled(&status, &[OPEN, WON, LOST])?;
        Ok(Some(opportunity))
    }

    fn insert(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        tx.prepare_cached(
            "INSERT INTO c360_opportunities (opportunity_id, customer_id, name, owner_id, stage, \
             status, amount_minor, currency, probability_bps, forecast_category, expected_close, \
             opened_at, closed_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?
        .execute(params![
            self.opportunity_id,
            self.customer_id,
            self.name,
            self.owner_id,
            self.stage,
            self.status,
            self.amount_minor,
            self.currency,
            self.probability_bps,
            self.forecast_category,
            self.expected_close,
            self.opened_at,
            self.closed_at,
        ])?;
        Ok(())
    }

    /// The columns a later event may change; the rest are set when it opens.
    fn update(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        tx.prepare_cached(
            "UPDATE c360_opportunities SET stage = ?2, status = ?3, amount_minor = ?4, \
             probability_bps = ?5, forecast_category = ?6, expected_close = ?7, closed_at = ?8 \
             WHERE opportunity_id = ?1",
        )?
        .execute(params![
            self.opportunity_id,
            self.stage,
            self.status,
            self.amount_minor,
            self.probability_bps,
            self.forecast_category,
            self.expected_close,
            self.closed_at,
        ])?;
        Ok(())
    }

    /// Won or lost: only a reopening changes it again.
    fn settled(&self) -> bool {
        self.status != OPEN
    }
}

/// A `c360_quotes` row: its current version.
#[derive(Debug)]
pub(super) struct Quote {
    pub quote_id: String,
    pub customer_id: String,
    pub opportunity_id: String,
    /// The opportunity's name, shown on the quote's and its order's timeline lines.
    pub deal: Option<String>,
    pub version: u32,
    pub status: &'static str,
    pub total_minor: i64,
    pub currency: String,
    pub valid_until: String,
    pub created_at: String,
}

impl BatchRow for Quote {
    fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Quote>, ProjectionError> {
        let row = tx
            .prepare_cached(
                "SELECT customer_id, opportunity_id, deal, version, status, total_minor, \
                 currency, valid_until, created_at FROM c360_quotes WHERE quote_id = ?1",
            )?
            .query_row([id], |row| {
                let status: String = row.get(4)?;
                Ok((
                    status,
                    Quote {
                        quote_id: id.to_owned(),
                        customer_id: row.get(0)?,
                        opportunity_id: row.get(1)?,
                        deal: row.get(2)?,
                        version: row.get(3)?,
                        status: quote_status::DRAFT,
                        total_minor: row.get(5)?,
                        currency: row.get(6)?,
                        valid_until: row.get(7)?,
                        created_at: row.get(8)?,
                    },
                ))
            })
            .optional()?;
        let Some((status, mut quote)) = row else { return Ok(None) };
        quote.status = spelled(&status, &quote_status::STORED)?;
        Ok(Some(quote))
    }

    fn insert(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        tx.prepare_cached(
            "INSERT INTO c360_quotes (quote_id, customer_id, opportunity_id, deal, version, \
             status, total_minor, currency, valid_until, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            self.quote_id,
            self.customer_id,
            self.opportunity_id,
            self.deal,
            self.version,
            self.status,
            self.total_minor,
            self.currency,
            self.valid_until,
            self.created_at,
        ])?;
        Ok(())
    }

    /// The columns a revision or a status change may change.
    fn update(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        tx.prepare_cached(
            "UPDATE c360_quotes SET version = ?2, status = ?3, total_minor = ?4, \
             valid_until = ?5 WHERE quote_id = ?1",
        )?
        .execute(params![
            self.quote_id,
            self.version,
            self.status,
            self.total_minor,
            self.valid_until,
        ])?;
        Ok(())
    }

    /// Accepted or declined: the customer has answered.
    fn settled(&self) -> bool {
        self.status == quote_status::ACCEPTED || self.status == quote_status::DECLINED
    }
}

/// A stored status as its constant.
fn spelled(text: &str, known: &[&'static str]) -> Result<&'static str, ProjectionError> {
    known.iter().find(|status| **status == text).copied().ok_or_else(|| {
        ProjectionError::Unexpected(format!("unknown status {text:?} in customer360"))
    })
}
