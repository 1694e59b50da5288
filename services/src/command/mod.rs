//! The embedded command path: load an aggregate, decide, append with the expected version.
//!
//! Loading is cheap whatever a stream's length: hot aggregates stay in an in-memory cache with
//! their version, and a cold one starts from its latest snapshot and replays only what came
//! after. Commands for one stream take turns inside the process ([`StreamLocks`]), so they do
//! not race each other; a conflict (another process appended first) drops the cached copy,
//! reloads and decides again, a bounded number of times. The command id makes a retry idempotent end to end: a
//! command already committed is answered with its original outcome before anything is decided.

mod aggregate;
mod cache;
mod stream_locks;
#[cfg(test)]
mod tests;

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use ltc_domain::actor::Actor;
use ltc_domain::decider::Context;
use ltc_domain::schema::EventSchema;
use ltc_eventstore::{
    AppendError, AppendOutcome, AppendRequest, Clock, CodecError, EventId, EventStore,
    ExpectedVersion, Metadata, NewEvent, ReadError, SchemaHash, Snapshot, StreamId, codec,
};
use uuid::Uuid;

use crate::derived_id::derived_id;

pub use aggregate::Aggregate;
use cache::{AggregateCache, Loaded};
use stream_locks::StreamLocks;

/// Decide-and-append attempts per command before a conflict is reported to the caller.
pub const CONFLICT_RETRIES_MAX: u32 = 5;

/// Aggregates kept in memory per command path.
pub const CACHED_AGGREGATES_MAX: usize = 10_000;

/// A snapshot is written each time a stream's version crosses a multiple of this.
pub const SNAPSHOT_EVERY_EVENTS: u64 = 100;

