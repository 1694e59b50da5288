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

#[test]
fn an_intact_store_verifies_every_event_up_to_its_head() {
    let pristine = Pristine::build();
    let copy = pristine.tampered(|_| {});

    let report = copy.verify();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.events_checked, N_EVENTS);
    assert_eq!(report.verified_head, copy.store.head());
    let anchor = format!("{LAST}:{}", pristine.hash_at(LAST)).parse::<Anchor>().unwrap();
    assert!(copy.verify_against(anchor).is_intact());
}

#[test]
fn a_flipped_payload_byte_is_a_hash_mismatch_at_its_position() {
    let pristine = Pristine::build();
    for position in [FIRST, MIDDLE, LAST] {
        let copy = pristine.tampered(|conn| {
            let mut payload: Vec<u8> = conn
                .query_row(
                    "SELECT payload FROM events WHERE position = ?1",
                    [sql_int(position)],
                    |row| row.get(0),
                )
                .unwrap();
            payload[0] ^= 0x01;
            let sql = "UPDATE events SET payload = ?1 WHERE position = ?2";
            assert_eq!(conn.execute(sql, params![payload, sql_int(position)]).unwrap(), 1);
        });
        check_first_problem(&copy.verify(), Tamper::HashMismatch { position });
    }
}

#[test]
fn any_single_column_rewritten_without_rehashing_is_a_hash_mismatch_at_its_row() {
    let pristine = Pristine::build();
    let fresh_uuid = "x'0190aaaabbbb7000800000000000cafe'";
    let causation = format!("CASE WHEN causation_id IS NULL THEN {fresh_uuid} ELSE NULL END");
    let rewrites = [
        ("event_id", fresh_uuid),
        ("stream_kind", "stream_kind || 'x'"),
        ("stream_id", fresh_uuid),
        ("version", "version + 1000"),
        ("event_type", "event_type || 'Again'"),
        ("schema_version", "schema_version + 1"),
        ("occurred_at_us", "occurred_at_us + 1"),
        ("recorded_at_us", "recorded_at_us - 1"),
        ("command_id", fresh_uuid),
        ("correlation_id", fresh_uuid),
        ("causation_id", causation.as_str()),
        ("actor", "'mallory'"),
        ("tenant", "tenant || 'x'"),
        ("codec", "codec + 1"),
        ("payload", "CAST(payload || x'00' AS BLOB)"),
        ("hash", "zeroblob(32)"),
    ];
    for position in [MIDDLE, MIDDLE + 1] {
        for (column, value) in rewrites {
            let copy = pristine.tampered(|conn| {
                let sql = format!("UPDATE events SET {column} = {value} WHERE position = ?1");
                assert_eq!(conn.execute(&sql, [sql_int(position)]).unwrap(), 1);
            });
            let report = copy.verify();
            assert_eq!(report.first_problem, Some(Tamper::HashMismatch { position }), "{column}");
            assert_eq!(report.events_checked, position - 1, "{column}");
        }
    }
}

#[test]
fn a_row_that_cannot_be_read_as_an_envelope_is_unreadable_at_its_position() {
    let pristine = Pristine::build();
    let damages = [
        "UPDATE events SET event_id = x'00' WHERE position = ?1",
        "UPDATE events SET payload = 'text, not bytes' WHERE position = ?1",
        "UPDATE events SET schema_version = -1 WHERE position = ?1",
        "UPDATE events SET occurred_at_us = 'yesterday' WHERE position = ?1",
    ];
    for damage in damages {
        for position in [FIRST, MIDDLE, LAST] {
            let copy = pristine.tampered(|conn| {
                conn.execute(damage, [sql_int(position)]).unwrap();
            });
            let report = copy.verify();
            assert!(
                matches!(report.first_problem, Some(Tamper::Unreadable { position: at, .. }) if at == position),
                "{damage} at {position}: {report:?}"
            );
            assert_eq!(report.events_checked, position - 1, "{damage} at {position}");
        }
    }
}

#[test]
fn a_deleted_row_is_missing_at_its_position_and_names_the_next_row_found() {
    let pristine = Pristine::build();
    for position in [FIRST, MIDDLE, LAST - 1] {
        let copy = pristine.tampered(|conn| {
            conn.execute("DELETE FROM events WHERE position = ?1", [sql_int(position)]).unwrap();
        });
        check_first_problem(&copy.verify(), Tamper::Missing { position, next_found: position + 1 });
    }
    let copy = pristine.tampered(|conn| {
        let sql = "DELETE FROM events WHERE position BETWEEN ?1 AND ?2";
        conn.execute(sql, [sql_int(MIDDLE), sql_int(MIDDLE + 10)]).unwrap();
    });
    check_first_problem(
        &copy.verify(),
        Tamper::Missing { position: MIDDLE, next_found: MIDDLE + 11 },
    );
}

