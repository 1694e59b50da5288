//! The learned win probability: naive Bayes over a deal's stage, lead channel, industry, region,
//! amount band and activity recency, trained on every closed deal, as Odoo's predictive lead
//! scoring does for leads.
//!
//! The model is its counts: per feature value, how many won and how many lost deals had it
//! (`forecast_model_counts`), and per closed deal the values it was counted with, one row per
//! example (`forecast_model_examples`), so that reopening a deal takes exactly those counts
//! back. `apply` keeps both through `training.rs` (the counts' changes summed per batch,
//! `counts.rs`), so the model rebuilds from the log like any other read model. This file scores
//! open deals from the counts. Probabilities are computed from the counts at
//! query time, with Laplace smoothing; they are floats, which is fine for a probability and never
//! done for money.
//!
//! An example is the closed deal as it stood just before its decision, the moment its outcome
//! became known in sales terms: a quote for it accepted, else its close (`decision.rs`). A won
//! deal's close is recorded when its order is paid, weeks after anyone last worked it, so
//! features read at the close would teach the model that deals nobody touches get won.
//!
//! The stage is counted as Odoo counts it: a closed deal counts for every open stage it reached
//! before its decision, so "won given stage s" means "won given it got as far as s", which is
//! what an open deal now in stage s is. The other features take one value each. Recency is the
//! whole days a deal had gone without activity: at its decision (training, and an open deal
//! already decided, whose order is not yet paid), or at the clock's time (an undecided open
//! deal, `clock.rs`).

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::{Connection, params};
use schemars::JsonSchema;
use serde::Serialize;

use super::apply::OPEN;
use super::clock::{day_key, end_of, latest_at};
use super::decision::DecidedBy;
use super::query::{QueryError, parse_day, parse_time};

/// How a closed deal ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Won,
    Lost,
}

/// The feature under which the class totals are counted, with value [`CLASS_VALUE`].
pub(super) const CLASS_FEATURE: &str = "outcome";
pub(super) const CLASS_VALUE: &str = "all";
/// The counts of examples per way they were decided (`decision.rs`): not a feature the naive
/// Bayes product reads, but the rate a deal already decided by an accepted quote is scored at.
pub(super) const DECIDED_BY_FEATURE: &str = "decided_by";
/// The channel of a deal that did not come from a lead.
pub const NO_CHANNEL: &str = "direct";
/// The industry and region of a deal whose customer the model has not seen.
pub const UNKNOWN: &str = "unknown";

/// What the model looks at for one deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct Features {
    /// Every open stage the deal reached before its decision (training), or its current stage,
    /// the stage at its decision once decided (scoring).
    pub stages: Vec<String>,
    pub channel: String,
    pub industry: String,
    pub region: String,
    pub amount_band: String,
    pub recency: String,
}

impl Features {
    /// Each single-valued feature with its value.
    pub(super) fn categorical(&self) -> [(&'static str, &str); 5] {
        [
            ("channel", &self.channel),
            ("industry", &self.industry),
            ("region", &self.region),
            ("amount_band", &self.amount_band),
            ("recency", &self.recency),
        ]
    }
}

/// The learned probability of one open deal, beside the pipeline's stage probability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct WinProbability {
    pub opportunity_id: String,
    pub name: String,
    pub owner: String,
    pub currency: String,
    pub amount_minor: i64,
    pub expected_close: NaiveDate,
    pub stage: String,
    pub stage_probability_bps: u32,
    pub win_probability_bps: u32,
    /// A quote for it was accepted and its order is not yet paid: its win probability is how
    /// often the closed deals decided by an accepted quote were won, not the features' estimate.
    pub quote_accepted: bool,
    pub features: Features,
}

/// Every open deal's learned win probability, and what the model was trained on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct WinProbabilities {
    /// The day the deals are scored on: the one asked for, else the day of the read model's
    /// clock (the latest business time it has seen). An undecided deal's recency runs to it.
    pub as_of: Option<NaiveDate>,
    pub n_won_examples: u64,
    pub n_lost_examples: u64,
    pub deals: Vec<WinProbability>,
}

/// Every open deal with its learned win probability, by expected close, as of the read model's
/// clock.
pub fn win_probabilities(conn: &Connection) -> Result<WinProbabilities, QueryError> {
    score_open_deals(conn, Window { period: None, day: None })
}

