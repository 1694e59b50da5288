//! `ltc load`: drive a running `ltc serve` with an open-loop mix of lead, customer and
//! opportunity commands and report throughput and latency percentiles.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use crate::client_ids::ClientIds;
use crate::load::{LoadPlan, Mix, run};
use crate::nats::{NatsOptions, connect};

#[derive(Debug, clap::Args)]
pub(super) struct LoadArgs {
    #[command(flatten)]
    nats: NatsOptions,
    /// Commands per second.
    #[arg(long, default_value_t = 1000)]
    rate: u32,
    /// Seconds to send for.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Requests in flight at most.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// The user every command is sent as (`Ltc-Actor`); it must be an admin in the server's
    /// user table (`ltc demo` writes one named `admin`).
    #[arg(long, default_value = "admin")]
    actor: String,
    /// Which commands: the whole lead-to-deal flow, or the deal work alone.
    #[arg(long, value_enum, default_value = "full")]
    mix: Mix,
    /// The ids each flow gives its lead, customer and opportunity: uniformly random (as from
    /// UUIDv4) or time-ordered UUIDv7.
    #[arg(long, value_enum, default_value = "random")]
    ids: ClientIds,
    /// Also measure projection lag (reply → read model) through `ltc.qry.events`.
    #[arg(long)]
    lag: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub(super) fn run_load(args: &LoadArgs) -> anyhow::Result<ExitCode> {
    // One thread: the generator must not compete with the service for the second core more
    // than it has to, and NATS.md measured lower latency on a current-thread runtime.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let plan = LoadPlan {
        rate: args.rate,
        duration: Duration::from_secs(args.duration),
        concurrency: args.concurrency,
        actor: args.actor.clone(),
        timeout: Duration::from_secs(5),
        lag: args.lag,
        mix: args.mix,
        ids: args.ids,
    };
    let report = runtime.block_on(async {
        let client = connect(&args.nats)
            .await
            .with_context(|| format!("connecting to {}", args.nats.url))?;
        anyhow::Ok(run(&client, &plan).await.context("starting the load's pacing thread")?)
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let l = &report.latency;
        println!(
            "ltc load: {} commands/s asked for {} s at concurrency {}, {} ids",
            report.target_rate,
            args.duration,
            args.concurrency,
            match report.ids {
                ClientIds::Random => "random",
                ClientIds::V7 => "UUIDv7",
            }
        );
        println!(
            "  sent {}  ok {}  errors {}  timeouts {}  waited for a slot {}",
            report.sent,
            report.ok,
            report.errors.values().sum::<u64>(),
            report.timeouts,
            report.waited_for_a_slot
        );
        println!("  throughput {:.0} commands/s over {:.1} s", report.throughput, report.elapsed_s);
        println!(
            "  latency ms  p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
            l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms
        );
        let late = &report.pacing_late;
        println!(
            "  sent late ms  p50 {:.2}  p99 {:.2}  max {:.2}  (due → sent: the generator's delay, or a wait for a free slot; counted in latency)",
            late.p50_ms, late.p99_ms, late.max_ms
        );
        if let (Some(lag), Some(unseen)) = (&report.projection_lag, report.projection_unseen) {
            println!(
                "  projection lag ms  p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}  ({} samples, {unseen} never seen)",
                lag.p50_ms, lag.p90_ms, lag.p99_ms, lag.p999_ms, lag.max_ms, lag.count
            );
        }
        for (code, count) in &report.errors {
            println!("  error {code}: {count}");
        }
    }
    let clean = report.errors.is_empty() && report.timeouts == 0;
    Ok(if clean { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