/// Who sent a command and how it ties to others.
#[derive(Debug, Clone)]
pub struct CommandMeta {
    /// The idempotency key: the same id sent again gets the same answer and appends nothing.
    pub command_id: Uuid,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
    pub actor: Actor,
    pub tenant: String,
    /// The client's optimistic check: the stream's version it decided on. `None` lets the
    /// command path decide on whatever the stream holds now (and retry conflicts itself).
    pub expected_version: Option<u64>,
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executed {
    pub stream: StreamId,
    /// The stream's version after the command.
    pub version: u64,
    /// The position of the command's last event; `None` when it recorded nothing new.
    pub position: Option<u64>,
    pub events: Vec<String>,
    /// The command id had been committed before: this is the original outcome.
    pub duplicate: bool,
}

impl Executed {
    /// True when this call appended events: neither a no-op nor the answer to a retry.
    pub fn appended_now(&self) -> bool {
        !self.duplicate && !self.events.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExecuteError<E: std::error::Error> {
    /// The aggregate's rules refused the command; nothing was appended.
    #[error(transparent)]
    Rejected(E),
    /// The client expected the stream at another version: read it again and decide anew.
    #[error("stream {stream} is at version {actual}, not the expected {expected}")]
    WrongExpectedVersion { stream: StreamId, expected: u64, actual: u64 },
    /// Other writers kept appending first; retry later with the same command id.
    #[error("stream {0} kept changing: gave up after {CONFLICT_RETRIES_MAX} attempts")]
    Conflict(StreamId),
    /// The command id was already used for a command on another stream.
    #[error(transparent)]
    Append(AppendError),
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A stored event or snapshot cannot be decoded as this build's type.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// A stored event is of a schema version this build cannot read, or not of the one it says.
    #[error(transparent)]
    Upcast(#[from] ltc_projections::DecodeError),
}

/// Counters of how aggregates were loaded, for tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadStats {
    pub cache_hits: u64,
    pub snapshot_loads: u64,
    pub events_replayed: u64,
    /// Appends refused because another writer appended first (each followed by a reload).
    pub conflicts: u64,
}

/// How a load treats a cached state.
#[derive(Debug, Clone, Copy)]
enum Loading {
    /// Out of the cache: for a command holding the stream's turn, which puts it back.
    Take,
    /// A copy, the cache keeping its own: for reads outside a command.
    Clone,
}

/// The command path of one aggregate kind.
#[derive(Debug)]
pub struct CommandPath<A: Aggregate> {
    store: EventStore,
    clock: Arc<dyn Clock>,
    cache: Mutex<AggregateCache<A::State>>,
    stats: Mutex<LoadStats>,
    turns: StreamLocks,
}

impl<A: Aggregate> CommandPath<A> {
    pub fn new(store: EventStore, clock: Arc<dyn Clock>) -> CommandPath<A> {
        let capacity = NonZeroUsize::new(CACHED_AGGREGATES_MAX).expect("the cache holds some");
        CommandPath {
            store,
            clock,
            cache: Mutex::new(AggregateCache::new(capacity)),
            stats: Mutex::new(LoadStats::default()),
            turns: StreamLocks::new(),
        }
    }

    pub fn stats(&self) -> LoadStats {
        *self.stats.lock().expect("stats lock")
    }

    /// Decides `command` against aggregate `id` as it is now, at the injected clock's time.
    pub async fn execute(
        &self,
        id: Uuid,
        command: &A::Command,
        meta: &CommandMeta,
    ) -> Result<Executed, ExecuteError<A::Error>> {
        let occurred_at = self.clock.now();
        self.execute_at(id, command, meta, occurred_at).await
    }

    /// [`CommandPath::execute`] at a given business time, for imports of history.
    pub async fn execute_at(
        &self,
        id: Uuid,
        command: &A::Command,
        meta: &CommandMeta,
        occurred_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Executed, ExecuteError<A::Error>> {
        let stream = StreamId::new(A::KIND, id).expect("aggregate kinds are valid stream kinds");
        // A retry is recognised late, not looked up first: almost every command is new, and the
        // look-up (a read transaction, cold after every commit) cost a tenth of the command
        // service's CPU. The writer checks the command id before anything else and answers a
        // committed one with its original outcome; only an answer this path gives without
        // appending (a refusal, a no-op, a wrong expected version) could differ from the
        // original, so each of those asks the store first (`answered_before`).
        let context = Context { actor: meta.actor.clone(), occurred_at };
        let _turn = self.turns.turn(&stream).await;
        for _attempt in 0..CONFLICT_RETRIES_MAX {
            // Taken out of the cache rather than cloned (a clone costs as much as the state
            // has grown): this command holds the stream's turn, so nobody else looks for it
            // until it is put back, evolved, or dropped when it may be stale.
            let loaded = self.load(&stream, Loading::Take)?;
            if let Some(expected) = meta.expected_version
                && expected != loaded.version
            {
                // A cached copy may be behind another writer: only the store's own version may
                // refuse the client.
                let actual = self.store.stream_version(&stream)?;
                if actual != loaded.version {
                    continue;
                }
                self.put_back(&stream, loaded);
                if let Some(original) = self.answered_before(&stream, meta)? {
                    return Ok(original);
                }
                return Err(ExecuteError::WrongExpectedVersion { stream, expected, actual });
            }
            let events = match A::decide(&loaded.state, command, &context) {
                Ok(events) => events,
                Err(rejection) => {
                    self.put_back(&stream, loaded);
                    if let Some(original) = self.answered_before(&stream, meta)? {
                        return Ok(original);
                    }
                    return Err(ExecuteError::Rejected(rejection));
                }
            };
            if events.is_empty() {
                // "Nothing to do" is only true of the current state: a cached copy may be
                // behind another writer, so confirm the version before answering.
                if self.store.stream_version(&stream)? != loaded.version {
                    continue;
                }
                let version = loaded.version;
                self.put_back(&stream, loaded);
                if let Some(original) = self.answered_before(&stream, meta)? {
                    return Ok(original);
                }
                return Ok(Executed {
                    stream,
                    version,
                    position: None,
                    events: vec![],
                    duplicate: false,
                });
            }
            let request = self.request(&stream, loaded.version, &events, meta, occurred_at)?;
            match self.store.append(request).await {
                Ok(outcome) if outcome.duplicate => {
                    // A retry, decided afresh: the writer appended nothing and answered with
                    // the original outcome. The state taken is as current as it was.
                    self.put_back(&stream, loaded);
                    return self.original_outcome(&stream, meta.command_id, outcome);
                }
                Ok(outcome) => {
                    let names =
                        events.iter().map(|event| A::event_type(event).to_owned()).collect();
                    let state = events.iter().fold(loaded.state, A::evolve);
                    self.remember(&stream, Loaded { state, version: outcome.last_version }).await;
                    return Ok(Executed {
                        stream,
                        version: outcome.last_version,
                        position: Some(outcome.last_position.0),
                        events: names,
                        duplicate: false,
                    });
                }
                Err(AppendError::Conflict { .. }) => {
                    // The state taken is stale: the next attempt loads from the store.
                    self.stats.lock().expect("stats lock").conflicts += 1;
                }
                Err(error) => return Err(ExecuteError::Append(error)),
            }
        }
        Err(ExecuteError::Conflict(stream))
    }

    /// The aggregate's current state, for reads outside a command (tests, process managers).
    pub fn state_of(&self, id: Uuid) -> Result<A::State, ExecuteError<A::Error>> {
        let stream = StreamId::new(A::KIND, id).expect("aggregate kinds are valid stream kinds");
        Ok(self.load(&stream, Loading::Clone)?.state)
    }

    /// The aggregate as of its last event: from the cache, else from the latest snapshot plus
    /// the events after it, else from the whole stream.
    fn load(
        &self,
        stream: &StreamId,
        loading: Loading,
    ) -> Result<Loaded<A::State>, ExecuteError<A::Error>> {
        let cached = {
            let mut cache = self.cache.lock().expect("cache lock");
            match loading {
                Loading::Take => cache.take(&stream.id),
                Loading::Clone => cache.get(&stream.id),
            }
        };
        if let Some(loaded) = cached {
            self.stats.lock().expect("stats lock").cache_hits += 1;
            return Ok(loaded);
        }
        let schema_hash = SchemaHash::of(A::STATE_SCHEMA);
        let mut loaded = match self.store.load_snapshot(stream, schema_hash)? {
            Some(snapshot) => {
                self.stats.lock().expect("stats lock").snapshot_loads += 1;
                let state = codec::decode(codec::CodecId::CURRENT, &snapshot.state)?;
                Loaded { state, version: snapshot.version }
            }
            None => Loaded { state: A::State::default(), version: 0 },
        };
        // Reading is a short, local SQLite query; the command path accepts that it runs on the
        // async task rather than paying a thread hand-off for every load.
        let recorded = self.store.read_stream(stream, loaded.version + 1)?;
        for record in &recorded {
            let event: A::Event = ltc_projections::decode_event(record)?;
            loaded.state = A::evolve(loaded.state, &event);
            loaded.version = record.version;
        }
        self.stats.lock().expect("stats lock").events_replayed += recorded.len() as u64;
        Ok(loaded)
    }

    async fn remember(&self, stream: &StreamId, loaded: Loaded<A::State>) {
        let crossed_snapshot_mark = loaded.version / SNAPSHOT_EVERY_EVENTS
            > (loaded.version.saturating_sub(1)) / SNAPSHOT_EVERY_EVENTS;
        if crossed_snapshot_mark && let Ok((_, state)) = codec::encode(&loaded.state) {
            let snapshot = Snapshot {
                stream: stream.clone(),
                version: loaded.version,
                schema_hash: SchemaHash::of(A::STATE_SCHEMA),
                state,
            };
            // A snapshot is only a shortcut: failing to write one loses nothing.
            let _ = self.store.save_snapshot(snapshot).await;
        }
        self.cache.lock().expect("cache lock").put(stream.id, loaded);
    }

    /// Returns a state taken by [`Loading::Take`] that the command did not change.
    fn put_back(&self, stream: &StreamId, loaded: Loaded<A::State>) {
        self.cache.lock().expect("cache lock").put(stream.id, loaded);
    }

    fn request(
        &self,
        stream: &StreamId,
        version: u64,
        events: &[A::Event],
        meta: &CommandMeta,
        occurred_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<AppendRequest, ExecuteError<A::Error>> {
        let events = events
            .iter()
            .enumerate()
            .map(|(index, event)| {
                let (codec, payload) = codec::encode(event)?;
                Ok(NewEvent {
                    event_id: derived_event_id(meta.command_id, index),
                    event_type: A::event_type(event).to_owned(),
                    schema_version: A::Event::schema_version(A::event_type(event)),
                    occurred_at,
                    codec,
                    payload,
                })
            })
            .collect::<Result<Vec<_>, CodecError>>()?;
        let expected =
            if version == 0 { ExpectedVersion::NoStream } else { ExpectedVersion::Exact(version) };
        Ok(AppendRequest {
            stream: stream.clone(),
            expected,
            events,
            metadata: Metadata {
                command_id: meta.command_id,
                correlation_id: meta.correlation_id,
                causation_id: meta.causation_id,
                actor: format!("{:?}:{}", meta.actor.role, meta.actor.user),
                tenant: meta.tenant.clone(),
            },
        })
    }

    /// What the command did the first time, if `meta`'s command id was committed before.
    fn answered_before(
        &self,
        stream: &StreamId,
        meta: &CommandMeta,
    ) -> Result<Option<Executed>, ExecuteError<A::Error>> {
        match self.store.committed_command(meta.command_id)? {
            Some(original) => self.original_outcome(stream, meta.command_id, original).map(Some),
            None => Ok(None),
        }
    }

    /// Answers a retry with what the command did the first time.
    fn original_outcome(
        &self,
        stream: &StreamId,
        command_id: Uuid,
        original: AppendOutcome,
    ) -> Result<Executed, ExecuteError<A::Error>> {
        if &original.stream != stream {
            return Err(ExecuteError::Append(AppendError::CommandIdReused {
                command_id,
                original_stream: original.stream,
            }));
        }
        let recorded = self.store.read_stream(stream, original.first_version)?;
        let n_events = (original.last_version - original.first_version + 1) as usize;
        Ok(Executed {
            stream: original.stream,
            version: original.last_version,
            position: Some(original.last_position.0),
            events: recorded.into_iter().take(n_events).map(|event| event.event_type).collect(),
            duplicate: true,
        })
    }
}

/// Event ids derived from the command id and the event's index ([`derived_id`]): the same
/// command always records the same ids, and a UUIDv7 command id gives time-ordered event ids.
fn derived_event_id(command_id: Uuid, index: usize) -> EventId {
    EventId(derived_id(command_id, &(index as u64).to_le_bytes()))
}
