//! An envelope as a JetStream message and back: what the relay publishes and what the NATS-fed
//! projectors read.
//!
//! CloudEvents 1.0 in binary mode: the body is the event's JSON (`event_json`), its attributes
//! are `ce-*` headers. Everything else a consumer needs to rebuild the [`RecordedEvent`]
//! exactly (position, stream version, recorded time, command, correlation and causation ids,
//! actor, tenant, chain hash) travels in `Ltc-*` headers. Decoding re-encodes the JSON with the
//! store's codec, which gives the stored bytes back, so a consumer fed from NATS applies the
//! very envelope an embedded one reads from the log. An event stored at an older schema version
//! is the exception: its body is today's shape, `ce-type` names today's version, and the
//! envelope a consumer rebuilds carries today's version and encoding. It decodes to the same
//! event an embedded reader gets by upcasting, but its payload bytes are not the stored ones
//! (the chain hash still names the stored row; `ltc verify` checks the chain from the log).
//!
//! Actor and tenant are free text, and a NATS header value must not hold CR or LF (the client
//! panics on one), so they travel percent-encoded: every byte outside printable ASCII, and `%`
//! itself, as `%XX`. Identifiers, names and times are safe as they are.

use async_nats::HeaderMap;
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use ltc_eventstore::{ChainHash, EventId, Metadata, Position, RecordedEvent, StreamId};
use uuid::Uuid;

use super::headers;
use super::subjects;
use crate::event_json::{self, EventJsonError};

/// The stream's version after this event.
pub const STREAM_VERSION: &str = "Ltc-Stream-Version";
/// When the store committed the event (RFC 3339); `ce-time` is when it happened.
pub const RECORDED_AT: &str = "Ltc-Recorded-At";
/// The event or command that caused this one; absent when none did.
pub const CAUSATION_ID: &str = "Ltc-Causation-Id";
/// The tenant the event belongs to (percent-encoded).
pub const TENANT: &str = "Ltc-Tenant";
/// The event's link in the store's hash chain (64 hex digits).
pub const CHAIN_HASH: &str = "Ltc-Chain-Hash";
/// The body's media type: the event's JSON.
pub const CONTENT_TYPE: &str = "content-type";

/// The CloudEvents version ltc speaks.
pub const CE_SPECVERSION_1_0: &str = "1.0";
/// `ce-source` is this prefix, then `/` and the tenant.
pub const CE_SOURCE_PREFIX: &str = "ltc";
const JSON_MEDIA_TYPE: &str = "application/json";

