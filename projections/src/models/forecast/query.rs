//! [`forecast`]: one period's figures as the log stood at the end of a day, per currency and per
//! rep, with quotas, attainment and coverage.
//!
//! Figures, each over the deals whose close date falls in the period (non-cumulative: a deal
//! counts in one bucket of the first four). An open deal's close date is its expected close, or
//! the forecast's day once that has passed (`clock.rs`): a period that ended before the day the
//! forecast is made on holds no open deal.
//! - closed won: won deals, at the amount they were won for;
//! - commit / best case: open deals in that forecast category;
//! - pipeline: every open deal not omitted from the forecast (so commit and best case too);
//! - weighted pipeline: Σ amount × stage probability over the pipeline, each deal's product
//!   rounded half away from zero to the minor unit (`Money::times_bps`) before summing;
//! - attainment = closed won ÷ quota; coverage = pipeline ÷ (quota − closed won), absent when
//!   there is no quota or it is already met. Both in basis points, rounded half up.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use ltc_domain::money::{Bps, Currency, Money};
use rusqlite::{Connection, params};
use schemars::JsonSchema;
use serde::Serialize;

use super::apply::{OPEN, WON};
use super::clock::{day_key, forecast_day};
use crate::models::funnel::shared::share_bps;
use crate::models::period::Period;

/// Why a forecast query could not answer.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The read-model database failed: retry, or rebuild the read model if it persists.
    #[error("read-model storage failure: {0}")]
    Storage(#[from] rusqlite::Error),
    /// The caller named a period that is not `2026-03` or `2026-Q1`: ask again with a valid key.
    #[error("{0:?} is not a period: use 2026-03 or 2026-Q1")]
    InvalidPeriod(String),
    /// A request outside the limits (runs, dates): the message names the limit.
    #[error("{0}")]
    InvalidRequest(String),
    /// A stored value does not parse: the read model is damaged. Rebuild it.
    #[error("read model holds {0}")]
    Corrupt(String),
    /// A sum left the range of an i64 of minor units: no real book of business does that.
    #[error("a sum of {currency} overflows")]
    Overflow { currency: String },
}

