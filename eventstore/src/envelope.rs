//! The envelope: what a caller hands the store ([`AppendRequest`], [`NewEvent`]) and what it
//! reads back ([`RecordedEvent`]), plus the small value types around them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::chain::ChainHash;
use crate::codec::CodecId;
use crate::ids::{EventId, StreamId};

/// A place in the global log. Positions start at 1 and have no gaps: position `n` is the `n`th
/// event ever committed, and commit order is position order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Position(pub u64);

impl Position {
    /// The first position of a log; reading from here reads everything.
    pub const START: Position = Position(1);

    pub fn next(self) -> Position {
        Position(self.0.saturating_add(1))
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The last committed event's position and chain hash. An empty log has position 0 and the
/// genesis hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub position: u64,
    pub hash: ChainHash,
}

/// What the caller believes the stream's version is; checked inside the write transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpectedVersion {
    /// The stream must not exist yet (the command creates the aggregate).
    NoStream,
    /// The stream's last event must have exactly this version (optimistic concurrency).
    /// `Exact(0)` means the same as `NoStream`.
    Exact(u64),
    /// No check: append after whatever is there.
    Any,
}

impl ExpectedVersion {
    pub(crate) fn admits(self, actual: u64) -> bool {
        match self {
            ExpectedVersion::NoStream => actual == 0,
            ExpectedVersion::Exact(version) => actual == version,
            ExpectedVersion::Any => true,
        }
    }
}

impl std::fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectedVersion::NoStream => f.write_str("no stream"),
            ExpectedVersion::Exact(version) => write!(f, "version {version}"),
            ExpectedVersion::Any => f.write_str("any version"),
        }
    }
}

/// Who caused an append and why; the same for every event of one append, and stored on every
/// row so each envelope stands on its own for an auditor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The idempotency key: an append with a command id that was already committed returns
    /// the original outcome and writes nothing.
    pub command_id: Uuid,
    /// Ties together everything one business request caused, across aggregates.
    pub correlation_id: Uuid,
    /// The event or command that caused this one, if any.
    pub causation_id: Option<Uuid>,
    /// Who: a user or service name.
    pub actor: String,
    pub tenant: String,
}

/// One event to append. The caller chooses its id (so a retry carries the same ids), its
/// business time and its already-encoded payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub event_id: EventId,
    /// The event's name, for example `OpportunityOpened`: ASCII letters, digits, `_` and `.`.
    pub event_type: String,
    /// The payload's schema version, starting at 1; bumped when the payload's shape changes.
    pub schema_version: u32,
    /// When it happened in the business (may be back-dated); `recorded_at` is the store's.
    pub occurred_at: DateTime<Utc>,
    pub codec: CodecId,
    pub payload: Vec<u8>,
}

/// An atomic append of one or more events to one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendRequest {
    pub stream: StreamId,
    pub expected: ExpectedVersion,
    pub events: Vec<NewEvent>,
    pub metadata: Metadata,
}

/// Where an append landed. Its events hold versions `first_version..=last_version` and the
/// contiguous positions `first_position..=last_position`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendOutcome {
    pub stream: StreamId,
    pub first_version: u64,
    pub last_version: u64,
    pub first_position: Position,
    pub last_position: Position,
    pub recorded_at: DateTime<Utc>,
    /// True when this command id had been committed before: the outcome is the original one
    /// and nothing was written this time.
    pub duplicate: bool,
}

/// An event as stored: the envelope plus what the store assigned (position, version,
/// recorded time, chain hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEvent {
    pub position: Position,
    pub event_id: EventId,
    pub stream: StreamId,
    pub version: u64,
    pub event_type: String,
    pub schema_version: u32,
    pub occurred_at: DateTime<Utc>,
    /// The commit time of the batch that wrote it; never decreases along positions.
    pub recorded_at: DateTime<Utc>,
    pub metadata: Metadata,
    pub codec: CodecId,
    pub payload: Vec<u8>,
    pub hash: ChainHash,
}
