//! Criterion benchmark of the projection runtime: rebuilding [`EventCounts`] (two upserts per
//! event, no payload decoding) from a whole log into a fresh generation, beside its floor,
//! walking the same log with `read_all` and doing nothing else. Sizes follow [`Sizes::from_args`]:
//! 1M events under `cargo bench`, 2,000 under `cargo test`. Then (`rebuild_models/`) every read
//! model the `ltc` binary serves, rebuilt together from a tiled log of real domain events
//! ([`bench_rebuild_models`]): two copies of the medium history under `cargo bench`, two of the
//! small one under `cargo test`; the 5M-event run is the `rebuild_at_scale` binary.
//!
//! Every run prints a checksum (Σ events and Σ payload bytes per kind, as the read model holds
//! them) beside the timing and asserts it against what the store holds, so a faster rebuild that
//! counts differently fails. It also prints the process's peak resident memory.
//!
//! Estimate, per event, from first principles and `BENCHMARKS.md`:
//! - reading the envelope: `read_all` measured ~2.2 µs (≈ 450k events/s): a 17-column row, three
//!   UUIDs parsed and five allocations;
//! - applying: two `INSERT … ON CONFLICT DO UPDATE` through cached statements, one on a 3-row
//!   table that stays in cache, one on a 100k-row table whose B-tree pages mostly do too:
//!   ~0.6 + ~1.0 µs;
//! - the runner: a position check and a checkpoint kept in memory, written once per batch:
//!   ~0.05 µs; one commit per 4,096 events with `synchronous=OFF` is noise.
//!
//! On one thread that is ~3.8 µs per event, ~260k events/s. The rebuild's feed reads on a
//! thread of its own, a page ahead, so on two cores reading and applying overlap and the slower
//! of the two bounds it: 1 / max(2.2, 1.7) µs ≈ 450k events/s, just below the `read_all` floor
//! this benchmark measures beside it (so rebuild / floor ≈ 0.9 would be the overlap working).
//! The 500k events/s target of step 3 needs both sides faster than 2 µs. Memory: the read-model
//! connection's 32 MiB page cache, the store reader's 16 MiB, at most three pages of 1,024
//! envelopes (~1.5 MiB) between the threads, and the store's file mapped for reading (up to its
//! size, counted by the kernel as resident file pages, not heap).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use ltc_benches::fixture::{Prefilled, STREAM_KIND, prefill};
use ltc_benches::read_model_checksum::ReadModelChecksum;
use ltc_benches::tiled_log::BaseHistory;
use ltc_benches::{Sizes, per_second};
use ltc_eventstore::{Durability, EventStore, ManualClock, Position, StoreOptions, SystemClock};
use ltc_projections::{
    EventCounts, ProjectorOptions, ReadModels, RebuildOptions, RebuildScope, RebuildTarget, rebuild,
};
use ltc_services::client_ids::ClientIds;
use ltc_services::generator::Scale;

/// The log the rebuild replays: streams of ten events, each written by one append.
#[derive(Debug, Clone, Copy)]
struct RebuildSizes {
    n_streams: u64,
    events_per_stream: u64,
    measurement_time: Duration,
}

const FULL: RebuildSizes = RebuildSizes {
    n_streams: 100_000,
    events_per_stream: 10,
    measurement_time: Duration::from_secs(30),
};

const TINY: RebuildSizes = RebuildSizes {
    n_streams: 200,
    events_per_stream: 10,
    measurement_time: Duration::from_millis(100),
};

fn main() {
    let sizes = Sizes::from_args();
    let rebuild_sizes = if sizes.full { FULL } else { TINY };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let prefilled = prefill(
        &runtime,
        rebuild_sizes.n_streams,
        rebuild_sizes.events_per_stream,
        rebuild_sizes.events_per_stream,
    );
    let n = prefilled.n_events;
    println!(
        "rebuild store: {n} events in {} streams, filled in {:.1?}; {:.0} bytes/event on disk",
        prefilled.streams.len(),
        prefilled.fill_time,
        prefilled.disk.bytes_per_event(n),
    );
    let payload_bytes = payload_bytes(&prefilled.temp.store);
    let mut criterion = Criterion::default().configure_from_args();
    bench_rebuild(&mut criterion, &prefilled, payload_bytes, &sizes, rebuild_sizes);
    drop(prefilled);
    let models_sizes = if sizes.full { MODELS_FULL } else { MODELS_TINY };
    bench_rebuild_models(&mut criterion, &runtime, models_sizes);
    criterion.final_summary();
    println!("peak memory: {}", peak_memory());
}

