//! What every customer360 update needs from the envelope, read once per event: the position
//! (the timeline's order), the business time, who acted in words, and the stream id as text.
//! Also the few text forms the tables store, so every writer spells them alike.

use chrono::{DateTime, SecondsFormat, Utc};
use ltc_eventstore::RecordedEvent;
use uuid::Uuid;

/// The envelope's facts as the tables store them.
#[derive(Debug)]
pub(super) struct Envelope<'a> {
    pub position: i64,
    /// The stream's UUID as text: the row key of the record the stream mirrors.
    pub stream_id: String,
    pub stream_kind: &'a str,
    pub event_type: &'a str,
    /// Business time.
    pub occurred_at: DateTime<Utc>,
    pub actor: &'static str,
}

impl Envelope<'_> {
    pub fn of(event: &RecordedEvent) -> Envelope<'_> {
        Envelope {
            // Positions are bounded by the store far below i64::MAX.
            position: i64::try_from(event.position.0).unwrap_or(i64::MAX),
            stream_id: event.stream.id.to_string(),
            stream_kind: event.stream.kind.as_str(),
            event_type: &event.event_type,
            occurred_at: event.occurred_at,
            actor: actor_words(event),
        }
    }
}

/// Who acted, in words a person reads: the role the command was issued under, or
/// "automation" when another event caused it (a process manager's reaction carries its cause).
fn actor_words(event: &RecordedEvent) -> &'static str {
    if event.metadata.causation_id.is_some() {
        return "automation";
    }
    let role = event.metadata.actor.split(':').next().unwrap_or_default();
    match role {
        "SalesRep" => "sales rep",
        "SalesManager" => "sales manager",
        "Finance" => "finance",
        "Admin" => "admin",
        "Auditor" => "auditor",
        _ => "someone",
    }
}

pub(super) fn id_text(id: Uuid) -> String {
    id.to_string()
}

pub(super) fn time_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}
