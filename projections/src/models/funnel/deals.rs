//! An opportunity's funnel rows: its `funnel_opportunities` row, one `funnel_stages` row per
//! stage of its pipeline, and its stays in a stage (`funnel_stage_visits`). Every event of the
//! opportunity rewrites some of them, so the batch keeps the opportunity as a [`Deal`] in
//! [`BatchRows`] and writes what changed once, at the flush (a rebuild: once the deal closes).
//! `apply_opportunity.rs` says how each event changes a deal.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Transaction, params};

use crate::ProjectionError;
use crate::models::batch_rows::{BatchRow, BatchRows};
use crate::models::period::Period;

/// The batch's deals.
pub(super) type PendingDeals = BatchRows<Deal>;

/// A status or outcome as the tables spell it.
pub(super) const OPEN: &str = "open";
pub(super) const WON: &str = "won";
pub(super) const LOST: &str = "lost";

/// One opportunity's rows, as its events have changed them since they were read (or created).
#[derive(Debug)]
pub(super) struct Deal {
    pub id: String,
    pub customer_id: String,
    pub owner_id: String,
    pub team_id: Option<String>,
    pub currency: String,
    pub amount_minor: i64,
    pub opened_on: NaiveDate,
    pub status: &'static str,
    pub closed_on: Option<NaiveDate>,
    pub cycle_days: Option<i64>,
    /// An event changed the `funnel_opportunities` row itself (not only its stages or stays).
    pub row_changed: bool,
    /// Every stage of the pipeline the deal opened with.
    pub stages: Vec<Stage>,
    /// The stay the table says it is in (if any), then every stay begun since.
    pub visits: Vec<Visit>,
}

/// A `funnel_stages` row.
#[derive(Debug)]
pub(super) struct Stage {
    pub key: String,
    pub position: i64,
    pub outcome: &'static str,
    pub reached_on: Option<NaiveDate>,
    /// The table already holds `reached_on` (it never changes once set).
    pub reached_stored: bool,
}

/// A `funnel_stage_visits` row: a stay in a stage, open until `left_on`.
#[derive(Debug)]
pub(super) struct Visit {
    pub visit_no: i64,
    pub stage: String,
    pub outcome: &'static str,
    pub entered_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    /// The table holds it, still open.
    pub stored: bool,
}

impl Visit {
    fn days_in_stage(&self) -> Option<i64> {
        self.left_on.map(|left_on| (left_on - self.entered_on).num_days())
    }
}