#[test]
fn events_cut_from_the_end_leave_a_command_record_that_no_longer_matches() {
    let pristine = Pristine::build();
    for n_removed in [1, EVENTS_PER_APPEND, 3 * EVENTS_PER_APPEND] {
        let copy = pristine.tampered(|conn| {
            conn.execute("DELETE FROM events WHERE position > ?1", [sql_int(LAST - n_removed)])
                .unwrap();
        });
        // The first command that lost events now has a record pointing past the end of the log.
        let head_position = LAST - n_removed;
        let first_cut_command = head_position / EVENTS_PER_APPEND * EVENTS_PER_APPEND + 1;
        let expected = Tamper::CommandRecordAltered { position: first_cut_command };
        check_command_record_problem(&copy.verify(), head_position, expected);
    }
}

#[test]
fn whole_commands_cut_from_the_end_pass_a_plain_verify_but_are_truncated_against_an_anchor() {
    let pristine = Pristine::build();
    let anchor = pristine.anchor_at(LAST);
    for n_commands_removed in [1, 3, APPENDS] {
        let head_position = LAST - n_commands_removed * EVENTS_PER_APPEND;
        let copy = pristine.tampered(|conn| {
            conn.execute("DELETE FROM events WHERE position > ?1", [sql_int(head_position)])
                .unwrap();
            conn.execute(
                "DELETE FROM commands WHERE first_position > ?1",
                [sql_int(head_position)],
            )
            .unwrap();
        });

        let plain = copy.verify();
        assert!(
            plain.is_intact(),
            "without an anchor a cleanly shortened log looks whole: {plain:?}"
        );
        assert_eq!(plain.events_checked, head_position);
        let expected = Tamper::Truncated { anchor_position: LAST, head_position };
        check_first_problem(&copy.verify_against(anchor), expected);
    }
}

#[test]
fn a_rewritten_command_record_is_found_even_though_the_events_are_intact() {
    let pristine = Pristine::build();
    for (column, value) in
        [("last_position", "last_position + 1"), ("first_version", "99"), ("recorded_at_us", "0")]
    {
        let copy = pristine.tampered(|conn| {
            let sql = format!("UPDATE commands SET {column} = {value} WHERE first_position = ?1");
            assert_eq!(conn.execute(&sql, [sql_int(MIDDLE + 1)]).unwrap(), 1);
        });
        check_command_record_problem(
            &copy.verify(),
            LAST,
            Tamper::CommandRecordAltered { position: MIDDLE + 1 },
        );
    }
}

#[test]
fn a_command_record_shrunk_or_moved_within_its_events_is_found_at_its_real_first_event() {
    let pristine = Pristine::build();
    let command_start = MIDDLE + 1;
    let edits = [
        "UPDATE commands SET last_position = last_position - 1, last_version = last_version - 1",
        "UPDATE commands SET first_position = first_position + 1, first_version = first_version + 1",
        "UPDATE commands SET first_position = first_position + 2, first_version = first_version + 2, \
         last_position = last_position - 2, last_version = last_version - 2",
    ];
    for edit in edits {
        let copy = pristine.tampered(|conn| {
            let sql = format!("{edit} WHERE first_position = ?1");
            assert_eq!(conn.execute(&sql, [sql_int(command_start)]).unwrap(), 1, "{edit}");
        });
        check_command_record_problem(
            &copy.verify(),
            LAST,
            Tamper::CommandRecordAltered { position: command_start },
        );
    }
}

#[test]
fn read_all_reports_a_deleted_row_as_corruption_instead_of_skipping_it() {
    let pristine = Pristine::build();
    for position in [FIRST, MIDDLE, LAST - 1] {
        let copy = pristine.tampered(|conn| {
            conn.execute("DELETE FROM events WHERE position = ?1", [sql_int(position)]).unwrap();
        });
        let read: Vec<_> = copy.store.read_all(ltc_eventstore::Position::START, u64::MAX).collect();
        let delivered = read.iter().take_while(|event| event.is_ok()).count() as u64;
        assert_eq!(delivered, position - 1, "every row before the hole is delivered");
        assert!(
            matches!(read.last(), Some(Err(ltc_eventstore::ReadError::Corrupt { position: at, .. })) if *at == position),
            "{:?}",
            read.last()
        );
    }
}

#[test]
fn an_out_of_range_recorded_time_on_the_last_row_is_a_typed_error_for_appends_not_a_panic() {
    let pristine = Pristine::build();
    let copy = pristine.tampered(|conn| {
        conn.execute(
            "UPDATE events SET recorded_at_us = ?1 WHERE position = ?2",
            [i64::MAX, sql_int(LAST)],
        )
        .unwrap();
    });
    for command in [1_000, 1_001] {
        let request = append(&stream("lead", 99), ExpectedVersion::Any, command, 1);
        let error = copy.store.append_blocking(request).unwrap_err();
        assert!(matches!(error, ltc_eventstore::AppendError::Storage(_)), "{error:?}");
    }
    assert!(matches!(copy.verify().first_problem, Some(Tamper::Unreadable { position: LAST, .. })));
}

