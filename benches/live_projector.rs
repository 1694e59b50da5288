//! What the live projector spends per event: every read model kept up with a log in small
//! batches, the way `ltc serve` follows the store or JetStream (WAL, `synchronous=NORMAL`, a
//! commit per batch, a checkpoint every 4 MiB), without NATS, the command path or a second
//! process sharing the cores. So its CPU per event can be compared from build to build, where a
//! `ltc load --lag` run moves with whatever else the two cores do.
//!
//! ```sh
//! ltc demo --data /tmp/ltc-medium --scale medium          # or rebuild_at_scale make-log
//! cargo run --release -p ltc-benches --bin live_projector -- /tmp/ltc-medium 16 [1024 [PROJECTION]]
//! ```
//!
//! `DIR BATCH [CHECKPOINT_PAGES [PROJECTION]]`: applies the whole log of `DIR/events.db` to a
//! fresh read-model directory (`DIR/bench-live-read-models`, removed at the end) in batches of
//! BATCH events (a WAL checkpoint every CHECKPOINT_PAGES, 1024 as live by default), and
//! prints events/s, CPU per event (user and system), bytes written per event and per batch, and a
//! checksum of what was built, which must not change with BATCH.
//!
//! Estimate: a rebuild of the medium history spends ≈ 65 µs of CPU per event with no journal and
//! 64k-event batches (≈ 21 µs at 5M events, measured on a faster day). A live batch also writes
//! every page it dirtied to the WAL and later back to the database, and the keys are random
//! (UUIDs), so few pages are shared between events: at ~12 pages of 4 KiB per event that is
//! ≈ 50 KB written per event. Expect 100–150 µs per event at BATCH 16 (BENCHMARKS.md, "What
//! keeping the read models up costs per event", has what it measured).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use ltc_benches::read_model_checksum::ReadModelChecksum;
use ltc_eventstore::{EventStore, Position, StoreOptions, SystemClock};
use ltc_projections::{FeedState, HistoryFeed, Projector, ProjectorOptions, ReadModels};
use ltc_services::read_models::{projection_named, projections};

const USAGE: &str = "usage: live_projector DIR BATCH [CHECKPOINT_PAGES [PROJECTION]]";

/// The allocator `ltc` ships with (services/src/main.rs), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |index: usize| args.get(index).map(|arg| arg.parse::<u32>());
    let pages = number(2).unwrap_or(Ok(ProjectorOptions::default().wal_checkpoint_pages));
    let result = match (args.first(), number(1), pages) {
        (Some(dir), Some(Ok(batch)), Ok(pages)) if batch > 0 => {
            let options =
                ProjectorOptions { batch_events: batch as usize, wal_checkpoint_pages: pages };
            follow(Path::new(dir), options, args.get(3).map(String::as_str))
        }
        _ => Err(USAGE.to_owned()),
    };
    if let Err(message) = result {
        eprintln!("{message}");
        std::process::exit(2);
    }
}

fn follow(dir: &Path, options: ProjectorOptions, only: Option<&str>) -> Result<(), String> {
    let store = EventStore::open(dir.join("events.db"), StoreOptions::default())
        .map_err(|error| error.to_string())?;
    let head = store.head().position;
    let read_models_dir = dir.join("bench-live-read-models");
    let _ = std::fs::remove_dir_all(&read_models_dir);
    let read_models =
        ReadModels::open(&read_models_dir, Arc::new(SystemClock)).map_err(|e| e.to_string())?;
    let chosen = match only {
        Some(name) => vec![projection_named(name).map_err(|error| error.to_string())?],
        None => projections(),
    };
    let mut projector =
        Projector::open(store.clone(), &read_models, chosen, options).map_err(|e| e.to_string())?;
    let mut feed =
        HistoryFeed::new(&store, Position(1), Position(head)).map_err(|e| e.to_string())?;

    let (cpu_before, written_before) = (cpu_seconds(), bytes_written());
    let started = Instant::now();
    let (mut applied, mut batches) = (0u64, 0u64);
    loop {
        let outcome = projector.apply_batch(&mut feed, false).map_err(|e| e.to_string())?;
        applied += outcome.applied;
        batches += u64::from(outcome.applied > 0);
        if outcome.feed != FeedState::Busy {
            break;
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let ((user, system), written) = (cpu_seconds(), bytes_written() - written_before);
    let (user, system) = (user - cpu_before.0, system - cpu_before.1);
    if applied != head {
        return Err(format!("applied {applied} events of {head}"));
    }
    let per_event = |seconds: f64| seconds * 1e6 / applied as f64;
    println!(
        "{applied} events in {batches} batches of ≤ {}, a WAL checkpoint every {} pages: \
         {wall:.2} s, {:.0} events/s",
        options.batch_events,
        options.wal_checkpoint_pages,
        applied as f64 / wall
    );
    println!(
        "CPU per event {:.1} µs (user {:.1}, system {:.1}); written {:.1} KB per event, {:.0} KB per batch",
        per_event(user + system),
        per_event(user),
        per_event(system),
        written as f64 / 1e3 / applied as f64,
        written as f64 / 1e3 / batches as f64,
    );
    drop(projector);
    let reader = read_models.reader().map_err(|error| error.to_string())?;
    let checksum = ReadModelChecksum::of(&reader).map_err(|error| error.to_string())?;
    println!("{}", checksum.summary());
    drop(reader);
    std::fs::remove_dir_all(&read_models_dir).map_err(|error| error.to_string())
}

/// This process's user and system CPU seconds so far.
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which may hold spaces) start after its ')'.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split(' ').collect();
    let ticks = |index: usize| fields.get(index).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are the 14th and 15th fields; `rest` starts with a space before the 3rd.
    (ticks(12) / 100.0, ticks(13) / 100.0)
}

/// Bytes this process caused to be written to storage so far (`/proc/self/io`).
fn bytes_written() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    io.lines()
        .find_map(|line| line.strip_prefix("write_bytes: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}