/// [`win_probabilities`] on `day` (a service's business date): an undecided deal's idle days run
/// to the end of `day` when that is after the clock, as they would for a forecast made on it.
pub fn win_probabilities_on(
    conn: &Connection,
    day: NaiveDate,
) -> Result<WinProbabilities, QueryError> {
    score_open_deals(conn, Window { period: None, day: Some(day) })
}

/// The open deals a forecast looks at: those whose close date falls in `period` (its first and
/// last days; every open deal when `None`) in a forecast made on `day` (the clock's day when
/// `None`, `clock.rs`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub day: Option<NaiveDate>,
}

/// The open deals in `window`, scored.
pub(super) fn score_open_deals(
    conn: &Connection,
    window: Window,
) -> Result<WinProbabilities, QueryError> {
    let model = Model::load(conn)?;
    let clock = latest_at(conn)?;
    // Idle days run to the forecast's day: the clock's time, or the end of a later day it is
    // made on (a quiet day after the last event still ages every undecided deal).
    let now = match (clock, window.day) {
        (Some(clock), Some(day)) => Some(clock.max(end_of(day))),
        (None, Some(day)) => Some(end_of(day)),
        (clock, None) => clock,
    };
    let (first, last) = window.period.map_or_else(
        || (String::new(), "9999-12-31".to_owned()),
        |(first, last)| (first.to_string(), last.to_string()),
    );
    let day = day_key(window.day);
    // A decided deal is scored at its stage and amount just before its decision, as its
    // example will be (the newest version before it), and with its idle days then.
    let mut statement = conn.prepare(
        "SELECT d.opportunity_id, d.name, d.owner, d.currency, d.amount_minor, \
         d.expected_close, d.stage, d.probability_bps, d.last_activity_at, \
         coalesce(c.channel, ?3), coalesce(u.industry, ?4), coalesce(u.region, ?4), \
         d.idle_days_at_decision, coalesce(h.stage, d.stage), \
         coalesce(h.amount_minor, d.amount_minor) \
         FROM forecast_deals d \
         LEFT JOIN forecast_deal_channels c ON c.opportunity_id = d.opportunity_id \
         LEFT JOIN forecast_customers u ON u.customer_id = d.customer_id \
         LEFT JOIN forecast_deal_history h ON h.opportunity_id = d.opportunity_id \
           AND h.position = (SELECT max(position) FROM forecast_deal_history \
             WHERE opportunity_id = d.opportunity_id AND position < d.decided_position) \
         WHERE d.status = ?5 AND max(d.expected_close, ?6) BETWEEN ?1 AND ?2 \
         ORDER BY d.expected_close, d.opportunity_id",
    )?;
    let mut rows = statement.query(params![first, last, NO_CHANNEL, UNKNOWN, OPEN, day])?;
    let mut deals = Vec::new();
    while let Some(row) = rows.next()? {
        let currency: String = row.get(3)?;
        let amount_minor: i64 = row.get(4)?;
        let stage: String = row.get(6)?;
        // Open and decided: only an accepted quote decides a deal and leaves it open.
        let idle_days_at_decision = row.get::<_, Option<i64>>(12)?;
        let quote_accepted = idle_days_at_decision.is_some();
        let idle_days = match idle_days_at_decision {
            Some(idle_days_at_decision) => idle_days_at_decision,
            None => {
                let last_activity = parse_time(&row.get::<_, String>(8)?)?;
                now.map_or(0, |now| (now - last_activity).num_days().max(0))
            }
        };
        let features = Features {
            stages: vec![row.get(13)?],
            channel: row.get(9)?,
            industry: row.get(10)?,
            region: row.get(11)?,
            amount_band: amount_band(&currency, row.get(14)?),
            recency: recency_band(idle_days),
        };
        deals.push(WinProbability {
            opportunity_id: row.get(0)?,
            name: row.get(1)?,
            owner: row.get(2)?,
            currency,
            amount_minor,
            expected_close: parse_day(&row.get::<_, String>(5)?)?,
            stage,
            stage_probability_bps: row.get(7)?,
            win_probability_bps: to_bps(if quote_accepted {
                model.p_won_once(DecidedBy::QuoteAccepted)
            } else {
                model.p_won(&features)
            }),
            quote_accepted,
            features,
        });
    }
    Ok(WinProbabilities {
        as_of: window.day.or(clock.map(|clock| clock.date_naive())),
        n_won_examples: model.n_won,
        n_lost_examples: model.n_lost,
        deals,
    })
}

