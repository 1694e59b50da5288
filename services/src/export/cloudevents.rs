//! `--format cloudevents`: each event as a CloudEvents 1.0 JSON object in structured mode, one
//! per line (the JSON event format, `application/cloudevents+json`, newline-delimited).
//!
//! The attributes are those the NATS relay sends as `ce-*` headers (binary mode), built by the
//! same functions (`nats::event_message::ce_type`, `ce_source`), so an event reads alike from
//! JetStream and from an export. Required: `specversion`, `id` (the event id), `source`
//! (`ltc/<tenant>`), `type` (`ltc.<kind>.<Event>.v<N>`). Optional: `subject` (the stream),
//! `time` (when it happened), `datacontenttype`, `data` (the payload's JSON). Extensions, named
//! as the spec asks (lowercase letters and digits): `ltcposition` (the log position, an
//! integer), `ltcstreamversion`, `ltcrecordedat`, `ltcactor`, `ltccommandid`,
//! `ltccorrelationid` and, when there is one, `ltccausationid`.

use std::io::Write;

use ltc_eventstore::RecordedEvent;
use serde::Serialize;
use serde_json::Value;

use super::{ExportError, RecordWriter, timestamp};
use crate::nats::event_message::{CE_SPECVERSION_1_0, ce_source, ce_type};

const JSON_MEDIA_TYPE: &str = "application/json";

#[derive(Debug, Serialize)]
struct CloudEvent<'a> {
    specversion: &'static str,
    id: String,
    source: String,
    #[serde(rename = "type")]
    event_type: String,
    subject: String,
    time: String,
    datacontenttype: &'static str,
    ltcposition: u64,
    ltcstreamversion: u64,
    ltcrecordedat: String,
    ltcactor: &'a str,
    ltccommandid: String,
    ltccorrelationid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ltccausationid: Option<String>,
    data: &'a Value,
}

pub(super) struct CloudEvents<W> {
    out: W,
}

impl<W: Write> CloudEvents<W> {
    pub(super) fn new(out: W) -> CloudEvents<W> {
        CloudEvents { out }
    }
}

impl<W: Write> RecordWriter for CloudEvents<W> {
    fn write(&mut self, event: &RecordedEvent, payload: &Value) -> Result<(), ExportError> {
        let metadata = &event.metadata;
        let cloud_event = CloudEvent {
            specversion: CE_SPECVERSION_1_0,
            id: event.event_id.to_string(),
            source: ce_source(&metadata.tenant),
            event_type: ce_type(event),
            subject: event.stream.to_string(),
            time: timestamp(event.occurred_at),
            datacontenttype: JSON_MEDIA_TYPE,
            ltcposition: event.position.0,
            ltcstreamversion: event.version,
            ltcrecordedat: timestamp(event.recorded_at),
            ltcactor: &metadata.actor,
            ltccommandid: metadata.command_id.to_string(),
            ltccorrelationid: metadata.correlation_id.to_string(),
            ltccausationid: metadata.causation_id.map(|id| id.to_string()),
            data: payload,
        };
        serde_json::to_writer(&mut self.out, &cloud_event).map_err(std::io::Error::from)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }
}
