//! cqrs-es + sqlite-es's runner of ltc's peer benchmark (issue 7): the workload of
//! `benches/src/peer_workload.rs`, compiled in here by path, through `CqrsFramework::
//! execute_with_metadata`, one JSON line per result on stdout. `benches/peer/run` builds and
//! alternates it with ltc's runner and prints the table.
//!
//! ```sh
//! peer_cqrs_es [--quick]
//! ```
//!
//! Engines in the lines: `cqrs-es` is sqlite-es's default framework (`sqlite_cqrs`, which
//! replays an aggregate's whole stream for every command); `cqrs-es-snapshot` runs (b) and (d)
//! again with `sqlite_snapshot_cqrs` and a snapshot every 100 events, the same interval as ltc's.

mod opportunity;
mod scenarios;
mod store;
#[path = "../../src/peer_workload.rs"]
#[allow(dead_code, reason = "the shared workload also has what only ltc's side and its tests use")]
mod workload;

use std::process::ExitCode;

use workload::WorkloadSize;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg != "--quick") {
        eprintln!("usage: peer_cqrs_es [--quick]");
        return ExitCode::FAILURE;
    }
    let size = WorkloadSize::from_quick_flag(args.iter().any(|arg| arg == "--quick"));
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(scenarios::run_all(size, &mut |line| println!("{}", line.to_json()))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
