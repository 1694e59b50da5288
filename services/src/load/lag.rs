//! Projection lag as a dashboard feels it: from a command's reply (its events are durable) to
//! the moment the query service answers from read models that include them. A poller asks
//! `ltc.qry.events` (the cheapest query) for its position every few milliseconds; each
//! acknowledged position it passes yields one sample. The poll interval bounds the resolution.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::Client;

use super::latency::Latencies;

/// How often the poller asks for the read models' position.
pub const POLL_INTERVAL: Duration = Duration::from_millis(2);

/// Acknowledged positions not yet seen in the read models, and the samples so far.
#[derive(Debug, Default)]
pub struct LagProbe {
    pending: Mutex<BTreeMap<u64, Instant>>,
    samples: Mutex<Latencies>,
}

impl LagProbe {
    /// A command's reply said its last event is at `position`.
    pub fn acknowledged(&self, position: u64) {
        self.pending.lock().expect("lag lock").insert(position, Instant::now());
    }

    /// Polls until `stop` and then until nothing is pending (at most `drain` longer).
    pub async fn poll(
        self: Arc<Self>,
        client: Client,
        stop: tokio::sync::watch::Receiver<bool>,
        drain: Duration,
    ) {
        let mut drained_since: Option<Instant> = None;
        loop {
            if *stop.borrow() {
                let since = *drained_since.get_or_insert_with(Instant::now);
                if self.pending.lock().expect("lag lock").is_empty() || since.elapsed() > drain {
                    return;
                }
            }
            if let Ok(reply) = client.request("ltc.qry.events", "{}".into()).await {
                let seen = Instant::now();
                let reply: serde_json::Value =
                    serde_json::from_slice(&reply.payload).unwrap_or_default();
                if let Some(position) = reply["position"].as_u64() {
                    let mut pending = self.pending.lock().expect("lag lock");
                    let later = pending.split_off(&(position + 1));
                    let passed = std::mem::replace(&mut *pending, later);
                    drop(pending);
                    let mut samples = self.samples.lock().expect("lag lock");
                    for acknowledged in passed.into_values() {
                        samples.record(seen.saturating_duration_since(acknowledged));
                    }
                }
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    pub fn percentiles(&self) -> super::Percentiles {
        self.samples.lock().expect("lag lock").percentiles()
    }

    /// Acknowledged positions the read models never showed (within the drain time).
    pub fn unseen(&self) -> usize {
        self.pending.lock().expect("lag lock").len()
    }
}
