//! Envelope → domain event, for the read models. A projection decides from the envelope's header
//! (`stream.kind`, `event_type`) whether it needs the payload at all, and only then decodes.
//!
//! A runner applies each event to every projection it holds before the next event, and several
//! of them decode the same payload: an opportunity's event is decoded by forecast, funnel,
//! stalled and reps, all in one rebuild group. Decoding is a tenth of a
//! rebuild's CPU (each field parsed again, every time through chrono's generic RFC 3339 parser),
//! so each thread remembers the last payload it decoded and hands it out again while the
//! same payload is asked for as the same type. The memo is keyed by everything a decoded value
//! is a function of (the type, the event type, the schema version, the codec and the payload's
//! bytes), never by position or id, so it can only ever answer with what decoding would give.
//!
//! A rebuild's two groups would still both decode the payloads both need (≈ a fifth of what they
//! decode), so a rebuild's history feed can decode each payload once on its reading thread
//! ([`PREDECODING`], passed in `RebuildOptions`) and offer it to each group's thread with its
//! envelope: the same memo entry, made on another thread.
//!
//! What [`decode`] hands out is that entry itself ([`DecodedEvent`], read through `Deref`), not a
//! clone of the event in it: up to five projections ask for each payload, and cloning an event
//! (an opening carries its whole pipeline) for each, and freeing the clones, was ≈ 2.5 % of a
//! rebuild's instructions.

use std::any::Any;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use ltc_domain::customer::CustomerEvent;
use ltc_domain::lead::LeadEvent;
use ltc_domain::opportunity::OpportunityEvent;
use ltc_domain::order::OrderEvent;
use ltc_domain::payment::PaymentEvent;
use ltc_domain::quota::QuotaEvent;
use ltc_domain::quote::QuoteEvent;
use ltc_domain::schema::EventSchema;
use ltc_eventstore::{CodecId, RecordedEvent};

use crate::ProjectionError;
use crate::feed::{Predecoded, Predecoding};

thread_local! {
    /// The last payload this thread decoded, as the type it was decoded to.
    static LAST_DECODED: RefCell<Option<Arc<Decoded>>> = const { RefCell::new(None) };
    /// The payload of the envelope a feed delivered last to this thread, decoded on its reading
    /// thread (`offer`).
    static OFFERED: RefCell<Option<Arc<Decoded>>> = const { RefCell::new(None) };
}

/// Decodes every domain payload on a rebuild's reading thread, once for all its groups.
pub const PREDECODING: Predecoding = Predecoding { decode: predecode, offer };

/// A decoded payload and what it was decoded from.
#[derive(Debug)]
struct Decoded {
    event_type: String,
    schema_version: u32,
    codec: CodecId,
    payload: Vec<u8>,
    value: Box<dyn Any + Send + Sync>,
}

impl Decoded {
    /// Whether the value is what decoding `recorded` as `E` gives.
    fn is_for<E: 'static>(&self, recorded: &RecordedEvent) -> bool {
        self.value.is::<E>()
            && self.schema_version == recorded.schema_version
            && self.codec == recorded.codec
            && self.event_type == recorded.event_type
            && self.payload == recorded.payload
    }

    /// `value`, decoded from `recorded`.
    fn of<E: Send + Sync + 'static>(recorded: &RecordedEvent, value: E) -> Decoded {
        Decoded {
            event_type: recorded.event_type.clone(),
            schema_version: recorded.schema_version,
            codec: recorded.codec,
            payload: recorded.payload.clone(),
            value: Box::new(value),
        }
    }
}

/// A decoded event, shared with the memo entry it was decoded into rather than cloned out of it;
/// read it through `Deref` (`&*decoded`, or a field or method straight on it).
#[derive(Debug)]
pub struct DecodedEvent<E> {
    decoded: Arc<Decoded>,
    event: PhantomData<E>,
}

impl<E: 'static> DecodedEvent<E> {
    /// Only for an entry that `is_for::<E>`, so that the value is an `E`.
    fn of(decoded: Arc<Decoded>) -> DecodedEvent<E> {
        DecodedEvent { decoded, event: PhantomData }
    }
}

impl<E: 'static> Deref for DecodedEvent<E> {
    type Target = E;

    fn deref(&self) -> &E {
        self.decoded.value.downcast_ref::<E>().expect("a DecodedEvent<E> is made for an E only")
    }
}

