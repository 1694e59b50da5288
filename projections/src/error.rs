//! The runner's errors. Each variant's doc says what a caller does about it.

use ltc_eventstore::ReadError;

use crate::projection::ProjectionError;

#[derive(Debug, thiserror::Error)]
pub enum ProjectorError {
    /// A projection could not apply an event; the batch rolled back and every checkpoint is
    /// where it was. Fix the projection (see the source), then rebuild it.
    #[error("projection {projection} failed at position {position}: {source}")]
    Apply { projection: &'static str, position: u64, source: ProjectionError },
    /// A projection's `migrate` failed or created a table it does not declare in `tables()`.
    #[error("projection {projection} cannot migrate: {reason}")]
    Migrate { projection: &'static str, reason: String },
    /// The read model was built by another schema version of the projection: rebuild it
    /// (`rebuild` with this projection, then `ReadModels::swap`) before running it.
    #[error(
        "projection {projection} is stored at schema version {stored}, this build has {current}: rebuild it"
    )]
    SchemaChanged { projection: &'static str, stored: u32, current: u32 },
    /// The feed delivered position `delivered` where `expected` was due, and the store could not
    /// supply the missing range (it ends at `store_head`): the feed is ahead of this store, or
    /// the store lost events. Nothing was applied past `expected - 1`.
    #[error(
        "hole: position {expected} was due, the feed delivered {delivered}, the store ends at {store_head}"
    )]
    Hole { expected: u64, delivered: u64, store_head: u64 },
    /// Two projections share a name, a name breaks the rules, or there are too many: fix the
    /// program.
    #[error("invalid projection set: {0}")]
    InvalidSet(String),
    /// A rebuild target lies beyond the store's head: nothing was built.
    #[error("rebuild target position {target} is beyond the store's head {head}")]
    TargetBeyondHead { target: u64, head: u64 },
    /// The feed failed; the batch so far rolled back. Recreate the feed from
    /// `Projector::next_position` and go on.
    #[error("feed failed: {0}")]
    Feed(#[from] FeedError),
    /// Reading the event store failed while refetching a range.
    #[error("event store read failed: {0}")]
    Read(#[from] ReadError),
    /// The read-model database failed; nothing of the batch was kept. Retry later.
    #[error("read-model storage failure: {0}")]
    Storage(#[from] rusqlite::Error),
    /// A thread (a rebuild's reader) could not be started: the process is out of resources.
    #[error("cannot start a thread: {0}")]
    Thread(std::io::Error),
    /// A rebuild's second file could not be merged into its first (which is thrown away): a file
    /// could not be read or written, or one of them is not laid out as the merge requires.
    #[error("merging a rebuild's second file: {0}")]
    Merge(std::io::Error),
    /// The read-model directory or its `CURRENT` pointer could not be read or written.
    #[error("read-model directory: {0}")]
    Directory(#[from] std::io::Error),
}

/// Why a feed could not deliver.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The store's subscription or read failed (see [`ReadError`]).
    #[error(transparent)]
    Store(#[from] ReadError),
    /// The read of the log this feed shares with other runners failed
    /// ([`crate::HistoryFeed::split`]). Each of them gets the same error: as [`FeedError::Store`]
    /// the one that takes it last, as this the ones that see it while another still holds it.
    #[error(transparent)]
    SharedRead(std::sync::Arc<ReadError>),
    /// A transport (JetStream, in step 4) failed: reconnect and resume from the checkpoint.
    #[error("transport failure: {0}")]
    Transport(String),
}