/// The band of an amount, per currency: thresholds at 1,000,000, 5,000,000 and 25,000,000
/// minor units (10k, 50k and 250k in a currency with cents).
pub fn amount_band(currency: &str, amount_minor: i64) -> String {
    let band = match amount_minor {
        ..1_000_000 => "<10k",
        1_000_000..5_000_000 => "10k-50k",
        5_000_000..25_000_000 => "50k-250k",
        _ => "250k+",
    };
    format!("{currency} {band}")
}

/// Whole days without activity, in four bands.
pub fn recency_band(idle_days: i64) -> String {
    let band = match idle_days {
        ..=7 => "0-7d",
        8..=30 => "8-30d",
        31..=90 => "31-90d",
        _ => "90d+",
    };
    band.to_owned()
}

/// The counts, loaded for scoring.
#[derive(Debug, Default)]
pub(super) struct Model {
    pub n_won: u64,
    pub n_lost: u64,
    /// (feature, value) → (won, lost).
    counts: HashMap<(String, String), (u64, u64)>,
    /// Per feature, how many values have been seen on a closed deal.
    n_values: HashMap<String, u64>,
}

impl Model {
    pub(super) fn load(conn: &Connection) -> Result<Model, QueryError> {
        let mut model = Model::default();
        let mut statement = conn.prepare(
            "SELECT feature, value, n_won, n_lost FROM forecast_model_counts \
             WHERE n_won + n_lost > 0",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let (feature, value): (String, String) = (row.get(0)?, row.get(1)?);
            let (n_won, n_lost): (i64, i64) = (row.get(2)?, row.get(3)?);
            let count = |n: i64| {
                u64::try_from(n).map_err(|_| QueryError::Corrupt(format!("a count of {n}")))
            };
            let (n_won, n_lost) = (count(n_won)?, count(n_lost)?);
            if feature == CLASS_FEATURE {
                (model.n_won, model.n_lost) = (n_won, n_lost);
                continue;
            }
            *model.n_values.entry(feature.clone()).or_default() += 1;
            model.counts.insert((feature, value), (n_won, n_lost));
        }
        Ok(model)
    }

    /// P(won | features) with Laplace smoothing: add one to every count, so an unseen value
    /// leaves the odds as they were instead of zeroing them. Products of ratios, not sums of
    /// logarithms: with six features nothing underflows, and IEEE division rounds the same on
    /// every machine, so a seed gives the same forecast everywhere.
    pub(super) fn p_won(&self, features: &Features) -> f64 {
        let (n_won, n_lost) = (self.n_won as f64, self.n_lost as f64);
        let mut odds_won = (n_won + 1.0) / (n_won + n_lost + 2.0);
        let mut odds_lost = (n_lost + 1.0) / (n_won + n_lost + 2.0);
        for stage in &features.stages {
            // "Reached this stage" is yes or no: two outcomes to smooth over.
            let (won, lost) = self.count("stage", stage);
            odds_won *= (won + 1.0) / (n_won + 2.0);
            odds_lost *= (lost + 1.0) / (n_lost + 2.0);
        }
        for (feature, value) in features.categorical() {
            // The values seen, plus one for a value never seen on a closed deal.
            let n_values = self.n_values.get(feature).copied().unwrap_or(0) as f64 + 1.0;
            let (won, lost) = self.count(feature, value);
            odds_won *= (won + 1.0) / (n_won + n_values);
            odds_lost *= (lost + 1.0) / (n_lost + n_values);
        }
        odds_won / (odds_won + odds_lost)
    }

    /// P(won | decided by `by`): how often the closed deals decided that way were won, with the
    /// same smoothing (one won and one lost added), so a first accepted quote scores 50 %.
    pub(super) fn p_won_once(&self, by: DecidedBy) -> f64 {
        let (won, lost) = self.count(DECIDED_BY_FEATURE, by.as_str());
        (won + 1.0) / (won + lost + 2.0)
    }

    fn count(&self, feature: &str, value: &str) -> (f64, f64) {
        // A tuple key of borrowed strings would spare these two allocations; at query time,
        // once per feature per deal, they do not matter.
        let key = (feature.to_owned(), value.to_owned());
        self.counts.get(&key).map_or((0.0, 0.0), |&(won, lost)| (won as f64, lost as f64))
    }
}

/// A probability in basis points, rounded to the nearest.
pub(super) fn to_bps(probability: f64) -> u32 {
    (probability.clamp(0.0, 1.0) * 10_000.0).round() as u32
}
