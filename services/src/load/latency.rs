//! Latency percentiles, exact: every sample is kept (4 bytes each; a 60 s run at 20k/s is
//! under 5 MB) and sorted once at the end.

use std::time::Duration;

use serde::Serialize;

#[derive(Debug, Default)]
pub struct Latencies {
    micros: Vec<u32>,
}

/// The summary the load tool prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Percentiles {
    pub count: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Latencies {
    pub fn record(&mut self, latency: Duration) {
        self.micros.push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
    }

    pub fn percentiles(&mut self) -> Percentiles {
        self.micros.sort_unstable();
        // Nearest rank: the smallest sample at or above the fraction of all samples.
        let at = |fraction: f64| -> f64 {
            if self.micros.is_empty() {
                return 0.0;
            }
            let rank = (fraction * self.micros.len() as f64).ceil() as usize;
            f64::from(self.micros[rank.clamp(1, self.micros.len()) - 1]) / 1000.0
        };
        Percentiles {
            count: self.micros.len(),
            p50_ms: at(0.50),
            p90_ms: at(0.90),
            p99_ms: at(0.99),
            p999_ms: at(0.999),
            max_ms: at(1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_over_every_sample() {
        let mut latencies = Latencies::default();
        for micros in (1..=1000).rev() {
            latencies.record(Duration::from_micros(micros));
        }
        let p = latencies.percentiles();
        assert_eq!(
            (p.count, p.p50_ms, p.p99_ms, p.p999_ms, p.max_ms),
            (1000, 0.5, 0.99, 0.999, 1.0)
        );
        assert_eq!(Latencies::default().percentiles().p99_ms, 0.0);
    }
}
