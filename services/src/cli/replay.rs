//! `ltc replay`: rebuild read models from the log into a directory of their own, up to the
//! head, a position or a recorded time, and leave them there. Unlike `ltc rebuild` nothing is
//! swapped: the read models in service, their directory and its lock are not touched, so a
//! replay runs beside `ltc serve` too.
//!
//! The result is one SQLite file, `DIR/read-models.db`, in rollback-journal mode so that it is
//! one self-contained file: any SQLite client or BI tool opens it (its tables are documented in
//! docs/read-models/), and `ltc query --replay DIR` answers from it. It is built by the rebuild
//! machinery (`ltc_projections::rebuild`, two threads, no journal while writing) in a staging
//! directory beside it and renamed into place when complete, so a reader never sees half of
//! one. A replay into a directory that holds one replaces it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use ltc_eventstore::{EventStore, Position, SystemClock};
use ltc_projections::{
    Projection, ProjectorOptions, ReadModels, RebuildOptions, RebuildScope, RebuildTarget, Rebuilt,
    rebuild,
};
use serde::Serialize;

use super::DataArgs;
use super::open_store::open_for_one_scan;
use super::rebuild::ProgressDisplay;
use crate::data_dir::DataDir;
use crate::queries::end_of_day;
use crate::read_models::{projection_named, projections, thousands};

/// The file a replay writes in its directory.
pub(super) const REPLAY_DATABASE: &str = "read-models.db";

/// What a replay holds, for `ltc query --replay` and BI tools: one row. `until_us` is the
/// recorded time it stands at (the `--until` asked for, else the last replayed event's), in
/// microseconds since the epoch; date-dependent figures (aging, days in stage) default to its
/// day.
const REPLAY_TABLE: &str = "CREATE TABLE replay (
    upto_position INTEGER NOT NULL,
    until_us      INTEGER
);";

/// Where replays go without `--into`, under the data directory.
const REPLAYS_DIR: &str = "replays";

#[derive(Debug, clap::Args)]
pub(super) struct ReplayArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Replay only this read model (`ltc lag` lists them); repeat for several. Default: all.
    #[arg(long = "projection", value_name = "NAME")]
    projections: Vec<String>,
    /// Stop after this log position, included.
    #[arg(long, value_name = "N", conflicts_with = "until")]
    until_position: Option<u64>,
    /// Stop after the last event recorded by this time: RFC 3339, or a date for the end of that
    /// day (UTC). What the read models showed then.
    #[arg(long, value_name = "DATE|TIME", value_parser = parse_until)]
    until: Option<DateTime<Utc>>,
    /// Write DIR/read-models.db (replacing a replay already there). Default:
    /// DATA/replays/position-N, N being the last position replayed.
    #[arg(long, value_name = "DIR")]
    into: Option<PathBuf>,
    /// Print the outcome as JSON.
    #[arg(long)]
    json: bool,
}

/// What a replay did.
#[derive(Debug, Serialize)]
struct ReplaySummary {
    projections: Vec<String>,
    /// The database written.
    database: PathBuf,
    /// The last position replayed, and when it was recorded (`None`: nothing was).
    upto: u64,
    upto_recorded_at: Option<DateTime<Utc>>,
    /// The log's head when the replay ended.
    head: u64,
    events_applied: u64,
    elapsed_ms: u64,
    events_per_second: u64,
}

pub(super) fn run(args: &ReplayArgs) -> anyhow::Result<ExitCode> {
    let data = args.data.dir();
    // A replay is a rebuild into a file of its own: one pass over the log, read without a map.
    let store = open_for_one_scan(&data)?;
    let chosen = chosen_projections(&args.projections)?;
    let names = chosen.iter().map(|projection| projection.name().to_owned()).collect();
    let target = match (args.until_position, args.until) {
        (Some(position), _) => RebuildTarget::Position(Position(position)),
        (None, Some(at)) => RebuildTarget::RecordedAt(at),
        (None, None) => RebuildTarget::Head,
    };
    // Staged beside where the file will live, so the final rename stays on one file system.
    let parent = match &args.into {
        Some(dir) => dir.clone(),
        None => data.root().join(REPLAYS_DIR),
    };
    std::fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let staging = tempfile::Builder::new().prefix(".replay-").tempdir_in(&parent)?;
    let rebuilt = replay_into_staging(&store, staging.path(), chosen, target)?;
    let dir = match &args.into {
        Some(dir) => dir.clone(),
        None => parent.join(format!("position-{}", rebuilt.upto.0)),
    };
    let until = match target {
        RebuildTarget::RecordedAt(at) => Some(at),
        RebuildTarget::Head | RebuildTarget::Position(_) => recorded_at(&store, rebuilt.upto)?,
    };
    let database = publish(&rebuilt, until, &dir)?;
    let summary = summarise(&store, &rebuilt, names, database)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary, &dir, &data);
    }
    Ok(ExitCode::SUCCESS)
}

