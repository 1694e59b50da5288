//! ltc's cross-crate end-to-end tests, in one binary (so they link once).

mod crash;
mod seed;
mod tidy;
