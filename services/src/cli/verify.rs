//! `ltc verify`: recompute the hash chain over the whole log and report the first problem.

use std::process::ExitCode;

use anyhow::Context;
use ltc_eventstore::{Anchor, EventStore, StoreOptions, VerifyReport};

use super::DataArgs;
use crate::data_dir::DataDir;

#[derive(Debug, clap::Args)]
pub(super) struct VerifyArgs {
    #[command(flatten)]
    data: DataArgs,
    /// A `POSITION:HASH` printed by an earlier verify: also prove the log still holds it, which
    /// catches a rewrite of the whole chain or rows removed from its end.
    #[arg(long, value_name = "POSITION:HASH")]
    anchor: Option<Anchor>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let store = open_existing(&args.data.dir())?;
    let report = match args.anchor {
        Some(anchor) => store.verify_against(anchor),
        None => store.verify(),
    }
    .context("reading the log")?;
    if args.json {
        println!("{}", report_json(&report));
    } else {
        print_report(&store, &report);
    }
    Ok(if report.is_intact() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Opens the store only if it exists: verifying a directory that holds none is a mistake to
/// report, not an empty log to create.
pub(super) fn open_existing(data: &DataDir) -> anyhow::Result<EventStore> {
    let path = data.event_store();
    anyhow::ensure!(path.exists(), "no event store at {} (is --data right?)", path.display());
    EventStore::open(&path, StoreOptions::default())
        .with_context(|| format!("opening {}", path.display()))
}

pub(super) fn print_report(store: &EventStore, report: &VerifyReport) {
    let head = report.verified_head;
    println!("ltc verify: {}", store.path().display());
    println!("  events checked  {}", report.events_checked);
    println!("  verified head   position {}, hash {}", head.position, head.hash);
    match &report.first_problem {
        None => {
            println!("  anchor          {}:{}", head.position, head.hash);
            println!(
                "                  (keep it; `ltc verify --anchor` later proves nothing before it changed)"
            );
            println!(
                "  result          intact: every row matches its hash and links to the one before"
            );
        }
        Some(problem) => println!("  result          TAMPERED: {problem}"),
    }
}

fn report_json(report: &VerifyReport) -> serde_json::Value {
    let head = report.verified_head;
    serde_json::json!({
        "intact": report.is_intact(),
        "events_checked": report.events_checked,
        "verified_head": { "position": head.position, "hash": head.hash.to_hex() },
        "anchor": format!("{}:{}", head.position, head.hash),
        "problem": report.first_problem.as_ref().map(|problem| serde_json::json!({
            "position": problem.position(),
            "message": problem.to_string(),
        })),
    })
}
