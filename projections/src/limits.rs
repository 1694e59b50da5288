//! Every size the projection runtime accepts is bounded by a named constant.

/// Events applied in one transaction. Larger batches amortise the commit further but hold the
/// read model's write lock longer and make a rolled-back batch more work to redo.
pub const BATCH_EVENTS_MAX: usize = 64 * 1024;

/// The default batch: thousands of events per transaction, a few milliseconds of work.
pub const BATCH_EVENTS_DEFAULT: usize = 4 * 1024;

/// Projections one runner drives; each event is offered to every one of them.
pub const PROJECTIONS_MAX: usize = 64;

/// Bytes of a projection's name.
pub const PROJECTION_NAME_BYTES_MAX: usize = 64;

/// Generations of the read-model database numbered before the counter is exhausted; a
/// generation is a whole rebuild, so this is never reached.
pub const GENERATIONS_MAX: u64 = 999_999;

const _: () = assert!(BATCH_EVENTS_DEFAULT <= BATCH_EVENTS_MAX);
const _: () = assert!(BATCH_EVENTS_DEFAULT > 0);