/// A message ready to publish: subject, headers and body.
#[derive(Debug, Clone)]
pub struct EventMessage {
    pub subject: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Why an envelope could not become a message, or a message an envelope. A message that does
/// not decode names the header or field at fault.
#[derive(Debug, thiserror::Error)]
pub enum EventMessageError {
    /// The payload has no JSON form in this build (unknown kind or schema version, or bytes
    /// the codec rejects): the relay stops rather than skip the event.
    #[error("event at position {position} has no JSON form: {source}")]
    Encode { position: u64, source: EventJsonError },
    /// A header every ltc event carries is missing.
    #[error("header {0} is missing")]
    MissingHeader(&'static str),
    /// A header holds a value that does not parse.
    #[error("header {header} is invalid ({value:?}): {reason}")]
    InvalidHeader { header: &'static str, value: String, reason: String },
    /// The message's subject is not the one its headers name.
    #[error("subject {found} does not match the event's stream (expected {expected})")]
    Subject { found: String, expected: String },
    /// The body is not JSON, or not an event of the kind the headers claim.
    #[error("body: {0}")]
    Body(String),
}

impl EventMessageError {
    /// A stable machine-readable code per variant.
    pub fn code(&self) -> &'static str {
        match self {
            EventMessageError::Encode { .. } => "event_message.encode",
            EventMessageError::MissingHeader(_) => "event_message.missing_header",
            EventMessageError::InvalidHeader { .. } => "event_message.invalid_header",
            EventMessageError::Subject { .. } => "event_message.subject",
            EventMessageError::Body(_) => "event_message.body",
        }
    }
}

/// The message the relay publishes for `event`.
pub fn to_message(event: &RecordedEvent) -> Result<EventMessage, EventMessageError> {
    let json = event_json::payload_to_json(event)
        .map_err(|source| EventMessageError::Encode { position: event.position.0, source })?;
    let body = serde_json::to_vec(&json)
        .map_err(|error| EventMessageError::Encode {
            position: event.position.0,
            source: EventJsonError::Json { kind: event.stream.kind.as_str().to_owned(), error },
        })?
        .into();
    let event_id = event.event_id.to_string();
    let metadata = &event.metadata;
    let tenant = percent_encode(&metadata.tenant);
    let mut map = HeaderMap::new();
    map.insert(headers::NATS_MSG_ID, event_id.as_str());
    map.insert(CONTENT_TYPE, JSON_MEDIA_TYPE);
    map.insert(headers::CE_SPECVERSION, CE_SPECVERSION_1_0);
    map.insert(headers::CE_ID, event_id.as_str());
    map.insert(headers::CE_TYPE, ce_type(event).as_str());
    map.insert(headers::CE_SOURCE, ce_source(&metadata.tenant).as_str());
    map.insert(headers::CE_SUBJECT, event.stream.to_string().as_str());
    map.insert(headers::CE_TIME, rfc3339(event.occurred_at).as_str());
    map.insert(headers::POSITION, event.position.0.to_string().as_str());
    map.insert(STREAM_VERSION, event.version.to_string().as_str());
    map.insert(RECORDED_AT, rfc3339(event.recorded_at).as_str());
    map.insert(headers::COMMAND_ID, metadata.command_id.to_string().as_str());
    map.insert(headers::CORRELATION_ID, metadata.correlation_id.to_string().as_str());
    if let Some(causation_id) = metadata.causation_id {
        map.insert(CAUSATION_ID, causation_id.to_string().as_str());
    }
    map.insert(headers::ACTOR, percent_encode(&metadata.actor).as_str());
    map.insert(TENANT, tenant.as_str());
    map.insert(CHAIN_HASH, event.hash.to_hex().as_str());
    let subject = subjects::event_subject(event.stream.kind.as_str(), &event.stream.id);
    Ok(EventMessage { subject, headers: map, body })
}

/// The envelope a message carries. `subject`, when given, must be the event's stream subject.
pub fn from_message(
    subject: Option<&str>,
    map: &HeaderMap,
    body: &[u8],
) -> Result<RecordedEvent, EventMessageError> {
    let stream: StreamId = parse(map, headers::CE_SUBJECT, |text| text.parse())?;
    if let Some(found) = subject {
        let expected = subjects::event_subject(stream.kind.as_str(), &stream.id);
        if found != expected {
            return Err(EventMessageError::Subject { found: found.to_owned(), expected });
        }
    }
    let (kind, event_type, schema_version) = parse_ce_type(header(map, headers::CE_TYPE)?)?;
    if kind != stream.kind.as_str() {
        return Err(invalid(
            headers::CE_TYPE,
            header(map, headers::CE_TYPE)?,
            format!("names kind {kind}, the stream is a {}", stream.kind.as_str()),
        ));
    }
    let event_id = EventId(parse(map, headers::CE_ID, Uuid::parse_str)?);
    let metadata = Metadata {
        command_id: parse(map, headers::COMMAND_ID, Uuid::parse_str)?,
        correlation_id: parse(map, headers::CORRELATION_ID, Uuid::parse_str)?,
        causation_id: match map.get(CAUSATION_ID) {
            Some(_) => Some(parse(map, CAUSATION_ID, Uuid::parse_str)?),
            None => None,
        },
        actor: parse(map, headers::ACTOR, percent_decode)?,
        tenant: parse(map, TENANT, percent_decode)?,
    };
    let hash = parse(map, CHAIN_HASH, |text| ChainHash::from_hex(text).ok_or("not 64 hex digits"))?;
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|error| EventMessageError::Body(error.to_string()))?;
    let (codec, payload) = event_json::payload_from_json(kind, schema_version, json)
        .map_err(|error| EventMessageError::Body(error.to_string()))?;
    Ok(RecordedEvent {
        position: Position(parse(map, headers::POSITION, str::parse::<u64>)?),
        event_id,
        stream,
        version: parse(map, STREAM_VERSION, str::parse::<u64>)?,
        event_type: event_type.to_owned(),
        schema_version,
        occurred_at: parse(map, headers::CE_TIME, parse_time)?,
        recorded_at: parse(map, RECORDED_AT, parse_time)?,
        metadata,
        codec,
        payload,
        hash,
    })
}

/// `ltc.<kind>.<EventType>.v<N>`, where N is the version of the body's shape: today's
/// ([`event_json::json_schema_version`]), whatever version the event was stored at, since the
/// body is always upcast to today's shape. Naming the stored version would tell a consumer to
/// read today's JSON as an older shape, and [`from_message`] would refuse it.
pub fn ce_type(event: &RecordedEvent) -> String {
    let version = event_json::json_schema_version(event);
    format!("ltc.{}.{}.v{version}", event.stream.kind.as_str(), event.event_type)
}

/// `ltc/<tenant>`, the tenant percent-encoded: where an event comes from.
pub fn ce_source(tenant: &str) -> String {
    format!("{CE_SOURCE_PREFIX}/{}", percent_encode(tenant))
}

/// Splits a `ce-type` into kind, event type and schema version. The kind has no dots; an event
/// type may, so the version is the part after the last `.v`.
fn parse_ce_type(text: &str) -> Result<(&str, &str, u32), EventMessageError> {
    let fail = |reason: &str| invalid(headers::CE_TYPE, text, reason.to_owned());
    let rest = text.strip_prefix("ltc.").ok_or_else(|| fail("does not start with ltc."))?;
    let (kind, rest) = rest.split_once('.').ok_or_else(|| fail("has no event type"))?;
    let (event_type, version) = rest.rsplit_once(".v").ok_or_else(|| fail("has no .v<N>"))?;
    let version = version.parse::<u32>().map_err(|_| fail("version is not a number"))?;
    if event_type.is_empty() {
        return Err(fail("has an empty event type"));
    }
    Ok((kind, event_type, version))
}

fn rfc3339(at: DateTime<Utc>) -> String {
    // AutoSi keeps every digit the time has, so parsing gives the same instant back.
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text).map(|at| at.with_timezone(&Utc))
}

