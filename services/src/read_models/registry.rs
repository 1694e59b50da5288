//! Every projection this build serves: the operators' [`EventCounts`] and the lead-to-cash read
//! models of [`ltc_projections::models::all`]. A read model registered there is served here, by
//! `ltc lag`, `ltc rebuild` and every catch-up, with no change to this file.

use ltc_projections::{EventCounts, Projection};

use super::ReadModelsError;

/// Fresh instances of every projection, in the order the runner offers each event to them.
pub fn projections() -> Vec<Box<dyn Projection>> {
    let mut all: Vec<Box<dyn Projection>> = vec![Box::new(EventCounts::default())];
    all.extend(ltc_projections::models::all());
    all
}

/// The names of [`projections`], in the same order.
pub fn projection_names() -> Vec<&'static str> {
    projections().iter().map(|projection| projection.name()).collect()
}

/// A fresh instance of the projection called `name`.
pub fn projection_named(name: &str) -> Result<Box<dyn Projection>, ReadModelsError> {
    projections().into_iter().find(|projection| projection.name() == name).ok_or_else(|| {
        ReadModelsError::UnknownProjection {
            name: name.to_owned(),
            known: projection_names().join(", "),
        }
    })
}
