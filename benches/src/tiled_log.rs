//! A big log of real lead-to-cash events, made quickly: one seeded history generated through the
//! real engine (`ltc demo`'s generator), then appended again and again as independent copies, each
//! with every id in it remapped, so that copy `k` is the same company's story told about other
//! customers, deals, quotes, orders, receivables, people and teams.
//!
//! Why tiling is honest for a rebuild benchmark: every event is a real domain event that decodes
//! as its type, with the same shape, sizes and mix of kinds as the generated history; the read
//! models see `n` times as many customers (so their tables and B-trees grow as they would), and
//! the copies are interleaved round by round (the `r`-th append of every copy before the `r+1`-th
//! of any), so each copy's hot rows are spread over the whole log as concurrent customers' are.
//! What it does not give: more activity per customer, or ids shared between copies.
//!
//! How ids are remapped without knowing every event type's fields: each base payload is decoded
//! once as its aggregate's event type and turned into JSON, where every UUID shows as a string;
//! each of those UUIDs is then found in the payload's bytes (bincode stores a UUID as its 16 raw
//! bytes), and the offsets are kept. A copy overwrites those offsets with the remapped UUIDs:
//! no decode and no encode per copy. The count of byte occurrences must equal the count in the
//! JSON, and the tests decode every copied payload again, so a wrong offset cannot go unnoticed.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ltc_domain::customer::CustomerEvent;
use ltc_domain::lead::LeadEvent;
use ltc_domain::opportunity::OpportunityEvent;
use ltc_domain::order::OrderEvent;
use ltc_domain::payment::PaymentEvent;
use ltc_domain::quota::QuotaEvent;
use ltc_domain::quote::QuoteEvent;
use ltc_eventstore::{
    AppendRequest, CodecId, EventId, EventStore, ExpectedVersion, ManualClock, Metadata, NewEvent,
    Position, RecordedEvent, StreamId, codec,
};
use ltc_services::client_ids::ClientIds;
use ltc_services::generator::{Scale, generate_with_ids};
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::mix64;

/// One append of the base history, ready to be copied.
#[derive(Debug, Clone)]
pub struct BaseAppend {
    pub stream: StreamId,
    pub first_version: u64,
    pub metadata: Metadata,
    pub recorded_at: DateTime<Utc>,
    pub events: Vec<BaseEvent>,
}

/// One event of the base history, with where its payload holds UUIDs.
#[derive(Debug, Clone)]
pub struct BaseEvent {
    pub event_id: EventId,
    pub event_type: String,
    pub schema_version: u32,
    pub occurred_at: DateTime<Utc>,
    pub codec: CodecId,
    pub payload: Vec<u8>,
    /// Byte offsets of every UUID in `payload`, and the UUID found there.
    pub uuid_offsets: Vec<(usize, Uuid)>,
}

/// A generated history, grouped into the appends that wrote it.
#[derive(Debug, Clone)]
pub struct BaseHistory {
    pub appends: Vec<BaseAppend>,
    pub n_events: u64,
}

/// Why a base history could not be made or copied. The benchmark stops on any of these.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    #[error("generating the base history: {0}")]
    Generate(String),
    #[error("reading the base history: {0}")]
    Read(#[from] ltc_eventstore::ReadError),
    #[error("event at {position} ({kind} {event_type}): {reason}")]
    Payload { position: u64, kind: String, event_type: String, reason: String },
    #[error("appending copy {copy}: {error}")]
    Append { copy: u32, error: ltc_eventstore::AppendError },
}

impl BaseHistory {
    /// Generates `scale`'s history with `seed` into a throw-away store and reads it back.
    pub async fn generate(
        scale: Scale,
        seed: u64,
        ids: ClientIds,
    ) -> Result<BaseHistory, TileError> {
        let dir = tempfile::tempdir().map_err(|error| TileError::Generate(error.to_string()))?;
        let clock = Arc::new(ManualClock::new(DateTime::UNIX_EPOCH));
        let options = ltc_eventstore::StoreOptions {
            durability: ltc_eventstore::Durability::Normal,
            clock: clock.clone(),
            ..ltc_eventstore::StoreOptions::default()
        };
        let store = EventStore::open(dir.path().join("events.db"), options)
            .map_err(|error| TileError::Generate(error.to_string()))?;
        generate_with_ids(&store, clock, seed, scale, ids)
            .await
            .map_err(|error| TileError::Generate(error.to_string()))?;
        BaseHistory::read(&store)
    }

