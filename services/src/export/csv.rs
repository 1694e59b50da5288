//! `--format csv`: a header row, then one row per event with the envelope's fields as columns
//! (those of `jsonl.rs`, in the same order) and the payload as one JSON text column. The `csv`
//! crate quotes what needs quoting (the payload always has commas and quotes), so any CSV
//! reader splits the rows right.

use std::io::Write;

use ltc_eventstore::RecordedEvent;
use serde_json::Value;

use super::jsonl::Envelope;
use super::{ExportError, RecordWriter};

const HEADER: [&str; 13] = [
    "position",
    "event_id",
    "stream",
    "version",
    "event_type",
    "schema_version",
    "occurred_at",
    "recorded_at",
    "actor",
    "command_id",
    "correlation_id",
    "causation_id",
    "payload",
];

pub(super) struct Csv<W: Write> {
    out: csv::Writer<W>,
    header_written: bool,
}

impl<W: Write> Csv<W> {
    pub(super) fn new(out: W) -> Csv<W> {
        Csv { out: csv::Writer::from_writer(out), header_written: false }
    }

    fn header(&mut self) -> Result<(), ExportError> {
        if !self.header_written {
            self.out.write_record(HEADER).map_err(io_error)?;
            self.header_written = true;
        }
        Ok(())
    }
}

impl<W: Write> RecordWriter for Csv<W> {
    fn write(&mut self, event: &RecordedEvent, payload: &Value) -> Result<(), ExportError> {
        self.header()?;
        let envelope = Envelope::of(event, payload);
        let payload = serde_json::to_string(envelope.payload).map_err(std::io::Error::from)?;
        let record = [
            envelope.position.to_string(),
            envelope.event_id,
            envelope.stream,
            envelope.version.to_string(),
            envelope.event_type.to_owned(),
            envelope.schema_version.to_string(),
            envelope.occurred_at,
            envelope.recorded_at,
            envelope.actor.to_owned(),
            envelope.command_id,
            envelope.correlation_id,
            envelope.causation_id.unwrap_or_default(),
            payload,
        ];
        self.out.write_record(&record).map_err(io_error)?;
        Ok(())
    }

    /// An empty export is still a CSV file with its header.
    fn finish(&mut self) -> Result<(), ExportError> {
        self.header()?;
        self.out.flush()?;
        Ok(())
    }
}

/// The csv crate's error as the I/O error it wraps: the only kind a writer of strings produces.
fn io_error(error: csv::Error) -> std::io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => std::io::Error::other(format!("{other:?}")),
    }
}
