//! The projection runtime's behaviour through its public API, against real SQLite files: a real
//! event store and a real read-model directory in a temporary directory, driving
//! [`ltc_projections::EventCounts`] and small test projections.

mod support;

mod batches;
mod crash;
mod history_feed;
mod holes;
mod lag;
mod model;
mod query_indexes;
mod rebuild;
mod swap;