    /// Reads a whole log, grouping consecutive events of one stream and one command id into the
    /// append that wrote them (an append's events take consecutive positions).
    pub fn read(store: &EventStore) -> Result<BaseHistory, TileError> {
        let mut appends: Vec<BaseAppend> = Vec::new();
        let mut n_events = 0;
        for recorded in store.read_all(Position::START, u64::MAX) {
            let recorded = recorded?;
            n_events += 1;
            let event = base_event(&recorded)?;
            let same_append = appends.last().is_some_and(|last| {
                last.stream == recorded.stream
                    && last.metadata.command_id == recorded.metadata.command_id
            });
            if same_append {
                appends.last_mut().expect("checked above").events.push(event);
            } else {
                appends.push(BaseAppend {
                    stream: recorded.stream.clone(),
                    first_version: recorded.version,
                    metadata: recorded.metadata.clone(),
                    recorded_at: recorded.recorded_at,
                    events: vec![event],
                });
            }
        }
        Ok(BaseHistory { appends, n_events })
    }

    /// Copy `copy` of append `append_idx`, every id remapped for that copy.
    pub fn copy_of(&self, append_idx: usize, copy: u32) -> AppendRequest {
        let base = &self.appends[append_idx];
        let stream = StreamId { kind: base.stream.kind.clone(), id: remap(base.stream.id, copy) };
        let events = base
            .events
            .iter()
            .map(|event| {
                let mut payload = event.payload.clone();
                for (offset, id) in &event.uuid_offsets {
                    payload[*offset..*offset + 16].copy_from_slice(remap(*id, copy).as_bytes());
                }
                NewEvent {
                    event_id: EventId(remap(event.event_id.0, copy)),
                    event_type: event.event_type.clone(),
                    schema_version: event.schema_version,
                    occurred_at: event.occurred_at,
                    codec: event.codec,
                    payload,
                }
            })
            .collect();
        let metadata = Metadata {
            command_id: remap(base.metadata.command_id, copy),
            correlation_id: remap(base.metadata.correlation_id, copy),
            causation_id: base.metadata.causation_id.map(|id| remap(id, copy)),
            actor: base.metadata.actor.clone(),
            tenant: base.metadata.tenant.clone(),
        };
        AppendRequest {
            stream,
            expected: ExpectedVersion::Exact(base.first_version - 1),
            events,
            metadata,
        }
    }

    /// Appends `n_copies` copies to `store` (empty, with `clock` as its clock), round by round:
    /// the `r`-th append of every copy before the `r+1`-th of any, `recorded_at` following the
    /// base history's. Within a round the copies go to the writer's queue in copy order, without
    /// waiting for each other (group commit takes them as they arrive), so the same base history
    /// and number of copies always make the same log, position for position and hash for hash.
    pub async fn tile(
        self: &Arc<Self>,
        store: &EventStore,
        clock: &ManualClock,
        n_copies: u32,
    ) -> Result<(), TileError> {
        for round in 0..self.appends.len() {
            clock.set(self.appends[round].recorded_at);
            let appends = (0..n_copies).map(|copy| {
                let request = self.copy_of(round, copy);
                async move {
                    store.append(request).await.map_err(|error| TileError::Append { copy, error })
                }
            });
            submitted_in_order(appends).await?;
        }
        Ok(())
    }
}

/// Runs `appends` together, each first polled after the one before it. An append hands its
/// request to the store's queue on its first poll (the queue has room for
/// `ltc_eventstore::limits::WRITE_QUEUE_MAX` requests; a full queue lets senders in first come,
/// first served), so the writer sees them in the order given. Tasks spawned on a multi-threaded
/// runtime would race to the queue instead: the log made from the same history would differ from
/// one run to the next in which copy's event holds which position.
async fn submitted_in_order<F>(appends: impl Iterator<Item = F>) -> Result<(), TileError>
where
    F: std::future::Future<Output = Result<ltc_eventstore::AppendOutcome, TileError>>,
{
    let mut pending: Vec<Option<std::pin::Pin<Box<F>>>> =
        appends.map(|append| Some(Box::pin(append))).collect();
    std::future::poll_fn(|cx| {
        let mut all_done = true;
        for slot in &mut pending {
            let Some(append) = slot else { continue };
            match append.as_mut().poll(cx) {
                std::task::Poll::Ready(outcome) => {
                    *slot = None;
                    if let Err(error) = outcome {
                        return std::task::Poll::Ready(Err(error));
                    }
                }
                std::task::Poll::Pending => all_done = false,
            }
        }
        if all_done { std::task::Poll::Ready(Ok(())) } else { std::task::Poll::Pending }
    })
    .await
}

