//! `ltc export`: the log as records other tools read, in position order, in one pass and in
//! constant memory whatever the log's size. The store is read a page at a time
//! ([`EventStore::read_filtered`], with the selection's types and streams as a filter SQLite
//! applies while it scans); each event is decoded to JSON (`crate::event_json`), written and
//! dropped before the next one is read, so memory holds one page and one output buffer.
//!
//! The range is fixed when the export starts: the head then is the last position written, so an
//! export taken while commands keep arriving is still a prefix of the log, and two exports with
//! the same bounds give the same bytes.
//!
//! - `mod.rs`: [`export`], [`Format`], [`ExportError`], what every format shares.
//! - `filters.rs`: [`Selection`]: the position or time bounds, event types and streams.
//! - `jsonl.rs`: one envelope per line, payload included.
//! - `csv.rs`: one row per event, the payload as a JSON column.
//! - `cloudevents.rs`: CloudEvents 1.0 in structured mode, one per line.

mod cloudevents;
mod csv;
mod filters;
mod jsonl;
#[cfg(test)]
mod tests;

use std::io::Write;
use std::time::Instant;

use chrono::{DateTime, SecondsFormat, Utc};
use ltc_eventstore::{EventStore, Position, ReadError, RecordedEvent};
use ltc_projections::{Progress, ProjectorError};
use serde::Serialize;
use serde_json::Value;

use crate::event_json::{self, EventJsonError};

pub use filters::{Bound, InvalidFilter, Selection, StreamFilter};

/// How often the progress callback hears, in events scanned: often enough for a bar that moves,
/// rarely enough to cost nothing.
const PROGRESS_EVERY_EVENTS: u64 = 4_096;

/// The output's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON envelope per line: position, stream, version, type, times, actor, ids, payload.
    Jsonl,
    /// A header row, then one row per event; the payload is a JSON column.
    Csv,
    /// One CloudEvents 1.0 JSON object (structured mode) per line.
    Cloudevents,
}

/// Why an export stopped. Each variant's doc says what the caller does.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The log could not be read (a storage failure, or a row altered outside the store):
    /// `ltc verify` says what and where.
    #[error("reading the log: {0}")]
    Read(#[from] ReadError),
    /// A time bound could not be placed in the log.
    #[error("finding the range in the log: {0}")]
    Range(#[from] ProjectorError),
    /// An event has no JSON form in this build (an unknown stream kind or schema version): the
    /// export stops there rather than leave it out; use the build that wrote it.
    #[error("event at position {position} has no JSON form: {source}")]
    Payload { position: u64, source: EventJsonError },
    /// The output could not be written (a full disk, a closed pipe): see
    /// [`ExportError::is_broken_pipe`] for a reader that stopped reading.
    #[error("writing the export: {0}")]
    Write(#[from] std::io::Error),
}

impl ExportError {
    /// The reader of the output went away (`ltc export | head`): not a failure of the export.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, ExportError::Write(error) if error.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    /// The first and last positions of the range (`first > last`: the range was empty).
    pub first_position: u64,
    pub last_position: u64,
    /// Positions read from the log in the range.
    pub events_scanned: u64,
    /// Events that passed the filters and were written.
    pub events_written: u64,
}

/// Writes the events of `store` that `selection` admits to `out` in `format`, in position
/// order. `progress` hears each time the scan passes another few thousand positions with an
/// event to write, and at the end. `out` is flushed at the end.
pub fn export(
    store: &EventStore,
    selection: &Selection,
    format: Format,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ExportSummary, ExportError> {
    let started = Instant::now();
    let (first, last) = selection.positions(store)?;
    let events_total = (last + 1).saturating_sub(first);
    let mut writer: Box<dyn RecordWriter + '_> = match format {
        Format::Jsonl => Box::new(jsonl::Jsonl::new(&mut *out)),
        Format::Csv => Box::new(csv::Csv::new(&mut *out)),
        Format::Cloudevents => Box::new(cloudevents::CloudEvents::new(&mut *out)),
    };
    let (mut events_scanned, mut events_written) = (0u64, 0u64);
    // SQLite applies the selection's types and streams while it scans the range, so the events
    // left out are never built.
    let filter = selection.header_filter();
    for event in store.read_filtered(Position(first), Position(last), &filter) {
        let event = event?;
        assert!(selection.admits(&event), "the log's filter and the selection disagree");
        let payload = event_json::payload_to_json(&event)
            .map_err(|source| ExportError::Payload { position: event.position.0, source })?;
        writer.write(&event, &payload)?;
        events_written += 1;
        let scanned_before = events_scanned;
        events_scanned = event.position.0 + 1 - first;
        if scanned_before / PROGRESS_EVERY_EVENTS != events_scanned / PROGRESS_EVERY_EVENTS {
            progress(&Progress::new(events_scanned, events_total, started.elapsed()));
        }
    }
    // The scan covered the whole range, whatever it wrote.
    events_scanned = events_total;
    writer.finish()?;
    drop(writer);
    out.flush()?;
    progress(&Progress::new(events_scanned, events_total, started.elapsed()));
    Ok(ExportSummary { first_position: first, last_position: last, events_scanned, events_written })
}

/// One output format: told each admitted event with its payload as JSON, in position order.
trait RecordWriter {
    fn write(&mut self, event: &RecordedEvent, payload: &Value) -> Result<(), ExportError>;

    /// Writes whatever the format keeps back until the end (nothing, for the line formats).
    fn finish(&mut self) -> Result<(), ExportError> {
        Ok(())
    }
}

/// Every time in an export: RFC 3339, UTC, always six fractional digits, so columns line up and
/// text order is time order.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}
