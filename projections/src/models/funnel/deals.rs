//! An opportunity's funnel rows: its `funnel_opportunities` row (naming its pipeline's stages,
//! `funnel_pipeline_stages`), one `funnel_stages_reached` row per stage it reached, and its stays
//! in a stage (`funnel_stage_visits`). Every event of the
//! opportunity rewrites some of them, so the batch keeps the opportunity as a [`Deal`] in
//! [`BatchRows`] and writes what changed once, at the flush (a rebuild: once the deal closes or
//! goes idle, `models::batch_rows`); the stages reached and stays begun are appended rows, which
//! the flush writes for every deal at its end, 64 to a statement (`models::append_rows`).
//! `apply_opportunity.rs` says how each event changes a deal.

use foldhash::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;
use ltc_domain::money::Currency;
use rusqlite::{Row, Statement, Transaction, params};
use uuid::Uuid;

use super::shared::uuid_text;
use crate::ProjectionError;
use crate::models::append_rows::{AppendRow, AppendRows};
use crate::models::batch_rows::{BatchRow, BatchRows};
use crate::models::period::Period;
use crate::models::short_keys::stored_key_or_new_with;
use crate::models::stored;

/// The batch's deals.
pub(super) type PendingDeals = BatchRows<Deal>;

/// A status or outcome as the tables spell it.
pub(super) const OPEN: &str = "open";
pub(super) const WON: &str = "won";
pub(super) const LOST: &str = "lost";

/// One opportunity's rows, as its events have changed them since they were read (or created).
/// Compact, because a rebuild keeps tens of thousands: ids as UUIDs, the pipeline shared.
#[derive(Debug)]
pub(super) struct Deal {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub owner_id: Uuid,
    pub team_id: Option<Uuid>,
    pub currency: Currency,
    pub amount_minor: i64,
    pub opened_on: NaiveDate,
    pub status: &'static str,
    pub closed_on: Option<NaiveDate>,
    pub cycle_days: Option<i64>,
    /// An event changed the `funnel_opportunities` row itself (not only its stages or stays).
    pub row_changed: bool,
    /// The stages of the pipeline the deal opened with, in order, and their key.
    pub pipeline: Arc<[StageDef]>,
    pub pipeline_key: i64,
    /// Per stage of `pipeline`: the day it was reached.
    pub reached: Vec<Reached>,
    /// The stay the table says it is in (if any), then every stay begun since.
    pub visits: Vec<Visit>,
}

/// A stage of a pipeline, as `funnel_pipeline_stages` names it.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(super) struct StageDef {
    pub key: Box<str>,
    pub outcome: &'static str,
}

/// When a stage was reached.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Reached {
    pub on: Option<NaiveDate>,
    /// The table already holds `on` (it never changes once set).
    pub stored: bool,
}

/// A `funnel_stage_visits` row: a stay in a stage, open until `left_on`.
#[derive(Debug)]
pub(super) struct Visit {
    pub visit_no: i64,
    pub stage: Box<str>,
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

/// Every pipeline the deals have opened with, each held once: most deals share one. It grows
/// only with the pipelines a company configures over the years, a handful.
#[derive(Debug, Default)]
pub(super) struct Pipelines {
    known: HashSet<Arc<[StageDef]>>,
}

impl Pipelines {
    pub fn shared(&mut self, stages: Vec<StageDef>) -> Arc<[StageDef]> {
        if let Some(known) = self.known.get(stages.as_slice()) {
            return known.clone();
        }
        let stages: Arc<[StageDef]> = stages.into();
        self.known.insert(stages.clone());
        stages
    }
}

/// What a flush appends for its deals: stages reached and stays begun.
pub(super) type Appended = (AppendRows<ReachedRow>, AppendRows<VisitRow>);

impl BatchRow for Deal {
    type Appended = Appended;

    fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Deal>, ProjectionError> {
        let Some(mut deal) = load_opportunity(tx, id)? else { return Ok(None) };
        let mut stages = Vec::new();
        let mut statement = tx.prepare_cached(
            "SELECT stage, outcome, reached_on FROM funnel_stages WHERE opportunity_id = ?1 \
             ORDER BY stage_position",
        )?;
        let mut rows = statement.query([id])?;
        while let Some(row) = rows.next()? {
            let reached_on: Option<String> = row.get(2)?;
            stages.push(StageDef {
                key: row.get::<_, String>(0)?.into(),
                outcome: stored::one_of(&row.get::<_, String>(1)?, &[OPEN, WON, LOST])?,
            });
            deal.reached.push(Reached {
                on: reached_on.as_deref().map(stored::day).transpose()?,
                stored: reached_on.is_some(),
            });
        }
        deal.pipeline = stages.into();
        let mut statement = tx.prepare_cached(
            "SELECT visit_no, stage, outcome, entered_on FROM funnel_stage_visits \
             WHERE opportunity_id = ?1 AND left_on IS NULL",
        )?;
        let mut rows = statement.query([id])?;
        while let Some(row) = rows.next()? {
            deal.visits.push(Visit {
                visit_no: row.get(0)?,
                stage: row.get::<_, String>(1)?.into(),
                outcome: stored::one_of(&row.get::<_, String>(2)?, &[OPEN, WON, LOST])?,
                entered_on: stored::day(&row.get::<_, String>(3)?)?,
                left_on: None,
                stored: true,
            });
        }
        Ok(Some(deal))
    }

