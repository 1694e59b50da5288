//! Criterion benchmarks of the event store: durable append throughput for 1, 16 and 64
//! concurrent appenders with group commit on and off, `read_all` with payload decoding, and
//! `read_stream` latency, whose p50/p99/p99.9 this binary measures itself after criterion's
//! groups. Sizes follow [`Sizes::from_args`]: real under `cargo bench`, tiny under `cargo test`.
//!
//! Every benchmark prints a checksum of what it computed beside criterion's timing, and asserts
//! it, so a change that makes a benchmark faster by changing its answer fails instead.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use ltc_benches::append::{AppendConfig, print_append_ratios};
use ltc_benches::fixture::{
    FsyncProbe, IdSource, OpportunityOpened, Prefilled, TempStore, amount_minor, append_request,
    prefill, probe_fsync,
};
use ltc_benches::{Sizes, SplitMix64, per_second, percentile};
use ltc_eventstore::{Durability, EventStore, ExpectedVersion, Position, StreamId, codec};
use tokio::runtime::Runtime;

/// Seed of the random stream choice in `read_stream`; change it to see another sample.
const READ_STREAM_SEED: u64 = 0x17C0_5EED;

fn main() {
    let run_started = Instant::now();
    let sizes = Sizes::from_args();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let probe = probe_fsync(sizes.fsync_probe_rounds).expect("the fsync probe's temporary file");
    println!(
        "sizes: {}; tokio workers: {}",
        if sizes.full { "full (cargo bench)" } else { "tiny (criterion test mode)" },
        runtime.metrics().num_workers()
    );
    println!(
        "fsync probe ({} rounds of 4 KiB): overwrite+fsync p50 {:?} p99 {:?}; \
         append+fsync p50 {:?}",
        probe.rounds, probe.overwrite_p50, probe.overwrite_p99, probe.append_p50
    );

    let mut criterion = Criterion::default().configure_from_args();
    bench_append(&mut criterion, &runtime, &sizes, &probe);
    bench_read_all(&mut criterion, &runtime, &sizes);
    let read_stream_store = prefill(
        &runtime,
        sizes.read_stream_streams,
        sizes.read_stream_events_per_stream,
        sizes.read_stream_events_per_stream,
    );
    print_prefill("read_stream", &read_stream_store);
    bench_read_stream(&mut criterion, &read_stream_store, &sizes);
    criterion.final_summary();
    read_stream_percentiles(&read_stream_store, &sizes);
    println!("total run time {:.1?}", run_started.elapsed());
}

/// What one configuration's appends added up to, over every sample criterion took.
#[derive(Debug, Default)]
struct AppendTally {
    n_events: u64,
    elapsed: Duration,
    position_sum: u128,
}

