//! A deal's `forecast_deals` row, which every event of the deal rewrites: the batch keeps its
//! deals in [`BatchRows`] and writes each once at the flush (a rebuild: once the deal closes or
//! goes idle, `models::batch_rows`). The versions its events appended (`apply.rs`, from the
//! deal as it stood after each) are held with it and handed on with its row, one after another
//! under the deal's key, where one `INSERT` per event touched a random page of a table that
//! outgrows the cache (`forecast_deal_history` is ≈ 200 MB at 5M events); the flush writes
//! every deal's, 64 to a statement (`models::append_rows`).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Row, Statement, Transaction, params};

use super::apply::{CATEGORIES, Deal, LOST, OPEN, WON};
use super::decision::Decision;
use super::schema::timestamp;
use crate::ProjectionError;
use crate::models::append_rows::{AppendRow, AppendRows};
use crate::models::batch_rows::{BatchRow, BatchRows};
use crate::models::stored;

/// The batch's deals.
pub(super) type PendingDeals = BatchRows<Deal>;

impl BatchRow for Deal {
    type Appended = AppendRows<HistoryRow>;

    /// The deal's row as the tables hold it, if it has one.
    fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Deal>, ProjectionError> {
        let read = |row: &Row<'_>| {
            let text = |index| row.get::<_, String>(index);
            Ok(Deal {
                opportunity_id: stored::uuid(id)?,
                customer_id: stored::uuid(&text(0)?)?,
                name: row.get(1)?,
                owner: stored::uuid(&text(2)?)?,
                team: row.get::<_, Option<String>>(3)?.as_deref().map(stored::uuid).transpose()?,
                currency: stored::currency(&text(4)?)?,
                now: Forecasted {
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
                },
                opened_at: stored::time(&text(12)?)?,
                last_activity_at: stored::time(&text(13)?)?,
                decision: decision(row.get(14)?, row.get(15)?, row.get(16)?)?,
                versions: Vec::new(),
                versions_complete: false,
                is_example: None,
            })
        };
        stored::row(
            tx,
            "SELECT customer_id, name, owner, team, currency, amount_minor, expected_close, stage, \
             probability_bps, forecast_category, status, closed_on, opened_at, last_activity_at, \
             decided_position, decided_at, idle_days_at_decision \
             FROM forecast_deals WHERE opportunity_id = ?1",
            id,
            read,
        )
    }

    fn insert(
        &self,
        tx: &Transaction<'_>,
        history: &mut AppendRows<HistoryRow>,
    ) -> Result<(), ProjectionError> {
        let deal = self;
        tx.prepare_cached(
            "INSERT INTO forecast_deals (opportunity_id, customer_id, name, owner, team, currency, \
             amount_minor, expected_close, stage, probability_bps, forecast_category, status, \
             closed_on, opened_at, last_activity_at, decided_position, decided_at, \
             idle_days_at_decision) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
             ?18)",
        )?
        .execute(params![
            deal.opportunity_id.to_string(),
            deal.customer_id.to_string(),
            deal.name,
            deal.owner.to_string(),
            deal.team.map(|team| team.to_string()),
            deal.currency.code(),
            deal.now.amount_minor,
            deal.now.expected_close.to_string(),
            deal.now.stage,
            deal.now.probability_bps,
            deal.now.forecast_category,
            deal.now.status,
            deal.now.closed_on.map(stored::day_text),
            timestamp(deal.opened_at),
            timestamp(deal.last_activity_at),
            deal.decision.map(|decision| decision.position),
            deal.decision.map(|decision| timestamp(decision.at)),
            deal.decision.map(|decision| decision.idle_days),
        ])?;
        deal.write_versions(tx, history)
    }

    /// The columns a deal's later events change; the rest are set when it opens.
    fn update(
        &self,
        tx: &Transaction<'_>,
        history: &mut AppendRows<HistoryRow>,
    ) -> Result<(), ProjectionError> {
        let deal = self;
        tx.prepare_cached(
            "UPDATE forecast_deals SET amount_minor = ?2, expected_close = ?3, stage = ?4, \
             probability_bps = ?5, forecast_category = ?6, status = ?7, closed_on = ?8, \
             last_activity_at = ?9, decided_position = ?10, decided_at = ?11, \
             idle_days_at_decision = ?12 WHERE opportunity_id = ?1",
        )?
        .execute(params![
            deal.opportunity_id.to_string(),
            deal.now.amount_minor,
            deal.now.expected_close.to_string(),
            deal.now.stage,
            deal.now.probability_bps,
            deal.now.forecast_category,
            deal.now.status,
            deal.now.closed_on.map(stored::day_text),
            timestamp(deal.last_activity_at),
            deal.decision.map(|decision| decision.position),
            deal.decision.map(|decision| timestamp(decision.at)),
            deal.decision.map(|decision| decision.idle_days),
        ])?;
        deal.write_versions(tx, history)
    }

    /// Won or lost: only a reopening changes it again.
    fn settled(&self) -> bool {
        self.now.status != OPEN
    }
}

