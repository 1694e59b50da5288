//! The store's errors. Each variant's doc says what a caller does about it.

use std::sync::Arc;

use uuid::Uuid;

use crate::envelope::ExpectedVersion;
use crate::ids::{EventId, StreamId};

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppendError {
    /// Another writer appended first: reload the stream, decide again, retry with the same
    /// command id.
    #[error("stream {stream} is at version {actual}, expected {expected}")]
    Conflict { stream: StreamId, expected: ExpectedVersion, actual: u64 },
    /// The command id was committed before on another stream: the client reused an
    /// idempotency key for a different command. Use a fresh command id.
    #[error("command id {command_id} was already used on stream {original_stream}")]
    CommandIdReused { command_id: Uuid, original_stream: StreamId },
    /// The stream's UUID already belongs to a stream of another kind.
    #[error("stream uuid of {stream} already belongs to kind {existing_kind}")]
    StreamKindMismatch { stream: StreamId, existing_kind: String },
    /// An event id in the append is already in the log; nothing of the append was written.
    #[error("event id {0} is already in the log")]
    DuplicateEventId(EventId),
    /// The append breaks a limit or a shape rule; nothing was written. Fix the request.
    #[error(transparent)]
    Invalid(#[from] InvalidAppend),
    /// The store has shut down; reopen it.
    #[error("the event store is closed")]
    Closed,
    /// SQLite failed (disk full, I/O error); nothing of this append was written. Retrying with
    /// the same command id is safe.
    #[error("storage failure: {0}")]
    Storage(Arc<rusqlite::Error>),
}

/// An append that can never succeed as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAppend {
    #[error("an append needs at least one event")]
    NoEvents,
    #[error("{count} events in one append; the limit is {max}")]
    TooManyEvents { count: usize, max: usize },
    #[error("event {index} has a {bytes}-byte payload; the limit is {max}")]
    PayloadTooLarge { index: usize, bytes: usize, max: usize },
    #[error("event {index} has type {event_type:?}: use 1 to 128 of A-Z, a-z, 0-9, _ and .")]
    EventType { index: usize, event_type: String },
    #[error("event {index} repeats the id of an earlier event in the same append")]
    RepeatedEventId { index: usize },
    #[error("event {index} has schema version 0; versions start at 1")]
    SchemaVersionZero { index: usize },
    #[error("metadata is {bytes} bytes; the limit is {max}")]
    MetadataTooLarge { bytes: usize, max: usize },
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("storage failure: {0}")]
    Storage(#[from] rusqlite::Error),
    /// A row could not be turned into an envelope (a column out of range): the file was
    /// altered outside the store. Run `verify` to find out what else changed.
    #[error("row at position {position} is corrupt: {reason}")]
    Corrupt { position: u64, reason: String },
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create data directory {path}: {source}")]
    Directory { path: String, source: std::io::Error },
    #[error("storage failure: {0}")]
    Storage(#[from] rusqlite::Error),
    /// The file was written by a newer ltc; use that version.
    #[error("store schema version {found} is newer than this build's {supported}")]
    SchemaTooNew { found: i64, supported: i64 },
    /// The last row cannot be read, so the chain cannot be continued: run `ltc verify`.
    #[error("row at position {position} is corrupt: {reason}")]
    Corrupt { position: u64, reason: String },
    #[error("cannot start the writer thread: {0}")]
    Thread(std::io::Error),
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum SnapshotError {
    /// A snapshot cannot be newer than its stream.
    #[error("snapshot of {stream} at version {version} is ahead of the stream (version {actual})")]
    AheadOfStream { stream: StreamId, version: u64, actual: u64 },
    #[error("snapshot state is {bytes} bytes; the limit is {max}")]
    TooLarge { bytes: usize, max: usize },
    #[error("the event store is closed")]
    Closed,
    #[error("storage failure: {0}")]
    Storage(Arc<rusqlite::Error>),
}

impl From<rusqlite::Error> for AppendError {
    fn from(error: rusqlite::Error) -> AppendError {
        AppendError::Storage(Arc::new(error))
    }
}

impl From<rusqlite::Error> for SnapshotError {
    fn from(error: rusqlite::Error) -> SnapshotError {
        SnapshotError::Storage(Arc::new(error))
    }
}
