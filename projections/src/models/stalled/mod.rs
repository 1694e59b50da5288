//! The stalled read model: open opportunities that have stayed in their stage longer than the
//! stage's stall threshold, as of any date, with the last activity on each.
//!
//! The threshold is the stage's `stall_after_days` in the pipeline the opportunity opened with
//! (recorded in its `OpportunityOpened`), so a later change to the configured pipeline does not
//! rewrite old deals; a stage without one never stalls. A deal is stalled on a date when its
//! whole days in the stage that date exceed the threshold.
//!
//! **As of a date** is computed at query time from dated facts, not by rebuilding: the tables
//! keep every stay in a stage (`stalled_visits`) and every activity (`stalled_activity_lines`) with
//! its date, so the stage a deal was in on any date, whether it was open then, and the last
//! activity before that date's end are all in the rows. A past date therefore costs one query,
//! not a rebuild. (The amount shown is the deal's latest.)
//!
//! **An activity** is something a person did on the deal: opening it, moving its stage, changing
//! its amount or expected close, completing a follow-up, winning, losing or reopening it, and
//! creating, revising, sending, or having accepted or declined one of its quotes. Scheduling a
//! follow-up (the follow-up process manager does it after each stage change) and the internal
//! approval steps of a quote are not. Documented in docs/read-models/stalled.md.

mod apply;
mod keys;
mod query;
mod render;
mod schema;
#[cfg(test)]
mod tests;

use ltc_eventstore::RecordedEvent;
use rusqlite::Transaction;

use crate::{Projection, ProjectionError};

pub use query::{StalledRow, stalled};
pub use render::render;

/// The projection: its tables hold everything; it remembers only short keys (`keys.rs`).
#[derive(Debug, Default)]
pub struct Stalled {
    keys: keys::StalledKeys,
    appended: apply::Appended,
}

impl Stalled {
    pub const NAME: &'static str = "stalled";
    pub const TABLES: &'static [&'static str] = schema::TABLES;
}

impl Projection for Stalled {
    fn name(&self) -> &'static str {
        Stalled::NAME
    }

    /// 2: activities, stays and quotes name their deal by `opportunity_key`, activities their
    /// time by Unix seconds, and stages are stored once per pipeline (`schema.rs`).
    fn schema_version(&self) -> u32 {
        2
    }

    fn tables(&self) -> &'static [&'static str] {
        Stalled::TABLES
    }

    fn migrate(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        tx.execute_batch(schema::DDL)?;
        Ok(())
    }

    /// Its share, in rounded per cent, of an all-models rebuild's work: the CPU seconds of this
    /// model rebuilt alone from the 1M-event log, less the cheapest model's (reading the log),
    /// on 2026-12-02 (BENCHMARKS.md, "Appended rows written 64 to a statement").
    fn rebuild_cost(&self) -> u32 {
        15
    }

    fn query_indexes(&self) -> &'static [&'static str] {
        schema::QUERY_INDEXES
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        match event.stream.kind.as_str() {
            "opportunity" => event.event_type != "OpportunityFollowUpScheduled",
            "quote" => matches!(
                event.event_type.as_str(),
                "QuoteCreated" | "QuoteRevised" | "QuoteSent" | "QuoteAccepted" | "QuoteDeclined"
            ),
            _ => false,
        }
    }

    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        match event.stream.kind.as_str() {
            "opportunity" => apply::opportunity(tx, &mut self.keys, &mut self.appended, event),
            "quote" => apply::quote(tx, &mut self.keys, &mut self.appended, event),
            _ => Ok(()),
        }
    }

    fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.appended.write_pending(tx)?;
        self.keys.batch_written();
        Ok(())
    }

    fn discard(&mut self) {
        self.appended.discard();
        self.keys.forget();
    }

    /// A rebuild remembers every key it hands out (up to `models::short_keys`' limit).
    fn keep_across_batches(&mut self) {
        self.keys.keep_across_batches();
    }
}
