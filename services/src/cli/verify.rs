//! `ltc verify`: recompute the hash chain over the whole log, check that every stream's versions
//! run 1..n and that every payload is an event this build can read, and report the first
//! problem. `--anchor` prints the head for an auditor to keep elsewhere; `--against` proves that
//! a head kept earlier is still part of today's chain.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ltc_eventstore::{Anchor, EventStore, ReadError, Tamper, VerifyReport};

use super::DataArgs;
use super::open_store::open_for_one_scan;
use payload::check_payload;

mod payload;

/// Rows between two updates of the progress bar: often enough for a smooth rate, rarely enough
/// that the bar costs nothing next to hashing.
const PROGRESS_EVERY_ROWS: u64 = 4_096;

#[derive(Debug, clap::Args)]
pub(super) struct VerifyArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Verify, then print only the head as `POSITION:HASH`: keep it outside the store (an audit
    /// report, a ticket) for a later `--against`.
    #[arg(long, conflicts_with_all = ["json", "against"])]
    anchor: bool,
    /// A `POSITION:HASH` kept from an earlier `--anchor`: also prove that today's log still
    /// holds it, which catches a rewrite of the chain up to it or rows cut from its end.
    #[arg(long, value_name = "POSITION:HASH")]
    against: Option<Anchor>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let store = open_for_one_scan(&args.data.dir())?;
    let report = verify_log(&store, args.against).context("reading the log")?;
    if args.json {
        println!("{}", report_json(&report, args.against));
    } else if args.anchor && report.is_intact() {
        let head = report.verified_head;
        println!("{}:{}", head.position, head.hash);
    } else {
        print_report(&store, &report);
    }
    Ok(if report.is_intact() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Everything `ltc verify` checks: the store's own verification (chain, positions, stream
/// versions, command records, the anchor) with every verified row's payload decoded on the way,
/// since only this crate knows what the payloads are. Shows a progress bar on a terminal.
pub(super) fn verify_log(
    store: &EventStore,
    against: Option<Anchor>,
) -> Result<VerifyReport, ReadError> {
    let progress = VerifyProgress::new(store.head().position);
    let report = store.verify_checking(against, &mut |event| {
        progress.row(event.position.0);
        check_payload(event)
    });
    progress.finish();
    report
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
                "                  (keep it; `ltc verify --against` it later proves nothing up to it changed)"
            );
            println!(
                "  result          intact: every row matches its hash and links to the one before,"
            );
            println!(
                "                  every stream's versions run 1..n, every payload is a known event"
            );
        }
        Some(problem) => {
            println!("  first bad       position {}", problem.position());
            println!("  result          TAMPERED: {problem}");
        }
    }
}

fn report_json(report: &VerifyReport, against: Option<Anchor>) -> serde_json::Value {
    let head = report.verified_head;
    serde_json::json!({
        "intact": report.is_intact(),
        "events_checked": report.events_checked,
        "verified_head": { "position": head.position, "hash": head.hash.to_hex() },
        "anchor": format!("{}:{}", head.position, head.hash),
        "against": against.map(|anchor| format!("{}:{}", anchor.position, anchor.hash)),
        "problem": report.first_problem.as_ref().map(|problem| serde_json::json!({
            "position": problem.position(),
            "code": problem_code(problem),
            "message": problem.to_string(),
        })),
    })
}

/// A stable name per kind of problem, for machines reading `--json`.
fn problem_code(problem: &Tamper) -> &'static str {
    match problem {
        Tamper::Missing { .. } => "missing",
        Tamper::HashMismatch { .. } => "hash_mismatch",
        Tamper::Unreadable { .. } => "unreadable",
        Tamper::AnchorMismatch { .. } => "anchor_mismatch",
        Tamper::Truncated { .. } => "truncated",
        Tamper::CommandRecordAltered { .. } => "command_record_altered",
        Tamper::CommandRecordMissing { .. } => "command_record_missing",
        Tamper::StreamVersion { .. } => "stream_version",
        Tamper::Undecodable { .. } => "undecodable",
    }
}

/// Rows verified of the head, with events/s and ETA, on stderr; drawn only when stderr is a
/// terminal, so pipes, files and tests see nothing.
struct VerifyProgress {
    bar: ProgressBar,
}

impl VerifyProgress {
    fn new(head_position: u64) -> VerifyProgress {
        if !std::io::stderr().is_terminal() {
            return VerifyProgress { bar: ProgressBar::hidden() };
        }
        let bar = ProgressBar::with_draw_target(Some(head_position), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "verify [{bar:32}] {human_pos}/{human_len} events, {per_sec:0}, ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        VerifyProgress { bar }
    }

    fn row(&self, position: u64) {
        if position.is_multiple_of(PROGRESS_EVERY_ROWS) {
            self.bar.set_position(position);
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
