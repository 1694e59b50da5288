//! Builders shared by the store tests: deterministic ids, times and requests.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use ltc_eventstore::{
    AppendRequest, CodecId, EventId, EventStore, ExpectedVersion, ManualClock, Metadata, NewEvent,
    StoreOptions, StreamId,
};
use tempfile::TempDir;
use uuid::Uuid;

/// A store in a fresh temporary directory, with a manual clock at [`t0`].
#[allow(dead_code, reason = "each test module uses a different part of the support kit")]
pub struct TestStore {
    pub store: EventStore,
    pub clock: Arc<ManualClock>,
    pub dir: TempDir,
}

#[allow(dead_code, reason = "each test module uses a different part of the support kit")]
impl TestStore {
    pub fn new() -> TestStore {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = Arc::new(ManualClock::new(t0()));
        let store = open_at(&dir, clock.clone());
        TestStore { store, clock, dir }
    }

    /// Closes the store (its writer finishes and the file is released) and opens it again.
    pub fn reopen(&mut self) {
        let placeholder = open_at(&self.dir, self.clock.clone());
        drop(std::mem::replace(&mut self.store, placeholder));
    }

    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("events.db")
    }
}

fn open_at(dir: &TempDir, clock: Arc<ManualClock>) -> EventStore {
    let options = StoreOptions { clock, ..StoreOptions::default() };
    EventStore::open(dir.path().join("events.db"), options).expect("open store")
}

/// 2026-01-01T00:00:00Z: every test's clock starts here.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("valid date")
}

/// A stream whose UUID is derived from `n`, so tests name streams by number.
pub fn stream(kind: &str, n: u128) -> StreamId {
    StreamId::new(kind, Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n))
        .expect("valid kind")
}

pub fn command_id(n: u128) -> Uuid {
    Uuid::from_u128(0x0191_0000_0000_7000_8000_0000_0000_0000 | n)
}

/// An event whose id is derived from `(command, index)` and whose payload is `payload`.
pub fn event(command: u128, index: u128, payload: &[u8]) -> NewEvent {
    NewEvent {
        event_id: EventId(Uuid::from_u128(
            0x0192_0000_0000_7000_8000_0000_0000_0000 | command << 16 | index,
        )),
        event_type: "TestHappened".into(),
        schema_version: 1,
        occurred_at: t0(),
        codec: CodecId::BINCODE2,
        payload: payload.to_vec(),
    }
}

pub fn metadata(command: u128) -> Metadata {
    Metadata {
        command_id: command_id(command),
        correlation_id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 | command),
        causation_id: None,
        actor: "tester".into(),
        tenant: "acme".into(),
    }
}

/// An append of `n_events` events for command `command`; payloads name command and index.
pub fn append(
    stream: &StreamId,
    expected: ExpectedVersion,
    command: u128,
    n_events: usize,
) -> AppendRequest {
    AppendRequest {
        stream: stream.clone(),
        expected,
        events: (0..n_events)
            .map(|index| event(command, index as u128, format!("c{command}e{index}").as_bytes()))
            .collect(),
        metadata: metadata(command),
    }
}

/// A read-write SQLite connection to a store's file that bypasses the store, as an operator with
/// a SQL shell (or an attacker with the file) would have.
pub fn raw_connection(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("open the store's file directly");
    conn.busy_timeout(std::time::Duration::from_secs(5)).expect("set busy timeout");
    conn
}

/// Opens a store on a file of the test's own (a copy, for example), with a manual clock at
/// [`t0`].
pub fn open_file(path: &std::path::Path) -> EventStore {
    let clock = Arc::new(ManualClock::new(t0()));
    EventStore::open(path, StoreOptions { clock, ..StoreOptions::default() }).expect("open store")
}