    fn insert(&self, tx: &Transaction<'_>, appended: &mut Appended) -> Result<(), ProjectionError> {
        let mut buffers = [[0u8; 36]; 4];
        let [id, customer, owner, team] = &mut buffers;
        let id = uuid_text(&self.id, id);
        tx.prepare_cached(
            "INSERT INTO funnel_opportunities (opportunity_id, customer_id, owner_id, team_id, \
             currency, amount_minor, opened_on, opened_month, opened_quarter, status, closed_on, \
             cycle_days, pipeline_key) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?
        .execute(params![
            id,
            uuid_text(&self.customer_id, customer),
            uuid_text(&self.owner_id, owner),
            self.team_id.as_ref().map(|team_id| uuid_text(team_id, team)),
            self.currency.code(),
            self.amount_minor,
            stored::day_text(self.opened_on),
            Period::Month.key(self.opened_on),
            Period::Quarter.key(self.opened_on),
            self.status,
            self.closed_on.map(stored::day_text),
            self.cycle_days,
            self.pipeline_key,
        ])?;
        self.write_reached(tx, id, &mut appended.0)?;
        self.write_visits(tx, id, &mut appended.1)
    }

    fn update(&self, tx: &Transaction<'_>, appended: &mut Appended) -> Result<(), ProjectionError> {
        let mut buffer = [0u8; 36];
        let id = uuid_text(&self.id, &mut buffer);
        if self.row_changed {
            tx.prepare_cached(
                "UPDATE funnel_opportunities SET amount_minor = ?2, status = ?3, closed_on = ?4, \
                 cycle_days = ?5 WHERE opportunity_id = ?1",
            )?
            .execute(params![
                id,
                self.amount_minor,
                self.status,
                self.closed_on.map(stored::day_text),
                self.cycle_days,
            ])?;
        }
        self.write_reached(tx, id, &mut appended.0)?;
        self.write_visits(tx, id, &mut appended.1)
    }

    /// Won or lost: only a reopening changes it again.
    fn settled(&self) -> bool {
        self.status != OPEN
    }
}

/// The key of a pipeline's stages, stored with them the first time a deal opens with it. Looked
/// up at each opening, never remembered: a live runner's next batch may write into another
/// generation (a swap), which may not hold the pipeline yet.
pub(super) fn pipeline_key(
    tx: &Transaction<'_>,
    pipeline: &[StageDef],
) -> Result<i64, ProjectionError> {
    let stages: Vec<(&str, &str)> =
        pipeline.iter().map(|stage| (&*stage.key, stage.outcome)).collect();
    let definition = serde_json::to_string(&stages).expect("a list of pairs of strings serializes");
    let write_stages = |key: i64| -> Result<(), ProjectionError> {
        let mut insert_stage = tx.prepare_cached(
            "INSERT INTO funnel_pipeline_stages (pipeline_key, stage, stage_position, outcome) \
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (position, stage) in pipeline.iter().enumerate() {
            insert_stage.execute(params![key, stage.key, position as i64, stage.outcome])?;
        }
        Ok(())
    };
    stored_key_or_new_with(
        tx,
        "SELECT pipeline_key FROM funnel_pipelines WHERE definition = ?1",
        "INSERT INTO funnel_pipelines (definition) VALUES (?1) RETURNING pipeline_key",
        [&definition],
        write_stages,
    )
}

/// A deal's `funnel_opportunities` row, with no stages or stays yet.
fn load_opportunity(tx: &Transaction<'_>, id: &str) -> Result<Option<Deal>, ProjectionError> {
    stored::row(
        tx,
        "SELECT opportunity_id, customer_id, owner_id, team_id, currency, amount_minor, \
         opened_on, status, closed_on, cycle_days, pipeline_key FROM funnel_opportunities \
         WHERE opportunity_id = ?1",
        id,
        read_opportunity,
    )
}

/// The row `load_opportunity` selects, read back.
fn read_opportunity(row: &Row<'_>) -> Result<Deal, ProjectionError> {
    let text = |index| row.get::<_, String>(index);
    let optional = |index| row.get::<_, Option<String>>(index);
    Ok(Deal {
        id: stored::uuid(&text(0)?)?,
        customer_id: stored::uuid(&text(1)?)?,
        owner_id: stored::uuid(&text(2)?)?,
        team_id: optional(3)?.as_deref().map(stored::uuid).transpose()?,
        currency: stored::currency(&text(4)?)?,
        amount_minor: row.get(5)?,
        opened_on: stored::day(&text(6)?)?,
        status: stored::one_of(&text(7)?, &[OPEN, WON, LOST])?,
        closed_on: optional(8)?.as_deref().map(stored::day).transpose()?,
        cycle_days: row.get(9)?,
        row_changed: false,
        pipeline: Arc::new([]),
        pipeline_key: row.get(10)?,
        reached: Vec::new(),
        visits: Vec::new(),
    })
}

impl Deal {
    /// The stages reached since the deal was read (a stage's day never changes once set).
    fn write_reached(
        &self,
        tx: &Transaction<'_>,
        id: &str,
        reached_rows: &mut AppendRows<ReachedRow>,
    ) -> Result<(), ProjectionError> {
        for (stage, reached) in self.pipeline.iter().zip(&self.reached) {
            if let (Some(on), false) = (reached.on, reached.stored) {
                let row = ReachedRow {
                    opportunity_id: id.to_owned(),
                    stage: stage.key.to_string(),
                    reached_on: stored::day_text(on),
                };
                reached_rows.push(tx, row)?;
            }
        }
        Ok(())
    }

