//! The funnel query: the facts grouped by period and one dimension, with every figure computed
//! from exact sums (see `shared.rs` for the rounding).
//!
//! **Cohorts.** A lead belongs to the period it was captured in, an opportunity to the period it
//! was opened in, and every figure of a row is about that cohort as the log stands now: of the
//! opportunities opened in 2026-Q1, how many have reached each stage, how many are won, how long
//! the won ones took. Stage conversion is therefore "reached the next stage ÷ reached this one"
//! over the same opportunities, and can never exceed 100 %. (ERPNext's funnel instead counts, per
//! period, the opportunities that entered each stage in that period: a deal opened in March and
//! moved on in April falls into two periods' counts, and a period's "conversion" compares
//! different deals and may exceed 100 %.) A cohort's figures mature as its deals close; to see
//! them as they were on a past date, rebuild the read models up to that time.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::shared::{DateRange, QueryError, average, count, divide_rounded, ratio_bps};
use crate::models::period::Period;

/// What the rows of a funnel are grouped by, besides the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// The owner of the lead or opportunity (a user id).
    Rep,
    /// The owner's team.
    Team,
    /// The customer's region for an opportunity, the lead's own for a lead.
    Region,
    /// The customer's industry for an opportunity, the lead's own for a lead.
    Industry,
    /// The main product of the opportunity's latest quote (for a lead, of the opportunity it
    /// converted into).
    Product,
    /// The channel of the lead the opportunity was converted from.
    Channel,
}

impl Dimension {
    pub const ALL: [Dimension; 6] = [
        Dimension::Rep,
        Dimension::Team,
        Dimension::Region,
        Dimension::Industry,
        Dimension::Product,
        Dimension::Channel,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dimension::Rep => "rep",
            Dimension::Team => "team",
            Dimension::Region => "region",
            Dimension::Industry => "industry",
            Dimension::Product => "product",
            Dimension::Channel => "channel",
        }
    }

    pub fn parse(name: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|dimension| dimension.name() == name)
    }

    /// The SQL expression of an opportunity's key, over `o` (its facts), `c` (its customer) and
    /// `l` (its lead).
    fn of_opportunity(self) -> &'static str {
        match self {
            Dimension::Rep => "o.owner_id",
            Dimension::Team => "o.team_id",
            Dimension::Region => "c.region",
            Dimension::Industry => "c.industry",
            Dimension::Product => PRODUCT_OF_O,
            Dimension::Channel => "l.channel",
        }
    }

    /// The SQL expression of a lead's key, over `l` (its facts) and `o` (its opportunity).
    fn of_lead(self) -> &'static str {
        match self {
            Dimension::Rep => "l.owner_id",
            Dimension::Team => "l.team_id",
            Dimension::Region => "l.region",
            Dimension::Industry => "l.industry",
            Dimension::Product => PRODUCT_OF_O,
            Dimension::Channel => "l.channel",
        }
    }
}

/// The key of facts that have no value for the dimension (a lead nobody owns, a deal without a
/// quote or without a lead).
pub const NO_VALUE: &str = "(none)";

const PRODUCT_OF_O: &str = "(SELECT q.product_sku FROM funnel_quotes q \
     WHERE q.opportunity_id = o.opportunity_id ORDER BY q.position DESC LIMIT 1)";

