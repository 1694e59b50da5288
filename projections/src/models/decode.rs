//! Envelope → domain event, for the read models. A projection decides from the envelope's header
//! (`stream.kind`, `event_type`) whether it needs the payload at all, and only then decodes.

use ltc_eventstore::{RecordedEvent, codec};
use serde::de::DeserializeOwned;

use crate::ProjectionError;

/// The event in `recorded`, as the aggregate's event type `E`.
pub fn decode<E: DeserializeOwned>(recorded: &RecordedEvent) -> Result<E, ProjectionError> {
    Ok(codec::decode(recorded.codec, &recorded.payload)?)
}
