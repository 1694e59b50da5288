//! [`Projection`]: a function from event envelopes to updates of its own tables, and the error
//! it returns.
//!
//! A projection is handed every envelope in position order, inside the runner's transaction,
//! and writes its tables through that transaction only. It never commits, never writes its own
//! checkpoint and never reads the event store: the runner does all three, so that an event's
//! effects and the checkpoint that says it was applied commit together or not at all.
//!
//! Decoding is the projection's business, and it is the expensive part. A projection over
//! domain events should look at the envelope's header first (`stream.kind`, `event_type`,
//! `schema_version`, all already in memory) and decode only what it uses:
//!
//! ```text
//! fn wants(&self, event: &RecordedEvent) -> bool {
//!     event.stream.kind.as_str() == "opportunity"
//! }
//! fn apply(&mut self, tx: &Transaction, event: &RecordedEvent) -> Result<(), ProjectionError> {
//!     match event.event_type.as_str() {
//!         "OpportunityWon" => { let won: Won = codec::decode(event.codec, &event.payload)?; .. }
//!         _ => Ok(()), // Not one this read model shows: no decode at all.
//!     }
//! }
//! ```

use ltc_eventstore::{CodecError, RecordedEvent};
use rusqlite::Transaction;

/// One read model: its tables in the read-model database and how each event changes them.
///
/// State kept in `self` must survive a rolled-back batch unchanged in meaning: a cache of
/// something the tables also say, or a decoded lookup, never a running total that only the
/// committed tables may hold. The one exception is what `apply` buffers for the batch in hand:
/// the runner writes it with [`Projection::flush`] before the batch commits, or forgets it with
/// [`Projection::discard`] when the batch rolls back. A row it buffers is no longer what its
/// table says until it is written, so its own later reads of that row must come from the buffer
/// (`models::batch_rows`). In a rebuild ([`Projection::keep_across_batches`]) a buffer may also
/// outlive its batch, written at a later flush or at [`Projection::finish`]. (Prepared
/// statements need no field: `tx.prepare_cached` keeps them in the connection.)
pub trait Projection: Send {
    /// The projection's stable name: the key of its checkpoint, and how an operator names it.
    /// 1 to [`crate::limits::PROJECTION_NAME_BYTES_MAX`] of `a-z`, `0-9` and `_`.
    fn name(&self) -> &'static str;

    /// Bumped whenever what `migrate` creates or what `apply` writes changes meaning. A read
    /// model stored with another version is not served on: the runner refuses to start until it
    /// is rebuilt.
    fn schema_version(&self) -> u32;

    /// Every table and view `migrate` creates. Rebuilding this projection alone drops exactly
    /// these; the runner checks after `migrate` that no other table or view appeared.
    fn tables(&self) -> &'static [&'static str];

    /// Creates its tables (and indexes) in an empty read-model database.
    fn migrate(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError>;

    /// This projection's share of a rebuild's work, relative to the others' (any unit, such as
    /// per cent of an all-models rebuild's time). A rebuild splits its projections into two groups
    /// of about equal cost, one per core, and the file of the group holding the costliest
    /// projection becomes the generation (the other's is copied into it at the end); 1 when
    /// nobody has measured.
    fn rebuild_cost(&self) -> u32 {
        1
    }

    /// Indexes `migrate` creates that only queries read: `apply` never looks a row up through
    /// them. A rebuild drops them after `migrate` and creates them once at the end from the
    /// finished rows (one sort each) instead of inserting an entry per event at a random place
    /// in them. Naming one that `apply` does use costs only speed (its look-ups scan during the
    /// rebuild), never correctness; naming one `migrate` did not create is refused.
    fn query_indexes(&self) -> &'static [&'static str] {
        &[]
    }

    /// A cheap look at the envelope's header before `apply`. An event it does not want is not
    /// handed to `apply`, and its checkpoint moves past it all the same.
    fn wants(&self, event: &RecordedEvent) -> bool {
        let _ = event;
        true
    }

    /// Applies one event. Called exactly once per event in position order, inside the batch's
    /// transaction; an error rolls the whole batch back.
    fn apply(&mut self, tx: &Transaction<'_>, event: &RecordedEvent)
    -> Result<(), ProjectionError>;

    /// Writes what `apply` buffered during this batch, inside the batch's transaction, before
    /// the checkpoints are written: called once per batch in which the projection's checkpoint
    /// moved. A projection whose updates add up (counts, sums, latest values) can fold a
    /// batch's events in memory and write each row once, in key order, instead of once per
    /// event at a random place in its B-tree. An error rolls the whole batch back.
    fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let _ = tx;
        Ok(())
    }

    /// The batch rolled back: forgets whatever `apply` buffered for it.
    fn discard(&mut self) {}

    /// Called once by a rebuild, before its first batch: the rebuild's file is thrown away
    /// unless every projection in it reaches the end, so from now on what `apply` buffers may
    /// stay in memory across batches, with the checkpoints running ahead of the tables, and be
    /// written when it suits (a row once its stream has settled, `models::batch_rows`) and all
    /// of it at [`Projection::finish`]. A live runner never calls it. A projection that
    /// overrides (or wraps another's) `keep_across_batches` overrides (or passes on) `finish`
    /// too, or what it kept is never written.
    fn keep_across_batches(&mut self) {}

    /// A rebuild's last write, after its last batch, in a transaction of its own: whatever is
    /// still buffered. Not called by a live runner, whose every batch ends with a
    /// [`Projection::flush`].
    fn finish(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.flush(tx)
    }
}

/// Why a projection could not apply an event. The runner rolls the batch back and reports it
/// with the projection's name and the event's position ([`crate::ProjectorError::Apply`]).
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// The read-model database failed (disk full, I/O error): retry later; nothing of the batch
    /// was kept.
    #[error("read-model storage failure: {0}")]
    Storage(#[from] rusqlite::Error),
    /// The payload does not decode as the event its header names: a writer and this projection
    /// disagree on the event's shape. Fix the projection (a new schema version), then rebuild.
    #[error("payload does not decode: {0}")]
    Decode(#[from] CodecError),
    /// The event decodes but makes no sense to this read model (an unknown schema version, a
    /// reference to something never seen). Fix the projection, then rebuild.
    #[error("{0}")]
    Unexpected(String),
}

impl From<crate::DecodeError> for ProjectionError {
    fn from(error: crate::DecodeError) -> ProjectionError {
        match error {
            crate::DecodeError::Decode(error) => ProjectionError::Decode(error),
            unknown @ crate::DecodeError::UnknownVersion { .. } => {
                ProjectionError::Unexpected(unknown.to_string())
            }
        }
    }
}
