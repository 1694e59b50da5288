//! [`EventStore`]: the handle callers hold. Appends go to the one writer thread; reads use their
//! own connections and never wait for the writer.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};

use crate::clock::{Clock, SystemClock};
use crate::envelope::{AppendOutcome, AppendRequest, Head, Position, RecordedEvent};
use crate::error::{AppendError, InvalidAppend, OpenError, ReadError, SnapshotError};
use crate::filtered::{HeaderFilter, ReadFiltered};
use crate::ids::StreamId;
use crate::limits::{
    EVENT_PAYLOAD_BYTES_MAX, EVENT_TYPE_BYTES_MAX, EVENTS_PER_APPEND_MAX, METADATA_BYTES_MAX,
    SNAPSHOT_BYTES_MAX, WRITE_QUEUE_MAX,
};
use crate::read::{ReadAll, ReaderPool};
use crate::schema;
use crate::signal::HeadSignal;
use crate::snapshot::{self, SchemaHash, Snapshot};
use crate::subscription::Subscription;
use crate::verify::{self, Anchor, VerifyReport};
use crate::writer::{WriteRequest, Writer};

/// How hard a commit holds on to its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: a commit is on disk when the caller hears of it, even across a power
    /// cut. The default.
    Full,
    /// `synchronous=NORMAL`: survives a crash of the process but not of the machine; the last
    /// commits before a power cut may be lost. For bulk loads and benchmarks.
    Normal,
}

#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub durability: Durability,
    /// Commit whatever is queued as one transaction (one fsync for many appends). Off, every
    /// append is its own transaction; only benchmarks turn it off.
    pub group_commit: bool,
    /// Where `recorded_at` comes from.
    pub clock: Arc<dyn Clock>,
    /// How much of the file each reader maps into memory ([`READ_MMAP_BYTES_DEFAULT`]). Mapped
    /// reads are the fastest, but the pages a long scan touches count in the process's resident
    /// memory (the kernel may drop them at any time): a process that scans the whole log once,
    /// like a read-model rebuild, can set 0 to read through SQLite's small page cache instead.
    pub read_mmap_bytes: u64,
    /// SQLite's page cache per reader, in KiB ([`READ_CACHE_KIB_DEFAULT`]). A scan that reads
    /// each page once gains nothing from it, and a full cache is resident memory: a one-pass
    /// reader (an export) sets it small so its memory stays the same whatever the log's size.
    pub read_cache_kib: u32,
}

/// Readers map up to 1 GiB of the file: enough for point reads to stay in memory on a large log.
pub const READ_MMAP_BYTES_DEFAULT: u64 = 1 << 30;

/// Each reader caches up to 16 MiB of pages: the hot index pages of stream reads stay in it.
pub const READ_CACHE_KIB_DEFAULT: u32 = 16 * 1024;

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            durability: Durability::Full,
            group_commit: true,
            clock: Arc::new(SystemClock),
            read_mmap_bytes: READ_MMAP_BYTES_DEFAULT,
            read_cache_kib: READ_CACHE_KIB_DEFAULT,
        }
    }
}

/// A cheap-to-clone handle to one event log file.
#[derive(Debug, Clone)]
pub struct EventStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    queue: mpsc::Sender<WriteRequest>,
    readers: Arc<ReaderPool>,
    signal: Arc<HeadSignal>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
}