impl BatchRow for Deal {
    fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Deal>, ProjectionError> {
        let row = tx
            .prepare_cached(
                "SELECT customer_id, owner_id, team_id, currency, amount_minor, opened_on, \
                 status, closed_on, cycle_days FROM funnel_opportunities WHERE opportunity_id = ?1",
            )?
            .query_row([id], |row| {
                let texts: (String, Option<String>, String) =
                    (row.get(5)?, row.get(7)?, row.get(6)?);
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    texts,
                    row.get(8)?,
                ))
            })
            .optional()?;
        let Some((customer_id, owner_id, team_id, currency, amount_minor, texts, cycle_days)) = row
        else {
            return Ok(None);
        };
        let (opened_on, closed_on, status) = texts;
        let mut stages = Vec::new();
        let mut statement = tx.prepare_cached(
            "SELECT stage, stage_position, outcome, reached_on FROM funnel_stages \
             WHERE opportunity_id = ?1",
        )?;
        let mut rows = statement.query([id])?;
        while let Some(row) = rows.next()? {
            let reached_on: Option<String> = row.get(3)?;
            stages.push(Stage {
                key: row.get(0)?,
                position: row.get(1)?,
                outcome: spelled(&row.get::<_, String>(2)?)?,
                reached_stored: reached_on.is_some(),
                reached_on: reached_on.as_deref().map(day).transpose()?,
            });
        }
        let mut visits = Vec::new();
        let mut statement = tx.prepare_cached(
            "SELECT visit_no, stage, outcome, entered_on FROM funnel_stage_visits \
             WHERE opportunity_id = ?1 AND left_on IS NULL",
        )?;
        let mut rows = statement.query([id])?;
        while let Some(row) = rows.next()? {
            visits.push(Visit {
                visit_no: row.get(0)?,
                stage: row.get(1)?,
                outcome: spelled(&row.get::<_, String>(2)?)?,
                entered_on: day(&row.get::<_, String>(3)?)?,
                left_on: None,
                stored: true,
            });
        }
        Ok(Some(Deal {
            id: id.to_owned(),
            customer_id,
            owner_id,
            team_id,
            currency,
            amount_minor,
            opened_on: day(&opened_on)?,
            status: spelled(&status)?,
            closed_on: closed_on.as_deref().map(day).transpose()?,
            cycle_days,
            row_changed: false,
            stages,
            visits,
        }))
    }

    fn insert(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        tx.prepare_cached(
            "INSERT INTO funnel_opportunities (opportunity_id, customer_id, owner_id, team_id, \
             currency, amount_minor, opened_on, opened_month, opened_quarter, status, closed_on, \
             cycle_days) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            self.id,
            self.customer_id,
            self.owner_id,
            self.team_id,
            self.currency,
            self.amount_minor,
            self.opened_on.to_string(),
            Period::Month.key(self.opened_on),
            Period::Quarter.key(self.opened_on),
            self.status,
            self.closed_on.map(|on| on.to_string()),
            self.cycle_days,
        ])?;
        let mut insert_stage = tx.prepare_cached(
            "INSERT INTO funnel_stages (opportunity_id, stage, stage_position, outcome, \
             reached_on) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for stage in &self.stages {
            insert_stage.execute(params![
                self.id,
                stage.key,
                stage.position,
                stage.outcome,
                stage.reached_on.map(|on| on.to_string()),
            ])?;
        }
        self.write_visits(tx)
    }

    fn update(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        if self.row_changed {
            tx.prepare_cached(
                "UPDATE funnel_opportunities SET amount_minor = ?2, status = ?3, closed_on = ?4, \
                 cycle_days = ?5 WHERE opportunity_id = ?1",
            )?
            .execute(params![
                self.id,
                self.amount_minor,
                self.status,
                self.closed_on.map(|on| on.to_string()),
                self.cycle_days,
            ])?;
        }
        let mut mark = tx.prepare_cached(
            "UPDATE funnel_stages SET reached_on = ?3 WHERE opportunity_id = ?1 AND stage = ?2",
        )?;
        for stage in self.stages.iter().filter(|stage| !stage.reached_stored) {
            if let Some(reached_on) = stage.reached_on {
                mark.execute(params![self.id, stage.key, reached_on.to_string()])?;
            }
        }
        self.write_visits(tx)
    }

    /// Won or lost: only a reopening changes it again.
    fn settled(&self) -> bool {
        self.status != OPEN
    }
}

impl Deal {
    /// The stays begun since the deal was read, and the end of the stored one if it ended.
    fn write_visits(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        for visit in &self.visits {
            let left_on = visit.left_on.map(|on| on.to_string());
            if !visit.stored {
                tx.prepare_cached(
                    "INSERT INTO funnel_stage_visits (opportunity_id, visit_no, stage, outcome, \
                     entered_on, left_on, days_in_stage) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    self.id,
                    visit.visit_no,
                    visit.stage,
                    visit.outcome,
                    visit.entered_on.to_string(),
                    left_on,
                    visit.days_in_stage(),
                ])?;
            } else if left_on.is_some() {
                tx.prepare_cached(
                    "UPDATE funnel_stage_visits SET left_on = ?3, days_in_stage = ?4 \
                     WHERE opportunity_id = ?1 AND visit_no = ?2",
                )?
                .execute(params![
                    self.id,
                    visit.visit_no,
                    left_on,
                    visit.days_in_stage()
                ])?;
            }
        }
        Ok(())
    }
}

/// A stored status or outcome as its constant.
fn spelled(text: &str) -> Result<&'static str, ProjectionError> {
    [OPEN, WON, LOST].into_iter().find(|known| *known == text).ok_or_else(|| {
        ProjectionError::Unexpected(format!("unknown status or outcome {text:?} in the funnel"))
    })
}

/// A stored `YYYY-MM-DD` date.
fn day(text: &str) -> Result<NaiveDate, ProjectionError> {
    text.parse().map_err(|_| ProjectionError::Unexpected(format!("{text:?} is not a stored date")))
}
