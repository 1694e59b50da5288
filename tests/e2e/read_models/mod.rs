//! The read models held to the log of a generated history, and to a rebuild from scratch.

mod collections;
mod customer360;
mod documented;
pub(crate) mod equivalence;
mod forecast;
mod funnel;
mod leads;
mod reps;
mod stalled;