impl EventStore {
    /// Opens (creating if needed) the log in the SQLite file at `path`.
    pub fn open(path: impl AsRef<Path>, options: StoreOptions) -> Result<EventStore, OpenError> {
        let path = path.as_ref().to_path_buf();
        let conn = schema::open_writer(&path, options.durability)?;
        let readers = Arc::new(ReaderPool::new(
            path.clone(),
            options.read_mmap_bytes,
            options.read_cache_kib,
        ));
        let head = readers.with(verify::read_head).map_err(|error| match error {
            ReadError::Storage(error) => OpenError::Storage(error),
            ReadError::Corrupt { position, reason } => OpenError::Corrupt { position, reason },
        })?;
        let signal = Arc::new(HeadSignal::new(head));
        let (queue, receiver) = mpsc::channel(WRITE_QUEUE_MAX);
        let writer = Writer {
            conn,
            clock: options.clock,
            signal: signal.clone(),
            batch_requests_max: if options.group_commit { usize::MAX } else { 1 },
        };
        let writer_thread = std::thread::Builder::new()
            .name("ltc-eventstore-writer".into())
            .spawn(move || writer.run(receiver))
            .map_err(OpenError::Thread)?;
        Ok(EventStore {
            inner: Arc::new(Inner {
                path,
                queue,
                readers,
                signal,
                writer_thread: Mutex::new(Some(writer_thread)),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Appends atomically: all of the request's events or none. Resolves once the batch holding
    /// it is durable. A command id seen before returns the original outcome (`duplicate: true`).
    pub async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, AppendError> {
        validate(&request)?;
        let (reply, outcome) = oneshot::channel();
        self.inner
            .queue
            .send(WriteRequest::Append { request, reply })
            .await
            .map_err(|_| AppendError::Closed)?;
        outcome.await.map_err(|_| AppendError::Closed)?
    }

    /// [`EventStore::append`] for callers outside an async runtime. Must not be called from
    /// inside one (it blocks the thread).
    pub fn append_blocking(&self, request: AppendRequest) -> Result<AppendOutcome, AppendError> {
        validate(&request)?;
        let (reply, outcome) = oneshot::channel();
        self.inner
            .queue
            .blocking_send(WriteRequest::Append { request, reply })
            .map_err(|_| AppendError::Closed)?;
        outcome.blocking_recv().map_err(|_| AppendError::Closed)?
    }

    /// The last committed position and its chain hash, as this process's writer last saw it.
    pub fn head(&self) -> Head {
        self.inner.signal.head()
    }

    /// The last position in the file (0 when it is empty), whoever committed it. Unlike
    /// [`EventStore::head`], it sees commits by another process on the same file as soon as they
    /// are made: a reader that must not miss them reads up to here.
    pub fn last_position(&self) -> Result<Position, ReadError> {
        self.inner.readers.with(|conn| Ok(Position(crate::read::last_position(conn)?)))
    }

    /// The stream's events from `from_version` on (versions start at 1).
    pub fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<Vec<RecordedEvent>, ReadError> {
        self.inner.readers.read_stream(stream, from_version)
    }

    /// The events from position `from` to `to` (both included) that `filter` selects by their
    /// header, in position order, a page at a time; SQLite skips the others without building
    /// them.
    pub fn read_filtered(
        &self,
        from: Position,
        to: Position,
        filter: &HeaderFilter,
    ) -> ReadFiltered {
        ReadFiltered::new(self.inner.readers.clone(), from, to, filter)
    }

    /// Up to `limit` events of one business flow (their `correlation_id`), in position order.
    /// It scans the whole log, with no index (one on correlation ids would cost every append
    /// a random page), but inside SQLite: the rows of other flows are never built into events.
    pub fn read_correlated(
        &self,
        correlation_id: uuid::Uuid,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, ReadError> {
        let filter = HeaderFilter::CorrelationIs(correlation_id);
        let last = Position(i64::MAX as u64);
        self.read_filtered(Position::START, last, &filter).take(limit).collect()
    }

    /// The stream's last version; 0 if it has no events.
    pub fn stream_version(&self, stream: &StreamId) -> Result<u64, ReadError> {
        self.inner.readers.stream_version(stream)
    }

    /// The original outcome of a committed command id (marked `duplicate`), or `None` if no
    /// append with it was ever committed. Lets a command path answer a retry before deciding.
    pub fn committed_command(
        &self,
        command_id: uuid::Uuid,
    ) -> Result<Option<AppendOutcome>, ReadError> {
        self.inner.readers.with(|conn| Ok(crate::read::committed_command(conn, command_id)?))
    }

    /// Up to `limit` events from position `from` on, fetched a page at a time.
    pub fn read_all(&self, from: Position, limit: u64) -> ReadAll {
        ReadAll::new(self.inner.readers.clone(), from, limit)
    }

    /// Every event from position `from` on: first the history, then each new event as it
    /// commits, with no gap and no duplicate in between.
    pub fn subscribe(&self, from: Position) -> Subscription {
        Subscription::start(self.inner.readers.clone(), self.inner.signal.clone(), from)
    }

    /// Walks the whole log and reports the first row whose hash, link or position is wrong, or
    /// that is not the next version of its stream. Also checks that every command's idempotency
    /// record agrees with its events. Reads in bounded memory, whatever the log's length.
    pub fn verify(&self) -> Result<VerifyReport, ReadError> {
        self.verify_checking(None, &mut |_| Ok(()))
    }

    /// [`EventStore::verify`], and also checks that the log still holds a head recorded earlier.
    pub fn verify_against(&self, anchor: Anchor) -> Result<VerifyReport, ReadError> {
        self.verify_checking(Some(anchor), &mut |_| Ok(()))
    }

    /// [`EventStore::verify`], optionally against `anchor`, and hands every row whose hash
    /// verified to `check`, in position order: the application's own check of what the store
    /// cannot judge (that a payload decodes). A refusal is reported as [`Tamper::Undecodable`]
    /// at that row. `check` also sees the walk's progress, one row at a time.
    ///
    /// [`Tamper::Undecodable`]: crate::Tamper::Undecodable
    pub fn verify_checking(
        &self,
        anchor: Option<Anchor>,
        check: verify::RowCheck<'_>,
    ) -> Result<VerifyReport, ReadError> {
        let readers = &self.inner.readers;
        // The version check is one SQL scan of its own; on another core it costs the walk
        // (hashing, and the caller's decoding) nothing. Measured on 1.26M events, it is 40% of
        // the CPU time of a verify.
        let (walked, versions) = std::thread::scope(|scope| {
            let versions = scope.spawn(|| readers.with(verify::check_stream_versions));
            let walked = verify::verify(ReadAll::raw(readers.clone()), anchor, check);
            (walked, versions.join())
        });
        let mut report = walked?;
        let versions = versions.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        if let Some(stream_version) = versions {
            readers.with(|conn| verify::take_stream_version(conn, &mut report, stream_version))?;
        }
        if report.is_intact() {
            report.first_problem = self.inner.readers.with(verify::check_command_records)?;
        }
        Ok(report)
    }

    pub async fn save_snapshot(&self, snapshot: Snapshot) -> Result<(), SnapshotError> {
        check_snapshot(&snapshot)?;
        let (reply, outcome) = oneshot::channel();
        self.inner
            .queue
            .send(WriteRequest::Snapshot { snapshot, reply })
            .await
            .map_err(|_| SnapshotError::Closed)?;
        outcome.await.map_err(|_| SnapshotError::Closed)?
    }

    pub fn save_snapshot_blocking(&self, snapshot: Snapshot) -> Result<(), SnapshotError> {
        check_snapshot(&snapshot)?;
        let (reply, outcome) = oneshot::channel();
        self.inner
            .queue
            .blocking_send(WriteRequest::Snapshot { snapshot, reply })
            .map_err(|_| SnapshotError::Closed)?;
        outcome.blocking_recv().map_err(|_| SnapshotError::Closed)?
    }

    /// The stream's snapshot if there is one written with `schema_hash`; a snapshot of any other
    /// schema is ignored, never decoded.
    pub fn load_snapshot(
        &self,
        stream: &StreamId,
        schema_hash: SchemaHash,
    ) -> Result<Option<Snapshot>, ReadError> {
        self.inner.readers.with(|conn| snapshot::load(conn, stream, schema_hash))
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the queue ends the writer's loop once it has answered what it holds.
        let (closed, _) = mpsc::channel(1);
        drop(std::mem::replace(&mut self.queue, closed));
        if let Some(thread) = self.writer_thread.lock().ok().and_then(|mut thread| thread.take()) {
            // A writer that panicked has already failed every caller; nothing is left to do.
            let _ = thread.join();
        }
    }
}

/// Checks an append against the limits before it reaches the writer.
fn validate(request: &AppendRequest) -> Result<(), InvalidAppend> {
    let n_events = request.events.len();
    if n_events == 0 {
        return Err(InvalidAppend::NoEvents);
    }
    if n_events > EVENTS_PER_APPEND_MAX {
        return Err(InvalidAppend::TooManyEvents { count: n_events, max: EVENTS_PER_APPEND_MAX });
    }
    let metadata_bytes = request.metadata.actor.len() + request.metadata.tenant.len();
    if metadata_bytes > METADATA_BYTES_MAX {
        return Err(InvalidAppend::MetadataTooLarge {
            bytes: metadata_bytes,
            max: METADATA_BYTES_MAX,
        });
    }
    let mut event_ids = std::collections::HashSet::with_capacity(n_events);
    for (index, event) in request.events.iter().enumerate() {
        if !event_ids.insert(event.event_id) {
            return Err(InvalidAppend::RepeatedEventId { index });
        }
        let type_valid = !event.event_type.is_empty()
            && event.event_type.len() <= EVENT_TYPE_BYTES_MAX
            && event
                .event_type
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
        if !type_valid {
            let event_type = event.event_type.chars().take(EVENT_TYPE_BYTES_MAX).collect();
            return Err(InvalidAppend::EventType { index, event_type });
        }
        if event.schema_version == 0 {
            return Err(InvalidAppend::SchemaVersionZero { index });
        }
        if event.payload.len() > EVENT_PAYLOAD_BYTES_MAX {
            return Err(InvalidAppend::PayloadTooLarge {
                index,
                bytes: event.payload.len(),
                max: EVENT_PAYLOAD_BYTES_MAX,
            });
        }
    }
    Ok(())
}

fn check_snapshot(snapshot: &Snapshot) -> Result<(), SnapshotError> {
    if snapshot.state.len() > SNAPSHOT_BYTES_MAX {
        return Err(SnapshotError::TooLarge {
            bytes: snapshot.state.len(),
            max: SNAPSHOT_BYTES_MAX,
        });
    }
    Ok(())
}
