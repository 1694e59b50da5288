//! A deal's `forecast_deals` row, which every event of the deal rewrites: the batch keeps its
//! deals in [`BatchRows`] and writes each once at the flush (a rebuild: once the deal closes or
//! goes idle, `models::batch_rows`). Versions are appended as events come
//! (`apply.rs`), from the deal as it stands there.

use rusqlite::{Row, Transaction, params};

use super::apply::{CATEGORIES, Deal, LOST, OPEN, WON};
use crate::ProjectionError;
use crate::models::batch_rows::{BatchRow, BatchRows};
use crate::models::stored;

/// The batch's deals.
pub(super) type PendingDeals = BatchRows<Deal>;

impl BatchRow for Deal {
    /// The deal's row as the tables hold it, if it has one.
    fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Deal>, ProjectionError> {
        let read = |row: &Row<'_>| {
            let text = |index| row.get::<_, String>(index);
            Ok(Deal {
                opportunity_id: id.to_owned(),
                customer_id: row.get(0)?,
                name: row.get(1)?,
                owner: row.get(2)?,
                team: row.get(3)?,
                currency: row.get(4)?,
                amount_minor: row.get(5)?,
                expected_close: stored::day(&text(6)?)?,
                stage: row.get(7)?,
                probability_bps: row.get(8)?,
                forecast_category: stored::one_of(&text(9)?, &CATEGORIES)?,
                status: stored::one_of(&text(10)?, &[OPEN, WON, LOST])?,
                closed_on: row
                    .get::<_, Option<String>>(11)?
                    .as_deref()
                    .map(stored::day)
                    .transpose()?,
                opened_at: row.get(12)?,
                last_activity_at: row.get(13)?,
            })
        };
        stored::row(
            tx,
            "SELECT customer_id, name, owner, team, currency, amount_minor, expected_close, stage, \
             probability_bps, forecast_category, status, closed_on, opened_at, last_activity_at \
             FROM forecast_deals WHERE opportunity_id = ?1",
            id,
            read,
        )
    }

    fn insert(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let deal = self;
        tx.prepare_cached(
            "INSERT INTO forecast_deals (opportunity_id, customer_id, name, owner, team, currency, \
             amount_minor, expected_close, stage, probability_bps, forecast_category, status, \
             closed_on, opened_at, last_activity_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?
        .execute(params![
            deal.opportunity_id,
            deal.customer_id,
            deal.name,
            deal.owner,
            deal.team,
            deal.currency,
            deal.amount_minor,
            deal.expected_close.to_string(),
            deal.stage,
            deal.probability_bps,
            deal.forecast_category,
            deal.status,
            deal.closed_on.map(|day| day.to_string()),
            deal.opened_at,
            deal.last_activity_at,
        ])?;
        Ok(())
    }

    /// The columns a deal's later events change; the rest are set when it opens.
    fn update(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let deal = self;
        tx.prepare_cached(
            "UPDATE forecast_deals SET amount_minor = ?2, expected_close = ?3, stage = ?4, \
             probability_bps = ?5, forecast_category = ?6, status = ?7, closed_on = ?8, \
             last_activity_at = ?9 WHERE opportunity_id = ?1",
        )?
        .execute(params![
            deal.opportunity_id,
            deal.amount_minor,
            deal.expected_close.to_string(),
            deal.stage,
            deal.probability_bps,
            deal.forecast_category,
            deal.status,
            deal.closed_on.map(|day| day.to_string()),
            deal.last_activity_at,
        ])?;
        Ok(())
    }

    /// Won or lost: only a reopening changes it again.
    fn settled(&self) -> bool {
        self.status != OPEN
    }
}
