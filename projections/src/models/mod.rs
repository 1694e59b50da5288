//! The lead-to-cash read models: each a [`Projection`] over the domain's events with its own
//! tables, and typed queries over those tables that the CLI renders as text or JSON. Every table
//! is documented in docs/read-models/ so a BI tool can open the read-model file directly.
//!
//! Shared by all of them: [`period`] (months and quarters as stable keys) and [`decode`] (one
//! place that turns an envelope into a domain event).

pub mod decode;
pub mod forecast;
pub mod period;

use crate::Projection;

/// Every read model, in the order a rebuild applies them.
pub fn all() -> Vec<Box<dyn Projection>> {
    vec![Box::new(forecast::ForecastProjection)]
}