/// A deal's forecast fields: the part of `forecast_deals` its events change, and what each of
/// its versions records.
#[derive(Debug, Clone)]
pub(super) struct Forecasted {
    pub amount_minor: i64,
    pub expected_close: NaiveDate,
    pub stage: String,
    pub probability_bps: u32,
    pub forecast_category: &'static str,
    pub status: &'static str,
    pub closed_on: Option<NaiveDate>,
}

/// One row of `forecast_deal_history` not yet written: the deal's forecast fields after the
/// event at `position` (owner, team and currency are the deal's: no event changes them).
#[derive(Debug)]
pub(super) struct Version {
    pub position: i64,
    pub recorded_at: DateTime<Utc>,
    pub forecasted: Forecasted,
}

impl Deal {
    /// Appends the versions the deal holds to the table, in the order they were made.
    fn write_versions(
        &self,
        tx: &Transaction<'_>,
        history: &mut AppendRows<HistoryRow>,
    ) -> Result<(), ProjectionError> {
        if self.versions.is_empty() {
            return Ok(());
        }
        let opportunity_id: Arc<str> = self.opportunity_id.to_string().into();
        for version in &self.versions {
            let forecasted = &version.forecasted;
            let row = HistoryRow {
                opportunity_id: opportunity_id.clone(),
                position: version.position,
                recorded_at: timestamp(version.recorded_at),
                amount_minor: forecasted.amount_minor,
                expected_close: forecasted.expected_close.to_string(),
                stage: forecasted.stage.clone(),
                probability_bps: forecasted.probability_bps,
                forecast_category: forecasted.forecast_category,
                status: forecasted.status,
                closed_on: forecasted.closed_on.map(stored::day_text),
            };
            history.push(tx, row)?;
        }
        Ok(())
    }
}

/// A deal's decision from its three columns, written together: all set or none.
fn decision(
    position: Option<i64>,
    at: Option<String>,
    idle_days: Option<i64>,
) -> Result<Option<Decision>, ProjectionError> {
    match (position, at, idle_days) {
        (None, None, None) => Ok(None),
        (Some(position), Some(at), Some(idle_days)) => {
            Ok(Some(Decision { position, at: stored::time(&at)?, idle_days }))
        }
        partial => Err(ProjectionError::Unexpected(format!("a deal decided in part: {partial:?}"))),
    }
}

/// A `forecast_deal_history` row, as written.
#[derive(Debug)]
pub(super) struct HistoryRow {
    opportunity_id: Arc<str>,
    position: i64,
    recorded_at: String,
    amount_minor: i64,
    expected_close: String,
    stage: String,
    probability_bps: u32,
    forecast_category: &'static str,
    status: &'static str,
    closed_on: Option<String>,
}

impl AppendRow for HistoryRow {
    const INSERT_INTO: &'static str = "INSERT INTO forecast_deal_history (opportunity_id, \
         position, recorded_at, amount_minor, expected_close, stage, probability_bps, \
         forecast_category, status, closed_on)";
    const COLUMNS: usize = 10;

    fn bind(&self, statement: &mut Statement<'_>, first: usize) -> rusqlite::Result<()> {
        statement.raw_bind_parameter(first, &*self.opportunity_id)?;
        statement.raw_bind_parameter(first + 1, self.position)?;
        statement.raw_bind_parameter(first + 2, self.recorded_at.as_str())?;
        statement.raw_bind_parameter(first + 3, self.amount_minor)?;
        statement.raw_bind_parameter(first + 4, self.expected_close.as_str())?;
        statement.raw_bind_parameter(first + 5, self.stage.as_str())?;
        statement.raw_bind_parameter(first + 6, self.probability_bps)?;
        statement.raw_bind_parameter(first + 7, self.forecast_category)?;
        statement.raw_bind_parameter(first + 8, self.status)?;
        statement.raw_bind_parameter(first + 9, self.closed_on.as_deref())
    }
}
