//! An append-only event log on SQLite. It knows nothing of lead-to-cash: it stores envelopes
//! whose payloads are bytes.
//!
//! What it guarantees, and where each guarantee lives:
//! - gap-free global positions in commit order: one writer thread assigns them inside its write
//!   transaction (`writer.rs`);
//! - durable, batched commits: the writer commits whatever is queued as one transaction with
//!   `synchronous=FULL` and answers each caller only after that fsync (`writer.rs`);
//! - durable idempotency: an append whose command id was committed before returns the original
//!   outcome and writes nothing, across restarts (`writer.rs`, the `commands` table in `schema.rs`);
//! - append-only: no update or delete in the API, and triggers that abort them in SQL
//!   (`schema.rs`);
//! - tamper evidence: every row carries a hash chained to the previous row's (`chain.rs`,
//!   `verify.rs`).

mod chain;
mod change_watch;
mod clock;
pub mod codec;
mod envelope;
mod error;
mod filtered;
mod ids;
pub mod limits;
mod read;
mod schema;
mod signal;
mod snapshot;
mod store;
mod subscription;
mod verify;
mod writer;

pub use chain::{ChainHash, GENESIS_HASH};
pub use clock::{Clock, ManualClock, SystemClock};
pub use codec::{CodecError, CodecId};
pub use envelope::{
    AppendOutcome, AppendRequest, ExpectedVersion, Head, Metadata, NewEvent, Position,
    RecordedEvent,
};
pub use error::{AppendError, InvalidAppend, OpenError, ReadError, SnapshotError};
pub use filtered::{HeaderFilter, ReadFiltered};
pub use ids::{EventId, InvalidStreamId, StreamId, StreamKind};
pub use read::ReadAll;
pub use snapshot::{SchemaHash, Snapshot};
pub use store::{
    Durability, EventStore, READ_CACHE_KIB_DEFAULT, READ_MMAP_BYTES_DEFAULT, StoreOptions,
};
pub use subscription::Subscription;
pub use verify::{Anchor, RowCheck, Tamper, VerifyReport, recompute_hash};