fn chosen_projections(names: &[String]) -> anyhow::Result<Vec<Box<dyn Projection>>> {
    if names.is_empty() {
        return Ok(projections());
    }
    let mut chosen: Vec<Box<dyn Projection>> = Vec::new();
    for name in names {
        if chosen.iter().all(|projection| projection.name() != name) {
            chosen.push(projection_named(name)?);
        }
    }
    Ok(chosen)
}

/// Rebuilds `chosen` from the log into a fresh read-model directory at `staging`.
fn replay_into_staging(
    store: &EventStore,
    staging: &Path,
    chosen: Vec<Box<dyn Projection>>,
    target: RebuildTarget,
) -> anyhow::Result<Rebuilt> {
    let read_models = ReadModels::open(staging, Arc::new(SystemClock))
        .with_context(|| format!("opening a staging directory in {}", staging.display()))?;
    let options = RebuildOptions {
        target,
        scope: RebuildScope::Everything,
        runner: ProjectorOptions::for_rebuild(),
        predecoding: Some(ltc_projections::models::decode::PREDECODING),
    };
    let bar = ProgressDisplay::new("replaying");
    let rebuilt = rebuild(store, &read_models, chosen, options, &mut |p| bar.update(p));
    bar.finish();
    rebuilt.context("replaying the log")
}

/// Records what the replay holds in its `replay` table, makes the rebuilt file one
/// self-contained database and renames it to `dir/read-models.db`. `until` is the recorded time
/// the replay stands at (`None`: the log was empty up to there).
fn publish(rebuilt: &Rebuilt, until: Option<DateTime<Utc>>, dir: &Path) -> anyhow::Result<PathBuf> {
    {
        let conn = rusqlite::Connection::open(&rebuilt.path)?;
        conn.execute_batch(REPLAY_TABLE)?;
        let until_us = until.map(|at| at.timestamp_micros());
        let upto = i64::try_from(rebuilt.upto.0).context("a position beyond i64")?;
        conn.execute(
            "INSERT INTO replay (upto_position, until_us) VALUES (?1, ?2)",
            (upto, until_us),
        )?;
        // The rebuild leaves the file in WAL mode, which needs two more files beside it; a
        // replay is read, not written, so the rollback journal (none at rest) suits it.
        conn.pragma_update(None, "journal_mode", "DELETE")?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let database = dir.join(REPLAY_DATABASE);
    // A journal left by an earlier replay's reader would be applied to the new file.
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut stale = database.as_os_str().to_owned();
        stale.push(suffix);
        match std::fs::remove_file(&stale) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error.into()),
            _ => {}
        }
    }
    std::fs::rename(&rebuilt.path, &database)
        .with_context(|| format!("moving the replay to {}", database.display()))?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(database)
}

/// When the event at `position` was recorded; `None` for position 0 (nothing).
fn recorded_at(store: &EventStore, position: Position) -> anyhow::Result<Option<DateTime<Utc>>> {
    if position.0 == 0 {
        return Ok(None);
    }
    Ok(store.read_all(position, 1).next().transpose()?.map(|event| event.recorded_at))
}

fn summarise(
    store: &EventStore,
    rebuilt: &Rebuilt,
    projections: Vec<String>,
    database: PathBuf,
) -> anyhow::Result<ReplaySummary> {
    let upto = rebuilt.upto.0;
    let upto_recorded_at = recorded_at(store, rebuilt.upto)?;
    let micros = rebuilt.elapsed.as_micros().max(1);
    Ok(ReplaySummary {
        projections,
        database,
        upto,
        upto_recorded_at,
        head: store.head().position,
        events_applied: rebuilt.events_applied,
        elapsed_ms: u64::try_from(rebuilt.elapsed.as_millis()).unwrap_or(u64::MAX),
        events_per_second: u64::try_from(u128::from(rebuilt.events_applied) * 1_000_000 / micros)
            .unwrap_or(u64::MAX),
    })
}

fn print_summary(summary: &ReplaySummary, dir: &Path, data: &DataDir) {
    let recorded = summary.upto_recorded_at.map_or_else(
        || "nothing recorded".to_owned(),
        |at| format!("recorded {}", at.to_rfc3339_opts(SecondsFormat::Secs, true)),
    );
    println!(
        "ltc replay: {} replayed from the log up to position {} ({recorded}; head {})",
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
    println!("  database        {}", summary.database.display());
    println!("  the read models in service ({}) are untouched", data.read_models().display());
    println!(
        "  query it        ltc query --replay {} <model>   (or any SQLite client)",
        dir.display()
    );
}

/// An RFC 3339 time, or a date for the last microsecond of that day in UTC.
fn parse_until(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(end_of_day(day));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|error| format!("{error} (write a date, 2026-03-31, or 2026-03-31T12:00:00Z)"))
}
