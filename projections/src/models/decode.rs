//! Envelope → domain event, for the read models. A projection decides from the envelope's header
//! (`stream.kind`, `event_type`) whether it needs the payload at all, and only then decodes.

use ltc_domain::schema::EventSchema;
use ltc_eventstore::RecordedEvent;

use crate::ProjectionError;

/// The event in `recorded`, as the aggregate's event type `E` today (upcast from the version it
/// was stored at).
pub fn decode<E: EventSchema>(recorded: &RecordedEvent) -> Result<E, ProjectionError> {
    Ok(crate::decode_event(recorded)?)
}
