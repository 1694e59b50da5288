//! ltc's runner of the peer benchmark (issue 7): the workload of `benches/src/peer_workload.rs`
//! through `Engine::execute`, one JSON line per result on stdout; and the summary table of a
//! whole run. `benches/peer/run` builds this and the cqrs-es + sqlite-es runner and alternates
//! them; BENCHMARKS.md ("Peer: cqrs-es + sqlite-es") has the estimate and the figures.
//!
//! ```sh
//! peer_ltc run --durability full|normal [--quick]   # every scenario, one line each
//! peer_ltc floor [--quick]                           # the SQLite work of (a) and (c) alone
//! peer_ltc table FILE                                # medians, spread, ratios, checksums
//! peer_ltc fsync                                     # this disk's 4 KiB write + fsync now
//! ```

use std::process::ExitCode;

use ltc_benches::fixture::probe_fsync;
use ltc_benches::peer_ltc::{run_all, sqlite_floors};
use ltc_benches::peer_table::{parse, summarize};
use ltc_benches::peer_workload::WorkloadSize;
use ltc_eventstore::Durability;

const USAGE: &str = "usage: peer_ltc run --durability full|normal [--quick]\n       \
                     peer_ltc floor [--quick]\n       peer_ltc table FILE\n       peer_ltc fsync";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |flag: &str| args.iter().any(|arg| arg == flag);
    let value_of = |flag: &str| {
        args.iter()
            .position(|arg| arg == flag)
            .and_then(|idx| args.get(idx + 1))
            .map(String::as_str)
    };
    let result = match args.first().map(String::as_str) {
        Some("run") => {
            let durability = match value_of("--durability") {
                Some("full") => Ok(Durability::Full),
                Some("normal") => Ok(Durability::Normal),
                _ => Err(USAGE.to_owned()),
            };
            durability.and_then(|durability| {
                run(durability, WorkloadSize::from_quick_flag(has("--quick")))
            })
        }
        Some("floor") => floor(WorkloadSize::from_quick_flag(has("--quick"))),
        Some("table") => match args.get(1) {
            Some(file) => table(file),
            None => Err(USAGE.to_owned()),
        },
        Some("fsync") => fsync(),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run(durability: Durability, size: WorkloadSize) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    runtime
        .block_on(run_all(durability, size, &mut |line| println!("{}", line.to_json())))
        .map_err(|error| error.to_string())
}

/// The SQLite work of (a) and (c) with no engine around it (`benches/src/sqlite_floor.rs`).
fn floor(size: WorkloadSize) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    let lines = runtime.block_on(sqlite_floors(size)).map_err(|error| error.to_string())?;
    for line in lines {
        println!("{}", line.to_json());
    }
    Ok(())
}

fn table(file: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|error| format!("{file}: {error}"))?;
    let summary = summarize(&parse(&text)?);
    print!("{}", summary.table);
    if summary.problems.is_empty() {
        println!("\nchecksums: every line matches its expected value and the other engines'");
        Ok(())
    } else {
        Err(format!("checksum problems:\n{}", summary.problems.join("\n")))
    }
}

/// The disk's durable-write latency right now: what bounds a durable command at one sender.
fn fsync() -> Result<(), String> {
    let probe = probe_fsync(200).map_err(|error| error.to_string())?;
    println!(
        "fsync of a 4 KiB overwrite: p50 {:.0?}, p99 {:.0?}; of a 4 KiB append: p50 {:.0?} ({} rounds)",
        probe.overwrite_p50, probe.overwrite_p99, probe.append_p50, probe.rounds
    );
    Ok(())
}