// Durable append throughput, one ~150-byte payload (~330 bytes of row) per append.
//
// Estimate (fsync ≈ 170 µs, writer CPU ≈ 25 µs per append, see `AppendConfig::estimate`):
// - commit each append, any concurrency: 1 / 195 µs ≈ 5.1k events/s (c = 1 also pays two
//   thread wake-ups, ~4.5k/s). WAL write per commit: ~4 dirty pages (table, two indexes,
//   commands) ≈ 16 KiB for 330 bytes of data.
// - group commit, c = 16: 16 / (2·170 + 16·25 µs) ≈ 22k events/s.
// - group commit, c = 64: 64 / (2·170 + 64·25 µs) ≈ 33k events/s; the writer's CPU, not the
//   disk, is then most of the time (1.6 ms of 1.9 ms per two batches).
// - NORMAL, c = 64: no fsync per commit, 1 / 25 µs ≈ 40k events/s, the writer thread's CPU.
// Bytes per event on disk: ~330 row + ~60 in two indexes + ~90 commands row + page slack
// ≈ 500.
fn bench_append(criterion: &mut Criterion, runtime: &Runtime, sizes: &Sizes, probe: &FsyncProbe) {
    let mut configs = Vec::new();
    for group_commit in [true, false] {
        for concurrency in sizes.append_concurrency {
            configs.push(AppendConfig {
                durability: Durability::Full,
                group_commit,
                concurrency,
                events_per_append: 1,
            });
        }
    }
    configs.push(AppendConfig {
        durability: Durability::Normal,
        group_commit: true,
        concurrency: 64,
        events_per_append: 1,
    });
    configs.push(AppendConfig {
        durability: Durability::Full,
        group_commit: true,
        concurrency: 64,
        events_per_append: 4,
    });
    // Enough appenders that the queue is never empty: what the writer alone can do.
    configs.push(AppendConfig {
        durability: Durability::Full,
        group_commit: true,
        concurrency: 1024,
        events_per_append: 1,
    });

    let mut group = criterion.benchmark_group("append");
    // Each sample spawns its appenders afresh; flat sampling keeps every sample long enough
    // that the ramp-up and the tail (appenders finishing at different times) stay small.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(sizes.warm_up_time)
        .measurement_time(sizes.append_measurement_time);
    let mut measured = Vec::new();
    for config in configs {
        let temp = TempStore::new(config.durability, config.group_commit);
        let ids = Arc::new(IdSource::default());
        let mut streams: Vec<(StreamId, u64)> =
            (0..config.concurrency).map(|_| (ids.stream(), 0)).collect();
        let mut tally = AppendTally::default();
        // One iteration is one append by each appender, so criterion's elements/s is events/s.
        group.throughput(Throughput::Elements(config.concurrency * config.events_per_append));
        group.bench_function(BenchmarkId::new(config.label(), config.concurrency), |bencher| {
            bencher.iter_custom(|iters| {
                append_round(
                    runtime,
                    &temp.store,
                    &ids,
                    &mut streams,
                    (iters, config.events_per_append),
                    &mut tally,
                )
            })
        });
        if tally.n_events == 0 {
            continue; // Filtered out by criterion.
        }
        let n = tally.n_events;
        assert_eq!(temp.store.head().position, n, "every append landed exactly once");
        let position_sum_expected = u128::from(n) * u128::from(n + 1) / 2;
        assert_eq!(tally.position_sum, position_sum_expected, "positions are 1..=n, gap-free");
        let (_temp, disk) = temp.checkpoint_and_measure();
        println!(
            "append {}/{}: {n} events, Σposition {} (= n(n+1)/2); {:.0} bytes/event on disk \
             after checkpoint (db {} + wal {})",
            config.label(),
            config.concurrency,
            tally.position_sum,
            disk.bytes_per_event(n),
            disk.db_bytes,
            disk.wal_bytes,
        );
        let rate = per_second(n, tally.elapsed);
        if sizes.full {
            // In test mode one append per appender is no measurement; only the checks count.
            let estimate = config.estimate(probe.overwrite_p50);
            println!(
                "append {}/{}: mean over all samples {rate:.0} events/s; estimate {estimate:.0} \
                 from the measured fsync ({:.2}× the estimate)",
                config.label(),
                config.concurrency,
                rate / estimate,
            );
        }
        measured.push((config, rate));
    }
    group.finish();
    if sizes.full {
        print_append_ratios(&measured);
    }
}

/// One sample: each appender appends `iters` appends of `events_per_append` events to its own
/// stream.
fn append_round(
    runtime: &Runtime,
    store: &EventStore,
    ids: &Arc<IdSource>,
    streams: &mut [(StreamId, u64)],
    (iters, events_per_append): (u64, u64),
    tally: &mut AppendTally,
) -> Duration {
    let started = Instant::now();
    let results = runtime.block_on(async {
        let appenders: Vec<_> = streams
            .iter()
            .enumerate()
            .map(|(stream_idx, (stream, version))| {
                let (store, ids, stream) = (store.clone(), ids.clone(), stream.clone());
                let mut version = *version;
                tokio::spawn(async move {
                    let mut position_sum = 0u128;
                    for _ in 0..iters {
                        let expected = ExpectedVersion::Exact(version);
                        let request = append_request(
                            &ids,
                            &stream,
                            stream_idx as u64,
                            version + 1,
                            events_per_append,
                            expected,
                        );
                        let outcome = store.append(request).await.expect("a benchmark append");
                        assert_eq!(outcome.last_version, version + events_per_append);
                        version = outcome.last_version;
                        let (first, last) = (outcome.first_position.0, outcome.last_position.0);
                        position_sum += (u128::from(first)..=u128::from(last)).sum::<u128>();
                    }
                    (version, position_sum)
                })
            })
            .collect();
        let mut results = Vec::with_capacity(appenders.len());
        for appender in appenders {
            results.push(appender.await.expect("an appender task"));
        }
        results
    });
    let elapsed = started.elapsed();
    for ((_, version), (version_after, position_sum)) in streams.iter_mut().zip(results) {
        *version = version_after;
        tally.position_sum += position_sum;
    }
    tally.n_events += iters * events_per_append * streams.len() as u64;
    tally.elapsed += elapsed;
    elapsed
}

