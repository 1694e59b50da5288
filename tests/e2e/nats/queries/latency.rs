//! Round-trip times of two typical queries, one request at a time over loopback: a point read
//! (customer360) and an aggregate over every opportunity (funnel). Printed for BENCHMARKS.md:
//!
//! ```text
//! LTC_QUERY_ROUNDS=2000 cargo test --release -p ltc-tests --test e2e latency -- --nocapture
//! ```
//!
//! Estimate first: a bare NATS request-reply is ≈ 0.2 ms p50 here (shared/NATS.md); a query adds
//! a hop to the blocking pool (some µs), a pooled connection, one read transaction with a
//! checkpoint read, the query itself (customer360: a dozen indexed look-ups; funnel: a scan of
//! the small history's opportunities) and a few kB of JSON. So ≈ 0.3–0.6 ms p50 in release.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::World;

/// Rounds per query; the test suite runs few, a measurement many.
fn rounds() -> usize {
    std::env::var("LTC_QUERY_ROUNDS").ok().and_then(|text| text.parse().ok()).unwrap_or(50)
}

#[tokio::test]
async fn customer360_and_funnel_round_trips_are_timed_and_every_answer_is_the_same() {
    let world = World::new().await;
    let customer_id = world.first_customer().await;
    let cases = [
        // Without `as_of`: a past business date rebuilds the customer's undated rows up to it,
        // which is a replay, not the point read measured here.
        ("customer360", json!({"customer_id": customer_id})),
        ("funnel", json!({"by": "rep", "period": "month"})),
    ];
    for (model, body) in cases {
        let subject = format!("ltc.qry.{model}");
        let body = bytes::Bytes::from(body.to_string());
        let first = world.client.request(subject.clone(), body.clone()).await.expect("a reply");
        let first: Value = serde_json::from_slice(&first.payload).expect("JSON");
        assert_eq!(first["ok"], true, "{first}");
        let mut times = Vec::with_capacity(rounds());
        for _ in 0..rounds() {
            let started = Instant::now();
            let reply = world.client.request(subject.clone(), body.clone()).await.expect("reply");
            times.push(started.elapsed());
            let reply: Value = serde_json::from_slice(&reply.payload).expect("JSON");
            assert_eq!(reply, first, "the same question gets the same answer");
        }
        times.sort_unstable();
        let bytes = first.to_string().len();
        eprintln!(
            "ltc.qry.{model}: {} rounds, reply {bytes} B, p50 {} p99 {} max {}",
            times.len(),
            micros(percentile(&times, 50)),
            micros(percentile(&times, 99)),
            micros(*times.last().expect("rounds")),
        );
    }
}

fn percentile(sorted: &[Duration], pct: usize) -> Duration {
    let idx = (sorted.len() * pct).div_ceil(100).saturating_sub(1);
    sorted[idx.min(sorted.len() - 1)]
}

fn micros(duration: Duration) -> String {
    format!("{:.0} µs", duration.as_secs_f64() * 1e6)
}
