//! Fixtures of the event-store benchmarks: the payload every benchmark writes, deterministic
//! ids, append requests, prefilled stores, and the two measurements criterion does not take:
//! the time of one fsync and the bytes an event occupies on disk.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ltc_eventstore::{
    AppendRequest, Durability, EventId, EventStore, ExpectedVersion, Metadata, NewEvent,
    StoreOptions, StreamId, codec,
};
use serde::{Deserialize, Serialize};
use tempfile::TempDir;
use uuid::Uuid;

use crate::{mix64, percentile};

pub const STREAM_KIND: &str = "opportunity";
pub const EVENT_TYPE: &str = "OpportunityOpened";

/// The payload of every benchmark event: about 150 bytes once encoded, the size of a typical
/// lead-to-cash event. Its fields derive from (stream index, version), so a reader can check
/// every decoded value without remembering what was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpportunityOpened {
    pub amount_minor: i64,
    pub currency: String,
    pub account_name: String,
    pub owner: String,
    pub stage: String,
    pub probability_bps: u32,
    pub note: String,
}

impl OpportunityOpened {
    pub fn new(stream_idx: u64, version: u64) -> OpportunityOpened {
        OpportunityOpened {
            amount_minor: amount_minor(stream_idx, version),
            currency: "EUR".to_owned(),
            account_name: format!("Account {stream_idx:08} Industrial Holdings GmbH"),
            owner: format!("owner-{:03}@sales.example.com", stream_idx % 97),
            stage: "qualification".to_owned(),
            probability_bps: (version % 10_000) as u32,
            note: "Inbound from the spring trade fair; wants a quote before the Q3 budget."
                .to_owned(),
        }
    }
}

/// The amount stored at (stream, version): below 10^7, so sums of 10^9 events fit an `i64`.
pub fn amount_minor(stream_idx: u64, version: u64) -> i64 {
    (mix64(stream_idx.wrapping_mul(1 << 20) ^ version) % 10_000_000) as i64
}

/// Time-ordered (UUIDv7-shaped) ids from a counter: inserts into the unique indexes stay
/// local, as with the `Uuid::now_v7()` production uses, and a run's ids are reproducible.
#[derive(Debug, Default)]
pub struct IdSource {
    next: AtomicU64,
}

impl IdSource {
    /// 2025-06-15T00:00:00Z; any fixed time would do.
    const BASE_UNIX_MS: u64 = 1_749_945_600_000;

    pub fn next(&self) -> Uuid {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let mut counter = [0u8; 10];
        counter[2..].copy_from_slice(&n.to_be_bytes());
        uuid::Builder::from_unix_timestamp_millis(Self::BASE_UNIX_MS, &counter).into_uuid()
    }

    pub fn stream(&self) -> StreamId {
        StreamId::new(STREAM_KIND, self.next()).expect("the benchmark stream kind is valid")
    }
}

/// An append of `n_events` events to `stream`, whose versions start at `first_version`.
pub fn append_request(
    ids: &IdSource,
    stream: &StreamId,
    stream_idx: u64,
    first_version: u64,
    n_events: u64,
    expected: ExpectedVersion,
) -> AppendRequest {
    let occurred_at: DateTime<Utc> =
        DateTime::from_timestamp(1_749_945_600, 0).expect("a fixed, valid time");
    let events = (first_version..first_version + n_events)
        .map(|version| {
            let (codec, payload) = codec::encode(&OpportunityOpened::new(stream_idx, version))
                .expect("the benchmark payload encodes");
            NewEvent {
                event_id: EventId(ids.next()),
                event_type: EVENT_TYPE.to_owned(),
                schema_version: 1,
                occurred_at,
                codec,
                payload,
            }
        })
        .collect();
    let command_id = ids.next();
    AppendRequest {
        stream: stream.clone(),
        expected,
        events,
        metadata: Metadata {
            command_id,
            correlation_id: command_id,
            causation_id: None,
            actor: "bench@ltc".to_owned(),
            tenant: "acme".to_owned(),
        },
    }
}

/// A store in its own temporary directory, removed on drop.
#[derive(Debug)]
pub struct TempStore {
    pub store: EventStore,
    pub path: PathBuf,
    options: StoreOptions,
    _dir: TempDir,
}

impl TempStore {
    pub fn new(durability: Durability, group_commit: bool) -> TempStore {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("events.db");
        let options = StoreOptions { durability, group_commit, ..StoreOptions::default() };
        let store = EventStore::open(&path, options.clone()).expect("open the benchmark store");
        TempStore { store, path, options, _dir: dir }
    }

    /// Closes the store, whose last connection checkpoints the WAL into `events.db`, then
    /// measures the files and opens the store again.
    pub fn checkpoint_and_measure(self) -> (TempStore, DiskUsage) {
        let TempStore { store, path, options, _dir } = self;
        drop(store);
        let usage = DiskUsage::of(&path);
        let store = EventStore::open(&path, options.clone()).expect("reopen the benchmark store");
        (TempStore { store, path, options, _dir }, usage)
    }
}