// `read_all` from the start, decoding every payload.
//
// Estimate: per event SQLite steps a 17-column row (~1 µs), `row_to_event` makes ~7 small
// allocations and parses 3 UUIDs (~0.5 µs), bincode decodes 4 strings (~0.3 µs), and the
// envelope is dropped (~0.2 µs): ~2 µs, so ~500k events/s; decoding is ~15% of it. Each page
// of 1024 rows is one query on the rowid, so paging costs nothing noticeable. The ~110 MB
// file is in the OS page cache after the prefill, so this is CPU, not disk.
fn bench_read_all(criterion: &mut Criterion, runtime: &Runtime, sizes: &Sizes) {
    let prefilled = prefill(runtime, sizes.read_all_streams, sizes.read_all_events_per_stream, 256);
    print_prefill("read_all", &prefilled);
    let store = &prefilled.temp.store;
    let n = prefilled.n_events;
    let mut group = criterion.benchmark_group("read_all");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(sizes.warm_up_time)
        .measurement_time(sizes.read_measurement_time)
        .throughput(Throughput::Elements(n));
    // The peer: the same walk without decoding payloads, so the ratio is decode's share.
    let mut position_sum = None;
    group.bench_function("envelopes", |bencher| {
        bencher.iter_custom(|iters| {
            let started = Instant::now();
            for _ in 0..iters {
                position_sum = Some(read_all_positions(store));
            }
            started.elapsed()
        })
    });
    let mut amount_sum = None;
    group.bench_function("envelopes_and_decode", |bencher| {
        bencher.iter_custom(|iters| {
            let started = Instant::now();
            for _ in 0..iters {
                amount_sum = Some(read_all_amounts(store));
            }
            started.elapsed()
        })
    });
    group.finish();
    // `None` when criterion's filter skipped the benchmark.
    if let Some(position_sum) = position_sum {
        assert_eq!(position_sum, u128::from(n) * u128::from(n + 1) / 2, "positions 1..=n, once");
        println!("read_all envelopes: {n} events, Σposition {position_sum} (= n(n+1)/2)");
    }
    if let Some(amount_sum) = amount_sum {
        assert_eq!(amount_sum, prefilled.amount_sum, "read_all decoded every amount written");
        println!("read_all decode: {n} events, Σamount_minor {amount_sum} (as written)");
    }
}

fn read_all_positions(store: &EventStore) -> u128 {
    let mut position_sum = 0u128;
    for event in store.read_all(Position::START, u64::MAX) {
        let event = event.expect("read_all");
        position_sum += u128::from(black_box(&event).position.0);
    }
    position_sum
}

fn read_all_amounts(store: &EventStore) -> i64 {
    let mut amount_sum = 0i64;
    for event in store.read_all(Position::START, u64::MAX) {
        let event = event.expect("read_all");
        let payload: OpportunityOpened =
            codec::decode(event.codec, &event.payload).expect("a benchmark payload decodes");
        amount_sum += black_box(payload).amount_minor;
    }
    amount_sum
}

// `read_stream` of a random stream of 10 events in a 1M-event store.
//
// Estimate: one seek in `events_by_stream` (depth 3; its interior pages stay in the reader's
// 16 MiB cache) and 10 rowid lookups in `events` (depth 3). The ~500 MB file is 30× the
// reader's page cache, so the leaf pages come from the OS page cache: ~2 preads of 4 KiB at
// ~2 µs, since the prefill put a stream's 10 rows side by side. Then 10 × `row_to_event`
// (~1 µs) and the pool's mutex: p50 ≈ 20 µs. p99 ≈ 60 µs and p99.9 ≈ 200 µs, from
// preemption on 2 cores shared with compilers rather than from the store. The peer,
// `stream_version`, is the index seek alone: ~5 µs, so read_stream/stream_version ≈ 4×.
fn bench_read_stream(criterion: &mut Criterion, prefilled: &Prefilled, sizes: &Sizes) {
    let store = &prefilled.temp.store;
    let streams = &prefilled.streams;
    let mut group = criterion.benchmark_group("read_stream");
    group
        .sample_size(50)
        .warm_up_time(sizes.warm_up_time)
        .measurement_time(sizes.read_measurement_time);
    let mut rng = SplitMix64::new(READ_STREAM_SEED);
    let (mut n_reads, mut n_events) = (0u64, 0u64);
    group.bench_function("random_stream", |bencher| {
        bencher.iter_custom(|iters| {
            let started = Instant::now();
            for _ in 0..iters {
                let stream = &streams[rng.below(streams.len() as u64) as usize];
                let events = store.read_stream(stream, 1).expect("read_stream");
                n_events += black_box(events).len() as u64;
            }
            n_reads += iters;
            started.elapsed()
        })
    });
    let (mut n_version_reads, mut version_sum) = (0u64, 0u64);
    group.bench_function("random_stream_version", |bencher| {
        bencher.iter_custom(|iters| {
            let started = Instant::now();
            for _ in 0..iters {
                let stream = &streams[rng.below(streams.len() as u64) as usize];
                version_sum += black_box(store.stream_version(stream).expect("stream_version"));
            }
            n_version_reads += iters;
            started.elapsed()
        })
    });
    group.finish();
    let events_per_stream = sizes.read_stream_events_per_stream;
    assert_eq!(n_events, n_reads * events_per_stream, "every stream read back whole");
    assert_eq!(version_sum, n_version_reads * events_per_stream, "every version is the length");
    println!("read_stream (criterion): {n_reads} reads returned {n_events} events");
}

