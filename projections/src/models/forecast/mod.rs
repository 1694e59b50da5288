//! Forecast: what a period will bring in. Per period (by close date): closed won, commit, best
//! case, pipeline and weighted pipeline; each rep's quota, attainment and coverage; a learned win
//! probability per open deal; a Monte-Carlo P10 / P50 / P90 of the period's revenue (the
//! pipeline, plus new business learned from comparable past stretches); and a backtest that
//! forecasts from the log as it stood on past dates and compares with what closed.
//!
//! - `schema.rs`: the tables. `apply.rs`: how deal, lead, customer and quota events change them;
//!   `deals.rs` and `counts.rs`: what a batch holds in memory until its flush (the deals' rows
//!   with their new versions, the stages they reached and whether they are examples, which a
//!   rebuild keeps until they close; the win model's count changes).
//! - `model.rs`: the naive-Bayes win model: its counts are tables kept by `apply` and the flush
//!   (so they rebuild like everything else); probabilities are computed from them at query time.
//!   `training.rs`: a closed deal counted as one example, and a reopened one taken back out.
//!   `decision.rs`: when a deal's outcome became known in sales terms (a quote accepted, else
//!   its close), the moment each training example describes the deal at, so nothing about how a
//!   close was recorded leaks into the model.
//! - `clock.rs`: the read model's "now", the latest business time it has seen, and why an open
//!   deal whose expected close has passed counts on the forecast's day, never in a period that
//!   is over.
//! - `query.rs`: [`forecast`], the period's figures as of a date. `simulate.rs`: [`simulate`].
//!   `new_business.rs`: what deals not yet in the pipeline will bring in, learned from the deals
//!   opened and won within past windows as long as the days ahead, which each run of the
//!   simulation draws one of. `backtest.rs`: [`backtest`]. `render.rs`: each as a text table.
//!
//! **As of a date, two ways, on purpose.** [`forecast`] answers "as of" at query time: every
//! change to a deal's forecast fields is kept as a version stamped with the time the log recorded
//! it (`forecast_deal_history`), and a query takes each deal's last version recorded by the end
//! of that day. That is cheap and exact for sums. The learned model cannot be cut that way (its
//! counts are running totals), so [`backtest`] rebuilds the projection up to each past date into
//! a scratch generation: the model then knows only the deals closed by that date, and nothing
//! recorded later can leak into the forecast.
//!
//! A deal's close date is the day it was won or lost; while it is open, its expected close, or
//! the forecast's day once that has passed (`clock.rs`).
//! Money is integer minor units, kept per currency and never summed across currencies.

mod apply;
mod backtest;
mod clock;
mod counts;
mod deals;
mod decision;
mod model;
mod new_business;
mod query;
mod render;
mod schema;
mod simulate;
#[cfg(test)]
mod tests;
mod training;

use ltc_eventstore::RecordedEvent;
use rusqlite::Transaction;

use crate::projection::{Projection, ProjectionError};
use clock::PendingClock;
use counts::PendingCounts;
use deals::PendingDeals;

pub use backtest::{
    BACKTEST_DATES_MAX, Backtest, BacktestError, BacktestPeriod, BacktestPoint, BacktestRequest,
    backtest,
};
pub use model::{WinProbabilities, WinProbability, win_probabilities, win_probabilities_on};
pub use new_business::{ANALOG_STEP_DAYS, ANALOG_WINDOWS_MAX, DayRange, NewBusinessBasis};
pub use query::{Forecast, ForecastRow, QueryError, RepForecastRow, forecast, forecast_made_on};
pub use render::{render_backtest, render_forecast, render_simulation, render_win_probabilities};
pub use simulate::{Percentiles, SIMULATION_RUNS_MAX, Simulation, simulate, simulate_made_on};

/// The forecast read model's projection. Between a live runner's batches it keeps nothing in
/// memory: every fact is in its tables. Within a batch it holds the deals the batch touched and
/// the changes to the win model's counts ([`Pending`]), written at the flush; a rebuild keeps
/// its deals across batches (`models::batch_rows`).
#[derive(Debug, Default)]
pub struct ForecastProjection {
    pending: Pending,
}

/// What the batch in hand has changed and the flush writes: its deals' rows (`deals.rs`), the
/// win model's counts (`counts.rs`) and the clock (`clock.rs`).
#[derive(Debug, Default)]
struct Pending {
    deals: PendingDeals,
    counts: PendingCounts,
    clock: PendingClock,
}

impl ForecastProjection {
    pub const NAME: &'static str = "forecast";
}

impl Projection for ForecastProjection {
    fn name(&self) -> &'static str {
        ForecastProjection::NAME
    }

    /// 2: a deal's versions leave out what only `forecast_deals` needs (`schema.rs`). 3: the
    /// model's examples are cut at each deal's decision, no longer at its close (`decision.rs`),
    /// so the counts mean something else; the clock is kept (`clock.rs`).
    fn schema_version(&self) -> u32 {
        3
    }

    fn tables(&self) -> &'static [&'static str] {
        schema::TABLES
    }

    fn migrate(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        tx.execute_batch(schema::DDL)?;
        Ok(())
    }

    /// Its share, in rounded per cent, of an all-models rebuild's work: the CPU seconds of this
    /// model rebuilt alone from the 1M-event log, less the cheapest model's (reading the log),
    /// on 2026-12-02 (BENCHMARKS.md, "Appended rows written 64 to a statement").
    fn rebuild_cost(&self) -> u32 {
        14
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        match event.stream.kind.as_str() {
            "opportunity" => true,
            "lead" => matches!(event.event_type.as_str(), "LeadCaptured" | "LeadConverted"),
            "customer" => event.event_type == "CustomerCreated",
            "quota" => event.event_type == "QuotaSet",
            "quote" => event.event_type == "QuoteAccepted",
            _ => false,
        }
    }

    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        self.pending.clock.observe(event.occurred_at);
        match event.stream.kind.as_str() {
            "opportunity" => apply::opportunity(tx, &mut self.pending, event),
            "lead" => apply::lead(tx, event),
            "customer" => apply::customer(tx, event),
            "quota" => apply::quota(tx, event),
            "quote" => apply::quote(tx, &mut self.pending, event),
            _ => Ok(()),
        }
    }

    fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.pending.deals.flush(tx)?;
        self.pending.counts.flush(tx)?;
        self.pending.clock.flush(tx)
    }

    fn discard(&mut self) {
        self.pending.deals.discard();
        self.pending.counts.discard();
        self.pending.clock.discard();
    }

    /// A rebuild keeps each open deal until it closes (`models::batch_rows`).
    fn keep_across_batches(&mut self) {
        self.pending.deals.keep_across_batches();
    }

    fn finish(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.pending.deals.finish(tx)?;
        self.pending.counts.flush(tx)?;
        self.pending.clock.flush(tx)
    }
}
