//! New business: what deals not yet in the pipeline on the forecast's day will bring in before
//! the period ends. The pipeline part of the forecast counts only deals the read model already
//! holds; a deal opened tomorrow and won next month is revenue of the period too, and in the
//! medium demo it was 40–60 % of each quarter's.
//!
//! It is learned from comparable stretches of the known past, its **analog windows**. A period
//! forecast on day D has its days ahead, from max(D + 1, the period's first day) to its last
//! (n days; none once the period is over, and then there is no new business). An analog window
//! is a stretch of n days that ends on D or a whole number of weeks before it
//! ([`ANALOG_STEP_DAYS`]), starts no earlier than the day the read model's first deal opened,
//! and is one of the [`ANALOG_WINDOWS_MAX`] newest such. Its new business is the sum of the won
//! amounts of the deals both opened and won within it, per currency: what "not in the pipeline
//! at its start" turned into over it. The simulation adds, in each run, one window's amount
//! drawn uniformly (an empirical bootstrap: the band widens with how much the windows differ).
//!
//! Only what the read model knew on D is used: the windows end by D, and a deal counts only if
//! it opened and was won within one, so a deal opened after D never contributes. A backtest's
//! read model is rebuilt up to D, so not even a later reopening of a deal won by then reaches it.
//! The data are `forecast_deals`' `opened_at`, `status`, `closed_on` (the day a won deal was
//! won) and `amount_minor` (its won amount once won), which a live build and a rebuild write
//! alike.
//!
//! Limits, on purpose: with less history than n days there is no window and the component is 0
//! (the answer says so, [`NewBusinessBasis`]); the windows are recent, so growth or a season
//! shows only as fast as it enters them; for a period that starts after D, deals opened between
//! D and the period's first day and won in it are counted by neither part; and a deal whose
//! expected close lies beyond the period but that is won early is counted by neither part.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};
use rusqlite::{Connection, params};
use schemars::JsonSchema;
use serde::Serialize;

use super::apply::WON;
use super::query::{QueryError, parse_day};

/// Analog windows one forecast learns from: about a quarter of weekly shifts, enough to show
/// how much a stretch varies, and recent enough to follow the business as it grows.
pub const ANALOG_WINDOWS_MAX: u32 = 13;

/// Days between one analog window's end and the next older one's: a week, so every window has
/// each weekday as often as the others of its length (new deals are not opened at weekends).
pub const ANALOG_STEP_DAYS: i64 = 7;

/// Consecutive days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct DayRange {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl DayRange {
    /// Its number of days.
    pub fn n_days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    fn contains(&self, day: NaiveDate) -> bool {
        (self.first..=self.last).contains(&day)
    }
}

/// What a simulation's new business was learned from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct NewBusinessBasis {
    /// The days of the period still ahead of the forecast's day, in which a deal not yet in the
    /// pipeline can open and be won; none once the period is over.
    pub days_ahead: Option<DayRange>,
    /// The analog windows, newest first. Empty when the period is over or the read model's
    /// history is shorter than the days ahead: then there is no new business.
    pub windows: Vec<DayRange>,
}

/// The new business of each analog window, per currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NewBusiness {
    pub basis: NewBusinessBasis,
    /// Per currency with any, one amount per window in the windows' order (0 where none).
    pub by_currency: BTreeMap<String, Vec<i64>>,
}

/// The days of the period `first..=last` still ahead of a forecast made on `day` (the whole
/// period when there is no day: an empty read model); `None` once the period is over.
pub(super) fn days_ahead(
    first: NaiveDate,
    last: NaiveDate,
    day: Option<NaiveDate>,
) -> Option<DayRange> {
    let first = match day.and_then(|day| day.succ_opt()) {
        Some(tomorrow) => first.max(tomorrow),
        None => first,
    };
    (first <= last).then_some(DayRange { first, last })
}

/// The analog windows of `ahead` for a forecast made on `day` over a read model whose first
/// deal opened on `first_deal_on`, newest first.
pub(super) fn analog_windows(
    ahead: DayRange,
    day: NaiveDate,
    first_deal_on: NaiveDate,
) -> Vec<DayRange> {
    let length = TimeDelta::days(ahead.n_days() - 1);
    (0..i64::from(ANALOG_WINDOWS_MAX))
        .map(|n_steps| {
            let last = day - TimeDelta::days(n_steps * ANALOG_STEP_DAYS);
            DayRange { first: last - length, last }
        })
        .take_while(|window| window.first >= first_deal_on)
        .collect()
}

