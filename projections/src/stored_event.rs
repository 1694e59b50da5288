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

#[cfg(test)]
mod tests {
    //! The seam proved on a test-only aggregate whose `WidgetCreated` changed shape from version
    //! 1 (a name) to version 2 (a name and a size), while `WidgetRenamed` stayed at 1.

    use ltc_domain::schema::{EventSchema, StoredPayload, UpcastError, decode_current};
    use serde::{Deserialize, Serialize};

    use super::*;

    /// The events as version 1 of `WidgetCreated` stored them: the whole enum, since the codec
    /// reads variants by position.
    #[derive(Debug, Serialize, Deserialize)]
    enum WidgetEventV1 {
        Created { name: String },
        Renamed { name: String },
    }

    #[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
    enum WidgetEvent {
        Created { name: String, size: u32 },
        Renamed { name: String },
    }

    impl EventSchema for WidgetEvent {
        fn schema_version(event_type: &str) -> u32 {
            if event_type == "WidgetCreated" { 2 } else { 1 }
        }

        fn versions(event_type: &str) -> Vec<u32> {
            if event_type == "WidgetCreated" { vec![1, 2] } else { vec![1] }
        }

        fn upcast<P: StoredPayload>(
            event_type: &str,
            version: u32,
            payload: P,
        ) -> Result<WidgetEvent, UpcastError<P::Error>> {
            match (event_type, version) {
                ("WidgetCreated", 1) => match payload.decode().map_err(UpcastError::Decode)? {
                    // Widgets made before sizes existed were all of the one size then sold.
                    WidgetEventV1::Created { name } => Ok(WidgetEvent::Created { name, size: 1 }),
                    WidgetEventV1::Renamed { name } => Ok(WidgetEvent::Renamed { name }),
                },
                _ => decode_current(event_type, version, payload),
            }
        }
    }

    fn stored<T: Serialize>(event: &T) -> Vec<u8> {
        codec::encode(event).unwrap().1
    }

    #[test]
    fn an_old_version_is_upcast_and_todays_is_decoded_as_it_is() {
        let old = stored(&WidgetEventV1::Created { name: "gear".into() });
        let decoded: WidgetEvent =
            decode_payload("WidgetCreated", 1, CodecId::BINCODE2, &old).unwrap();
        assert_eq!(decoded, WidgetEvent::Created { name: "gear".into(), size: 1 });
        let new = stored(&WidgetEvent::Created { name: "cog".into(), size: 3 });
        let decoded: WidgetEvent =
            decode_payload("WidgetCreated", 2, CodecId::BINCODE2, &new).unwrap();
        assert_eq!(decoded, WidgetEvent::Created { name: "cog".into(), size: 3 });
        let renamed = stored(&WidgetEvent::Renamed { name: "sprocket".into() });
        let decoded: WidgetEvent =
            decode_payload("WidgetRenamed", 1, CodecId::BINCODE2, &renamed).unwrap();
        assert_eq!(decoded, WidgetEvent::Renamed { name: "sprocket".into() });
    }

    #[test]
    fn an_unknown_version_is_a_typed_error_naming_it_and_the_versions_known() {
        let new = stored(&WidgetEvent::Created { name: "cog".into(), size: 3 });
        let unknown = decode_payload::<WidgetEvent>("WidgetCreated", 3, CodecId::BINCODE2, &new);
        assert_eq!(
            unknown,
            Err(UpcastError::UnknownVersion {
                event_type: "WidgetCreated".into(),
                version: 3,
                known: vec![1, 2],
            })
        );
        let renamed = stored(&WidgetEvent::Renamed { name: "x".into() });
        let unknown =
            decode_payload::<WidgetEvent>("WidgetRenamed", 2, CodecId::BINCODE2, &renamed);
        assert!(matches!(unknown, Err(UpcastError::UnknownVersion { version: 2, .. })));
    }

    #[test]
    fn bytes_that_are_not_the_version_they_claim_are_a_decode_error() {
        // Today's shape claimed as version 1: the old type cannot read the extra field.
        let new = stored(&WidgetEvent::Created { name: "cog".into(), size: 3 });
        let misread = decode_payload::<WidgetEvent>("WidgetCreated", 1, CodecId::BINCODE2, &new);
        assert!(matches!(misread, Err(UpcastError::Decode(_))), "{misread:?}");
    }
}
