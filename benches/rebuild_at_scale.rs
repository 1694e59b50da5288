//! The full-size read-model rebuild: a tiled log of millions of real events, and every read model
//! rebuilt from it, timed, with peak memory. Criterion's `projections` bench runs the same rebuild
//! on a small tiled log; this binary is for the size of the step-3 target, run by hand:
//!
//! ```sh
//! cargo run --release -p ltc-benches --bin rebuild_at_scale -- make-log /tmp/ltc-5m 107
//! cargo run --release -p ltc-benches --bin rebuild_at_scale -- rebuild /tmp/ltc-5m 3
//! cargo run --release -p ltc-benches --bin rebuild_at_scale -- rebuild /tmp/ltc-5m 1 funnel
//! ```
//!
//! `make-log DIR COPIES [SCALE [IDS]]` generates the `medium` history (47k events; or SCALE; its
//! records named with random ids, or `v7`: UUIDv7 at the simulated time) and writes
//! COPIES copies of it into `DIR/events.db` (107 copies ≈ 5M events). `rebuild DIR RUNS
//! [PROJECTION]` rebuilds every projection (or one) into a fresh read-model directory RUNS times
//! and prints each run's rate, the median, a checksum of what was built and the process's peak
//! resident memory. The rebuild runs in its own process, so the peak is the rebuild's. The store
//! is opened with `read_mmap_bytes = 0`: the scan reads through SQLite's page cache instead of a
//! map whose touched pages the kernel would count as resident.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ltc_benches::read_model_checksum::ReadModelChecksum;
use ltc_benches::tiled_log::{BaseHistory, scale_named};
use ltc_eventstore::{Durability, EventStore, ManualClock, StoreOptions, SystemClock};
use ltc_projections::{
    ProjectorOptions, ReadModels, RebuildOptions, RebuildScope, RebuildTarget, rebuild,
};
use ltc_services::client_ids::ClientIds;
use ltc_services::generator::Scale;
use ltc_services::read_models::{projection_named, projections};

const USAGE: &str = "usage: rebuild_at_scale make-log DIR COPIES [small|medium|large [random|v7]]\n       \
                     rebuild_at_scale rebuild DIR RUNS [PROJECTION]";

/// The allocator `ltc` ships with (services/src/main.rs), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |idx: usize| args.get(idx).map(String::as_str);
    let result = match (arg(0), arg(1), arg(2)) {
        (Some("make-log"), Some(dir), Some(copies)) => {
            let scale = arg(3).map_or(Some(Scale::Medium), scale_named);
            let ids = match arg(4) {
                None | Some("random") => Some(ClientIds::Random),
                Some("v7") => Some(ClientIds::V7),
                Some(_) => None,
            };
            match (copies.parse(), scale, ids) {
                (Ok(copies), Some(scale), Some(ids)) => {
                    make_log(Path::new(dir), copies, scale, ids)
                }
                _ => Err(USAGE.to_owned()),
            }
        }
        (Some("rebuild"), Some(dir), Some(runs)) => match runs.parse() {
            Ok(runs) => rebuild_runs(Path::new(dir), runs, arg(3)),
            Err(_) => Err(USAGE.to_owned()),
        },
        _ => Err(USAGE.to_owned()),
    };
    if let Err(message) = result {
        eprintln!("{message}");
        std::process::exit(2);
    }
}

fn make_log(dir: &Path, copies: u32, scale: Scale, ids: ClientIds) -> Result<(), String> {
    let path = dir.join("events.db");
    if path.exists() {
        return Err(format!("{} exists; remove it first", path.display()));
    }
    std::fs::create_dir_all(dir).map_err(|error| error.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    runtime.block_on(async {
        let started = Instant::now();
        let base =
            Arc::new(BaseHistory::generate(scale, 42, ids).await.map_err(|e| e.to_string())?);
        println!(
            "base history ({scale:?}, seed 42): {} events in {} appends, {:.1?}",
            base.n_events,
            base.appends.len(),
            started.elapsed()
        );
        let clock = Arc::new(ManualClock::new(chrono::DateTime::UNIX_EPOCH));
        let options = StoreOptions {
            durability: Durability::Normal,
            clock: clock.clone(),
            ..StoreOptions::default()
        };
        let store = EventStore::open(&path, options).map_err(|error| error.to_string())?;
        let started = Instant::now();
        base.tile(&store, &clock, copies).await.map_err(|error| error.to_string())?;
        let n_events = store.head().position;
        println!(
            "tiled log: {copies} copies, {n_events} events in {:.1?} ({:.0} events/s) at {}",
            started.elapsed(),
            n_events as f64 / started.elapsed().as_secs_f64(),
            path.display()
        );
        Ok(())
    })
}

fn rebuild_runs(dir: &Path, runs: u32, only: Option<&str>) -> Result<(), String> {
    let options = StoreOptions { read_mmap_bytes: 0, ..StoreOptions::default() };
    let store = EventStore::open(dir.join("events.db"), options).map_err(|e| e.to_string())?;
    let head = store.head().position;
    let read_models_dir: PathBuf = dir.join("bench-read-models");
    let mut rates = Vec::new();
    for run in 1..=runs {
        let _ = std::fs::remove_dir_all(&read_models_dir);
        let read_models = ReadModels::open(&read_models_dir, Arc::new(SystemClock))
            .map_err(|error| error.to_string())?;
        let set = match only {
            Some(name) => vec![projection_named(name).map_err(|error| error.to_string())?],
            None => projections(),
        };
        let options = RebuildOptions {
            target: RebuildTarget::Head,
            scope: RebuildScope::Everything,
            runner: ProjectorOptions::for_rebuild(),
            predecoding: Some(ltc_projections::models::decode::PREDECODING),
        };
        let started = Instant::now();
        let mut finishing_from = None;
        let rebuilt = rebuild(&store, &read_models, set, options, &mut |progress| {
            if progress.finishing {
                finishing_from = Some(progress.elapsed);
            }
        })
        .map_err(|error| error.to_string())?;
        let elapsed = started.elapsed();
        // The merge, the second group's query-index sorts and the sync, after every event.
        let finishing = finishing_from.map_or(Duration::ZERO, |from| elapsed.saturating_sub(from));
        let rate = rebuilt.events_applied as f64 / elapsed.as_secs_f64();
        let checksum = ReadModelChecksum::of(&rebuilt.reader().map_err(|e| e.to_string())?)
            .map_err(|error| error.to_string())?;
        let file_bytes = std::fs::metadata(&rebuilt.path).map_or(0, |metadata| metadata.len());
        println!(
            "run {run}: {} of {head} events in {elapsed:.2?} ({finishing:.2?} finishing): \
             {rate:.0} events/s; read models {} MB; {}",
            rebuilt.events_applied,
            file_bytes / 1_000_000,
            checksum.summary()
        );
        rates.push(rate);
    }
    let _ = std::fs::remove_dir_all(&read_models_dir);
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    println!(
        "median of {runs}: {median:.0} events/s ({:.2?} per million); {}",
        Duration::from_secs_f64(1e6 / median),
        peak_memory()
    );
    Ok(())
}

/// The kernel's account of this process's peak resident set.
fn peak_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .map_or("?".to_owned(), |line| line[name.len()..].trim().to_owned())
    };
    format!("peak RSS (VmHWM) {}", field("VmHWM:"))
}
