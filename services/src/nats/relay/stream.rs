//! The `LTC_EVENTS` stream: its configuration, and where the relay resumes in it.

use async_nats::jetstream::{self, stream};
use ltc_eventstore::{EventStore, Position};

use super::RelayError;
use crate::nats::headers;
use crate::nats::subjects::{EVENT_PREFIX, EVENTS_STREAM};

/// File storage, every event subject, append-only (no delete, no purge), kept forever. Only
/// fields a 2.9.10 server knows (the crate's `server_2_10` features are off).
pub fn events_stream_config() -> stream::Config {
    stream::Config {
        name: EVENTS_STREAM.to_owned(),
        description: Some("ltc's event log, in position order: sequence = position".to_owned()),
        subjects: vec![format!("{EVENT_PREFIX}.>")],
        storage: stream::StorageType::File,
        retention: stream::RetentionPolicy::Limits,
        deny_delete: true,
        deny_purge: true,
        allow_direct: true,
        ..stream::Config::default()
    }
}

/// Why resuming failed: a transient NATS failure (retry) or a fatal mismatch with the store.
#[derive(Debug)]
pub(super) enum ResumeError {
    Nats(String),
    Fatal(RelayError),
}

/// The position the relay publishes next: the stream's last sequence + 1, after checking that
/// the stream's last message is the store's event at that position. Creates the stream when it
/// is absent.
pub(super) async fn resume(
    jetstream: &jetstream::Context,
    store: &EventStore,
) -> Result<Position, ResumeError> {
    let nats = |error: &dyn std::fmt::Display| ResumeError::Nats(error.to_string());
    let mut events =
        jetstream.get_or_create_stream(events_stream_config()).await.map_err(|e| nats(&e))?;
    let last = events.info().await.map_err(|e| nats(&e))?.state.last_sequence;
    if last == 0 {
        return Ok(Position::START);
    }
    let stored = match store.read_all(Position(last), 1).next() {
        Some(event) => event.map_err(|error| ResumeError::Fatal(error.into()))?,
        None => {
            return Err(ResumeError::Fatal(RelayError::StreamAhead {
                stream: EVENTS_STREAM,
                stream_last: last,
                store_head: store.head().position,
            }));
        }
    };
    let message = events.get_raw_message(last).await.map_err(|e| nats(&e))?;
    let found = message.headers.get(headers::NATS_MSG_ID).map(|id| id.as_str().to_owned());
    let expected = stored.event_id.to_string();
    if found.as_deref() != Some(expected.as_str()) {
        return Err(ResumeError::Fatal(RelayError::StreamMismatch {
            stream: EVENTS_STREAM,
            sequence: last,
            found: found.unwrap_or_default(),
            expected,
        }));
    }
    Ok(Position(last + 1))
}