/// The new business of the period `first..=last` for a forecast made on `day` (`None`: the
/// read model's clock has no day, so it holds no deal).
pub(super) fn new_business(
    conn: &Connection,
    first: NaiveDate,
    last: NaiveDate,
    day: Option<NaiveDate>,
) -> Result<NewBusiness, QueryError> {
    let days_ahead = days_ahead(first, last, day);
    let first_deal_on: Option<String> =
        conn.query_row("SELECT min(opened_at) FROM forecast_deals", [], |row| row.get(0))?;
    let windows = match (days_ahead, day, first_deal_on) {
        (Some(ahead), Some(day), Some(opened_at)) => {
            analog_windows(ahead, day, parse_day(opened_at.get(..10).unwrap_or(&opened_at))?)
        }
        _ => Vec::new(),
    };
    let mut by_currency: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    if let (Some(newest), Some(oldest)) = (windows.first(), windows.last()) {
        // `opened_at` is a time, so a bare day compares below every time of that day.
        let mut statement = conn.prepare_cached(
            "SELECT currency, substr(opened_at, 1, 10), closed_on, amount_minor \
             FROM forecast_deals \
             WHERE status = ?1 AND opened_at >= ?2 AND closed_on <= ?3 \
             ORDER BY opportunity_id",
        )?;
        let mut rows =
            statement.query(params![WON, oldest.first.to_string(), newest.last.to_string()])?;
        while let Some(row) = rows.next()? {
            let currency: String = row.get(0)?;
            let opened_on = parse_day(&row.get::<_, String>(1)?)?;
            let won_on = parse_day(&row.get::<_, String>(2)?)?;
            let won_minor: i64 = row.get(3)?;
            let amounts =
                by_currency.entry(currency.clone()).or_insert_with(|| vec![0; windows.len()]);
            for (window, amount) in windows.iter().zip(amounts.iter_mut()) {
                if window.contains(opened_on) && window.contains(won_on) {
                    *amount = amount
                        .checked_add(won_minor)
                        .ok_or_else(|| QueryError::Overflow { currency: currency.clone() })?;
                }
            }
        }
    }
    // A currency whose won deals fell in no window has nothing to add.
    by_currency.retain(|_, amounts| amounts.iter().any(|amount| *amount != 0));
    Ok(NewBusiness { basis: NewBusinessBasis { days_ahead, windows }, by_currency })
}

/// The mean of the windows' amounts, rounded half away from zero; 0 without a window.
pub(super) fn mean_minor(amounts: &[i64]) -> i64 {
    if amounts.is_empty() {
        return 0;
    }
    let sum: i128 = amounts.iter().map(|amount| i128::from(*amount)).sum();
    let n = amounts.len() as i128;
    let rounded = (2 * sum.abs() + n) / (2 * n);
    // A mean lies between the smallest and largest amount, so it fits in an i64.
    i64::try_from(sum.signum() * rounded).expect("a mean of i64 amounts is an i64")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, month, day).unwrap()
    }

    #[test]
    fn the_days_ahead_start_the_day_after_the_forecast_or_at_the_period_and_none_once_over() {
        let march = (day(3, 1), day(3, 31));
        let ahead = |on| days_ahead(march.0, march.1, on);
        assert_eq!(ahead(Some(day(3, 10))), Some(DayRange { first: day(3, 11), last: day(3, 31) }));
        assert_eq!(ahead(Some(day(2, 10))), Some(DayRange { first: day(3, 1), last: day(3, 31) }));
        assert_eq!(ahead(Some(day(3, 30))).map(|days| days.n_days()), Some(1));
        assert_eq!(ahead(Some(day(3, 31))), None, "made on its last day");
        assert_eq!(ahead(Some(day(4, 2))), None);
        assert_eq!(ahead(None).map(|days| days.n_days()), Some(31));
    }

    #[test]
    fn the_windows_are_as_long_as_the_days_ahead_a_week_apart_and_at_most_thirteen() {
        let ahead = DayRange { first: day(6, 2), last: day(6, 11) };
        let windows = analog_windows(ahead, day(6, 1), day(1, 1));
        assert_eq!(windows.len(), ANALOG_WINDOWS_MAX as usize);
        assert_eq!(windows[0], DayRange { first: day(5, 23), last: day(6, 1) });
        assert_eq!(windows[1], DayRange { first: day(5, 16), last: day(5, 25) });
        assert_eq!(windows[12], DayRange { first: day(2, 28), last: day(3, 9) });
        assert!(windows.iter().all(|window| window.n_days() == 10));
    }

    #[test]
    fn no_window_starts_before_the_first_deal() {
        let ahead = DayRange { first: day(6, 2), last: day(6, 11) };
        let windows = analog_windows(ahead, day(6, 1), day(5, 16));
        assert_eq!(windows.len(), 2, "{windows:?}");
        assert!(analog_windows(ahead, day(6, 1), day(5, 24)).is_empty());
    }

    #[test]
    fn a_mean_rounds_half_away_from_zero_and_is_zero_without_amounts() {
        assert_eq!(mean_minor(&[1, 2]), 2);
        assert_eq!(mean_minor(&[1, 1, 2]), 1);
        assert_eq!(mean_minor(&[-1, -2]), -2);
        assert_eq!(mean_minor(&[i64::MAX, i64::MAX]), i64::MAX);
        assert_eq!(mean_minor(&[]), 0);
    }
}