/// Times random `read_stream` calls one at a time and prints the percentiles criterion does
/// not give, beside `stream_version` as the peer. Decoding and checking happen outside the
/// timed call.
fn read_stream_percentiles(prefilled: &Prefilled, sizes: &Sizes) {
    let store = &prefilled.temp.store;
    let streams = &prefilled.streams;
    let n_samples = sizes.read_stream_samples;
    let mut rng = SplitMix64::new(READ_STREAM_SEED);
    let mut latencies = Vec::with_capacity(n_samples as usize);
    let (mut amount_sum, mut amount_sum_expected) = (0i64, 0i64);
    let started = Instant::now();
    for _ in 0..n_samples {
        let stream_idx = rng.below(streams.len() as u64);
        let call_started = Instant::now();
        let events = store.read_stream(&streams[stream_idx as usize], 1).expect("read_stream");
        latencies.push(call_started.elapsed());
        assert_eq!(events.len() as u64, sizes.read_stream_events_per_stream);
        for (event, version) in events.iter().zip(1..) {
            assert_eq!(event.version, version);
            let payload: OpportunityOpened =
                codec::decode(event.codec, &event.payload).expect("a benchmark payload decodes");
            amount_sum += payload.amount_minor;
            amount_sum_expected += amount_minor(stream_idx, version);
        }
    }
    let wall = started.elapsed();
    assert_eq!(amount_sum, amount_sum_expected, "read_stream returned what was written");

    let mut peer = Vec::with_capacity(n_samples as usize);
    for _ in 0..n_samples {
        let stream = &streams[rng.below(streams.len() as u64) as usize];
        let call_started = Instant::now();
        let version = store.stream_version(stream).expect("stream_version");
        peer.push(call_started.elapsed());
        assert_eq!(version, sizes.read_stream_events_per_stream);
    }

    latencies.sort();
    peer.sort();
    let p50 = percentile(&latencies, 0.5);
    println!(
        "read_stream percentiles: {n_samples} random reads of {} events from {} streams \
         (seed {READ_STREAM_SEED:#x}, {:.1?} in all): p50 {:.1?} p99 {:.1?} p99.9 {:.1?} \
         max {:.1?}; Σamount_minor {amount_sum}",
        sizes.read_stream_events_per_stream,
        streams.len(),
        wall,
        p50,
        percentile(&latencies, 0.99),
        percentile(&latencies, 0.999),
        percentile(&latencies, 1.0),
    );
    let peer_p50 = percentile(&peer, 0.5);
    println!(
        "stream_version percentiles (peer): p50 {:.1?} p99 {:.1?}; read_stream/stream_version \
         at p50 = {:.1}×",
        peer_p50,
        percentile(&peer, 0.99),
        p50.as_secs_f64() / peer_p50.as_secs_f64(),
    );
}

fn print_prefill(name: &str, prefilled: &Prefilled) {
    println!(
        "{name} store: {} events in {} streams, filled in {:.1?} ({:.0} events/s, NORMAL); \
         {:.0} bytes/event on disk after checkpoint (db {} + wal {})",
        prefilled.n_events,
        prefilled.streams.len(),
        prefilled.fill_time,
        per_second(prefilled.n_events, prefilled.fill_time),
        prefilled.disk.bytes_per_event(prefilled.n_events),
        prefilled.disk.db_bytes,
        prefilled.disk.wal_bytes,
    );
}