/// The id that stands for `id` in copy `copy`: copy 0 keeps the base's ids; the others flip the
/// last six bytes (the node of a UUID), keeping its version and variant, so an id stays a valid
/// UUID of its kind and ids of one copy keep their order and locality.
pub fn remap(id: Uuid, copy: u32) -> Uuid {
    if copy == 0 {
        return id;
    }
    let mask = mix64(u64::from(copy)).to_be_bytes();
    let mut bytes = *id.as_bytes();
    for (byte, flip) in bytes[10..].iter_mut().zip(&mask[2..]) {
        *byte ^= flip;
    }
    Uuid::from_bytes(bytes)
}

/// The payload as JSON, decoded as its stream kind's event type.
pub fn payload_json(
    recorded_kind: &str,
    codec_id: CodecId,
    payload: &[u8],
) -> Result<Value, String> {
    fn json<E: DeserializeOwned + serde::Serialize>(
        codec_id: CodecId,
        payload: &[u8],
    ) -> Result<Value, String> {
        let event: E = codec::decode(codec_id, payload).map_err(|error| error.to_string())?;
        serde_json::to_value(&event).map_err(|error| error.to_string())
    }
    match recorded_kind {
        "lead" => json::<LeadEvent>(codec_id, payload),
        "customer" => json::<CustomerEvent>(codec_id, payload),
        "opportunity" => json::<OpportunityEvent>(codec_id, payload),
        "quote" => json::<QuoteEvent>(codec_id, payload),
        "order" => json::<OrderEvent>(codec_id, payload),
        "payment" => json::<PaymentEvent>(codec_id, payload),
        "quota" => json::<QuotaEvent>(codec_id, payload),
        other => Err(format!("stream kind {other} has no event type here")),
    }
}

fn base_event(recorded: &RecordedEvent) -> Result<BaseEvent, TileError> {
    let fail = |reason: String| TileError::Payload {
        position: recorded.position.0,
        kind: recorded.stream.kind.as_str().to_owned(),
        event_type: recorded.event_type.clone(),
        reason,
    };
    let json = payload_json(recorded.stream.kind.as_str(), recorded.codec, &recorded.payload)
        .map_err(fail)?;
    let mut in_json = BTreeMap::new();
    count_uuids(&json, &mut in_json);
    let mut uuid_offsets = Vec::new();
    for (id, n_in_json) in in_json {
        let offsets = find_all(&recorded.payload, id.as_bytes());
        if offsets.len() != n_in_json {
            return Err(fail(format!(
                "uuid {id} is {n_in_json} times in the JSON but {} times in the bytes",
                offsets.len()
            )));
        }
        uuid_offsets.extend(offsets.into_iter().map(|offset| (offset, id)));
    }
    Ok(BaseEvent {
        event_id: recorded.event_id,
        event_type: recorded.event_type.clone(),
        schema_version: recorded.schema_version,
        occurred_at: recorded.occurred_at,
        codec: recorded.codec,
        payload: recorded.payload.clone(),
        uuid_offsets,
    })
}

