//! The reliability figures: what ltc was put through and what survived, as one table.
//!
//! Each scenario attacks one guarantee with real parts (an `ltc serve` child process, a private
//! nats-server, SQLite files edited by hand) and counts what it tried and what broke:
//!
//! | scenario            | broken means                                          |
//! |---------------------|-------------------------------------------------------|
//! | kills under load    | an acknowledged command missing from the log          |
//! | nats-server restarts| a position missing from, or doubled in, `LTC_EVENTS`, or read models that differ from a rebuild |
//! | hostile messages    | a panic, a request left unanswered, or serve stops answering |
//! | tampering           | an edited log that `verify` calls intact              |
//! | conflicting writers | an accepted command whose effect is not in its stream |
//!
//! Sizes: small by default (CI), `LTC_RELIABILITY=full` for the figures in README.md:
//!
//! ```text
//! LTC_RELIABILITY=full cargo test --release -p ltc-services --test reliability -- --nocapture
//! ```
//!
//! Every random choice comes from [`SEED`] (or `LTC_RELIABILITY_SEED`), so a failure reproduces.

#[path = "../support/mod.rs"]
mod support;

mod conflicts;
mod hostile;
mod kills;
mod nats_restarts;
mod table;
mod tampering;

use table::{Row, Table};

/// The default seed of every random choice; another through `LTC_RELIABILITY_SEED`.
const SEED: u64 = 0x2026_1130;

/// How hard each scenario pushes.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub seed: u64,
    pub kills: usize,
    pub nats_restarts: usize,
    pub hostile_messages: usize,
    pub tamper_attempts: usize,
    pub conflicting_writers: usize,
    pub commands_per_writer: usize,
}

impl Sizes {
    const CI: Sizes = Sizes {
        seed: SEED,
        kills: 4,
        nats_restarts: 3,
        hostile_messages: 5_000,
        tamper_attempts: 60,
        conflicting_writers: 16,
        commands_per_writer: 20,
    };
    const FULL: Sizes = Sizes {
        seed: SEED,
        kills: 20,
        nats_restarts: 10,
        hostile_messages: 100_000,
        tamper_attempts: 600,
        conflicting_writers: 64,
        commands_per_writer: 100,
    };

    fn from_env() -> (Sizes, &'static str) {
        let (mut sizes, name) = match std::env::var("LTC_RELIABILITY").as_deref() {
            Ok("full") => (Sizes::FULL, "full"),
            Ok("ci") | Err(_) => (Sizes::CI, "ci"),
            Ok(other) => panic!("LTC_RELIABILITY={other}: expected `ci` or `full`"),
        };
        if let Ok(seed) = std::env::var("LTC_RELIABILITY_SEED") {
            sizes.seed = seed.parse().expect("LTC_RELIABILITY_SEED is a u64");
        }
        (sizes, name)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_guarantee_survives_what_the_suite_tries() {
    let (sizes, name) = Sizes::from_env();
    let mut table = Table::new(name, sizes.seed);
    // One after another: each scenario gets the machine to itself, so a kill lands under load
    // rather than while a neighbour hogs both cores.
    table.push(kills::engine_killed_under_load(&sizes).await);
    table.push(nats_restarts::nats_server_restarted_under_load(&sizes).await);
    table.push(hostile::hostile_messages(&sizes).await);
    // Plain blocking file work, off the runtime's threads.
    table
        .push(tokio::task::spawn_blocking(move || tampering::tampered_logs(&sizes)).await.unwrap());
    table.push(conflicts::conflicting_writers(&sizes).await);
    println!("{}", table.render());
    let broken: Vec<&Row> = table.rows().iter().filter(|row| !row.survived()).collect();
    assert!(broken.is_empty(), "guarantees broken:\n{}", table.render());
}
