//! The event store's behaviour, tested through its public API against a real SQLite file.

mod support;

mod append;
mod append_only;
mod concurrency;
mod idempotency;
mod limits;
mod model;
mod snapshots;
mod subscription;
mod tamper;