fn bench_rebuild(
    criterion: &mut Criterion,
    prefilled: &Prefilled,
    payload_bytes: u64,
    sizes: &Sizes,
    rebuild_sizes: RebuildSizes,
) {
    let store = &prefilled.temp.store;
    let n = prefilled.n_events;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let read_models =
        ReadModels::open(dir.path().join("read_models"), Arc::new(SystemClock)).expect("open");
    let mut group = criterion.benchmark_group("rebuild");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(sizes.warm_up_time)
        .measurement_time(rebuild_sizes.measurement_time)
        .throughput(Throughput::Elements(n));

    let mut floor = None;
    group.bench_function("read_all_floor", |bencher| {
        bencher.iter_custom(|iters| {
            let started = Instant::now();
            for _ in 0..iters {
                floor = Some(walk(store));
            }
            started.elapsed()
        })
    });
    let mut counted = None;
    let (mut n_rebuilt, mut rebuild_time) = (0u64, Duration::ZERO);
    group.bench_function("event_counts", |bencher| {
        bencher.iter_custom(|iters| {
            let mut elapsed = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                let rebuilt = rebuild(
                    store,
                    &read_models,
                    vec![Box::new(EventCounts::default())],
                    RebuildOptions {
                        target: RebuildTarget::Head,
                        scope: RebuildScope::Everything,
                        runner: ProjectorOptions::default(),
                        predecoding: Some(ltc_projections::models::decode::PREDECODING),
                    },
                    &mut |progress| {
                        black_box(progress);
                    },
                )
                .expect("rebuild");
                elapsed += started.elapsed();
                n_rebuilt += rebuilt.events_applied;
                counted = Some(checksum(&rebuilt.reader().expect("reader")));
                // Each rebuild is a new generation; none is swapped in, so all are stale.
                read_models.remove_stale().expect("remove the rebuilt generation");
            }
            rebuild_time += elapsed;
            elapsed
        })
    });
    group.finish();

    // `None` when criterion's filter skipped the benchmark.
    if let Some(position_sum) = floor {
        assert_eq!(position_sum, u128::from(n) * u128::from(n + 1) / 2, "positions 1..=n, once");
        println!("rebuild read_all_floor: {n} events, Σposition {position_sum} (= n(n+1)/2)");
    }
    if let Some((n_events, bytes)) = counted {
        assert_eq!((n_events, bytes), (n, payload_bytes), "the read model counts what was written");
        println!(
            "rebuild event_counts: {n} events; read model holds kind {STREAM_KIND} n={n_events} \
             bytes={bytes} (as written)"
        );
        if sizes.full {
            println!(
                "rebuild event_counts: mean over all samples {:.0} events/s",
                per_second(n_rebuilt, rebuild_time)
            );
        }
    }
}

/// The log every read model is rebuilt from: a generated history tiled into copies
/// (`ltc_benches::tiled_log`), real domain events with every id remapped per copy.
#[derive(Debug, Clone, Copy)]
struct ModelsSizes {
    scale: Scale,
    copies: u32,
    measurement_time: Duration,
}

/// Two copies of the medium history: ~94k events, a few seconds a rebuild. The 5M-event run is
/// `rebuild_at_scale` (BENCHMARKS.md).
const MODELS_FULL: ModelsSizes =
    ModelsSizes { scale: Scale::Medium, copies: 2, measurement_time: Duration::from_secs(40) };

const MODELS_TINY: ModelsSizes =
    ModelsSizes { scale: Scale::Small, copies: 2, measurement_time: Duration::from_millis(100) };

