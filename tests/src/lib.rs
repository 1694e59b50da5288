//! Helpers shared by the end-to-end tests and the child processes they start.

pub mod crash_protocol;
pub mod hostile;
pub mod nats_server;
