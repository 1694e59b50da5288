//! ltc on NATS, against a private `nats-server` per test (see `ltc_tests::nats_server`).

mod queries;
mod server;
