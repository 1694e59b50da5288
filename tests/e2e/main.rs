//! ltc's cross-crate end-to-end tests, in one binary (so they link once).

mod crash;
mod nats;
mod read_models;
mod schemas;
mod seed;
mod tidy;