#[test]
fn a_deleted_command_record_is_found_at_its_first_event() {
    let pristine = Pristine::build();
    let copy = pristine.tampered(|conn| {
        assert_eq!(
            conn.execute("DELETE FROM commands WHERE first_position = ?1", [sql_int(MIDDLE + 1)])
                .unwrap(),
            1
        );
    });
    check_command_record_problem(
        &copy.verify(),
        LAST,
        Tamper::CommandRecordMissing { position: MIDDLE + 1 },
    );
}

#[test]
fn two_swapped_rows_are_a_hash_mismatch_at_the_earlier_position() {
    let pristine = Pristine::build();
    let pairs =
        [(FIRST, FIRST + 1), (FIRST, LAST), (MIDDLE, MIDDLE + 1), (MIDDLE, 200), (LAST - 1, LAST)];
    for (p, q) in pairs {
        let copy = pristine.tampered(|conn| {
            let sql = format!(
                "CREATE TEMP TABLE moved AS SELECT * FROM events WHERE position IN (?1, ?2);
                 DELETE FROM events WHERE position IN (?1, ?2);
                 INSERT INTO events (position, {CONTENT_COLUMNS})
                     SELECT CASE position WHEN ?1 THEN ?2 ELSE ?1 END, {CONTENT_COLUMNS} FROM moved;
                 DROP TABLE moved;"
            )
            .replace("?1", &p.to_string())
            .replace("?2", &q.to_string());
            conn.execute_batch(&sql).unwrap();
        });
        check_first_problem(&copy.verify(), Tamper::HashMismatch { position: p });
    }
}

#[test]
fn a_forged_row_after_the_head_is_a_hash_mismatch_at_the_head_plus_one() {
    let pristine = Pristine::build();
    for forged_hash in [[7u8; 32], pristine.hash_at(LAST).0] {
        let copy = pristine.tampered(|conn| {
            let sql = "INSERT INTO events SELECT position + 1, ?1, stream_kind, stream_id, \
                version + 1, event_type, schema_version, occurred_at_us, recorded_at_us, \
                ?2, correlation_id, causation_id, actor, tenant, codec, x'0102', ?3 \
                FROM events WHERE position = ?4";
            let event_id = Uuid::from_u128(0xf0f0).into_bytes();
            let command_id = Uuid::from_u128(0xf1f1).into_bytes();
            let inserted =
                conn.execute(sql, params![event_id, command_id, forged_hash, sql_int(LAST)]);
            assert_eq!(inserted.unwrap(), 1);
        });
        assert_eq!(
            copy.store.head().position,
            LAST + 1,
            "the store took the forged row as its head"
        );
        check_first_problem(&copy.verify(), Tamper::HashMismatch { position: LAST + 1 });
    }
}

#[test]
fn a_row_rewritten_with_its_own_hash_recomputed_breaks_the_link_at_the_next_row() {
    let pristine = Pristine::build();
    for position in [FIRST, MIDDLE, LAST - 1] {
        let twin = Pristine::build_forging(Some((position, b"forged")));
        let copy = pristine.tampered(|conn| copy_rows_from(conn, &twin, position..=position));
        check_first_problem(&copy.verify(), Tamper::HashMismatch { position: position + 1 });
    }

    // The last row has no successor to break: only an anchor at it notices.
    let twin = Pristine::build_forging(Some((LAST, b"forged")));
    let copy = pristine.tampered(|conn| copy_rows_from(conn, &twin, LAST..=LAST));
    assert!(copy.verify().is_intact());
    let anchored = copy.verify_against(pristine.anchor_at(LAST));
    check_first_problem(&anchored, Tamper::AnchorMismatch { position: LAST });
}

#[test]
fn a_chain_rewritten_from_a_row_on_is_caught_by_any_anchor_at_or_after_that_row() {
    let pristine = Pristine::build();
    let twin = Pristine::build_forging(Some((MIDDLE, b"forged")));
    let copy = pristine.tampered(|conn| copy_rows_from(conn, &twin, MIDDLE..=LAST));

    let plain = copy.verify();
    assert!(plain.is_intact(), "a consistent rewrite links up: {plain:?}");
    assert_eq!(plain.events_checked, N_EVENTS);
    for position in [MIDDLE, 200, LAST] {
        let anchored = copy.verify_against(pristine.anchor_at(position));
        check_first_problem(&anchored, Tamper::AnchorMismatch { position });
    }
    assert!(copy.verify_against(pristine.anchor_at(MIDDLE - 1)).is_intact());
}

#[test]
fn an_anchor_with_a_wrong_hash_is_an_anchor_mismatch_at_its_position() {
    let pristine = Pristine::build();
    let copy = pristine.tampered(|_| {});
    for position in [FIRST, MIDDLE, LAST] {
        let wrong = Anchor { position, hash: ChainHash([9; 32]) };
        check_first_problem(&copy.verify_against(wrong), Tamper::AnchorMismatch { position });
        let neighbour = if position == FIRST { FIRST + 1 } else { position - 1 };
        let neighbours = Anchor { position, hash: pristine.hash_at(neighbour) };
        check_first_problem(&copy.verify_against(neighbours), Tamper::AnchorMismatch { position });
        assert!(copy.verify_against(pristine.anchor_at(position)).is_intact());
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
