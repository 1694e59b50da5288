//! `ltc load`: an open-loop load generator for the command service. Requests go out at a fixed
//! rate whatever the replies do, and each latency is measured from the moment its request was
//! *due*, not from when it was sent: a service that falls behind shows it in the percentiles
//! instead of slowing the generator down (the coordinated-omission trap of closed loops).
//!
//! - `flow.rs`: the commands, nine per prospect, in order, over many prospects.
//! - `latency.rs`: exact percentiles.
//! - `lag.rs`: projection lag, reply to read model, sampled through the query service.
//! - `pacer.rs`: due times handed over on time (tokio's timer would add up to 1 ms).

mod flow;
mod lag;
mod latency;
mod pacer;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::{Client, HeaderMap};
use serde::Serialize;
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::client_ids::ClientIds;
use crate::nats::headers;
pub use flow::{Flow, Mix, STEPS};
use lag::LagProbe;
pub use latency::{Latencies, Percentiles};
pub use pacer::Pacer;

/// What to send.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    /// Commands per second, spread evenly.
    pub rate: u32,
    pub duration: Duration,
    /// Requests in flight at most; a request due while all are busy waits (and its latency
    /// counts the wait).
    pub concurrency: usize,
    /// The `Ltc-Actor` of every command (an admin may act on every record).
    pub actor: String,
    /// How long a request may wait for its reply before it counts as timed out.
    pub timeout: Duration,
    /// Also measure projection lag through `ltc.qry.events` (needs the query service).
    pub lag: bool,
    pub mix: Mix,
    pub ids: ClientIds,
}

/// What happened.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub target_rate: u32,
    /// The kind of ids the flows gave their records.
    pub ids: ClientIds,
    pub sent: u64,
    pub ok: u64,
    /// Successful commands that appended events (the rest changed nothing).
    pub appended: u64,
    pub errors: BTreeMap<String, u64>,
    pub timeouts: u64,
    /// Requests that were due while `concurrency` requests were in flight.
    pub waited_for_a_slot: u64,
    pub elapsed_s: f64,
    /// Successful commands per second of the whole run.
    pub throughput: f64,
    pub latency: Percentiles,
    /// How long after its due time each request left, included in `latency`: the generator's
    /// own delay (a tenth of a millisecond or so on an idle machine) and, once `concurrency`
    /// requests are in flight (`waited_for_a_slot`), the wait for one of them to be answered,
    /// which holds up every request due behind it.
    pub pacing_late: Percentiles,
    /// Reply to read model, when asked for (`--lag`).
    pub projection_lag: Option<Percentiles>,
    /// Acknowledged positions the read models had not shown 10 s after the run.
    pub projection_unseen: Option<usize>,
}

#[derive(Default)]
struct Outcomes {
    ok: u64,
    appended: u64,
    errors: BTreeMap<String, u64>,
    timeouts: u64,
    latencies: Latencies,
    idle: VecDeque<Flow>,
}

/// Runs `plan` against the command service behind `client`. Fails only if the pacing thread
/// cannot be started.
pub async fn run(client: &Client, plan: &LoadPlan) -> std::io::Result<LoadReport> {
    let run_id = Uuid::now_v7();
    let owner = Uuid::new_v5(&run_id, b"owner");
    let today = chrono::Utc::now().date_naive();
    let total = u64::from(plan.rate) * plan.duration.as_secs();
    let interval = Duration::from_secs_f64(1.0 / f64::from(plan.rate.max(1)));
    let slots = Arc::new(Semaphore::new(plan.concurrency.max(1)));
    let outcomes = Arc::new(Mutex::new(Outcomes::default()));
    let mut flows_started = 0;
    let mut waited_for_a_slot = 0;
    let probe = Arc::new(LagProbe::default());
    let (stop_probe, probe_stopped) = tokio::sync::watch::channel(false);
    let poller = plan.lag.then(|| {
        tokio::spawn(probe.clone().poll(client.clone(), probe_stopped, Duration::from_secs(10)))
    });
    let started = Instant::now();
    let mut pacer = Pacer::start(started, interval, total)?;
    let mut pacing_late = Latencies::default();
    while let Some(due) = pacer.next().await {
        pacing_late.record(due.elapsed());
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                waited_for_a_slot += 1;
                slots.clone().acquire_owned().await.expect("the semaphore is never closed")
            }
        };
        let flow = outcomes.lock().expect("outcomes lock").idle.pop_front().unwrap_or_else(|| {
            flows_started += 1;
            Flow::new(run_id, flows_started, plan.mix, plan.ids)
        });
        let (subject, body) = flow.next_request(owner, today);
        let mut request_headers = HeaderMap::new();
        request_headers.insert(headers::ACTOR, plan.actor.as_str());
        request_headers.insert(headers::COMMAND_ID, Uuid::now_v7().to_string().as_str());
        let (client, outcomes, timeout) = (client.clone(), outcomes.clone(), plan.timeout);
        let probe = plan.lag.then(|| probe.clone());
        tokio::spawn(async move {
            let reply = tokio::time::timeout(
                timeout,
                client.request_with_headers(subject, request_headers, body.to_string().into()),
            )
            .await;
            let latency = due.elapsed();
            let mut outcomes = outcomes.lock().expect("outcomes lock");
            outcomes.latencies.record(latency);
            match reply {
                Ok(Ok(message)) => {
                    let reply: serde_json::Value =
                        serde_json::from_slice(&message.payload).unwrap_or_default();
                    if reply["ok"] == true {
                        outcomes.ok += 1;
                        outcomes.appended += u64::from(reply["position"].is_u64());
                        if let (Some(probe), Some(position)) = (&probe, reply["position"].as_u64())
                        {
                            probe.acknowledged(position);
                        }
                        let mut flow = flow;
                        flow.step += 1;
                        if !flow.is_done() {
                            outcomes.idle.push_back(flow);
                        }
                    } else {
                        let code = reply["error"]["code"].as_str().unwrap_or("unreadable_reply");
                        *outcomes.errors.entry(code.to_owned()).or_default() += 1;
                    }
                }
                Ok(Err(error)) => {
                    *outcomes.errors.entry(format!("nats: {}", error.kind())).or_default() += 1;
                }
                Err(_) => outcomes.timeouts += 1,
            }
            drop(slot);
        });
    }
    // Every request has its answer (or its timeout) once all the slots are free again.
    let all = u32::try_from(plan.concurrency.max(1)).unwrap_or(u32::MAX);
    let _drained = slots.acquire_many(all).await.expect("the semaphore is never closed");
    let elapsed = started.elapsed().as_secs_f64();
    let _ = stop_probe.send(true);
    if let Some(poller) = poller {
        let _ = poller.await;
    }
    let mut outcomes = outcomes.lock().expect("outcomes lock");
    Ok(LoadReport {
        target_rate: plan.rate,
        ids: plan.ids,
        sent: total,
        ok: outcomes.ok,
        appended: outcomes.appended,
        errors: outcomes.errors.clone(),
        timeouts: outcomes.timeouts,
        waited_for_a_slot,
        elapsed_s: elapsed,
        throughput: outcomes.ok as f64 / elapsed.max(f64::EPSILON),
        latency: outcomes.latencies.percentiles(),
        pacing_late: pacing_late.percentiles(),
        projection_lag: plan.lag.then(|| probe.percentiles()),
        projection_unseen: plan.lag.then(|| probe.unseen()),
    })
}
