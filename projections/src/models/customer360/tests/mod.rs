//! customer360 through the real runtime: domain events appended to a real event store in a
//! temporary directory with a manual clock, the projector run over them, and the queries read
//! back. Each figure is checked against a sum done by hand in the test.

mod events;
mod figures;
mod leads;
mod snapshot;
mod timeline_view;
mod world;