/// Counts every string (keys included) that is a UUID in its hyphenated form.
pub fn count_uuids(value: &Value, counts: &mut BTreeMap<Uuid, usize>) {
    match value {
        Value::String(text) => count_uuid(text, counts),
        Value::Array(items) => items.iter().for_each(|item| count_uuids(item, counts)),
        Value::Object(fields) => {
            for (key, item) in fields {
                count_uuid(key, counts);
                count_uuids(item, counts);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn count_uuid(text: &str, counts: &mut BTreeMap<Uuid, usize>) {
    if text.len() == 36
        && let Ok(id) = Uuid::try_parse(text)
    {
        *counts.entry(id).or_default() += 1;
    }
}

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, window)| *window == needle)
        .map(|(offset, _)| offset)
        .collect()
}

/// Scales by name, for the command line of the full-size run.
pub fn scale_named(name: &str) -> Option<Scale> {
    match name {
        "small" => Some(Scale::Small),
        "medium" => Some(Scale::Medium),
        "large" => Some(Scale::Large),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// `value` with every UUID string replaced by its copy's.
    fn remapped_json(value: &Value, copy: u32) -> Value {
        let text = |text: &str| match Uuid::try_parse(text) {
            Ok(id) if text.len() == 36 => remap(id, copy).hyphenated().to_string(),
            _ => text.to_owned(),
        };
        match value {
            Value::String(s) => Value::String(text(s)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| remapped_json(v, copy)).collect())
            }
            Value::Object(fields) => Value::Object(
                fields.iter().map(|(key, v)| (text(key), remapped_json(v, copy))).collect(),
            ),
            other => other.clone(),
        }
    }

    #[test]
    fn the_same_history_and_copies_always_make_the_same_log() {
        // Many copies on a runtime with several workers: where appends raced to the writer, the
        // copies of one round landed in a different order from one make to the next.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .unwrap();
        let base = Arc::new(
            runtime.block_on(BaseHistory::generate(Scale::Small, 7, ClientIds::Random)).unwrap(),
        );
        let make = || tiled(&runtime, &base, 24).1.head();
        let (first, second) = (make(), make());
        assert_eq!(first.position, 24 * base.n_events);
        assert_eq!(first, second, "two makes of the log end at different heads");
    }

    /// `copies` copies of `base` in a store of their own (kept while the directory lives).
    fn tiled(
        runtime: &tokio::runtime::Runtime,
        base: &Arc<BaseHistory>,
        copies: u32,
    ) -> (tempfile::TempDir, EventStore) {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(DateTime::UNIX_EPOCH));
        let options = ltc_eventstore::StoreOptions {
            durability: ltc_eventstore::Durability::Normal,
            clock: clock.clone(),
            ..ltc_eventstore::StoreOptions::default()
        };
        let store = EventStore::open(dir.path().join("events.db"), options).unwrap();
        runtime.block_on(base.tile(&store, &clock, copies)).unwrap();
        (dir, store)
    }

    #[test]
    fn each_copy_decodes_as_the_base_event_with_every_id_its_own() {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        let base = Arc::new(
            runtime.block_on(BaseHistory::generate(Scale::Small, 7, ClientIds::Random)).unwrap(),
        );
        let (_dir, store) = tiled(&runtime, &base, 3);
        assert_eq!(store.head().position, 3 * base.n_events);

        let mut streams_of_copy: Vec<BTreeSet<Uuid>> = vec![BTreeSet::new(); 3];
        let mut n_checked = 0;
        for recorded in store.read_all(Position::START, u64::MAX) {
            let recorded = recorded.unwrap();
            let kind = recorded.stream.kind.as_str();
            let copy = (0..3u32)
                .find(|copy| {
                    base.appends.iter().any(|append| {
                        remap(append.stream.id, *copy) == recorded.stream.id
                            && append.stream.kind == recorded.stream.kind
                    })
                })
                .expect("every stream is a copy of a base stream");
            streams_of_copy[copy as usize].insert(recorded.stream.id);
            let original = base
                .appends
                .iter()
                .flat_map(|append| &append.events)
                .find(|event| EventId(remap(event.event_id.0, copy)) == recorded.event_id)
                .expect("every event is a copy of a base event");
            let base_json = payload_json(kind, original.codec, &original.payload).unwrap();
            let copied_json = payload_json(kind, recorded.codec, &recorded.payload).unwrap();
            assert_eq!(copied_json, remapped_json(&base_json, copy), "at {}", recorded.position);
            n_checked += 1;
        }
        assert_eq!(n_checked, 3 * base.n_events);
        assert!(streams_of_copy[0].is_disjoint(&streams_of_copy[1]));
        assert!(streams_of_copy[1].is_disjoint(&streams_of_copy[2]));
        assert_eq!(streams_of_copy[0].len(), streams_of_copy[2].len());
    }
}
