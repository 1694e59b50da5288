//! The durable-commit latency floor under the NATS benchmark's load: the event store alone, with
//! no NATS, no JSON and no domain, answering one-event appends that arrive open loop at a fixed
//! rate. Issue 5 asks for a command round trip over NATS with p99 ≤ 2 ms at 5k commands/s; a
//! command's append is one part of that round trip, so what this measures is a floor under it.
//!
//! ```sh
//! cargo run --release -p ltc-benches --bin commit_latency -- 5000 10      # RATE SECONDS
//! cargo run --release -p ltc-benches --bin commit_latency -- 5000 10 normal
//! ```
//!
//! Estimate: at 5k appends/s a group commit takes what queued while the last one synced. A
//! commit of a few events writes ≈ 3 pages each (BENCHMARKS.md, "What a commit writes") and
//! waits for one fsync, p50 ≈ 0.1–0.4 ms on this disk, so the p50 is about two commits, ≈ 0.5 ms.
//! The p99 follows the disk's own fsync tail, measured by the probe printed first (0.2–4 ms
//! in earlier runs): an append that arrives while a slow sync is under way waits for it and then
//! for its own.
//!
//! Each append goes to a stream of its own, as a capture does, with a 150-byte payload; latency
//! counts from the append's due time, so a store that falls behind shows it. Every append's
//! outcome is checked, and the run ends by checking that the log holds exactly the appends sent.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ltc_benches::fixture::{IdSource, append_request, probe_fsync};
use ltc_eventstore::{Durability, EventStore, ExpectedVersion, StoreOptions};
use ltc_services::load::Pacer;

const USAGE: &str = "usage: commit_latency RATE SECONDS [full|normal]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [rate, seconds] => parse(rate, seconds, "full"),
        [rate, seconds, durability] => parse(rate, seconds, durability),
        _ => None,
    };
    let Some((rate, seconds, durability)) = parsed else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let probe = probe_fsync(200).expect("the fsync probe runs in a temporary directory");
    println!(
        "fsync probe (200 rounds of 4 KiB): overwrite+fsync p50 {:?} p99 {:?}; append+fsync p50 {:?}",
        probe.overwrite_p50, probe.overwrite_p99, probe.append_p50
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let report = runtime.block_on(run(rate, Duration::from_secs(seconds), durability));
    println!(
        "{durability:?}, {rate} appends/s for {seconds} s: {} appends, {:.0}/s achieved; \
         latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
        report.sorted_micros.len(),
        report.achieved_per_second,
        report.percentile_ms(0.50),
        report.percentile_ms(0.90),
        report.percentile_ms(0.99),
        report.percentile_ms(0.999),
        report.percentile_ms(1.0),
    );
}

fn parse(rate: &str, seconds: &str, durability: &str) -> Option<(u32, u64, Durability)> {
    let durability = match durability {
        "full" => Durability::Full,
        "normal" => Durability::Normal,
        _ => return None,
    };
    Some((
        rate.parse().ok().filter(|r| *r > 0)?,
        seconds.parse().ok().filter(|s| *s > 0)?,
        durability,
    ))
}

struct Report {
    sorted_micros: Vec<u64>,
    achieved_per_second: f64,
}

impl Report {
    fn percentile_ms(&self, quantile: f64) -> f64 {
        let last = self.sorted_micros.len().saturating_sub(1);
        let idx = ((last as f64) * quantile).round() as usize;
        self.sorted_micros.get(idx).map_or(f64::NAN, |micros| *micros as f64 / 1000.0)
    }
}

async fn run(rate: u32, duration: Duration, durability: Durability) -> Report {
    let dir = tempfile::tempdir_in(".").expect("a temporary directory beside the working one");
    let options = StoreOptions { durability, ..StoreOptions::default() };
    let store = EventStore::open(dir.path().join("events.db"), options).expect("a new store opens");
    let ids = Arc::new(IdSource::default());
    let total = u64::from(rate) * duration.as_secs();
    let interval = Duration::from_secs(1) / rate;
    let started = Instant::now();
    // Paced by a thread of its own, as `ltc load` is: tokio's millisecond timer would add up to
    // 1 ms of the generator's own to every latency.
    let mut pacer = Pacer::start(started, interval, total).expect("the pacing thread starts");
    let mut tasks = Vec::with_capacity(total as usize);
    let mut idx = 0;
    while let Some(due) = pacer.next().await {
        idx += 1;
        let (store, ids) = (store.clone(), ids.clone());
        tasks.push(tokio::spawn(async move {
            let stream = ids.stream();
            let request = append_request(&ids, &stream, idx, 1, 1, ExpectedVersion::NoStream);
            let outcome = store.append(request).await.expect("an append to a new stream succeeds");
            assert!(!outcome.duplicate, "every append has a new command id");
            u64::try_from(due.elapsed().as_micros()).unwrap_or(u64::MAX)
        }));
    }
    let mut sorted_micros = Vec::with_capacity(tasks.len());
    for task in tasks {
        sorted_micros.push(task.await.expect("an append task finishes"));
    }
    let elapsed = started.elapsed();
    sorted_micros.sort_unstable();
    assert_eq!(store.head().position, total, "the log holds exactly the appends sent");
    Report { sorted_micros, achieved_per_second: total as f64 / elapsed.as_secs_f64() }
}
