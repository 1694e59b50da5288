//! `ltc rebuild`: rebuild one or every read model from the log, side by side with the one in
//! service, then swap it in; up to the head, a position or a recorded time. Progress (events/s,
//! ETA) goes to stderr while it runs.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ltc_eventstore::Position;
use ltc_projections::{Progress, RebuildTarget};

use super::DataArgs;
use super::open_store::open_for_one_scan;
use crate::data_dir::DataDir;
use crate::read_models::{EmbeddedReadModels, RebuildRequest, RebuildSummary, thousands};

#[derive(Debug, clap::Args)]
pub(super) struct RebuildArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Rebuild only this read model (`ltc lag` lists them); the others are kept as they are.
    #[arg(long, value_name = "NAME")]
    projection: Option<String>,
    /// Replay up to and including this position instead of the head.
    #[arg(long, value_name = "N", conflicts_with = "to_time")]
    to_position: Option<u64>,
    /// Replay every event recorded at or before this RFC 3339 time: what the read models showed
    /// then.
    #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339)]
    to_time: Option<DateTime<Utc>>,
    /// Print the outcome as JSON.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &RebuildArgs) -> anyhow::Result<ExitCode> {
    let models = open_read_models(&args.data.dir())?;
    let target = match (args.to_position, args.to_time) {
        (Some(position), _) => RebuildTarget::Position(Position(position)),
        (None, Some(at)) => RebuildTarget::RecordedAt(at),
        (None, None) => RebuildTarget::Head,
    };
    let request = RebuildRequest { projection: args.projection.clone(), target };
    let bar = ProgressDisplay::new("rebuilding");
    let summary = models.rebuild(&request, &mut |progress| bar.update(progress));
    bar.finish();
    let summary = summary.context("rebuilding the read models")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(summary: &RebuildSummary) {
    println!(
        "ltc rebuild: {} rebuilt from the log up to position {} (head {})",
        summary.projections.join(", "),
        thousands(summary.upto),
        thousands(summary.head)
    );
    println!(
        "  events applied  {} in {}.{:03} s ({} events/s)",
        thousands(summary.events_applied),
        summary.elapsed_ms / 1000,
        summary.elapsed_ms % 1000,
        thousands(summary.events_per_second)
    );
    println!(
        "  in service      generation {} ({} older removed)",
        summary.generation, summary.generations_removed
    );
    if summary.upto < summary.head {
        println!(
            "  note            the read models now show the log as of position {}; the next \
             `ltc query` or `ltc report` carries them on to the head",
            thousands(summary.upto)
        );
    }
}

/// Opens the store (which must exist) and its read models, under the directory's lock. The store
/// is opened for scans: what the read models ask of it is rebuilds and catch-ups, each a pass
/// from a position to the head.
pub(super) fn open_read_models(data: &DataDir) -> anyhow::Result<EmbeddedReadModels> {
    let store = open_for_one_scan(data)?;
    EmbeddedReadModels::open(data, store)
        .with_context(|| format!("opening the read models in {}", data.read_models().display()))
}

/// A progress bar on stderr for a replay of the log: events done of total, events/s and ETA as
/// the runtime measures them. Drawn only when stderr is a terminal, so pipes and tests see none.
#[derive(Debug)]
pub(super) struct ProgressDisplay {
    bar: ProgressBar,
}

impl ProgressDisplay {
    pub(super) fn new(what: &str) -> ProgressDisplay {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{prefix} [{bar:32}] {pos}/{len} events  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(what.to_owned());
        ProgressDisplay { bar }
    }

    pub(super) fn update(&self, progress: &Progress) {
        self.bar.set_length(progress.events_total);
        self.bar.set_position(progress.events_done);
        if progress.finishing {
            self.bar.set_message("every event applied; merging, sorting indexes, syncing");
            return;
        }
        let eta = progress.eta.map_or_else(|| "-".to_owned(), format_duration);
        self.bar
            .set_message(format!("{} events/s, ETA {eta}", thousands(progress.events_per_second)));
    }

    pub(super) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

fn parse_rfc3339(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|error| format!("{error} (write e.g. 2026-02-01T00:00:00Z)"))
}