/// One period and one value of the dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct FunnelRow {
    pub period: String,
    pub key: String,
    /// Leads captured in the period, duplicates merged away not counted.
    pub leads: u64,
    /// Of those, qualified at some point (converted leads were all qualified first).
    pub leads_qualified: u64,
    pub leads_converted: u64,
    /// `leads_converted ÷ leads`.
    pub lead_conversion_bps: Option<u32>,
    /// Opportunities opened in the period: the cohort.
    pub opportunities: u64,
    pub won: u64,
    pub lost: u64,
    /// `won ÷ (won + lost)`; open deals do not count.
    pub win_rate_bps: Option<u32>,
    /// Mean days from opening to winning, over the won deals.
    pub sales_cycle_days_avg: Option<i64>,
    /// The pipeline's stages in order, with how far the cohort got.
    pub stages: Vec<StageFigures>,
    /// Money figures, one entry per currency: amounts are never added across currencies.
    pub currencies: Vec<CurrencyFigures>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct StageFigures {
    pub stage: String,
    /// `open`, `won` or `lost`.
    pub outcome: String,
    /// Opportunities of the cohort that reached this stage (see `apply_opportunity.rs`).
    pub reached: u64,
    /// Reached the next stage (the won stage after the last open one) ÷ reached this one.
    pub to_next_bps: Option<u32>,
    /// Finished stays in this stage (a deal that comes back stays again), and their mean length.
    pub stays_finished: u64,
    pub days_in_stage_avg: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct CurrencyFigures {
    pub currency: String,
    pub opportunities: u64,
    pub won: u64,
    pub lost: u64,
    pub won_minor: i64,
    /// `won_minor ÷ won`.
    pub deal_size_avg_minor: Option<i64>,
    /// Opportunities × win rate × mean deal size ÷ mean sales cycle, in minor units per day,
    /// computed exactly as `opportunities × won_minor × won ÷ ((won + lost) × Σ cycle days)` and
    /// rounded once. `None` without a won deal or when every win took 0 days.
    pub velocity_minor_per_day: Option<i64>,
}

/// The funnel by `period` and `by`, over the leads captured and opportunities opened in `range`,
/// ordered by period, then key.
pub fn funnel(
    conn: &Connection,
    period: Period,
    by: Dimension,
    range: DateRange,
) -> Result<Vec<FunnelRow>, QueryError> {
    let (from, to) = range.bounds_text();
    let mut rows: BTreeMap<(String, String), FunnelRow> = BTreeMap::new();

    let (lead_period, opportunity_period) = match period {
        Period::Month => ("l.captured_month", "o.opened_month"),
        Period::Quarter => ("l.captured_quarter", "o.opened_quarter"),
    };
    let sql = format!(
        "SELECT {lead_period}, COALESCE({key}, '{NO_VALUE}'), COUNT(*), \
         SUM(l.qualified_on IS NOT NULL), SUM(l.converted_on IS NOT NULL) \
         FROM funnel_leads l LEFT JOIN funnel_opportunities o \
           ON o.opportunity_id = l.opportunity_id \
         WHERE l.status NOT IN ('duplicate', 'merged') AND l.captured_on BETWEEN ?1 AND ?2 \
         GROUP BY 1, 2",
        key = by.of_lead()
    );
    let mut statement = conn.prepare(&sql)?;
    let mut result = statement.query(params![from, to])?;
    while let Some(record) = result.next()? {
        let target = row_of(&mut rows, record.get(0)?, record.get(1)?);
        target.leads = count(record, 2)?;
        target.leads_qualified = count(record, 3)?;
        target.leads_converted = count(record, 4)?;
    }

    let cohort = cohort(opportunity_period, by);
    let mut cycle_days: BTreeMap<(String, String), i64> = BTreeMap::new();
    let sql = format!(
        "{cohort} SELECT period, key, currency, COUNT(*), SUM(status = 'won'), \
         SUM(status = 'lost'), COALESCE(SUM(CASE WHEN status = 'won' THEN amount_minor END), 0), \
         COALESCE(SUM(CASE WHEN status = 'won' THEN cycle_days END), 0) \
         FROM cohort GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    );
    let mut statement = conn.prepare(&sql)?;
    let mut result = statement.query(params![from, to])?;
    while let Some(record) = result.next()? {
        let (period, key): (String, String) = (record.get(0)?, record.get(1)?);
        let days: i64 = record.get(7)?;
        *cycle_days.entry((period.clone(), key.clone())).or_default() += days;
        let figures = CurrencyFigures::new(
            record.get(2)?,
            count(record, 3)?,
            count(record, 4)?,
            count(record, 5)?,
            record.get(6)?,
            days,
        );
        let target = row_of(&mut rows, period, key);
        target.opportunities += figures.opportunities;
        target.won += figures.won;
        target.lost += figures.lost;
        target.currencies.push(figures);
    }

    // Each (period, key) lists the stages of its deals' pipelines, in pipeline order, from the
    // few distinct pipelines the cohort has; then the stages reached and the finished stays are
    // counted deal by deal, each deal's rows found with one search of its key (`CROSS JOIN` keeps
    // the cohort the outer loop), rather than one search per stage of its pipeline.
    let sql = format!(
        "{cohort} SELECT k.period, k.key, p.stage, MIN(p.stage_position), MIN(p.outcome) \
         FROM (SELECT DISTINCT period, key, pipeline_key FROM cohort) k \
         JOIN funnel_pipeline_stages p ON p.pipeline_key = k.pipeline_key \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 4, 3"
    );
    let mut statement = conn.prepare(&sql)?;
    let mut result = statement.query(params![from, to])?;
    while let Some(record) = result.next()? {
        let target = row_of(&mut rows, record.get(0)?, record.get(1)?);
        target.stages.push(StageFigures {
            stage: record.get(2)?,
            outcome: record.get(4)?,
            reached: 0,
            to_next_bps: None,
            stays_finished: 0,
            days_in_stage_avg: None,
        });
    }

    let mut statement = conn.prepare(&stages_reached(&cohort))?;
    let mut result = statement.query(params![from, to])?;
    while let Some(record) = result.next()? {
        let stage: String = record.get(2)?;
        if let Some(figures) = stage_of(&mut rows, record.get(0)?, record.get(1)?, &stage) {
            figures.reached = count(record, 3)?;
        }
    }

    let mut statement = conn.prepare(&stays_finished(&cohort))?;
    let mut result = statement.query(params![from, to])?;
    while let Some(record) = result.next()? {
        let stage: String = record.get(2)?;
        let (stays, days) = (count(record, 3)?, record.get(4)?);
        if let Some(figures) = stage_of(&mut rows, record.get(0)?, record.get(1)?, &stage) {
            figures.stays_finished = stays;
            figures.days_in_stage_avg = average(days, stays);
        }
    }

    for ((period, key), row) in &mut rows {
        row.win_rate_bps = ratio_bps(row.won, row.won + row.lost);
        row.lead_conversion_bps = ratio_bps(row.leads_converted, row.leads);
        let days = cycle_days.get(&(period.clone(), key.clone())).copied().unwrap_or(0);
        row.sales_cycle_days_avg = average(days, row.won);
        link_stages(&mut row.stages);
    }
    Ok(rows.into_values().collect())
}

/// The opportunities opened between `?1` and `?2`, each with its period and its key for `by`:
/// a `WITH` clause the statements below start with.
pub(super) fn cohort(opportunity_period: &str, by: Dimension) -> String {
    format!(
        "WITH cohort AS (SELECT o.opportunity_id, {opportunity_period} AS period, \
           COALESCE({key}, '{NO_VALUE}') AS key, o.currency, o.status, o.amount_minor, \
           o.cycle_days, o.pipeline_key \
         FROM funnel_opportunities o \
         LEFT JOIN funnel_customers c ON c.customer_id = o.customer_id \
         LEFT JOIN funnel_leads l ON l.opportunity_id = o.opportunity_id \
         WHERE o.opened_on BETWEEN ?1 AND ?2) ",
        key = by.of_opportunity()
    )
}

/// Per period, key and stage: the cohort's deals that reached it.
pub(super) fn stages_reached(cohort: &str) -> String {
    format!(
        "{cohort} SELECT k.period, k.key, r.stage, COUNT(*) \
         FROM cohort k CROSS JOIN funnel_stages_reached r ON r.opportunity_id = k.opportunity_id \
         GROUP BY 1, 2, 3"
    )
}

/// Per period, key and open stage: the cohort's finished stays in it, and their days.
pub(super) fn stays_finished(cohort: &str) -> String {
    format!(
        "{cohort} SELECT k.period, k.key, v.stage, COUNT(*), SUM(v.days_in_stage) \
         FROM cohort k CROSS JOIN funnel_stage_visits v ON v.opportunity_id = k.opportunity_id \
         WHERE v.days_in_stage IS NOT NULL AND v.outcome = 'open' GROUP BY 1, 2, 3"
    )
}

impl FunnelRow {
    fn empty(period: String, key: String) -> FunnelRow {
        FunnelRow {
            period,
            key,
            leads: 0,
            leads_qualified: 0,
            leads_converted: 0,
            lead_conversion_bps: None,
            opportunities: 0,
            won: 0,
            lost: 0,
            win_rate_bps: None,
            sales_cycle_days_avg: None,
            stages: Vec::new(),
            currencies: Vec::new(),
        }
    }
}

impl CurrencyFigures {
    fn new(
        currency: String,
        opportunities: u64,
        won: u64,
        lost: u64,
        won_minor: i64,
        cycle_days: i64,
    ) -> CurrencyFigures {
        let velocity = if won == 0 {
            None
        } else {
            divide_rounded(
                i128::from(opportunities) * i128::from(won_minor) * i128::from(won),
                i128::from(won + lost) * i128::from(cycle_days),
            )
        };
        CurrencyFigures {
            currency,
            opportunities,
            won,
            lost,
            won_minor,
            deal_size_avg_minor: average(won_minor, won),
            velocity_minor_per_day: velocity,
        }
    }
}

fn row_of(
    rows: &mut BTreeMap<(String, String), FunnelRow>,
    period: String,
    key: String,
) -> &mut FunnelRow {
    rows.entry((period.clone(), key.clone())).or_insert_with(|| FunnelRow::empty(period, key))
}

/// The figures of `stage` in the row of `period` and `key`, as the stage list made them; `None`
/// for a stage outside its deals' pipelines, which no figure counts.
fn stage_of<'a>(
    rows: &'a mut BTreeMap<(String, String), FunnelRow>,
    period: String,
    key: String,
    stage: &str,
) -> Option<&'a mut StageFigures> {
    let row = rows.get_mut(&(period, key))?;
    row.stages.iter_mut().find(|figures| figures.stage == stage)
}

/// Each open stage's conversion to the stage after it; the last open stage converts to the won
/// stage. Stages arrive in pipeline order.
fn link_stages(stages: &mut [StageFigures]) {
    let in_funnel: Vec<usize> =
        (0..stages.len()).filter(|&index| stages[index].outcome != "lost").collect();
    for pair in in_funnel.windows(2) {
        let (this, next) = (pair[0], pair[1]);
        if stages[this].outcome == "open" {
            stages[this].to_next_bps = ratio_bps(stages[next].reached, stages[this].reached);
        }
    }
}
