//! The deals of the batch in hand. Every event of a deal rewrites its `forecast_deals` row, and
//! a deal has several events in most batches (4.4 on average in a rebuild of the 1M-event log),
//! so the batch's deals are kept here: read from the table the first time the batch touches one,
//! changed in memory by each event, and written once at the flush, in key order. Versions are
//! appended as events come (`apply.rs`), from the deal as it stands here.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::apply::{CATEGORIES, Deal, LOST, OPEN, WON, parse_day};
use crate::ProjectionError;

/// A deal the batch has touched, and what its row needs at the flush.
#[derive(Debug)]
struct Touched {
    deal: Deal,
    /// Opened in this batch: no row yet.
    new: bool,
}

#[derive(Debug, Default)]
pub(super) struct PendingDeals {
    by_id: HashMap<Uuid, Touched>,
    /// `by_id`'s keys in key order, at the flush (kept for its room).
    order: Vec<Uuid>,
}

impl PendingDeals {
    /// A deal opened by this batch's event: its row is inserted at the flush.
    pub(super) fn open(&mut self, id: Uuid, deal: Deal) -> Result<&Deal, ProjectionError> {
        use std::collections::hash_map::Entry;
        match self.by_id.entry(id) {
            Entry::Occupied(_) => {
                Err(ProjectionError::Unexpected(format!("opportunity {id} opened twice")))
            }
            Entry::Vacant(slot) => Ok(&slot.insert(Touched { deal, new: true }).deal),
        }
    }

    /// The deal as it stands, read from its row the first time the batch touches it; `None` if
    /// it was never opened.
    pub(super) fn get_mut(
        &mut self,
        tx: &Transaction<'_>,
        id: Uuid,
        id_text: &str,
    ) -> Result<Option<&mut Deal>, ProjectionError> {
        use std::collections::hash_map::Entry;
        match self.by_id.entry(id) {
            Entry::Occupied(slot) => Ok(Some(&mut slot.into_mut().deal)),
            Entry::Vacant(slot) => Ok(match load(tx, id_text)? {
                Some(deal) => Some(&mut slot.insert(Touched { deal, new: false }).deal),
                None => None,
            }),
        }
    }

    /// Writes every deal the batch touched, in key order, and forgets them.
    pub(super) fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.order.extend(self.by_id.keys().copied());
        // A UUID's bytes sort as its lower-case text does: the table's key order.
        self.order.sort_unstable();
        for id in &self.order {
            let touched = &self.by_id[id];
            if touched.new {
                insert(tx, &touched.deal)?;
            } else {
                update(tx, &touched.deal)?;
            }
        }
        self.discard();
        Ok(())
    }

    /// The batch rolled back: nothing of it is written.
    pub(super) fn discard(&mut self) {
        self.by_id.clear();
        self.order.clear();
    }
}

fn insert(tx: &Transaction<'_>, deal: &Deal) -> Result<(), ProjectionError> {
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

fn update(tx: &Transaction<'_>, deal: &Deal) -> Result<(), ProjectionError> {
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

/// The deal's row as the tables hold it, if it has one.
fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Deal>, ProjectionError> {
    let deal = tx
        .prepare_cached(
            "SELECT customer_id, name, owner, team, currency, amount_minor, expected_close, \
             stage, probability_bps, forecast_category, status, closed_on, opened_at, \
             last_activity_at FROM forecast_deals WHERE opportunity_id = ?1",
        )?
        .query_row([id], |row| {
            let expected_close: String = row.get(6)?;
            let category: String = row.get(9)?;
            let status: String = row.get(10)?;
            let closed_on: Option<String> = row.get(11)?;
            // Parsing is the projection's business; its errors are not SQLite's.
            Ok((|| -> Result<Deal, ProjectionError> {
                Ok(Deal {
                    opportunity_id: id.to_owned(),
                    customer_id: row.get(0)?,
                    name: row.get(1)?,
                    owner: row.get(2)?,
                    team: row.get(3)?,
                    currency: row.get(4)?,
                    amount_minor: row.get(5)?,
                    expected_close: parse_day(&expected_close)?,
                    stage: row.get(7)?,
                    probability_bps: row.get(8)?,
                    forecast_category: static_key(&category, &CATEGORIES)?,
                    status: static_key(&status, &[OPEN, WON, LOST])?,
                    closed_on: closed_on.as_deref().map(parse_day).transpose()?,
                    opened_at: row.get(12)?,
                    last_activity_at: row.get(13)?,
                })
            })())
        })
        .optional()?;
    deal.transpose()
}

fn static_key(text: &str, keys: &[&'static str]) -> Result<&'static str, ProjectionError> {
    keys.iter().find(|key| **key == text).copied().ok_or_else(|| {
        ProjectionError::Unexpected(format!("unknown key {text:?} in forecast_deals"))
    })
}
