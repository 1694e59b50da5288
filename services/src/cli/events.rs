//! `ltc events`: print envelopes in position order, one line each.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use ltc_eventstore::{Position, StreamId};

use super::DataArgs;
use super::open_store::open_for_one_scan;
use super::output::written;

#[derive(Debug, clap::Args)]
pub(super) struct EventsArgs {
    #[command(flatten)]
    data: DataArgs,
    /// First position to print.
    #[arg(long, default_value_t = 1)]
    from: u64,
    /// How many events to print at most.
    #[arg(long, default_value_t = 50)]
    limit: u64,
    /// Only this stream (`kind-uuid`), from version 1.
    #[arg(long)]
    stream: Option<StreamId>,
}

pub(super) fn run(args: &EventsArgs) -> anyhow::Result<ExitCode> {
    let store = open_for_one_scan(&args.data.dir())?;
    let events: Box<dyn Iterator<Item = Result<_, _>>> = match &args.stream {
        Some(stream) => Box::new(
            store.read_stream(stream, 1).context("reading the stream")?.into_iter().map(Ok),
        ),
        None => Box::new(store.read_all(Position(args.from), args.limit)),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let header = writeln!(
        out,
        "{:>9}  {:<27}  {:<48} {:>4}  {:<24} {:<14} {:>6}",
        "position", "recorded_at", "stream", "ver", "type", "actor", "bytes"
    );
    if let Err(error) = header {
        return written(Err(error)).map(|()| ExitCode::SUCCESS);
    }
    for event in events.take(usize::try_from(args.limit).unwrap_or(usize::MAX)) {
        let event = event.context("reading the log")?;
        let line = writeln!(
            out,
            "{:>9}  {:<27}  {:<48} {:>4}  {:<24} {:<14} {:>6}",
            event.position,
            event.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            event.stream.to_string(),
            event.version,
            event.event_type,
            event.metadata.actor,
            event.payload.len()
        );
        if let Err(error) = line {
            // A reader gone is the end of the listing, not a failure.
            return written(Err(error)).map(|()| ExitCode::SUCCESS);
        }
    }
    written(out.flush())?;
    Ok(ExitCode::SUCCESS)
}