fn header<'a>(map: &'a HeaderMap, name: &'static str) -> Result<&'a str, EventMessageError> {
    map.get(name).map(|value| value.as_str()).ok_or(EventMessageError::MissingHeader(name))
}

fn parse<T, E: std::fmt::Display>(
    map: &HeaderMap,
    name: &'static str,
    parser: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, EventMessageError> {
    let text = header(map, name)?;
    parser(text).map_err(|error| invalid(name, text, error.to_string()))
}

fn invalid(header: &'static str, value: &str, reason: String) -> EventMessageError {
    EventMessageError::InvalidHeader { header, value: value.chars().take(200).collect(), reason }
}

/// Printable ASCII but `%` as it is; every other byte as `%XX`.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_graphic() && byte != b'%' {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> Result<String, &'static str> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = tail.get(..2).ok_or("a % is not followed by two hex digits")?;
            let hex = std::str::from_utf8(hex).map_err(|_| "a % is not followed by hex digits")?;
            bytes.push(u8::from_str_radix(hex, 16).map_err(|_| "a % is not followed by hex")?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).map_err(|_| "the decoded bytes are not UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::small_history;

    #[tokio::test]
    async fn the_ce_type_names_the_version_of_the_bodys_shape_not_the_one_the_event_was_stored_at()
    {
        let (_dir, store) = small_history().await;
        let event = store.read_all(Position(7), 1).next().unwrap().unwrap();
        let today = ltc_domain::schema::FIRST_VERSION;
        assert_eq!(event.schema_version, today, "this build writes every event at version 1");
        // The header of an event stored at another version: its body would be upcast to today's
        // shape, so the type must still say today's version.
        let mut stored_at_another = event.clone();
        stored_at_another.schema_version = today + 6;

        let expected = format!("ltc.{}.{}.v{today}", event.stream.kind.as_str(), event.event_type);
        assert_eq!(ce_type(&event), expected);
        assert_eq!(ce_type(&stored_at_another), expected);
        assert_eq!(event_json::json_schema_version(&stored_at_another), today);
    }

    #[tokio::test]
    async fn every_event_of_a_generated_history_round_trips_through_a_message_unchanged() {
        let (_dir, store) = small_history().await;
        let mut n_events = 0;
        for event in store.read_all(Position::START, u64::MAX) {
            let event = event.unwrap();
            let message = to_message(&event).unwrap();
            let back = from_message(Some(&message.subject), &message.headers, &message.body)
                .unwrap_or_else(|error| panic!("position {}: {error}", event.position));
            assert_eq!(back, event);
            n_events += 1;
        }
        assert!(n_events > 100, "a small history has hundreds of events, found {n_events}");
    }

    #[tokio::test]
    async fn a_message_carries_cloudevents_attributes_and_the_position() {
        let (_dir, store) = small_history().await;
        let event = store.read_all(Position(7), 1).next().unwrap().unwrap();
        let message = to_message(&event).unwrap();
        let get = |name: &str| message.headers.get(name).unwrap().as_str().to_owned();
        assert_eq!(get(headers::NATS_MSG_ID), event.event_id.to_string());
        assert_eq!(get(headers::CE_ID), event.event_id.to_string());
        assert_eq!(get(headers::CE_SPECVERSION), "1.0");
        assert_eq!(
            get(headers::CE_TYPE),
            format!("ltc.{}.{}.v1", event.stream.kind.as_str(), event.event_type)
        );
        assert_eq!(get(headers::CE_SUBJECT), event.stream.to_string());
        assert_eq!(get(headers::POSITION), "7");
        assert_eq!(get(CONTENT_TYPE), "application/json");
        assert!(get(headers::CE_SOURCE).starts_with("ltc/"));
        assert_eq!(
            message.subject,
            format!("ltc.evt.{}.{}", event.stream.kind.as_str(), event.stream.id)
        );
        let body: serde_json::Value = serde_json::from_slice(&message.body).unwrap();
        assert_eq!(body, event_json::payload_to_json(&event).unwrap());
    }

    #[tokio::test]
    async fn actor_and_tenant_with_line_breaks_and_unicode_survive_the_headers() {
        let (_dir, store) = small_history().await;
        let mut event = store.read_all(Position(3), 1).next().unwrap().unwrap();
        event.metadata.actor = "ann\r\nInjected: yes % 100 ünïcødé ".to_owned();
        event.metadata.tenant = " acme/eu ".to_owned();
        let message = to_message(&event).unwrap();
        assert!(!message.headers.get(headers::ACTOR).unwrap().as_str().contains('\n'));
        let back = from_message(None, &message.headers, &message.body).unwrap();
        assert_eq!(back.metadata, event.metadata);
    }

    #[tokio::test]
    async fn a_message_that_does_not_decode_names_the_header_or_field_at_fault() {
        let (_dir, store) = small_history().await;
        let event = store.read_all(Position(5), 1).next().unwrap().unwrap();
        let message = to_message(&event).unwrap();
        let decode = |map: &HeaderMap, body: &[u8]| from_message(None, map, body).unwrap_err();

        let mut empty_position = message.headers.clone();
        empty_position.insert(headers::POSITION, "");
        let mut without_position = HeaderMap::new();
        for (name, values) in message.headers.iter() {
            if AsRef::<str>::as_ref(name) != headers::POSITION {
                without_position.insert(name.clone(), values[0].clone());
            }
        }
        assert!(matches!(
            decode(&without_position, &message.body),
            EventMessageError::MissingHeader(headers::POSITION)
        ));
        assert!(matches!(
            decode(&empty_position, &message.body),
            EventMessageError::InvalidHeader { header: headers::POSITION, .. }
        ));
        let mut bad_type = message.headers.clone();
        bad_type.insert(headers::CE_TYPE, "ltc.lead");
        assert!(matches!(
            decode(&bad_type, &message.body),
            EventMessageError::InvalidHeader { header: headers::CE_TYPE, .. }
        ));
        let mut bad_hash = message.headers.clone();
        bad_hash.insert(CHAIN_HASH, "beef");
        assert!(matches!(
            decode(&bad_hash, &message.body),
            EventMessageError::InvalidHeader { header: CHAIN_HASH, .. }
        ));
        assert_eq!(decode(&message.headers, b"{not json").code(), "event_message.body");
        assert_eq!(decode(&message.headers, br#"{"NoSuchEvent":{}}"#).code(), "event_message.body");
        let wrong_subject =
            from_message(Some("ltc.evt.lead.other"), &message.headers, &message.body).unwrap_err();
        assert_eq!(wrong_subject.code(), "event_message.subject");
    }
}
