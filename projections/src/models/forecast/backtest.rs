//! [`backtest`]: how good were the forecasts? For each past as-of date, the forecast projection
//! is rebuilt from the log up to the end of that day into a scratch generation, so it knows
//! exactly what was recorded by then (no later event, no later close, no later training example
//! leaks in). From it come two forecasts of the period the date falls in: the stage-weighted one
//! (closed won + weighted pipeline, what a CRM shows) and the learned one (the P50 of
//! [`super::simulate`], whose runs add new business learned from the rebuilt past to the
//! pipeline). Each is compared with what actually closed in the period according to
//! the whole log, and the absolute percentage errors are averaged per period (MAPE).
//!
//! Only a period the log has got past the end of is scored. Until then what closed in it is
//! what closed so far (an as-of day in the log's last quarter compared its forecast of the whole
//! quarter with four days of wins, a 974 % "error"), so such a point is shown, marked not over,
//! with no error, and left out of its period's MAPE.
//!
//! Scratch generations are removed as soon as they are read; the generation in service is never
//! touched, so a backtest can run beside the live projector.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use ltc_eventstore::EventStore;
use rusqlite::Connection;
use serde::Serialize;

use super::ForecastProjection;
use super::clock::{end_of, latest_at};
use super::model::win_probabilities;
use super::query::{QueryError, forecast, forecast_made_on};
use super::simulate::simulate_made_on;
use crate::models::period::Period;
use crate::{
    ProjectorError, ProjectorOptions, ReadModels, RebuildOptions, RebuildScope, RebuildTarget,
    rebuild,
};

/// As-of dates one backtest may ask for: each is a rebuild of the forecast from the start of
/// the log.
pub const BACKTEST_DATES_MAX: usize = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacktestRequest {
    /// The days to forecast from; each forecasts the period (of `period`'s kind) it falls in.
    pub as_of: Vec<NaiveDate>,
    pub period: Period,
    /// Monte-Carlo runs and seed for each date's learned forecast.
    pub runs: u32,
    pub seed: u64,
}

/// One as-of date's forecast of one currency, beside what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BacktestPoint {
    pub as_of: NaiveDate,
    pub period: String,
    pub currency: String,
    /// Closed deals the model had learned from by then.
    pub n_examples: u64,
    /// What closed won in the period, by the whole log: so far, if the period is not over.
    pub actual_minor: i64,
    /// Whether the log reaches past the period's last day, so that `actual_minor` is final and
    /// the point is scored.
    pub period_over: bool,
    pub stage_weighted_minor: i64,
    /// The learned forecast's expected new business (`new_business.rs`), part of its P10..P90.
    pub new_business_minor: i64,
    pub p10_minor: i64,
    pub p50_minor: i64,
    pub p90_minor: i64,
    /// |forecast − actual| ÷ actual in bps; `None` when nothing was won (no percentage exists)
    /// or the period is not over.
    pub stage_weighted_error_bps: Option<u64>,
    pub learned_error_bps: Option<u64>,
    /// Whether the actual fell within P10..=P90; `None` when the period is not over.
    pub in_band: Option<bool>,
}

/// The errors of one period and currency, over its as-of dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BacktestPeriod {
    pub period: String,
    pub currency: String,
    pub n_dates: u32,
    /// The dates scored: all of them once the period is over, none before.
    pub n_scored: u32,
    pub stage_weighted_mape_bps: Option<u64>,
    pub learned_mape_bps: Option<u64>,
    /// Of the scored dates.
    pub n_in_band: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Backtest {
    pub runs: u32,
    pub seed: u64,
    /// The day of the whole log's latest business time (the forecast's clock, `clock.rs`): a
    /// period is over once the log reaches past its last day.
    pub log_ends_on: Option<NaiveDate>,
    pub points: Vec<BacktestPoint>,
    pub periods: Vec<BacktestPeriod>,
    /// The as-of dates that gave no point: nothing was won, open or learned in their period
    /// then, nor won in it later (a day before the log starts, or far past its end).
    pub dates_without_deals: Vec<NaiveDate>,
}