/// One period's forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct Forecast {
    pub period: String,
    /// The day whose end the figures stand at; `None` for everything the read model holds.
    pub as_of: Option<NaiveDate>,
    /// The whole book, one row per currency.
    pub totals: Vec<ForecastRow>,
    /// One row per rep and currency, for every rep with a deal or a quota in the period.
    pub reps: Vec<RepForecastRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct ForecastRow {
    pub currency: String,
    pub closed_won_minor: i64,
    pub commit_minor: i64,
    pub best_case_minor: i64,
    pub pipeline_minor: i64,
    pub weighted_pipeline_minor: i64,
    pub n_won: u32,
    pub n_open: u32,
    /// The sum of the reps' quotas in this currency; `None` when no rep has one.
    pub quota_minor: Option<i64>,
    pub attainment_bps: Option<u64>,
    pub coverage_bps: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct RepForecastRow {
    pub rep: String,
    pub team: Option<String>,
    #[serde(flatten)]
    pub figures: ForecastRow,
}

/// The forecast of `period_key` (`2026-Q4`, `2026-10`) as the log stood at the end of `as_of`
/// (UTC), made on that day; or, when `None`, as the read model stands, made on its clock's day.
pub fn forecast(
    conn: &Connection,
    period_key: &str,
    as_of: Option<NaiveDate>,
) -> Result<Forecast, QueryError> {
    forecast_on(conn, period_key, as_of, forecast_day(conn, as_of)?)
}

/// [`forecast`] of the read model as it stands, made on `day`: an open deal whose expected
/// close is before `day` counts on `day`. For a caller whose answer stands on a day of its own
/// (a backtest's as-of day, which a read model rebuilt up to it may not have reached if nothing
/// happened on it; a service's business date), so its periods and the forecast's agree.
pub fn forecast_made_on(
    conn: &Connection,
    period_key: &str,
    day: NaiveDate,
) -> Result<Forecast, QueryError> {
    forecast_on(conn, period_key, None, Some(day))
}

fn forecast_on(
    conn: &Connection,
    period_key: &str,
    as_of: Option<NaiveDate>,
    day: Option<NaiveDate>,
) -> Result<Forecast, QueryError> {
    let (_, first, last) =
        Period::bounds(period_key).ok_or_else(|| QueryError::InvalidPeriod(period_key.into()))?;
    let cut = cut_of(as_of);
    let day = day_key(day);
    let mut totals: BTreeMap<String, Figures> = BTreeMap::new();
    let mut reps: BTreeMap<(String, String), (Option<String>, Figures)> = BTreeMap::new();
    // Each deal as it stood at the cut: its newest version recorded before it. Without an
    // as-of date that is the deal's own row, which holds what its newest version recorded
    // (`apply.rs` records a version with every change of it), so the history is not read.
    let mut statement = conn.prepare_cached(if as_of.is_some() {
        "WITH latest AS (SELECT *, row_number() OVER \
           (PARTITION BY opportunity_id ORDER BY position DESC) AS newest \
           FROM forecast_deal_history WHERE recorded_at < ?1) \
         SELECT d.owner, d.team, d.currency, l.amount_minor, l.probability_bps, \
           l.forecast_category, l.status \
         FROM latest l JOIN forecast_deals d ON d.opportunity_id = l.opportunity_id \
         WHERE l.newest = 1 AND \
           ((l.status = ?4 AND l.closed_on BETWEEN ?2 AND ?3) OR \
            (l.status = ?5 AND max(l.expected_close, ?6) BETWEEN ?2 AND ?3)) \
         ORDER BY l.opportunity_id"
    } else {
        "SELECT owner, team, currency, amount_minor, probability_bps, forecast_category, status \
         FROM forecast_deals \
         WHERE (status = ?4 AND closed_on BETWEEN ?2 AND ?3) OR \
           (status = ?5 AND max(expected_close, ?6) BETWEEN ?2 AND ?3) \
         ORDER BY opportunity_id"
    })?;
    let params = params![cut, first.to_string(), last.to_string(), WON, OPEN, day];
    let mut rows = statement.query(params)?;
    while let Some(row) = rows.next()? {
        let (owner, team, currency): (String, Option<String>, String) =
            (row.get(0)?, row.get(1)?, row.get(2)?);
        let deal = DealFigures {
            amount_minor: row.get(3)?,
            probability_bps: row.get(4)?,
            category: row.get(5)?,
            won: row.get::<_, String>(6)? == WON,
        };
        totals.entry(currency.clone()).or_default().add(&currency, &deal)?;
        let (rep_team, figures) = reps.entry((owner, currency.clone())).or_default();
        rep_team.get_or_insert_with(|| team.unwrap_or_default());
        figures.add(&currency, &deal)?;
    }
    let mut quotas = conn.prepare_cached(
        "WITH latest AS (SELECT *, row_number() OVER \
           (PARTITION BY rep ORDER BY position DESC) AS newest \
           FROM forecast_quota_versions WHERE period = ?1 AND recorded_at < ?2) \
         SELECT rep, team, currency, quota_minor FROM latest WHERE newest = 1",
    )?;
    let mut rows = quotas.query(params![period_key, cut])?;
    while let Some(row) = rows.next()? {
        let (rep, team, currency): (String, Option<String>, String) =
            (row.get(0)?, row.get(1)?, row.get(2)?);
        let quota_minor: i64 = row.get(3)?;
        let (rep_team, figures) = reps.entry((rep, currency.clone())).or_default();
        if let Some(team) = team {
            *rep_team = Some(team);
        }
        figures.add_quota(&currency, quota_minor)?;
        totals.entry(currency.clone()).or_default().add_quota(&currency, quota_minor)?;
    }
    Ok(Forecast {
        period: period_key.to_owned(),
        as_of,
        totals: totals.into_iter().map(|(currency, figures)| figures.row(currency)).collect(),
        reps: reps
            .into_iter()
            .map(|((rep, currency), (team, figures))| RepForecastRow {
                rep,
                team: team.filter(|team| !team.is_empty()),
                figures: figures.row(currency),
            })
            .collect(),
    })
}

/// What one deal version contributes.
struct DealFigures {
    amount_minor: i64,
    probability_bps: u32,
    category: String,
    won: bool,
}

/// Running sums for one currency (of the book or of one rep).
#[derive(Debug, Default)]
struct Figures {
    row: ForecastRow,
}

impl Figures {
    fn add(&mut self, currency: &str, deal: &DealFigures) -> Result<(), QueryError> {
        let overflow = || QueryError::Overflow { currency: currency.to_owned() };
        let row = &mut self.row;
        let plus = |sum: i64| sum.checked_add(deal.amount_minor).ok_or_else(overflow);
        if deal.won {
            row.closed_won_minor = plus(row.closed_won_minor)?;
            row.n_won += 1;
            return Ok(());
        }
        match deal.category.as_str() {
            "omitted" => return Ok(()),
            "commit" => row.commit_minor = plus(row.commit_minor)?,
            "best_case" => row.best_case_minor = plus(row.best_case_minor)?,
            _ => {}
        }
        row.pipeline_minor = plus(row.pipeline_minor)?;
        row.n_open += 1;
        let weighted = weighted_minor(currency, deal.amount_minor, deal.probability_bps)?;
        row.weighted_pipeline_minor =
            row.weighted_pipeline_minor.checked_add(weighted).ok_or_else(overflow)?;
        Ok(())
    }

    fn add_quota(&mut self, currency: &str, quota_minor: i64) -> Result<(), QueryError> {
        let sum = self.row.quota_minor.unwrap_or(0).checked_add(quota_minor);
        self.row.quota_minor =
            Some(sum.ok_or_else(|| QueryError::Overflow { currency: currency.to_owned() })?);
        Ok(())
    }

    fn row(self, currency: String) -> ForecastRow {
        let mut row = self.row;
        row.currency = currency;
        if let Some(quota_minor) = row.quota_minor {
            row.attainment_bps = share_bps(row.closed_won_minor, quota_minor);
            row.coverage_bps =
                share_bps(row.pipeline_minor, quota_minor.saturating_sub(row.closed_won_minor));
        }
        row
    }
}

/// `amount × probability`, rounded half away from zero to the minor unit.
pub(super) fn weighted_minor(
    currency: &str,
    amount_minor: i64,
    probability_bps: u32,
) -> Result<i64, QueryError> {
    let code = Currency::new(currency)
        .map_err(|_| QueryError::Corrupt(format!("currency {currency:?}")))?;
    Money::new(amount_minor, code)
        .times_bps(Bps(probability_bps))
        .map(|money| money.amount_minor)
        .map_err(|_| QueryError::Overflow { currency: currency.to_owned() })
}

/// The first stored time after the end of `as_of` (UTC), or a key above every stored time.
fn cut_of(as_of: Option<NaiveDate>) -> String {
    match as_of.and_then(|day| day.succ_opt()) {
        Some(next) => format!("{next}T00:00:00.000000Z"),
        None => "9999-12-31T23:59:59.999999Z~".to_owned(),
    }
}

pub(super) fn parse_day(text: &str) -> Result<NaiveDate, QueryError> {
    text.parse().map_err(|_| QueryError::Corrupt(format!("{text:?} where a date belongs")))
}

pub(super) fn parse_time(text: &str) -> Result<DateTime<Utc>, QueryError> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| QueryError::Corrupt(format!("{text:?} where a time belongs")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cut_of_a_day_is_the_start_of_the_next_and_sorts_after_the_whole_day() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        assert_eq!(cut_of(Some(day)), "2026-04-01T00:00:00.000000Z");
        assert!("2026-03-31T23:59:59.999999Z" < cut_of(Some(day)).as_str());
        assert!("9999-12-31T23:59:59.999999Z" < cut_of(None).as_str());
    }
}
