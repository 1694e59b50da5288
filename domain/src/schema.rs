//! Event schema versions, and the upcasting seam: how a stored event of any version ever
//! released becomes today's event.
//!
//! Every event type carries a schema version, stored in its envelope. Stored bytes are never
//! rewritten, so a change to an event's shape is a new version of that event type plus an
//! upcaster from the old one; every reader decodes through [`EventSchema::upcast`], which
//! looks at the stored version and either decodes today's type or decodes the old one and
//! converts it. A version this build does not know is a typed [`UpcastError::UnknownVersion`]
//! naming it, never a misread.
//!
//! The domain knows no codec: the bytes arrive behind [`StoredPayload`], which decodes them as
//! whatever type the version says (the shell implements it over the store's codec).
//!
//! To change an event's shape (see schemas/README.md): keep a copy of the aggregate's event
//! enum as it was (bincode reads variants by position, so the old payload decodes only as the
//! whole old enum), return the new version from `schema_version` for that event type, list
//! both in `versions`, and match the old version in `upcast`. Add the old version's fixture
//! (`schemas/fixtures/`) before the change, never after.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::customer::CustomerEvent;
use crate::lead::LeadEvent;
use crate::opportunity::OpportunityEvent;
use crate::order::OrderEvent;
use crate::payment::PaymentEvent;
use crate::quota::QuotaEvent;
use crate::quote::QuoteEvent;

/// The version every event type was first released at.
pub const FIRST_VERSION: u32 = 1;

/// A stored payload, decodable as the type of the version it was stored at.
pub trait StoredPayload {
    type Error;

    fn decode<T: DeserializeOwned>(self) -> Result<T, Self::Error>;
}

/// Why a stored payload did not become today's event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpcastError<E> {
    /// The envelope names a version this build has no decoder for (written by a newer build,
    /// or a version whose upcaster was dropped): upgrade the reader; never skip the event.
    #[error(
        "{event_type} events of schema version {version} are unknown to this build (it reads \
         versions {known:?})"
    )]
    UnknownVersion { event_type: String, version: u32, known: Vec<u32> },
    /// The bytes are not the version they claim to be.
    #[error("{0}")]
    Decode(E),
}

/// An aggregate's event enum, with the versions of each of its event types.
pub trait EventSchema: Serialize + DeserializeOwned {
    /// The version this build writes events of `event_type` at.
    fn schema_version(event_type: &str) -> u32 {
        let _ = event_type;
        FIRST_VERSION
    }

    /// Every version of `event_type` this build reads, oldest first; the last is
    /// [`EventSchema::schema_version`].
    fn versions(event_type: &str) -> Vec<u32> {
        vec![Self::schema_version(event_type)]
    }

    /// Today's event from a payload of `event_type` stored at `version`.
    fn upcast<P: StoredPayload>(
        event_type: &str,
        version: u32,
        payload: P,
    ) -> Result<Self, UpcastError<P::Error>> {
        decode_current(event_type, version, payload)
    }
}

/// The payload as today's type, if `version` is today's version of `event_type`; what an
/// `upcast` falls back to for every version it does not convert.
pub fn decode_current<E: EventSchema, P: StoredPayload>(
    event_type: &str,
    version: u32,
    payload: P,
) -> Result<E, UpcastError<P::Error>> {
    if version != E::schema_version(event_type) {
        return Err(UpcastError::UnknownVersion {
            event_type: event_type.to_owned(),
            version,
            known: E::versions(event_type),
        });
    }
    payload.decode().map_err(UpcastError::Decode)
}

// Every event type is at its first version: nothing has changed shape since the first release.
impl EventSchema for LeadEvent {}
impl EventSchema for CustomerEvent {}
impl EventSchema for OpportunityEvent {}
impl EventSchema for QuoteEvent {}
impl EventSchema for OrderEvent {}
impl EventSchema for PaymentEvent {}
impl EventSchema for QuotaEvent {}
