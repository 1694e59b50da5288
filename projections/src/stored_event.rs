//! A stored envelope's payload as today's domain event: decoded with the codec its row names,
//! through the event type's upcasters ([`EventSchema::upcast`]) for the schema version its
//! envelope carries. Every reader of domain events (the read models here, the command path,
//! the process managers and the JSON form in `services`) decodes through [`decode_event`], so
//! an old version is upcast everywhere or nowhere.

use ltc_domain::schema::{EventSchema, StoredPayload, UpcastError};
use ltc_eventstore::{CodecError, CodecId, RecordedEvent, codec};
use serde::de::DeserializeOwned;

/// Why a stored payload did not become today's event.
pub type DecodeError = UpcastError<CodecError>;

/// Payload bytes and the codec that wrote them.
#[derive(Debug, Clone, Copy)]
pub struct StoredBytes<'a> {
    pub codec: CodecId,
    pub bytes: &'a [u8],
}

impl StoredPayload for StoredBytes<'_> {
    type Error = CodecError;

    fn decode<T: DeserializeOwned>(self) -> Result<T, CodecError> {
        codec::decode(self.codec, self.bytes)
    }
}

/// The event in `recorded`, upcast to today's `E`.
pub fn decode_event<E: EventSchema>(recorded: &RecordedEvent) -> Result<E, DecodeError> {
    decode_payload(&recorded.event_type, recorded.schema_version, recorded.codec, &recorded.payload)
}

/// [`decode_event`] for a payload outside an envelope.
pub fn decode_payload<E: EventSchema>(
    event_type: &str,
    schema_version: u32,
    codec: CodecId,
    bytes: &[u8],
) -> Result<E, DecodeError> {
    E::upcast(event_type, schema_version, StoredBytes { codec, bytes })
}
