//! The stalled read model: open opportunities that have stayed in their stage longer than the
//! stage's stall threshold, as of any date, with the last activity on each.
//!
//! The threshold is the stage's `stall_after_days` in the pipeline the opportunity opened with
//! (recorded in its `OpportunityOpened`), so a later change to the configured pipeline does not
//! rewrite old deals; a stage without one never stalls. A deal is stalled on a date when its
//! whole days in the stage that date exceed the threshold.
//!
//! **As of a date** is computed at query time from dated facts, not by rebuilding: the tables
//! keep every stay in a stage (`stalled_visits`) and every activity (`stalled_activities`) with
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
mod query;
mod render;
#[cfg(test)]
mod tests;

use ltc_eventstore::RecordedEvent;
use rusqlite::Transaction;

use crate::{Projection, ProjectionError};

pub use query::{StalledRow, stalled};
pub use render::render;

#[derive(Debug, Default)]
pub struct Stalled;

impl Stalled {
    pub const NAME: &'static str = "stalled";
    pub const TABLES: &'static [&'static str] = &[
        "stalled_opportunities",
        "stalled_stages",
        "stalled_visits",
        "stalled_activities",
        "stalled_quotes",
    ];
}

impl Projection for Stalled {
    fn name(&self) -> &'static str {
        Stalled::NAME
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn tables(&self) -> &'static [&'static str] {
        Stalled::TABLES
    }

    fn migrate(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        tx.execute_batch(
            "CREATE TABLE stalled_opportunities (
                opportunity_id   TEXT    PRIMARY KEY,
                name             TEXT    NOT NULL,
                customer_id      TEXT    NOT NULL,
                owner_id         TEXT    NOT NULL,
                team_id          TEXT,
                currency         TEXT    NOT NULL,
                amount_minor     INTEGER NOT NULL,
                opened_on        TEXT    NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE stalled_stages (
                opportunity_id   TEXT    NOT NULL,
                stage            TEXT    NOT NULL,
                outcome          TEXT    NOT NULL,
                stall_after_days INTEGER,
                PRIMARY KEY (opportunity_id, stage)
            ) WITHOUT ROWID;
            CREATE TABLE stalled_visits (
                opportunity_id   TEXT    NOT NULL,
                visit_no         INTEGER NOT NULL,
                stage            TEXT    NOT NULL,
                outcome          TEXT    NOT NULL,
                entered_on       TEXT    NOT NULL,
                PRIMARY KEY (opportunity_id, visit_no)
            ) WITHOUT ROWID;
            CREATE TABLE stalled_activities (
                position         INTEGER PRIMARY KEY,
                opportunity_id   TEXT    NOT NULL,
                at               TEXT    NOT NULL,
                activity         TEXT    NOT NULL
            );
            CREATE INDEX stalled_activities_by_opportunity
                ON stalled_activities (opportunity_id, at);
            CREATE TABLE stalled_quotes (
                quote_id         TEXT    PRIMARY KEY,
                opportunity_id   TEXT    NOT NULL
            ) WITHOUT ROWID;",
        )?;
        Ok(())
    }

    /// Per cent of an all-models rebuild's work: each model rebuilt alone from the 1M-event log,
    /// less what the cheapest takes (reading the log), on 2026-12-01 (BENCHMARKS.md).
    fn rebuild_cost(&self) -> u32 {
        14
    }

    /// An opportunity's activities are read by the query only; `apply` appends them.
    fn query_indexes(&self) -> &'static [&'static str] {
        &["stalled_activities_by_opportunity"]
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
            "opportunity" => apply::opportunity(tx, event),
            "quote" => apply::quote(tx, event),
            _ => Ok(()),
        }
    }
}