/// The event in `recorded`, as the aggregate's event type `E` today (upcast from the version it
/// was stored at).
pub fn decode<E: EventSchema + Send + Sync + 'static>(
    recorded: &RecordedEvent,
) -> Result<DecodedEvent<E>, ProjectionError> {
    let offered = OFFERED.with(|cell| {
        let offered = cell.try_borrow().ok()?;
        offered.as_ref().filter(|decoded| decoded.is_for::<E>(recorded)).cloned()
    });
    if let Some(decoded) = offered {
        return Ok(DecodedEvent::of(decoded));
    }
    LAST_DECODED.with(|cell| {
        // Held by a decode further up this thread's stack (an upcaster that decodes through
        // here): this one goes without the memo.
        let Ok(mut last) = cell.try_borrow_mut() else {
            let value: E = crate::decode_event(recorded)?;
            return Ok(DecodedEvent::of(Arc::new(Decoded::of(recorded, value))));
        };
        if let Some(decoded) = last.as_ref().filter(|decoded| decoded.is_for::<E>(recorded)) {
            return Ok(DecodedEvent::of(Arc::clone(decoded)));
        }
        let value: E = crate::decode_event(recorded)?;
        #[cfg(test)]
        tests::DECODED.set(tests::DECODED.get() + 1);
        let decoded = Arc::new(Decoded::of(recorded, value));
        *last = Some(Arc::clone(&decoded));
        Ok(DecodedEvent::of(decoded))
    })
}

/// The payload of every stream kind the read models know, decoded as its aggregate's events.
fn predecode(recorded: &RecordedEvent) -> Option<Predecoded> {
    match recorded.stream.kind.as_str() {
        "lead" => decoded_as::<LeadEvent>(recorded),
        "customer" => decoded_as::<CustomerEvent>(recorded),
        "opportunity" => decoded_as::<OpportunityEvent>(recorded),
        "quote" => decoded_as::<QuoteEvent>(recorded),
        "order" => decoded_as::<OrderEvent>(recorded),
        "payment" => decoded_as::<PaymentEvent>(recorded),
        "quota" => decoded_as::<QuotaEvent>(recorded),
        _ => None,
    }
}

/// A payload that does not decode is left to the runner, whose decode reports it.
fn decoded_as<E: EventSchema + Send + Sync + 'static>(
    recorded: &RecordedEvent,
) -> Option<Predecoded> {
    let value: E = crate::decode_event(recorded).ok()?;
    Some(Arc::new(Decoded::of(recorded, value)))
}

