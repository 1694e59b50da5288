//! Read models built from event envelopes: the runtime that keeps them, and (in [`models`]) the
//! lead-to-cash read models themselves.
//!
//! - `projection.rs`: [`Projection`], a function from envelopes to updates of its own tables,
//!   and [`ProjectionError`].
//! - `read_models.rs`: [`ReadModels`], the read-model directory: numbered generations of one
//!   SQLite database (not the event store's file) and the `CURRENT` pointer a swap rewrites.
//! - `checkpoint.rs`: the `projection_checkpoints` table ([`Checkpoint`]) and connection
//!   settings.
//! - `projector.rs`: [`Projector`], the runner: batches, checkpoints in the same transaction,
//!   duplicates skipped, holes refetched or reported. `slot.rs`: its per-projection set-up.
//!   `hole.rs`: what it is owed from the store rather than its feed (a hole's range, or what the
//!   feed delivered past a runner a swap moved back).
//! - `feed.rs`: [`Feed`] and the store's two feeds, [`StoreFeed`] (catch-up subscription) and
//!   [`HistoryFeed`] (a bounded range); JetStream joins in step 4.
//! - `rebuild.rs`: [`rebuild`] into a side-by-side generation, up to a position or a recorded
//!   time, with [`Progress`], its projections split over two threads and files; `merge/`
//!   merges the second file into the first. [`ReadModels::swap_to`] puts it in service.
//! - `stored_event.rs`: [`decode_event`], a stored payload as today's domain event through its
//!   upcasters; every reader of domain events decodes through it.
//! - `event_counts.rs`: [`EventCounts`], events and payload bytes per stream kind, a read model
//!   that needs no domain types (operators' statistics, and the benchmark's projection).
//!
//! **Invariant:** a projection's updates and its checkpoint commit in one transaction, so an
//! event is applied once or not at all, whatever crashes. **Invariant:** no event is applied
//! unless every event before it was. Neither the event store nor the domain is written here.

mod checkpoint;
mod early_sync;
mod error;
mod event_counts;
mod feed;
mod hole;
pub mod limits;
mod merge;
pub mod models;
mod projection;
mod projector;
mod query_indexes;
mod read_models;
mod rebuild;
mod rebuild_groups;
mod slot;
mod stored_event;

pub use checkpoint::Checkpoint;
pub use error::{FeedError, ProjectorError};
pub use event_counts::EventCounts;
pub use feed::{Delivery, Feed, HistoryFeed, Predecoded, Predecoding, StoreFeed};
pub use projection::{Projection, ProjectionError};
pub use projector::{
    BatchOutcome, CATCH_UP_WAL_CHECKPOINT_PAGES, FeedState, LIVE_WAL_CHECKPOINT_PAGES, Projector,
    ProjectorOptions,
};
pub use read_models::{Generation, Lag, ReadModels};
pub use rebuild::{
    Progress, RebuildOptions, RebuildScope, RebuildTarget, Rebuilt, rebuild, resolve_target,
};
pub use stored_event::{DecodeError, StoredBytes, decode_event, decode_payload};
