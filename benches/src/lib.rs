//! Shared set-up of the benchmarks: the sizes a run uses, a seeded random source, percentiles,
//! and (in [`fixture`]) the payload, ids, prefilled stores and the measurements criterion does
//! not take (fsync time, bytes on disk).
//!
//! Sizes follow how the binary was started, so that no benchmark can rot:
//! - `cargo bench` passes `--bench`: real sizes ([`Sizes::FULL`]), a 1M-event store for
//!   `read_stream`, 256k events for `read_all`;
//! - `cargo test --benches` and `cargo test --workspace --all-targets` pass no `--bench`, and
//!   criterion then runs every benchmark once (its test mode): tiny sizes ([`Sizes::TINY`]), so
//!   the whole binary takes a few seconds and still checks every checksum;
//! - `cargo bench -- --test` is criterion's test mode too, and also gets tiny sizes.

pub mod append;
pub mod fixture;
pub mod nats_floor;
pub mod peer_ltc;
pub mod peer_table;
pub mod peer_workload;
pub mod read_model_checksum;
pub mod sqlite_floor;
pub mod tiled_log;

use std::time::Duration;

/// How big each benchmark's data is, and how long criterion measures.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// True for a real run; false in criterion's test mode.
    pub full: bool,
    /// Concurrent appenders, one stream each.
    pub append_concurrency: [u64; 3],
    /// The `read_all` store: this many streams of [`Sizes::read_all_events_per_stream`] events,
    /// each stream written by one append.
    pub read_all_streams: u64,
    pub read_all_events_per_stream: u64,
    /// The `read_stream` store: this many streams of [`Sizes::read_stream_events_per_stream`].
    pub read_stream_streams: u64,
    pub read_stream_events_per_stream: u64,
    /// Random `read_stream` calls timed one by one for the percentiles.
    pub read_stream_samples: u64,
    /// Write-and-fsync rounds of the fsync probe.
    pub fsync_probe_rounds: u32,
    pub warm_up_time: Duration,
    /// Criterion's measurement time for the append group, per configuration.
    pub append_measurement_time: Duration,
    pub read_measurement_time: Duration,
}

impl Sizes {
    pub const FULL: Sizes = Sizes {
        full: true,
        append_concurrency: [1, 16, 64],
        read_all_streams: 1024,
        read_all_events_per_stream: 256,
        read_stream_streams: 100_000,
        read_stream_events_per_stream: 10,
        read_stream_samples: 200_000,
        fsync_probe_rounds: 200,
        warm_up_time: Duration::from_secs(2),
        append_measurement_time: Duration::from_secs(10),
        read_measurement_time: Duration::from_secs(8),
    };

    /// Criterion's test mode runs each benchmark once, so only the set-up sizes matter here.
    pub const TINY: Sizes = Sizes {
        full: false,
        append_concurrency: [1, 16, 64],
        read_all_streams: 8,
        read_all_events_per_stream: 256,
        read_stream_streams: 200,
        read_stream_events_per_stream: 10,
        read_stream_samples: 2_000,
        fsync_probe_rounds: 10,
        warm_up_time: Duration::from_millis(100),
        append_measurement_time: Duration::from_millis(100),
        read_measurement_time: Duration::from_millis(100),
    };

    /// Chooses by the process's arguments: full sizes only when criterion will measure.
    pub fn from_args() -> Sizes {
        let args: Vec<String> = std::env::args().collect();
        let has = |flag: &str| args.iter().any(|arg| arg == flag);
        // Criterion measures only with `--bench` and without `--test` or `--list`; everything
        // else runs each benchmark once, or not at all.
        if has("--bench") && !has("--test") && !has("--list") { Sizes::FULL } else { Sizes::TINY }
    }

    pub fn read_all_events(&self) -> u64 {
        self.read_all_streams * self.read_all_events_per_stream
    }

    pub fn read_stream_events(&self) -> u64 {
        self.read_stream_streams * self.read_stream_events_per_stream
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a seeded generator good enough to pick streams, and
/// small enough to carry inline rather than depend on `rand`'s changing API.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.state)
    }

    /// Uniform in `0..bound` by Lemire's multiply-shift; the bias is below 2^-40 for the
    /// bounds used here.
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "below(0) has no value to return");
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }
}

/// SplitMix64's finaliser: a stateless hash of a `u64`, used to derive payload fields from
/// (stream, version) so any reader can recompute what a writer stored.
pub fn mix64(value: u64) -> u64 {
    let mut z = value;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The nearest-rank `quantile` (0 < quantile ≤ 1) of samples sorted ascending.
pub fn percentile(sorted: &[Duration], quantile: f64) -> Duration {
    assert!(!sorted.is_empty(), "a percentile of no samples");
    assert!(quantile > 0.0 && quantile <= 1.0, "quantile {quantile} is outside (0, 1]");
    assert!(sorted.windows(2).all(|pair| pair[0] <= pair[1]), "samples are not sorted");
    let rank = (quantile * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Events per second as a whole number, for printing.
pub fn per_second(n_events: u64, elapsed: Duration) -> f64 {
    n_events as f64 / elapsed.as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_nearest_rank() {
        let samples: Vec<Duration> = (1..=1000).map(Duration::from_micros).collect();
        assert_eq!(percentile(&samples, 0.5), Duration::from_micros(500));
        assert_eq!(percentile(&samples, 0.99), Duration::from_micros(990));
        assert_eq!(percentile(&samples, 0.999), Duration::from_micros(999));
        assert_eq!(percentile(&samples, 1.0), Duration::from_micros(1000));
    }

    #[test]
    fn splitmix64_is_reproducible_from_its_seed_and_stays_below_its_bound() {
        let mut first = SplitMix64::new(7);
        let mut second = SplitMix64::new(7);
        for _ in 0..1000 {
            let value = first.below(10);
            assert_eq!(value, second.below(10));
            assert!(value < 10);
        }
    }
}
