//! The lead-to-cash read models: each a [`Projection`] over the domain's events with its own
//! tables, and typed queries over those tables that the CLI renders as text or JSON. Every table
//! is documented in docs/read-models/ so a BI tool can open the read-model file directly.
//!
//! Shared by all of them: [`period`] (months and quarters as stable keys), [`amount_text`] (an
//! amount as every text table prints it), [`decode`] (one
//! place that turns an envelope into a domain event), [`append_rows`] (rows inserted one or more
//! per event and not read back before the flush, written 64 to a statement) and [`batch_rows`]
//! (rows a batch rewrites, kept in memory until its flush, in a rebuild until their stream
//! settles) with [`stored`] (reading such a row's values back), and [`short_keys`] (integers
//! that stand for UUIDs in the most numerous rows).

pub mod amount_text;
pub mod append_rows;
pub mod batch_rows;
pub mod collections;
pub mod customer360;
pub mod decode;
pub mod forecast;
pub mod funnel;
pub mod leads;
pub mod period;
#[cfg(test)]
pub(crate) mod query_plan;
pub mod reps;
pub(crate) mod short_keys;
pub mod stalled;
pub mod stored;

use crate::Projection;

/// Every read model, in the order a rebuild applies them.
pub fn all() -> Vec<Box<dyn Projection>> {
    vec![
        Box::new(collections::Collections),
        Box::new(customer360::Customer360Projection::default()),
        Box::new(forecast::ForecastProjection::default()),
        Box::new(funnel::Funnel::default()),
        Box::new(leads::Leads),
        Box::new(reps::Reps::default()),
        Box::new(stalled::Stalled::default()),
    ]
}
