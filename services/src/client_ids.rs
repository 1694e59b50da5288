//! [`ClientIds`]: which kind of UUID a client gives the records it creates. ltc takes any; the
//! kind decides where in each index of the log and of the read models a new record lands, so
//! the load tool and the demo's generator can send either and the benchmarks compare them
//! (BENCHMARKS.md, "What keeping the read models up costs per event").

use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ClientIds {
    /// Uniformly random, as a client minting UUIDv4 sends: every new record lands on a page
    /// of its own.
    #[default]
    Random,
    /// UUIDv7 (RFC 9562): the creation time in milliseconds, then random bits, so records made
    /// together sort together and the indexes grow at their end.
    V7,
}
