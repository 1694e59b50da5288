//! Rep performance: per sales rep and period, the target from their quota against what they
//! actually won, the commission that earns, the deals won and the work done (lead activities
//! logged, follow-ups completed).
//!
//! Definitions (docs/read-models/reps.md says the same for BI users):
//! - **target**: the amount of the rep's `QuotaSet` for exactly that period key (a quarter's
//!   quota is not split into months, nor months added into a quarter); the latest revision
//!   counts.
//! - **actual** (won): the amounts of the rep's opportunities that are won now and whose win
//!   fell in the period, at the amount the win recorded. A deal reopened after its win no longer
//!   counts; won again, it counts in the period of its latest win. The rep is the opportunity's
//!   owner.
//! - **commission**: actual × the quota's `commission_bps`, rounded half away from zero to the
//!   minor unit (the domain's `Money::times_bps`), in the quota's currency only: wins in another
//!   currency earn none here, as there is no rate to convert them.
//! - **attainment**: actual ÷ target in basis points, rounded half up, as the forecast model rounds
//!   the attainment of the same quota; none for a zero target.
//! - **activities**: `LeadActivityLogged` events by the rep (`by`), on their UTC day;
//!   **follow-ups completed**: `OpportunityFollowUpCompleted` on the rep's opportunities.
//!
//! The tables keep facts per opportunity and per rep and day, so the period is chosen at query
//! time and a reopened deal simply changes its row.
//!
//! - `schema.rs`: the tables. `apply.rs`: events into them; `activities.rs`: a batch's activity
//!   counts, written at its flush. `query.rs`: [`rep_performance`] and [`render`].

mod activities;
mod apply;
mod query;
mod schema;
#[cfg(test)]
mod tests;

use ltc_eventstore::RecordedEvent;
use rusqlite::Transaction;

use crate::projection::{Projection, ProjectionError};
use activities::PendingActivities;

pub use query::{RepMoney, RepRow, render, rep_performance};

/// The rep performance read model. Between batches it keeps nothing in memory; within a batch
/// it sums activities (`activities.rs`).
#[derive(Debug, Default)]
pub struct Reps {
    activities: PendingActivities,
}

impl Reps {
    pub const NAME: &'static str = "reps";
}

/// Why a rep performance query could not answer.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The read-model database failed or lacks the tables (not yet migrated): retry, or run
    /// the projector first.
    #[error("read-model storage failure: {0}")]
    Storage(#[from] rusqlite::Error),
    /// Ask for a month (`2026-03`) or a quarter (`2026-Q1`).
    #[error("{0:?} is not a month (2026-03) or a quarter (2026-Q1)")]
    InvalidPeriod(String),
    /// A commission or sum is beyond what an i64 holds: far beyond any real figure.
    #[error("a figure overflows")]
    Overflow,
    /// A currency in the tables is not an ISO code: the read model was written by something
    /// else; rebuild it.
    #[error("stored currency {0:?} is not an ISO 4217 code")]
    StoredCurrency(String),
}

impl Projection for Reps {
    fn name(&self) -> &'static str {
        Reps::NAME
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn tables(&self) -> &'static [&'static str] {
        schema::TABLES
    }

    fn migrate(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        schema::migrate(tx)
    }

    /// Its share, in rounded per cent, of an all-models rebuild's work: the CPU seconds of this
    /// model rebuilt alone from the 1M-event log, less the cheapest model's (reading the log),
    /// on 2026-12-02 (BENCHMARKS.md, "Appended rows written 64 to a statement").
    fn rebuild_cost(&self) -> u32 {
        6
    }

    /// Dates are what the report filters on; `apply` finds an opportunity by its id.
    fn query_indexes(&self) -> &'static [&'static str] {
        &["reps_opportunities_by_won_on", "reps_activities_by_day"]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        apply::wants(event)
    }

    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        apply::apply(tx, &mut self.activities, event)
    }

    fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.activities.flush(tx)
    }

    fn discard(&mut self) {
        self.activities.discard();
    }
}
