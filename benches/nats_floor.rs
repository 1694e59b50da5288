//! The floor under the NATS command benchmark (`ltc_benches::nats_floor`): a service that does
//! only what every durable command service must, run in place of `ltc serve --role command`.
//!
//! ```sh
//! cargo run --release -p ltc-benches --bin nats_floor -- nats://127.0.0.1:14222 DIR [full|normal|none]
//! benches/scripts/nats-load.sh 5000 floor          # under `ltc load`, with its CPU
//! FLOOR_MODE=none benches/scripts/nats-load.sh 5000 floor
//! ```
//!
//! Estimate: per request, async-nats' connection task reads and writes one message each
//! (≈ 10 µs, from `ltc serve`'s profile), the micro endpoint and a task ≈ 5 µs, and the store's
//! writer ≈ 17 µs of CPU per event plus its share of a commit's WAL pages and fsync (≈ 10 µs at
//! thousands per second): ≈ 40 µs, against 106–187 µs for `ltc serve --role command`. With
//! nats-server's ≈ 26 µs and the generator's ≈ 31 µs per command, two cores would give ≈ 20k/s.
//! Latency at 5k/s: two NATS hops each way (p99 0.4–1 ms bare) plus the store's own p99 at that
//! rate (1.4–3.4 ms, `commit_latency`), so a p99 of ≈ 2–4 ms.

use ltc_benches::nats_floor::{FloorMode, start};
use ltc_eventstore::{Durability, EventStore, StoreOptions};
use ltc_services::nats::connect::{NatsOptions, connect};

const USAGE: &str = "usage: nats_floor NATS_URL DIR [full|normal|none]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [url, dir] => Some((url, dir, FloorMode::Full)),
        [url, dir, mode] => FloorMode::parse(mode).map(|mode| (url, dir, mode)),
        _ => None,
    };
    let Some((url, dir, mode)) = parsed else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let durability = match mode {
        FloorMode::Normal => Durability::Normal,
        FloorMode::Full | FloorMode::NoStore => Durability::Full,
    };
    let store = (mode != FloorMode::NoStore).then(|| {
        std::fs::create_dir_all(dir).expect("the floor's data directory can be created");
        let options = StoreOptions { durability, ..StoreOptions::default() };
        EventStore::open(std::path::Path::new(dir).join("events.db"), options)
            .expect("the floor's store opens")
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let client =
            connect(&NatsOptions::at(url.as_str())).await.expect("nats-server is reachable");
        let serving = start(client, store).await.expect("the floor's endpoint starts");
        println!("nats_floor ready ({mode:?})");
        serving.await.expect("the floor's loop ends cleanly");
    });
}
