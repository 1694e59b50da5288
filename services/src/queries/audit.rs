//! `audit`: every event of one stream, straight from the log, with everything an auditor asks
//! (who, when it happened and when it was recorded, which command and flow caused it) and the
//! payload decoded to its JSON form (`schemas/events/<kind>.json`). Pages of at most
//! [`AUDIT_EVENTS_MAX`] events, by stream version.

use chrono::{DateTime, Utc};
use ltc_eventstore::{EventStore, ReadError, RecordedEvent, StreamId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Freshness, QueryError};
use crate::event_json::payload_to_json;

/// The most events one audit reply carries: a page stays well under NATS's default 1 MB
/// message limit.
pub const AUDIT_EVENTS_MAX: u32 = 1_000;

/// On NATS `{"stream": "quote-0190…", "from_version": 1, "limit": 1000}`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditRequest {
    /// The stream id, `kind-uuid`.
    pub stream: String,
    /// The first version to return (versions start at 1): a page's `next_version`.
    #[serde(default = "from_version_default")]
    pub from_version: u64,
    /// At most this many events, 1 to 1,000.
    #[serde(default = "limit_default")]
    pub limit: u32,
}

fn from_version_default() -> u64 {
    1
}

fn limit_default() -> u32 {
    AUDIT_EVENTS_MAX
}

/// One page of a stream's events.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AuditAnswer {
    pub stream: String,
    /// The stream's last version when read.
    pub version: u64,
    pub events: Vec<AuditEvent>,
    /// More events follow: ask again from `next_version`.
    pub truncated: bool,
    pub next_version: Option<u64>,
}

/// One event as an auditor sees it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AuditEvent {
    pub position: u64,
    pub version: u64,
    pub event_id: Uuid,
    pub event_type: String,
    /// The version the event was stored at; `payload` is always today's shape of it.
    pub schema_version: u32,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    pub command_id: Uuid,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
    /// The payload in its JSON form, as `schemas/events/<kind>.json` describes it.
    pub payload: serde_json::Value,
}

/// Reads one page of the stream. Blocking: SQLite reads.
pub fn audit(
    store: &EventStore,
    request: &AuditRequest,
) -> Result<(Freshness, AuditAnswer), QueryError> {
    let stream: StreamId =
        request.stream.parse().map_err(|_| QueryError::BadStreamId(request.stream.clone()))?;
    if !(1..=AUDIT_EVENTS_MAX).contains(&request.limit) {
        return Err(QueryError::OutOfRange(format!(
            "an audit page holds 1 to {AUDIT_EVENTS_MAX} events, not {}",
            request.limit
        )));
    }
    let from_version = request.from_version.max(1);
    let version = store.stream_version(&stream).map_err(read_error)?;
    if version == 0 {
        return Err(QueryError::UnknownStream(stream.to_string()));
    }
    // The stream's latest event is the answer's freshness, whatever page is asked for.
    let recorded = store.read_stream(&stream, from_version.min(version)).map_err(read_error)?;
    let latest = recorded.last().ok_or_else(|| {
        QueryError::Corrupt(format!("{stream} has version {version} and no event at it"))
    })?;
    let freshness = Freshness { position: latest.position.0, as_of: Some(latest.recorded_at) };
    let mut events = Vec::new();
    for event in recorded.iter().filter(|event| event.version >= from_version) {
        if events.len() == request.limit as usize {
            break;
        }
        events.push(audit_event(event)?);
    }
    let last_returned = events.last().map_or(from_version.saturating_sub(1), |e| e.version);
    let truncated = last_returned < version;
    let answer = AuditAnswer {
        stream: stream.to_string(),
        version,
        events,
        truncated,
        next_version: truncated.then_some(last_returned + 1),
    };
    Ok((freshness, answer))
}

pub(super) fn audit_event(event: &RecordedEvent) -> Result<AuditEvent, QueryError> {
    let payload = payload_to_json(event).map_err(|error| {
        QueryError::Corrupt(format!("the event at position {}: {error}", event.position.0))
    })?;
    Ok(AuditEvent {
        position: event.position.0,
        version: event.version,
        event_id: event.event_id.0,
        event_type: event.event_type.clone(),
        schema_version: event.schema_version,
        occurred_at: event.occurred_at,
        recorded_at: event.recorded_at,
        actor: event.metadata.actor.clone(),
        command_id: event.metadata.command_id,
        correlation_id: event.metadata.correlation_id,
        causation_id: event.metadata.causation_id,
        payload,
    })
}

fn read_error(error: ReadError) -> QueryError {
    match error {
        ReadError::Storage(error) => QueryError::storage(error),
        ReadError::Corrupt { .. } => QueryError::Corrupt(error.to_string()),
    }
}
