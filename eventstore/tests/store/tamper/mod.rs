//! Tamper evidence: a store file edited by hand, with the append-only triggers dropped, is
//! reported by `verify` at exactly the first position that was changed.
//!
//! Each test builds one pristine store of [`N_EVENTS`] events, closes it, and then edits copies
//! of its file, one copy per scenario, through a plain SQLite connection.

use std::path::PathBuf;

use ltc_eventstore::{Anchor, ChainHash, EventStore, ExpectedVersion, Tamper, VerifyReport};
use rusqlite::{Connection, params};
use tempfile::TempDir;
use uuid::Uuid;

use crate::support::{TestStore, append, open_file, raw_connection, stream};

mod commands;
mod forged;
mod rows;

const APPENDS: u64 = 30;
const EVENTS_PER_APPEND: u64 = 10;
const N_EVENTS: u64 = APPENDS * EVENTS_PER_APPEND;
const FIRST: u64 = 1;
const MIDDLE: u64 = N_EVENTS / 2;
const LAST: u64 = N_EVENTS;

/// Every column of `events` but `position`, in table order.
const CONTENT_COLUMNS: &str = "event_id, stream_kind, stream_id, version, event_type, \
    schema_version, occurred_at_us, recorded_at_us, command_id, correlation_id, causation_id, \
    actor, tenant, codec, payload, hash";

/// A closed store file that no scenario edits; scenarios edit copies of it.
struct Pristine {
    dir: TempDir,
}

/// A store opened on an edited copy. The store is dropped before the directory holding it.
struct Tampered {
    store: EventStore,
    _dir: TempDir,
}

impl Pristine {
    fn build() -> Pristine {
        Pristine::build_forging(None)
    }

    /// Builds the same history, except that the event at `forged.0` carries payload `forged.1`.
    /// Ids and clock are deterministic, so every row before that position, hash included, is the
    /// one [`Pristine::build`] writes, and the forged row carries the hash the store itself
    /// computed for it: what an attacker who recomputes hashes would write.
    fn build_forging(forged: Option<(u64, &[u8])>) -> Pristine {
        let test = TestStore::new();
        for append_idx in 0..APPENDS {
            let n = u128::from(append_idx % 6);
            let kind = if n % 2 == 0 { "lead" } else { "quote" };
            let command = u128::from(append_idx);
            let mut request =
                append(&stream(kind, n), ExpectedVersion::Any, command, EVENTS_PER_APPEND as usize);
            if command % 2 == 1 {
                request.metadata.causation_id = Some(Uuid::from_u128(command));
            }
            for (event_idx, event) in (0..).zip(&mut request.events) {
                let position = append_idx * EVENTS_PER_APPEND + event_idx + 1;
                if let Some((_, payload)) = forged.filter(|(at, _)| *at == position) {
                    event.payload = payload.to_vec();
                }
            }
            test.store.append_blocking(request).unwrap();
            test.clock.advance(chrono::TimeDelta::seconds(1));
        }
        assert_eq!(test.store.head().position, N_EVENTS);
        let TestStore { store, dir, .. } = test;
        drop(store);
        Pristine { dir }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("events.db")
    }

    /// The stored hash at `position`, read from the file directly.
    fn hash_at(&self, position: u64) -> ChainHash {
        let conn = raw_connection(&self.path());
        let bytes: Vec<u8> = conn
            .query_row("SELECT hash FROM events WHERE position = ?1", [sql_int(position)], |row| {
                row.get(0)
            })
            .unwrap();
        ChainHash(bytes.try_into().unwrap())
    }

    fn anchor_at(&self, position: u64) -> Anchor {
        Anchor { position, hash: self.hash_at(position) }
    }

    /// A copy of the file with the triggers dropped and `edit` applied, opened as a store.
    fn tampered(&self, edit: impl FnOnce(&Connection)) -> Tampered {
        let dir = tempfile::tempdir().unwrap();
        for name in ["events.db", "events.db-wal"] {
            let from = self.dir.path().join(name);
            if from.exists() {
                std::fs::copy(from, dir.path().join(name)).unwrap();
            }
        }
        let path = dir.path().join("events.db");
        {
            let conn = raw_connection(&path);
            let triggers: Vec<String> = conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                .unwrap()
                .query_map([], |row| row.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(triggers.len() >= 4, "the append-only triggers exist: {triggers:?}");
            for trigger in triggers {
                conn.execute_batch(&format!("DROP TRIGGER {trigger}")).unwrap();
            }
            edit(&conn);
        }
        Tampered { store: open_file(&path), _dir: dir }
    }
}

impl Tampered {
    fn verify(&self) -> VerifyReport {
        self.store.verify().unwrap()
    }

    fn verify_against(&self, anchor: Anchor) -> VerifyReport {
        self.store.verify_against(anchor).unwrap()
    }
}

/// Overwrites payload and hash of the rows in `positions` with the twin's: the rows an attacker
/// who recomputes hashes would write.
fn copy_rows_from(conn: &Connection, twin: &Pristine, positions: std::ops::RangeInclusive<u64>) {
    let twin_conn = raw_connection(&twin.path());
    for position in positions {
        let (payload, hash): (Vec<u8>, Vec<u8>) = twin_conn
            .query_row(
                "SELECT payload, hash FROM events WHERE position = ?1",
                [sql_int(position)],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        let sql = "UPDATE events SET payload = ?1, hash = ?2 WHERE position = ?3";
        assert_eq!(conn.execute(sql, params![payload, hash, sql_int(position)]).unwrap(), 1);
    }
}

/// Positions are `u64` in the store's API and `INTEGER` (i64) in SQLite.
fn sql_int(position: u64) -> i64 {
    i64::try_from(position).expect("test positions are small")
}

/// The report names `expected` and counts exactly the rows before it as checked.
#[track_caller]
fn check_first_problem(report: &VerifyReport, expected: Tamper) {
    assert_eq!(report.first_problem.as_ref(), Some(&expected), "{report:?}");
    assert_eq!(report.events_checked, expected.position() - 1, "{report:?}");
    assert_eq!(report.verified_head.position, expected.position() - 1, "{report:?}");
}

/// Command records are checked after the whole chain verified: the report names the record's
/// problem and still counts every event it checked.
#[track_caller]
fn check_command_record_problem(report: &VerifyReport, events_checked: u64, expected: Tamper) {
    assert_eq!(report.first_problem, Some(expected), "{report:?}");
    assert_eq!(report.events_checked, events_checked, "{report:?}");
}
