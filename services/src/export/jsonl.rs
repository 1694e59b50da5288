//! `--format jsonl`: one JSON object per line, the whole envelope and the payload. The field
//! names are those of the audit query (`ltc.qry.audit`), so a tool reads both alike.

use std::io::Write;

use ltc_eventstore::RecordedEvent;
use serde::Serialize;
use serde_json::Value;

use super::{ExportError, RecordWriter, timestamp};

/// One line. Fields in this order; the payload's keys sorted (serde_json's map), so the same
/// event always gives the same bytes.
#[derive(Debug, Serialize)]
pub(super) struct Envelope<'a> {
    pub position: u64,
    pub event_id: String,
    pub stream: String,
    pub version: u64,
    pub event_type: &'a str,
    /// The version the event was stored at; `payload` is always today's shape of it.
    pub schema_version: u32,
    /// When it happened in the business (the command's time).
    pub occurred_at: String,
    /// When the store committed it; never decreases along positions.
    pub recorded_at: String,
    pub actor: &'a str,
    pub command_id: String,
    pub correlation_id: String,
    pub causation_id: Option<String>,
    pub payload: &'a Value,
}

impl<'a> Envelope<'a> {
    pub(super) fn of(event: &'a RecordedEvent, payload: &'a Value) -> Envelope<'a> {
        let metadata = &event.metadata;
        Envelope {
            position: event.position.0,
            event_id: event.event_id.to_string(),
            stream: event.stream.to_string(),
            version: event.version,
            event_type: &event.event_type,
            schema_version: event.schema_version,
            occurred_at: timestamp(event.occurred_at),
            recorded_at: timestamp(event.recorded_at),
            actor: &metadata.actor,
            command_id: metadata.command_id.to_string(),
            correlation_id: metadata.correlation_id.to_string(),
            causation_id: metadata.causation_id.map(|id| id.to_string()),
            payload,
        }
    }
}

pub(super) struct Jsonl<W> {
    out: W,
}

impl<W: Write> Jsonl<W> {
    pub(super) fn new(out: W) -> Jsonl<W> {
        Jsonl { out }
    }
}

impl<W: Write> RecordWriter for Jsonl<W> {
    fn write(&mut self, event: &RecordedEvent, payload: &Value) -> Result<(), ExportError> {
        serde_json::to_writer(&mut self.out, &Envelope::of(event, payload))
            .map_err(std::io::Error::from)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }
}
