//! `ltc demo`: drive the durable write path with concurrent writers, retry some commands as a
//! client would, then verify the log. Until the lead-to-cash domain lands (step 2), the events
//! are opportunity-shaped placeholders encoded with the store's codec.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context;
use chrono::Utc;
use ltc_eventstore::{
    AppendRequest, EventId, EventStore, ExpectedVersion, Metadata, NewEvent, StoreOptions,
    StreamId, codec,
};
use serde::Serialize;
use uuid::Uuid;

use super::DataArgs;
use super::verify::print_report;

#[derive(Debug, clap::Args)]
pub(super) struct DemoArgs {
    #[command(flatten)]
    data: DataArgs,
    /// How many events to append.
    #[arg(long, default_value_t = 4_000)]
    events: u64,
    /// Concurrent writers (each drives its own opportunities).
    #[arg(long, default_value_t = 32)]
    writers: u64,
}

/// Stage changes after the opening event, per opportunity.
const STAGES: [(&str, u16); 4] = [
    ("needs_analysis", 2_000),
    ("proposal", 4_000),
    ("negotiation", 6_000),
    ("closed_won", 10_000),
];

#[derive(Serialize)]
struct OpportunityOpened {
    name: String,
    amount_minor: i64,
    currency: &'static str,
}

#[derive(Serialize)]
struct StageMoved {
    stage: &'static str,
    probability_bps: u16,
}

pub(super) fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.writers > 0, "--writers must be at least 1");
    let data = args.data.dir();
    let store = EventStore::open(data.event_store(), StoreOptions::default())
        .with_context(|| format!("opening {}", data.event_store().display()))?;
    let head_before = store.head().position;
    let retries = Arc::new(AtomicU64::new(0));
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let started = Instant::now();
    runtime.block_on(async {
        let mut writers = Vec::new();
        for writer in 0..args.writers {
            let quota = args.events / args.writers + u64::from(writer < args.events % args.writers);
            writers.push(tokio::spawn(write_opportunities(store.clone(), quota, retries.clone())));
        }
        for writer in writers {
            writer.await??;
        }
        anyhow::Ok(())
    })?;
    let elapsed = started.elapsed();
    let appended = store.head().position - head_before;
    println!(
        "ltc demo: appended {appended} events with {} concurrent writers in {:.2} s ({:.0} events/s, \
         durable: synchronous=FULL, group commit)",
        args.writers,
        elapsed.as_secs_f64(),
        appended as f64 / elapsed.as_secs_f64()
    );
    println!(
        "          {} commands were sent twice, as a client retries after a lost reply; each retry got \
         the original outcome and appended nothing",
        retries.load(Ordering::Relaxed)
    );
    let report = store.verify().context("verifying the log")?;
    print_report(&store, &report);
    Ok(if report.is_intact() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Opens opportunities and moves them through the stages until `quota` events are written.
async fn write_opportunities(
    store: EventStore,
    quota: u64,
    retries: Arc<AtomicU64>,
) -> anyhow::Result<()> {
    let mut written = 0;
    while written < quota {
        let opportunity = StreamId::new("opportunity", Uuid::now_v7())?;
        let opened = OpportunityOpened {
            name: format!("Deal {}", &opportunity.id.simple().to_string()[24..]),
            amount_minor: 100_000 * i64::try_from(written % 50 + 1)?,
            currency: "EUR",
        };
        let mut request =
            request(&opportunity, ExpectedVersion::NoStream, "OpportunityOpened", &opened)?;
        for (stage, probability_bps) in STAGES {
            if written == quota {
                break;
            }
            let outcome = store.append(request.clone()).await?;
            written += 1;
            if outcome.first_position.0 % 10 == 0 {
                let retry = store.append(request).await?;
                anyhow::ensure!(retry.duplicate && retry.first_position == outcome.first_position);
                retries.fetch_add(1, Ordering::Relaxed);
            }
            let moved = StageMoved { stage, probability_bps };
            request = request_at(&opportunity, outcome.last_version, "StageMoved", &moved)?;
        }
    }
    Ok(())
}

fn request_at(
    stream: &StreamId,
    version: u64,
    event_type: &str,
    payload: &impl Serialize,
) -> anyhow::Result<AppendRequest> {
    request(stream, ExpectedVersion::Exact(version), event_type, payload)
}

fn request(
    stream: &StreamId,
    expected: ExpectedVersion,
    event_type: &str,
    payload: &impl Serialize,
) -> anyhow::Result<AppendRequest> {
    let (codec, payload) = codec::encode(payload)?;
    let command_id = Uuid::now_v7();
    Ok(AppendRequest {
        stream: stream.clone(),
        expected,
        events: vec![NewEvent {
            event_id: EventId::new_v7(),
            event_type: event_type.into(),
            schema_version: 1,
            occurred_at: Utc::now(),
            codec,
            payload,
        }],
        metadata: Metadata {
            command_id,
            correlation_id: command_id,
            causation_id: None,
            actor: "ltc-demo".into(),
            tenant: "demo".into(),
        },
    })
}
