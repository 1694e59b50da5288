//! The funnel read model: leads → qualified → converted, and opportunities through the pipeline's
//! stages to won or lost, per period (month, quarter) and dimension (rep, team, region, industry,
//! product, lead channel), as cohorts.
//!
//! The tables hold facts at their own grain (`schema.rs`): one row per lead, per opportunity, per
//! stage of an opportunity's pipeline, per stay in a stage, and the customers' and quotes'
//! attributes the dimensions need. The query (`query.rs`) groups them, so every period and
//! dimension is answered from the same rows, and facts that arrive in any order (a lead's
//! conversion before its opportunity opens) meet at query time. `apply.rs` and
//! `apply_opportunity.rs` say what each event writes; `render.rs` prints a result.
//!
//! As of a past date: the figures are cohorts as the log stands; rebuild the read models up to a
//! recorded time to see them as they stood then.
//!
//! `shared.rs` (the query error, date ranges, rounding, text tables) is used by the leads and
//! stalled read models too.

mod apply;
mod apply_opportunity;
mod deals;
mod query;
mod render;
mod schema;
pub mod shared;
#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;

use ltc_eventstore::RecordedEvent;
use rusqlite::Transaction;

use crate::{Projection, ProjectionError};

pub(crate) use apply::{channel_name, position_of};
pub(crate) use apply_opportunity::outcome_name;
pub use query::{CurrencyFigures, Dimension, FunnelRow, NO_VALUE, StageFigures, funnel};
pub use render::render;
pub use shared::{DateRange, QueryError};

/// The funnel projection. It keeps the deals the batch in hand has touched until the flush (a
/// rebuild: until they close or go idle, `deals.rs`); everything else is in its tables.
#[derive(Debug, Default)]
pub struct Funnel {
    deals: deals::PendingDeals,
    /// A cache: each pipeline the deals opened with, held once.
    pipelines: deals::Pipelines,
}

impl Funnel {
    pub const NAME: &'static str = "funnel";
}

impl Projection for Funnel {
    fn name(&self) -> &'static str {
        Funnel::NAME
    }

    /// 2: a pipeline's stages are stored once, and a deal's only where it reached them
    /// (`schema.rs`).
    fn schema_version(&self) -> u32 {
        2
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
        16
    }

    /// `apply` finds leads and quotes by their own ids; only the report joins them by opportunity.
    fn query_indexes(&self) -> &'static [&'static str] {
        &["funnel_leads_by_opportunity", "funnel_quotes_by_opportunity"]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        let event_type = event.event_type.as_str();
        match event.stream.kind.as_str() {
            "lead" => matches!(
                event_type,
                "LeadCaptured"
                    | "LeadCapturedAsDuplicate"
                    | "LeadAssigned"
                    | "LeadQualified"
                    | "LeadDisqualified"
                    | "LeadConverted"
                    | "LeadDuplicateMerged"
                    | "LeadMergedInto"
            ),
            "opportunity" => matches!(
                event_type,
                "OpportunityOpened"
                    | "OpportunityStageMoved"
                    | "OpportunityAmountChanged"
                    | "OpportunityWon"
                    | "OpportunityLost"
                    | "OpportunityReopened"
            ),
            "customer" => event_type == "CustomerCreated",
            "quote" => matches!(event_type, "QuoteCreated" | "QuoteRevised"),
            _ => false,
        }
    }

    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        match event.stream.kind.as_str() {
            "lead" => apply::lead(tx, event),
            "opportunity" => {
                apply_opportunity::apply(tx, &mut self.deals, &mut self.pipelines, event)
            }
            "customer" => apply::customer(tx, event),
            "quote" => apply::quote(tx, event),
            _ => Ok(()),
        }
    }

    fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.deals.flush(tx)
    }

    fn discard(&mut self) {
        self.deals.discard();
    }

    /// A rebuild keeps each open deal until it closes (`models::batch_rows`).
    fn keep_across_batches(&mut self) {
        self.deals.keep_across_batches();
    }

    fn finish(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.deals.finish(tx)
    }
}
