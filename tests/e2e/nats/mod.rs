//! ltc on NATS, against a private `nats-server` per test (see `ltc_tests::nats_server`).

mod commands;
mod hostile;
mod permissions;
mod projector;
mod queries;
mod relay;
mod server;