#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// A rebuild failed (see [`ProjectorError`]); its scratch generation was removed.
    #[error(transparent)]
    Rebuild(#[from] ProjectorError),
    /// A forecast over a rebuilt generation failed, or the request is out of bounds.
    #[error(transparent)]
    Query(#[from] QueryError),
}

/// Backtests the forecast over `request.as_of`, reading `store` and writing scratch generations
/// into `read_models`' directory.
pub fn backtest(
    store: &EventStore,
    read_models: &ReadModels,
    request: &BacktestRequest,
) -> Result<Backtest, BacktestError> {
    let dates: BTreeSet<NaiveDate> = request.as_of.iter().copied().collect();
    if dates.is_empty() || dates.len() > BACKTEST_DATES_MAX {
        let message = format!("{} as-of dates; backtest 1 to {BACKTEST_DATES_MAX}", dates.len());
        return Err(QueryError::InvalidRequest(message).into());
    }
    let periods: BTreeSet<String> = dates.iter().map(|day| request.period.key(*day)).collect();
    // What actually closed, and how far the log goes: the whole log, read once.
    let (actuals, log_ends_on) = with_rebuild(store, read_models, RebuildTarget::Head, |conn| {
        let mut actuals = BTreeMap::new();
        for period in &periods {
            for row in forecast(conn, period, None)?.totals {
                actuals.insert((period.clone(), row.currency), row.closed_won_minor);
            }
        }
        Ok((actuals, latest_at(conn)?.map(|at| at.date_naive())))
    })?;
    let mut points: Vec<BacktestPoint> = Vec::new();
    let mut dates_without_deals = Vec::new();
    for as_of in dates {
        let points_before = points.len();
        let period = request.period.key(as_of);
        let period_over = is_over(&period, log_ends_on)?;
        let target = RebuildTarget::RecordedAt(end_of(as_of));
        // Made on the as-of day itself: a day with no event leaves the rebuilt clock behind it.
        let mut forecasts = with_rebuild(store, read_models, target, |conn| {
            let stage_weighted = forecast_made_on(conn, &period, as_of)?;
            let simulated = simulate_made_on(conn, &period, request.runs, request.seed, as_of)?;
            let model = win_probabilities(conn)?;
            Ok((stage_weighted, simulated, model.n_won_examples + model.n_lost_examples))
        })?;
        let (stage_weighted, simulated, n_examples) = &mut forecasts;
        let mut currencies: BTreeSet<String> =
            stage_weighted.totals.iter().map(|row| row.currency.clone()).collect();
        // A currency with new business and nothing in the pipeline is still forecast.
        currencies.extend(simulated.rows.iter().map(|row| row.currency.clone()));
        currencies.extend(actuals.keys().filter(|(p, _)| *p == period).map(|(_, c)| c.clone()));
        for currency in currencies {
            let actual_minor =
                actuals.get(&(period.clone(), currency.clone())).copied().unwrap_or(0);
            let row = stage_weighted.totals.iter().find(|row| row.currency == currency);
            let stage_weighted_minor =
                row.map_or(0, |row| row.closed_won_minor + row.weighted_pipeline_minor);
            let percentiles = simulated.rows.iter().find(|row| row.currency == currency);
            let (p10_minor, p50_minor, p90_minor) =
                percentiles.map_or((0, 0, 0), |row| (row.p10_minor, row.p50_minor, row.p90_minor));
            let new_business_minor = percentiles.map_or(0, |row| row.new_business_minor);
            let scored = |error: Option<u64>| error.filter(|_| period_over);
            points.push(BacktestPoint {
                as_of,
                period: period.clone(),
                currency,
                n_examples: *n_examples,
                actual_minor,
                period_over,
                stage_weighted_minor,
                new_business_minor,
                p10_minor,
                p50_minor,
                p90_minor,
                stage_weighted_error_bps: scored(error_bps(stage_weighted_minor, actual_minor)),
                learned_error_bps: scored(error_bps(p50_minor, actual_minor)),
                in_band: period_over.then(|| (p10_minor..=p90_minor).contains(&actual_minor)),
            });
        }
        if points.len() == points_before {
            dates_without_deals.push(as_of);
        }
    }
    let periods = summarise(&points);
    Ok(Backtest {
        runs: request.runs,
        seed: request.seed,
        log_ends_on,
        points,
        periods,
        dates_without_deals,
    })
}

/// Whether a log whose latest business day is `log_ends_on` has got past `period_key`'s last
/// day. A log that ends on that day may still be recording it, so the period is not over yet.
fn is_over(period_key: &str, log_ends_on: Option<NaiveDate>) -> Result<bool, QueryError> {
    let (_, _, last) =
        Period::bounds(period_key).ok_or_else(|| QueryError::InvalidPeriod(period_key.into()))?;
    Ok(log_ends_on.is_some_and(|log_end| last < log_end))
}

/// Rebuilds the forecast alone up to `target` into a scratch generation, reads it with `read`,
/// and removes the generation whatever `read` answers.
fn with_rebuild<T>(
    store: &EventStore,
    read_models: &ReadModels,
    target: RebuildTarget,
    read: impl FnOnce(&Connection) -> Result<T, QueryError>,
) -> Result<T, BacktestError> {
    let options = RebuildOptions {
        target,
        scope: RebuildScope::Everything,
        runner: ProjectorOptions::default(),
        predecoding: Some(crate::models::decode::PREDECODING),
    };
    let rebuilt = rebuild(
        store,
        read_models,
        vec![Box::new(ForecastProjection::default())],
        options,
        &mut |_| {},
    )?;
    let answer = rebuilt.reader().map_err(BacktestError::from).and_then(|conn| {
        let answer = read(&conn).map_err(BacktestError::from);
        drop(conn);
        answer
    });
    read_models.discard(rebuilt.generation)?;
    answer
}

/// |forecast − actual| ÷ actual in bps, rounded half up; `None` unless something was won.
fn error_bps(forecast_minor: i64, actual_minor: i64) -> Option<u64> {
    if actual_minor <= 0 {
        return None;
    }
    let miss = (i128::from(forecast_minor) - i128::from(actual_minor)).unsigned_abs();
    let actual = actual_minor.unsigned_abs() as u128;
    u64::try_from((miss * 20_000 + actual) / (2 * actual)).ok()
}

/// The mean of the errors there are, rounded half up.
fn mean(errors: &[u64]) -> Option<u64> {
    let n = errors.len() as u64;
    (n > 0).then(|| (2 * errors.iter().sum::<u64>() + n) / (2 * n))
}

fn summarise(points: &[BacktestPoint]) -> Vec<BacktestPeriod> {
    let mut groups: BTreeMap<(&str, &str), Vec<&BacktestPoint>> = BTreeMap::new();
    for point in points {
        groups.entry((&point.period, &point.currency)).or_default().push(point);
    }
    groups
        .into_iter()
        .map(|((period, currency), points)| {
            let errors = |pick: fn(&BacktestPoint) -> Option<u64>| {
                mean(&points.iter().filter_map(|point| pick(point)).collect::<Vec<_>>())
            };
            // Points of a period not over carry no error and no band, so they add nothing.
            BacktestPeriod {
                period: period.to_owned(),
                currency: currency.to_owned(),
                n_dates: points.len() as u32,
                n_scored: points.iter().filter(|point| point.period_over).count() as u32,
                stage_weighted_mape_bps: errors(|point| point.stage_weighted_error_bps),
                learned_mape_bps: errors(|point| point.learned_error_bps),
                n_in_band: points.iter().filter(|point| point.in_band == Some(true)).count() as u32,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_is_relative_to_what_actually_closed_and_absent_when_nothing_did() {
        assert_eq!(error_bps(90, 100), Some(1_000));
        assert_eq!(error_bps(130, 100), Some(3_000));
        assert_eq!(error_bps(0, 3), Some(10_000));
        assert_eq!(error_bps(50, 0), None);
    }

    #[test]
    fn a_period_is_over_once_the_log_reaches_a_day_after_its_last() {
        let day = |month, day| NaiveDate::from_ymd_opt(2026, month, day);
        assert!(is_over("2026-Q4", NaiveDate::from_ymd_opt(2027, 1, 1)).unwrap());
        assert!(!is_over("2026-Q4", day(12, 31)).unwrap(), "the last day may go on");
        assert!(!is_over("2026-Q4", day(10, 2)).unwrap());
        assert!(is_over("2026-02", day(3, 2)).unwrap());
        assert!(!is_over("2026-02", None).unwrap(), "an empty log reaches no day");
    }

    #[test]
    fn a_mean_error_rounds_half_up_and_there_is_none_of_no_errors() {
        assert_eq!(mean(&[1, 2]), Some(2));
        assert_eq!(mean(&[1, 1, 2]), Some(1));
        assert_eq!(mean(&[]), None);
    }
}
