//! Stored event payloads as JSON and back: the form the outside world sees events in (relayed
//! to NATS, queried by auditors, exported), described by `schemas/events/<kind>.json`.
//!
//! Stored payloads of an older schema version are upcast (`ltc_domain::schema`), so the JSON
//! is always today's shape of the event.
//!
//! The JSON is the domain event's serde form, externally tagged by variant
//! (`{"Accepted": {...}}`), exactly as the schema files say. Going back re-encodes with the
//! store's codec, which is deterministic: for an event stored at today's version the bytes
//! equal the stored ones, so a consumer fed JSON over NATS applies the very payload an embedded
//! one reads from the log. For one stored at an older version they are today's encoding of the
//! upcast event, which decodes to what an embedded reader gets by upcasting.
//!
//! The version of the JSON's shape is [`json_schema_version`] (what `ce-type` names). Exports
//! in JSON lines and CSV, and the audit query, also show the envelope's `schema_version`: the
//! version the event was *stored* at, a fact of the log, while their payload is today's shape.

use std::marker::PhantomData;

use ltc_domain::customer::CustomerDecider;
use ltc_domain::lead::LeadDecider;
use ltc_domain::opportunity::OpportunityDecider;
use ltc_domain::order::OrderDecider;
use ltc_domain::payment::PaymentDecider;
use ltc_domain::quota::QuotaDecider;
use ltc_domain::quote::QuoteDecider;
use ltc_domain::schema::EventSchema;
use ltc_eventstore::{CodecError, CodecId, RecordedEvent, codec};
use serde_json::Value;

use crate::command::Aggregate;

/// Why a payload could not be turned into JSON or back.
#[derive(Debug, thiserror::Error)]
pub enum EventJsonError {
    /// No aggregate of this build writes streams of this kind.
    #[error("no aggregate has stream kind {0:?}")]
    UnknownKind(String),
    /// JSON is today's shape of an event, so it is taken only at the version this build writes
    /// that event type at.
    #[error("{event_type} is written at schema version {current}, not {found}")]
    NotCurrentVersion { event_type: String, found: u32, current: u32 },
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// A stored payload of a version this build cannot read.
    #[error(transparent)]
    Upcast(#[from] ltc_projections::DecodeError),
    /// The JSON is not an event of the kind it claims to be.
    #[error("not a {kind} event: {error}")]
    Json { kind: String, error: serde_json::Error },
}

/// The event's payload as JSON, in today's shape.
pub fn payload_to_json(event: &RecordedEvent) -> Result<Value, EventJsonError> {
    kind_of(event.stream.kind.as_str())?.json_of(event)
}

/// The schema version of the JSON [`payload_to_json`] gives for `event`: the version this build
/// writes the event's type at, since that JSON is always today's shape (an event stored at an
/// older version is upcast). This, not the stored version, is what a consumer of the JSON must
/// be told (`ce-type`), and what [`payload_from_json`] takes back. An event of a kind this build
/// does not know has no JSON; its stored version is returned.
pub fn json_schema_version(event: &RecordedEvent) -> u32 {
    kind_of(event.stream.kind.as_str())
        .map_or(event.schema_version, |kind| kind.current_version(&event.event_type))
}

/// The stored payload bytes of the JSON form of a `kind` event of `schema_version`.
pub fn payload_from_json(
    kind: &str,
    schema_version: u32,
    json: Value,
) -> Result<(CodecId, Vec<u8>), EventJsonError> {
    kind_of(kind)?.payload_of(json, schema_version)
}

/// The conversions of one aggregate's events, behind a trait object so a stream kind found at
/// run time picks them.
trait EventKind: Sync {
    fn json_of(&self, event: &RecordedEvent) -> Result<Value, EventJsonError>;
    fn current_version(&self, event_type: &str) -> u32;
    fn payload_of(
        &self,
        json: Value,
        schema_version: u32,
    ) -> Result<(CodecId, Vec<u8>), EventJsonError>;
}

struct KindOf<A>(PhantomData<fn() -> A>);

impl<A> KindOf<A> {
    const ONE: KindOf<A> = KindOf(PhantomData);
}

impl<A: Aggregate> EventKind for KindOf<A> {
    fn json_of(&self, event: &RecordedEvent) -> Result<Value, EventJsonError> {
        let decoded: A::Event = ltc_projections::decode_event(event)?;
        serde_json::to_value(&decoded).map_err(json_error::<A>)
    }

    fn current_version(&self, event_type: &str) -> u32 {
        A::Event::schema_version(event_type)
    }

    fn payload_of(
        &self,
        json: Value,
        schema_version: u32,
    ) -> Result<(CodecId, Vec<u8>), EventJsonError> {
        let decoded: A::Event = serde_json::from_value(json).map_err(json_error::<A>)?;
        let event_type = A::event_type(&decoded);
        let current = A::Event::schema_version(event_type);
        if schema_version != current {
            return Err(EventJsonError::NotCurrentVersion {
                event_type: event_type.to_owned(),
                found: schema_version,
                current,
            });
        }
        Ok(codec::encode(&decoded)?)
    }
}

fn json_error<A: Aggregate>(error: serde_json::Error) -> EventJsonError {
    EventJsonError::Json { kind: A::KIND.to_owned(), error }
}

fn kind_of(kind: &str) -> Result<&'static dyn EventKind, EventJsonError> {
    Ok(match kind {
        LeadDecider::KIND => &KindOf::<LeadDecider>::ONE,
        CustomerDecider::KIND => &KindOf::<CustomerDecider>::ONE,
        OpportunityDecider::KIND => &KindOf::<OpportunityDecider>::ONE,
        QuoteDecider::KIND => &KindOf::<QuoteDecider>::ONE,
        OrderDecider::KIND => &KindOf::<OrderDecider>::ONE,
        PaymentDecider::KIND => &KindOf::<PaymentDecider>::ONE,
        QuotaDecider::KIND => &KindOf::<QuotaDecider>::ONE,
        other => return Err(EventJsonError::UnknownKind(other.to_owned())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::small_history;

    #[tokio::test]
    async fn every_event_of_a_generated_history_round_trips_through_json_to_its_stored_bytes() {
        let (_dir, store) = small_history().await;
        let mut kinds = std::collections::BTreeSet::new();
        for event in store.read_all(ltc_eventstore::Position(1), u64::MAX) {
            let event = event.unwrap();
            let json = payload_to_json(&event).unwrap();
            let (codec, bytes) =
                payload_from_json(event.stream.kind.as_str(), event.schema_version, json).unwrap();
            assert_eq!((codec, &bytes), (event.codec, &event.payload), "{}", event.position);
            kinds.insert(event.stream.kind.as_str().to_owned());
        }
        assert_eq!(kinds.len(), 7, "every aggregate kind appears: {kinds:?}");
    }
}
