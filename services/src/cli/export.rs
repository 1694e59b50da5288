//! `ltc export`: the log, or part of it, as JSON lines, CSV or CloudEvents, to stdout or a file.
//! Streams in constant memory (`crate::export`); a reader that stops early (`| head`) ends the
//! export quietly. A progress bar with events/s and ETA goes to stderr when it is a terminal.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use ltc_eventstore::EventStore;

use super::DataArgs;
use super::open_store::open_for_one_scan;
use super::rebuild::ProgressDisplay;
use crate::export::{Bound, ExportError, ExportSummary, Format, Selection, StreamFilter, export};
use crate::read_models::thousands;

/// The output buffer: large enough that a write to a pipe or file is one system call per many
/// events, small enough not to matter.
const OUTPUT_BUFFER_BYTES: usize = 256 * 1024;

#[derive(Debug, clap::Args)]
pub(super) struct ExportArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The output's shape.
    #[arg(long, value_enum, default_value = "jsonl")]
    format: Format,
    /// Start here: a log position, a date (its first event, UTC) or an RFC 3339 recorded time.
    #[arg(long, value_name = "POSITION|DATE|TIME", value_parser = Bound::parse)]
    from: Option<Bound>,
    /// End here, included: a log position, a date (its last event, UTC) or an RFC 3339 recorded
    /// time. Default: the head when the export starts.
    #[arg(long, value_name = "POSITION|DATE|TIME", value_parser = Bound::parse)]
    to: Option<Bound>,
    /// Only events of this type (e.g. PaymentReceived); repeat it or separate with commas.
    #[arg(long = "type", value_name = "EVENT", value_delimiter = ',',
          value_parser = crate::event_types::check_event_type)]
    types: Vec<String>,
    /// Only this stream (kind-uuid) or every stream of this kind (e.g. payment); repeat it or
    /// separate with commas.
    #[arg(long = "stream", value_name = "STREAM|KIND", value_delimiter = ',',
          value_parser = StreamFilter::parse)]
    streams: Vec<StreamFilter>,
    /// Write to this file instead of stdout; it appears, whole, only once the export is done.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub(super) fn run(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let store = open_for_one_scan(&args.data.dir())?;
    let selection = Selection {
        from: args.from,
        to: args.to,
        types: args.types.clone(),
        streams: args.streams.clone(),
    };
    let exported = match &args.out {
        None => to_stdout(&store, &selection, args.format),
        Some(path) => to_file(&store, &selection, args.format, path),
    };
    let summary = match exported {
        Ok(summary) => summary,
        // The reader has all it wanted: `ltc export | head` is not an error.
        Err(error) if error.is_broken_pipe() => return Ok(ExitCode::SUCCESS),
        Err(error) => return Err(error).context("exporting the log"),
    };
    if let Some(path) = &args.out {
        eprintln!(
            "ltc export: {} events of positions {}..={} written to {}",
            thousands(summary.events_written),
            thousands(summary.first_position),
            thousands(summary.last_position),
            path.display()
        );
    }
    if summary.events_written == 0 && !args.types.is_empty() {
        eprintln!("ltc export: no event of type {} in the range", args.types.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

fn to_stdout(
    store: &EventStore,
    selection: &Selection,
    format: Format,
) -> Result<ExportSummary, ExportError> {
    let mut out = BufWriter::with_capacity(OUTPUT_BUFFER_BYTES, std::io::stdout().lock());
    with_progress(|progress| export(store, selection, format, &mut out, progress))
}

/// Exports into a temporary file beside `path` and renames it into place once complete and
/// synced, so `path` never holds half an export.
fn to_file(
    store: &EventStore,
    selection: &Selection,
    format: Format,
    path: &Path,
) -> Result<ExportSummary, ExportError> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new().prefix(".ltc-export-").tempfile_in(dir)?;
    let mut out = BufWriter::with_capacity(OUTPUT_BUFFER_BYTES, temp.as_file());
    let summary = with_progress(|progress| export(store, selection, format, &mut out, progress))?;
    out.flush()?;
    drop(out);
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(summary)
}

fn with_progress<T>(work: impl FnOnce(&mut dyn FnMut(&ltc_projections::Progress)) -> T) -> T {
    let bar = ProgressDisplay::new("exporting");
    let result = work(&mut |progress| bar.update(progress));
    bar.finish();
    result
}
