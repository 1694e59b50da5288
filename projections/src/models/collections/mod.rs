//! Collections: what was invoiced, collected and is still owed, per period and customer, per
//! currency; aging and overdue as of any business date; days sales outstanding.
//!
//! The tables hold dated facts only (receivables with their due schedules, every amount applied
//! to an instalment, every money document), never a running balance or a bucket: outstanding,
//! overdue and aging "as of" a date are computed at query time from due dates and application
//! dates, so a report for any past or future date needs no timer and no rebuild. That is the
//! same rule as the domain's `payment::aging`, and the e2e test holds the two to each other.
//! "As of" means as known now: a receipt recorded today but dated last month counts last month.
//! What a dashboard showed at a past moment is a rebuild up to that recorded time instead.
//!
//! - `schema.rs`: the tables. `apply.rs`: payment events into them.
//! - `aging.rs`: [`aging`], [`aging_by_customer`] and their [`render_aging`].
//! - `periods.rs`: [`collections`] per period (and customer) and [`render_collections`].
//! - `dso.rs`: [`dso`] and [`render_dso`], with the formula.

mod aging;
mod apply;
mod dso;
mod periods;
mod schema;
pub(crate) mod table;
#[cfg(test)]
pub(crate) mod test_world;
#[cfg(test)]
mod tests;

use ltc_eventstore::RecordedEvent;
use rusqlite::Transaction;

use crate::projection::{Projection, ProjectionError};

pub use aging::{AgingRow, aging, aging_by_customer, render_aging};
pub use dso::{DSO_DAYS_MAX, DsoRow, dso, render_dso};
pub use periods::{
    COLLECTIONS_PERIODS_MAX, CollectionsRow, collections, collections_until, render_collections,
};

/// The collections read model; it keeps nothing in memory.
#[derive(Debug, Default)]
pub struct Collections;

impl Collections {
    pub const NAME: &'static str = "collections";
}

/// Why a collections query could not answer.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The read-model database failed or lacks the tables (not yet migrated): retry, or run
    /// the projector first.
    #[error("read-model storage failure: {0}")]
    Storage(#[from] rusqlite::Error),
    /// A DSO window is 1 to [`DSO_DAYS_MAX`] days: ask for another.
    #[error("a DSO window is 1 to {DSO_DAYS_MAX} days, not {0}")]
    DsoWindow(u32),
    /// The facts span more than this many periods: ask for quarters instead of months.
    #[error("the facts span more than {0} periods")]
    TooManyPeriods(usize),
    /// A date in the tables is not ISO 8601: the read model was written by something else;
    /// rebuild it.
    #[error("stored date {0:?} is not an ISO date")]
    StoredDate(String),
}

impl Projection for Collections {
    fn name(&self) -> &'static str {
        Collections::NAME
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
        1
    }

    /// Periods and documents are read by the queries only; `apply` finds a receivable by its id.
    fn query_indexes(&self) -> &'static [&'static str] {
        &["collections_receivables_by_invoiced_on", "collections_documents_by_receivable"]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        apply::wants(event)
    }

    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        apply::apply(tx, event)
    }
}