/// Every read model the `ltc` binary serves, rebuilt together into a fresh generation, as
/// `ltc rebuild` does. Estimate (BENCHMARKS.md, "Read-model rebuilds"): the profile of the
/// medium history puts ~20 µs of SQLite work per event on the one writer before this step; split
/// over two threads of about equal cost, with no journal, the slower half bounds it at ~10 µs
/// plus the merge of the second file (~1 µs per event): ~90k events/s on two idle cores.
fn bench_rebuild_models(
    criterion: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    sizes: ModelsSizes,
) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let base = Arc::new(
        runtime
            .block_on(BaseHistory::generate(sizes.scale, 42, ClientIds::Random))
            .expect("the base history"),
    );
    let clock = Arc::new(ManualClock::new(chrono::DateTime::UNIX_EPOCH));
    let options = StoreOptions {
        durability: Durability::Normal,
        clock: clock.clone(),
        read_mmap_bytes: 0,
        ..StoreOptions::default()
    };
    let store = EventStore::open(dir.path().join("events.db"), options).expect("open the store");
    runtime.block_on(base.tile(&store, &clock, sizes.copies)).expect("tile the history");
    let n = store.head().position;
    assert_eq!(n, base.n_events * u64::from(sizes.copies), "every copy appended whole");
    let n_customers = base
        .appends
        .iter()
        .flat_map(|append| &append.events)
        .filter(|event| event.event_type == "CustomerCreated")
        .count() as i64;
    println!(
        "rebuild_models store: {} copies of the {:?} history, {n} events",
        sizes.copies, sizes.scale
    );
    let read_models =
        ReadModels::open(dir.path().join("read_models"), Arc::new(SystemClock)).expect("open");
    let mut group = criterion.benchmark_group("rebuild_models");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(sizes.measurement_time)
        .throughput(Throughput::Elements(n));
    let mut checksum = None;
    let (mut n_rebuilt, mut rebuild_time) = (0u64, Duration::ZERO);
    group.bench_function("all_models", |bencher| {
        bencher.iter_custom(|iters| {
            let mut elapsed = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                let rebuilt = rebuild(
                    &store,
                    &read_models,
                    ltc_services::read_models::projections(),
                    RebuildOptions {
                        target: RebuildTarget::Head,
                        scope: RebuildScope::Everything,
                        runner: ProjectorOptions::for_rebuild(),
                        predecoding: Some(ltc_projections::models::decode::PREDECODING),
                    },
                    &mut |progress| {
                        black_box(progress);
                    },
                )
                .expect("rebuild");
                elapsed += started.elapsed();
                n_rebuilt += rebuilt.events_applied;
                checksum = Some(
                    ReadModelChecksum::of(&rebuilt.reader().expect("reader")).expect("checksum"),
                );
                read_models.remove_stale().expect("remove the rebuilt generation");
            }
            rebuild_time += elapsed;
            elapsed
        })
    });
    group.finish();
    if let Some(checksum) = checksum {
        let customers = checksum.tables.get("c360_customers").map_or(0, |table| table.rows);
        assert_eq!(customers, n_customers * i64::from(sizes.copies), "each copy's customers");
        println!("rebuild_models all_models: {n} events; {}", checksum.summary());
        if n_rebuilt > 0 {
            println!(
                "rebuild_models all_models: mean over all samples {:.0} events/s",
                per_second(n_rebuilt, rebuild_time)
            );
        }
    }
}

/// The floor: every envelope read and dropped. Returns Σ position.
fn walk(store: &EventStore) -> u128 {
    let mut position_sum = 0u128;
    for event in store.read_all(Position::START, u64::MAX) {
        position_sum += u128::from(black_box(event.expect("read_all")).position.0);
    }
    position_sum
}

fn payload_bytes(store: &EventStore) -> u64 {
    store
        .read_all(Position::START, u64::MAX)
        .map(|event| event.expect("read_all").payload.len() as u64)
        .sum()
}

/// Σ events and Σ payload bytes over every kind, as the rebuilt read model holds them.
fn checksum(conn: &rusqlite::Connection) -> (u64, u64) {
    conn.query_row(
        "SELECT sum(n_events), sum(payload_bytes) FROM event_counts_by_kind",
        [],
        |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, i64>(1)? as u64)),
    )
    .expect("the rebuilt read model has counts")
}

/// The kernel's account of this process's peak resident set and its parts now.
fn peak_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .map_or("?".to_owned(), |line| line[name.len()..].trim().to_owned())
    };
    format!(
        "VmHWM {} (now: RssAnon {}, RssFile {})",
        field("VmHWM:"),
        field("RssAnon:"),
        field("RssFile:")
    )
}