    /// The stays begun since the deal was read, and the end of the stored one if it ended.
    fn write_visits(
        &self,
        tx: &Transaction<'_>,
        id: &str,
        visit_rows: &mut AppendRows<VisitRow>,
    ) -> Result<(), ProjectionError> {
        for visit in &self.visits {
            let left_on = visit.left_on.map(stored::day_text);
            if !visit.stored {
                let row = VisitRow {
                    opportunity_id: id.to_owned(),
                    visit_no: visit.visit_no,
                    stage: visit.stage.to_string(),
                    outcome: visit.outcome,
                    entered_on: stored::day_text(visit.entered_on),
                    left_on,
                    days_in_stage: visit.days_in_stage(),
                };
                visit_rows.push(tx, row)?;
            } else if left_on.is_some() {
                // Stored by an earlier flush, whose appended rows it wrote at its end.
                tx.prepare_cached(
                    "UPDATE funnel_stage_visits SET left_on = ?3, days_in_stage = ?4 \
                     WHERE opportunity_id = ?1 AND visit_no = ?2",
                )?
                .execute(params![
                    id,
                    visit.visit_no,
                    left_on,
                    visit.days_in_stage()
                ])?;
            }
        }
        Ok(())
    }
}

/// A `funnel_stages_reached` row, as written.
#[derive(Debug)]
pub(super) struct ReachedRow {
    opportunity_id: String,
    stage: String,
    reached_on: String,
}

impl AppendRow for ReachedRow {
    const INSERT_INTO: &'static str =
        "INSERT INTO funnel_stages_reached (opportunity_id, stage, reached_on)";
    const COLUMNS: usize = 3;

    fn bind(&self, statement: &mut Statement<'_>, first: usize) -> rusqlite::Result<()> {
        statement.raw_bind_parameter(first, self.opportunity_id.as_str())?;
        statement.raw_bind_parameter(first + 1, self.stage.as_str())?;
        statement.raw_bind_parameter(first + 2, self.reached_on.as_str())
    }
}

/// A `funnel_stage_visits` row, as written.
#[derive(Debug)]
pub(super) struct VisitRow {
    opportunity_id: String,
    visit_no: i64,
    stage: String,
    outcome: &'static str,
    entered_on: String,
    left_on: Option<String>,
    days_in_stage: Option<i64>,
}

impl AppendRow for VisitRow {
    const INSERT_INTO: &'static str = "INSERT INTO funnel_stage_visits (opportunity_id, visit_no, \
         stage, outcome, entered_on, left_on, days_in_stage)";
    const COLUMNS: usize = 7;

    fn bind(&self, statement: &mut Statement<'_>, first: usize) -> rusqlite::Result<()> {
        statement.raw_bind_parameter(first, self.opportunity_id.as_str())?;
        statement.raw_bind_parameter(first + 1, self.visit_no)?;
        statement.raw_bind_parameter(first + 2, self.stage.as_str())?;
        statement.raw_bind_parameter(first + 3, self.outcome)?;
        statement.raw_bind_parameter(first + 4, self.entered_on.as_str())?;
        statement.raw_bind_parameter(first + 5, self.left_on.as_deref())?;
        statement.raw_bind_parameter(first + 6, self.days_in_stage)
    }
}
