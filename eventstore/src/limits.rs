//! Every size the store accepts is bounded by a named constant. An append over a limit is a
//! typed error ([`crate::InvalidAppend`]) raised before it reaches the writer, so nothing is
//! written.

/// Events in one append. A command that needs more is modelled wrongly.
pub const EVENTS_PER_APPEND_MAX: usize = 256;

/// Bytes of one event's payload.
pub const EVENT_PAYLOAD_BYTES_MAX: usize = 256 * 1024;

/// Bytes of one event type name.
pub const EVENT_TYPE_BYTES_MAX: usize = 128;

/// Bytes of an append's variable metadata (actor and tenant together).
pub const METADATA_BYTES_MAX: usize = 1024;

/// Bytes of one snapshot's state.
pub const SNAPSHOT_BYTES_MAX: usize = 4 * 1024 * 1024;

/// Events the writer gathers into one transaction before it commits. Larger batches amortise
/// the fsync further but hold every caller in the batch longer; at ~5 µs per insert a full
/// batch is ~40 ms of work, the worst wait one caller sees behind others.
pub const BATCH_EVENTS_MAX: usize = 8 * 1024;

/// Appends waiting for the writer before callers are made to wait (backpressure).
pub const WRITE_QUEUE_MAX: usize = 4 * 1024;

/// Rows fetched per query by `read_all` and subscriptions: memory stays bounded whatever the
/// log's length.
pub const READ_PAGE_EVENTS: usize = 1024;

const _: () = assert!(EVENTS_PER_APPEND_MAX <= BATCH_EVENTS_MAX);
const _: () = assert!(READ_PAGE_EVENTS > 0);