/// The sizes of a store's files.
#[derive(Debug, Clone, Copy)]
pub struct DiskUsage {
    pub db_bytes: u64,
    pub wal_bytes: u64,
}

impl DiskUsage {
    pub fn of(db_path: &Path) -> DiskUsage {
        let size = |path: &Path| std::fs::metadata(path).map_or(0, |metadata| metadata.len());
        let mut wal_path = db_path.as_os_str().to_owned();
        wal_path.push("-wal");
        DiskUsage { db_bytes: size(db_path), wal_bytes: size(Path::new(&wal_path)) }
    }

    pub fn bytes_per_event(&self, n_events: u64) -> f64 {
        (self.db_bytes + self.wal_bytes) as f64 / n_events.max(1) as f64
    }
}

/// A store holding `n_streams` streams of `events_per_stream` events, with what a reader needs
/// to check it.
#[derive(Debug)]
pub struct Prefilled {
    pub temp: TempStore,
    pub streams: Vec<StreamId>,
    pub n_events: u64,
    /// Σ `amount_minor` over every event.
    pub amount_sum: i64,
    pub disk: DiskUsage,
    pub fill_time: Duration,
}

/// Fills a fresh store quickly: `synchronous=NORMAL`, group commit, 64 appenders in parallel
/// and `events_per_append` events per append. A stream's events are therefore adjacent in the
/// log, the best case for `read_stream`'s page locality.
pub fn prefill(
    runtime: &tokio::runtime::Runtime,
    n_streams: u64,
    events_per_stream: u64,
    events_per_append: u64,
) -> Prefilled {
    const APPENDERS: u64 = 64;
    assert!(events_per_append > 0 && events_per_stream.is_multiple_of(events_per_append));
    let temp = TempStore::new(Durability::Normal, true);
    let ids = Arc::new(IdSource::default());
    let streams: Arc<Vec<StreamId>> = Arc::new((0..n_streams).map(|_| ids.stream()).collect());
    let started = Instant::now();
    runtime.block_on(async {
        let appenders: Vec<_> = (0..APPENDERS.min(n_streams))
            .map(|appender| {
                let (store, ids, streams) = (temp.store.clone(), ids.clone(), streams.clone());
                tokio::spawn(async move {
                    for stream_idx in (appender..n_streams).step_by(APPENDERS as usize) {
                        let stream = &streams[stream_idx as usize];
                        for first in (1..=events_per_stream).step_by(events_per_append as usize) {
                            let expected = ExpectedVersion::Exact(first - 1);
                            let request = append_request(
                                &ids,
                                stream,
                                stream_idx,
                                first,
                                events_per_append,
                                expected,
                            );
                            store.append(request).await.expect("prefill append");
                        }
                    }
                })
            })
            .collect();
        for appender in appenders {
            appender.await.expect("prefill task");
        }
    });
    let fill_time = started.elapsed();
    let n_events = n_streams * events_per_stream;
    assert_eq!(temp.store.head().position, n_events, "prefill wrote every event once");
    let amount_sum = (0..n_streams)
        .flat_map(|stream_idx| {
            (1..=events_per_stream).map(move |version| amount_minor(stream_idx, version))
        })
        .sum();
    let (temp, disk) = temp.checkpoint_and_measure();
    let streams = Arc::try_unwrap(streams).expect("the prefill tasks have ended");
    Prefilled { temp, streams, n_events, amount_sum, disk, fill_time }
}

/// The time one durable write costs on this disk, measured the two ways SQLite's WAL commits.
/// Both use `fsync`: the bundled SQLite is built without `HAVE_FDATASYNC`, so its `fdatasync`
/// is `fsync`.
#[derive(Debug, Clone, Copy)]
pub struct FsyncProbe {
    /// A 4 KiB overwrite at a fixed offset, then `fsync`: a WAL being reused after a
    /// checkpoint, the common case.
    pub overwrite_p50: Duration,
    pub overwrite_p99: Duration,
    /// A 4 KiB append, then `fsync`: a WAL still growing, where the file size changes too.
    pub append_p50: Duration,
    pub rounds: u32,
}

pub fn probe_fsync(rounds: u32) -> std::io::Result<FsyncProbe> {
    let dir = tempfile::tempdir()?;
    let page = [0x5au8; 4096];
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(dir.path().join("probe"))?;
    let mut overwrite = Vec::with_capacity(rounds as usize);
    let mut append = Vec::with_capacity(rounds as usize);
    for _ in 0..rounds {
        let started = Instant::now();
        file.write_all_at(&page, 0)?;
        file.sync_all()?;
        overwrite.push(started.elapsed());
    }
    for _ in 0..rounds {
        let started = Instant::now();
        file.write_all(&page)?;
        file.sync_all()?;
        append.push(started.elapsed());
    }
    overwrite.sort();
    append.sort();
    Ok(FsyncProbe {
        overwrite_p50: percentile(&overwrite, 0.5),
        overwrite_p99: percentile(&overwrite, 0.99),
        append_p50: percentile(&append, 0.5),
        rounds,
    })
}
