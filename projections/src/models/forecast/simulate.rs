//! [`simulate`]: a Monte-Carlo distribution of a period's revenue. Each run starts from what is
//! already won in the period, lets every open deal whose close date falls in it be won with its
//! learned probability, at its full amount, and adds the new business of one analog window drawn
//! uniformly: what deals not yet in the pipeline brought in over a comparable past stretch
//! (`new_business.rs`). The runs' revenues, sorted, give P10, P50 and P90. An open deal's close
//! date is its expected close, or the day the simulation is made on once that has passed
//! (`clock.rs`): a period that is over holds only what was won in it.
//!
//! The caller supplies the seed, so the same read model and seed give the same percentiles.
//! Draws are integers against basis points or window counts and sums are integer minor units: no
//! float touches money.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{Connection, params};
use schemars::JsonSchema;
use serde::Serialize;

use super::apply::WON;
use super::clock::forecast_day;
use super::model::{Window, score_open_deals};
use super::new_business::{NewBusinessBasis, mean_minor, new_business};
use super::query::{QueryError, weighted_minor};
use crate::models::period::Period;

/// Runs one simulation may ask for: enough for stable percentiles, bounded so a query cannot
/// occupy the machine.
pub const SIMULATION_RUNS_MAX: u32 = 100_000;

/// One period's simulated revenue, per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct Simulation {
    pub period: String,
    pub runs: u32,
    pub seed: u64,
    /// The days ahead and the analog windows the new business was learned from.
    pub new_business: NewBusinessBasis,
    pub rows: Vec<Percentiles>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct Percentiles {
    pub currency: String,
    /// Already won in the period: every run's floor.
    pub closed_won_minor: i64,
    /// Open deals expected to close in the period.
    pub n_open: u32,
    /// Deals not yet in the pipeline expected to be opened and won in the days ahead: the mean
    /// new business of the analog windows, rounded half away from zero; 0 without a window.
    pub new_business_minor: i64,
    /// Closed won + Σ amount × learned probability (each product rounded half away from zero)
    /// + new business.
    pub expected_minor: i64,
    pub p10_minor: i64,
    pub p50_minor: i64,
    pub p90_minor: i64,
}

/// `runs` simulated outcomes of `period_key` from the read model as it stands, made on its
/// clock's day, drawn from a generator seeded with `seed`.
pub fn simulate(
    conn: &Connection,
    period_key: &str,
    runs: u32,
    seed: u64,
) -> Result<Simulation, QueryError> {
    simulate_on(conn, period_key, runs, seed, forecast_day(conn, None)?)
}

/// [`simulate`], made on `day`: an open deal whose expected close is before `day` may close on
/// `day` (see [`super::forecast_made_on`] for who needs it).
pub fn simulate_made_on(
    conn: &Connection,
    period_key: &str,
    runs: u32,
    seed: u64,
    day: NaiveDate,
) -> Result<Simulation, QueryError> {
    simulate_on(conn, period_key, runs, seed, Some(day))
}

fn simulate_on(
    conn: &Connection,
    period_key: &str,
    runs: u32,
    seed: u64,
    day: Option<NaiveDate>,
) -> Result<Simulation, QueryError> {
    if !(1..=SIMULATION_RUNS_MAX).contains(&runs) {
        return Err(QueryError::InvalidRequest(format!(
            "{runs} runs; simulate 1 to {SIMULATION_RUNS_MAX}"
        )));
    }
    let (_, first, last) =
        Period::bounds(period_key).ok_or_else(|| QueryError::InvalidPeriod(period_key.into()))?;
    let mut books: BTreeMap<String, Book> = BTreeMap::new();
    let mut won = conn.prepare(
        "SELECT currency, sum(amount_minor) FROM forecast_deals \
         WHERE status = ?1 AND closed_on BETWEEN ?2 AND ?3 GROUP BY currency",
    )?;
    let mut rows = won.query(params![WON, first.to_string(), last.to_string()])?;
    while let Some(row) = rows.next()? {
        books.entry(row.get(0)?).or_default().closed_won_minor = row.get(1)?;
    }
    let window = Window { period: Some((first, last)), day };
    for deal in score_open_deals(conn, window)?.deals {
        books
            .entry(deal.currency)
            .or_default()
            .open
            .push((deal.amount_minor, deal.win_probability_bps));
    }
    let new_business = new_business(conn, first, last, day)?;
    for (currency, amounts) in new_business.by_currency {
        books.entry(currency).or_default().new_business = amounts;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let rows = books
        .into_iter()
        .map(|(currency, book)| book.simulate(currency, runs, &mut rng))
        .collect::<Result<_, _>>()?;
    Ok(Simulation {
        period: period_key.to_owned(),
        runs,
        seed,
        new_business: new_business.basis,
        rows,
    })
}

/// One currency's deals in the period.
#[derive(Debug, Default)]
struct Book {
    closed_won_minor: i64,
    /// (amount in minor units, learned win probability in bps), in a fixed order.
    open: Vec<(i64, u32)>,
    /// The new business of each analog window; empty when there is none to draw.
    new_business: Vec<i64>,
}

impl Book {
    fn simulate(
        self,
        currency: String,
        runs: u32,
        rng: &mut StdRng,
    ) -> Result<Percentiles, QueryError> {
        let overflow = || QueryError::Overflow { currency: currency.clone() };
        let new_business_minor = mean_minor(&self.new_business);
        let mut expected_minor =
            self.closed_won_minor.checked_add(new_business_minor).ok_or_else(overflow)?;
        for &(amount_minor, bps) in &self.open {
            let weighted = weighted_minor(&currency, amount_minor, bps)?;
            expected_minor = expected_minor.checked_add(weighted).ok_or_else(overflow)?;
        }
        let mut revenues = Vec::with_capacity(runs as usize);
        for _ in 0..runs {
            let mut revenue = self.closed_won_minor;
            for &(amount_minor, bps) in &self.open {
                if rng.random_range(0..10_000) < bps {
                    revenue = revenue.checked_add(amount_minor).ok_or_else(overflow)?;
                }
            }
            // Drawn after the pipeline, and only when there is something to draw, so a book
            // without new business spends the generator as it did before there was any.
            if !self.new_business.is_empty() {
                let window_idx = rng.random_range(0..self.new_business.len());
                revenue =
                    revenue.checked_add(self.new_business[window_idx]).ok_or_else(overflow)?;
            }
            revenues.push(revenue);
        }
        revenues.sort_unstable();
        Ok(Percentiles {
            closed_won_minor: self.closed_won_minor,
            n_open: u32::try_from(self.open.len()).unwrap_or(u32::MAX),
            new_business_minor,
            expected_minor,
            p10_minor: nearest_rank(&revenues, 10),
            p50_minor: nearest_rank(&revenues, 50),
            p90_minor: nearest_rank(&revenues, 90),
            currency,
        })
    }
}

/// The `percent`-th percentile of sorted, non-empty `values` by the nearest-rank rule: the
/// smallest value with at least `percent` % of the values at or below it.
fn nearest_rank(values: &[i64], percent: usize) -> i64 {
    assert!(!values.is_empty() && (1..=100).contains(&percent));
    let rank = (percent * values.len()).div_ceil(100);
    values[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_rank_percentile_is_a_value_of_the_sample() {
        let values: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&values, 10), 1);
        assert_eq!(nearest_rank(&values, 50), 5);
        assert_eq!(nearest_rank(&values, 90), 9);
        assert_eq!(nearest_rank(&[7], 90), 7);
    }
}