/// Makes `predecoded` what this thread's `decode` answers from first, while it matches.
fn offer(predecoded: &Predecoded) {
    let Ok(decoded) = Arc::clone(predecoded).downcast::<Decoded>() else { return };
    OFFERED.with(|cell| {
        if let Ok(mut offered) = cell.try_borrow_mut() {
            *offered = Some(decoded);
        }
    });
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use ltc_domain::ids::UserId;
    use ltc_domain::money::{Bps, Currency, Money};
    use ltc_domain::quota::{QuotaEvent, QuotaPeriod};
    use ltc_eventstore::{ChainHash, EventId, Metadata, Position, StreamId, codec};
    use uuid::Uuid;

    use super::*;

    thread_local! {
        /// Payloads this thread decoded rather than took from the memo (each test has a thread).
        pub(super) static DECODED: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }

    fn quota_set(amount_minor: i64) -> QuotaEvent {
        QuotaEvent::Set {
            rep: UserId(Uuid::from_u128(1)),
            team: None,
            period: QuotaPeriod("2026-Q2".into()),
            amount: Money::new(amount_minor, Currency::new("EUR").unwrap()),
            commission_bps: Bps(500),
            by: UserId(Uuid::from_u128(2)),
            at: DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap(),
        }
    }

    /// `event` as the store would hand it out at `position`.
    fn recorded(position: u64, event: &QuotaEvent) -> RecordedEvent {
        let (codec, payload) = codec::encode(event).unwrap();
        let at = DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap();
        RecordedEvent {
            position: Position(position),
            event_id: EventId(Uuid::from_u128(u128::from(position))),
            stream: StreamId::new("quota", Uuid::from_u128(7)).unwrap(),
            version: position,
            event_type: event.event_type().to_owned(),
            schema_version: QuotaEvent::schema_version(event.event_type()),
            occurred_at: at,
            recorded_at: at,
            metadata: Metadata {
                command_id: Uuid::from_u128(3),
                correlation_id: Uuid::from_u128(3),
                causation_id: None,
                actor: "test".into(),
                tenant: "default".into(),
            },
            codec,
            payload,
            hash: ChainHash([0; 32]),
        }
    }

    #[test]
    fn the_same_payload_asked_for_again_is_decoded_once_and_gives_the_same_event() {
        let event = recorded(1, &quota_set(100));
        assert_eq!(*decode::<QuotaEvent>(&event).unwrap(), quota_set(100));
        assert_eq!(*decode::<QuotaEvent>(&event).unwrap(), quota_set(100));
        assert_eq!(DECODED.get(), 1);
    }

    #[test]
    fn a_payload_asked_for_by_several_projections_is_one_event_they_share_not_a_copy_each() {
        let event = recorded(1, &quota_set(100));
        let (first, second) = (decode::<QuotaEvent>(&event).unwrap(), decode(&event).unwrap());
        assert!(std::ptr::eq::<QuotaEvent>(&*first, &*second));
        let predecoded = (PREDECODING.decode)(&event).expect("a quota's payload decodes");
        (PREDECODING.offer)(&predecoded);
        let (offered, again) = (decode::<QuotaEvent>(&event).unwrap(), decode(&event).unwrap());
        assert!(std::ptr::eq::<QuotaEvent>(&*offered, &*again), "both answered from the offer");
        assert!(!std::ptr::eq::<QuotaEvent>(&*offered, &*first), "the offer, not the memo");
    }

    #[test]
    fn the_same_bytes_stored_at_another_schema_version_are_not_answered_from_the_memo() {
        let today = recorded(1, &quota_set(100));
        let mut unknown_version = today.clone();
        unknown_version.schema_version = today.schema_version + 1;
        assert!(decode::<QuotaEvent>(&today).is_ok());
        assert!(decode::<QuotaEvent>(&unknown_version).is_err(), "no upcaster knows it");
    }

    #[test]
    fn the_same_bytes_under_another_codec_are_not_answered_from_the_memo() {
        let today = recorded(1, &quota_set(100));
        let mut other_codec = today.clone();
        other_codec.codec = CodecId(today.codec.0 + 100);
        assert!(decode::<QuotaEvent>(&today).is_ok());
        assert!(decode::<QuotaEvent>(&other_codec).is_err(), "no such codec");
    }

    #[test]
    fn a_payload_is_never_answered_with_the_event_decoded_before_it() {
        // Same position, id, type and schema version as the first: only the bytes differ, as
        // they would in two stores built side by side on one thread.
        let first = recorded(1, &quota_set(100));
        let mut second = recorded(1, &quota_set(250));
        second.event_id = first.event_id;
        assert_eq!(*decode::<QuotaEvent>(&first).unwrap(), quota_set(100));
        assert_eq!(*decode::<QuotaEvent>(&second).unwrap(), quota_set(250));
        assert_eq!(*decode::<QuotaEvent>(&first).unwrap(), quota_set(100));
    }

    #[test]
    fn a_payload_decoded_on_the_reading_thread_is_answered_here_without_decoding_it_again() {
        let event = recorded(1, &quota_set(100));
        let predecoded = std::thread::scope(|scope| {
            scope.spawn(|| (PREDECODING.decode)(&event)).join().expect("the reading thread")
        });
        (PREDECODING.offer)(&predecoded.expect("a quota's payload decodes"));
        assert_eq!(*decode::<QuotaEvent>(&event).unwrap(), quota_set(100));
        assert_eq!(DECODED.get(), 0, "answered from the offer");
        let other = recorded(2, &quota_set(250));
        assert_eq!(*decode::<QuotaEvent>(&other).unwrap(), quota_set(250));
        assert_eq!(DECODED.get(), 1, "another payload is decoded here");
    }

    #[test]
    fn a_payload_that_does_not_decode_is_left_to_the_runner_to_report() {
        let mut unknown_version = recorded(1, &quota_set(100));
        unknown_version.schema_version += 1;
        assert!((PREDECODING.decode)(&unknown_version).is_none());
        assert!(decode::<QuotaEvent>(&unknown_version).is_err());
    }
}
