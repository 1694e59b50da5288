//! The append-only triggers: `UPDATE` and `DELETE` on `events` and `commands`, sent by hand
//! through a plain SQLite connection, are aborted and change nothing.

use ltc_eventstore::{ExpectedVersion, Position, RecordedEvent, Tamper};
use rusqlite::Connection;

use crate::support::{TestStore, append, raw_connection, stream};

/// A store holding 12 events from 4 commands on 2 streams.
fn store_with_history() -> TestStore {
    let test = TestStore::new();
    for command in 0..4u128 {
        let request = append(&stream("lead", command % 2), ExpectedVersion::Any, command, 3);
        test.store.append_blocking(request).unwrap();
    }
    test
}

#[test]
fn updates_of_event_rows_are_aborted_by_the_append_only_trigger() {
    let test = store_with_history();
    let conn = raw_connection(&test.db_path());
    let before = everything(&test);

    for statement in [
        "UPDATE events SET payload = x'00' WHERE position = 5",
        "UPDATE events SET actor = 'mallory'",
        "UPDATE events SET hash = zeroblob(32) WHERE position = 12",
        "UPDATE events SET position = position + 100 WHERE position = 1",
    ] {
        check_aborted(&conn, statement, "ltc events are append-only: UPDATE is forbidden");
    }
    check_nothing_changed(&test, &conn, &before);
}

#[test]
fn an_upsert_onto_an_existing_row_is_aborted_as_an_update() {
    let test = store_with_history();
    let conn = raw_connection(&test.db_path());
    let before = everything(&test);
    check_aborted(
        &conn,
        "INSERT INTO events SELECT * FROM events WHERE position = 3 \
         ON CONFLICT (position) DO UPDATE SET payload = x'00'",
        "ltc events are append-only: UPDATE is forbidden",
    );
    check_nothing_changed(&test, &conn, &before);
}

/// SQLite does not fire DELETE triggers for the rows a REPLACE removes (unless the connection
/// turns `recursive_triggers` on), and an insert guard would cost a fifth or more of the writer's
/// throughput (schema.rs). What stops a replacement going unnoticed is `verify`.
#[test]
fn a_replacing_insert_gets_past_sqlite_but_verify_names_the_replaced_position() {
    let columns = "position, event_id, stream_kind, stream_id, version, event_type, schema_version, \
                   occurred_at_us, recorded_at_us, command_id, correlation_id, causation_id, actor, \
                   tenant, codec, payload, hash";
    let cases = [
        (
            format!(
                "INSERT OR REPLACE INTO events ({columns}) SELECT {} FROM events WHERE position = 5",
                columns.replace("actor,", "'mallory',")
            ),
            Tamper::HashMismatch { position: 5 },
        ),
        (
            // Conflicts on event_id: the old row at position 7 is deleted, a new one appears after
            // the head.
            format!(
                "REPLACE INTO events ({columns}) SELECT {} FROM events WHERE position = 7",
                columns
                    .replacen("position,", "position + 1000,", 1)
                    .replace(" version,", " version + 1000,")
            ),
            Tamper::Missing { position: 7, next_found: 8 },
        ),
    ];
    for (statement, expected) in cases {
        let test = store_with_history();
        let conn = raw_connection(&test.db_path());
        assert_eq!(conn.execute(&statement, []).unwrap(), 1, "{statement}");
        assert_eq!(test.store.verify().unwrap().first_problem, Some(expected), "{statement}");
    }

    let test = store_with_history();
    let conn = raw_connection(&test.db_path());
    let statement = "REPLACE INTO commands SELECT command_id, stream_kind, stream_id, first_version, \
                     99, first_position, last_position, recorded_at_us FROM commands WHERE first_position = 1";
    assert_eq!(conn.execute(statement, []).unwrap(), 1);
    assert_eq!(
        test.store.verify().unwrap().first_problem,
        Some(Tamper::CommandRecordAltered { position: 1 })
    );
}

#[test]
fn deletes_of_event_rows_are_aborted_by_the_append_only_trigger() {
    let test = store_with_history();
    let conn = raw_connection(&test.db_path());
    let before = everything(&test);

    for statement in [
        "DELETE FROM events WHERE position = 12",
        "DELETE FROM events WHERE position = 1",
        "DELETE FROM events",
    ] {
        check_aborted(&conn, statement, "ltc events are append-only: DELETE is forbidden");
    }
    check_nothing_changed(&test, &conn, &before);
}

#[test]
fn updates_and_deletes_of_command_rows_are_aborted_by_the_append_only_trigger() {
    let test = store_with_history();
    let conn = raw_connection(&test.db_path());
    let before = everything(&test);

    for statement in [
        "UPDATE commands SET last_position = 1",
        "UPDATE commands SET stream_kind = 'quote' WHERE first_position = 4",
    ] {
        check_aborted(&conn, statement, "ltc commands are append-only: UPDATE is forbidden");
    }
    for statement in ["DELETE FROM commands", "DELETE FROM commands WHERE first_position = 1"] {
        check_aborted(&conn, statement, "ltc commands are append-only: DELETE is forbidden");
    }
    check_nothing_changed(&test, &conn, &before);

    // The command ids are still remembered: a retry is answered with the original outcome.
    let retry = append(&stream("lead", 0), ExpectedVersion::Any, 0, 3);
    let outcome = test.store.append_blocking(retry).unwrap();
    assert!(outcome.duplicate);
    assert_eq!((outcome.first_position, outcome.last_position), (Position(1), Position(3)));
}

/// Every event, read back through the store.
fn everything(test: &TestStore) -> Vec<RecordedEvent> {
    test.store.read_all(Position::START, u64::MAX).collect::<Result<_, _>>().unwrap()
}

#[track_caller]
fn check_aborted(conn: &Connection, statement: &str, message: &str) {
    match conn.execute(statement, []) {
        Err(error) => {
            let text = error.to_string();
            assert!(text.contains("append-only"), "{statement}: {text}");
            assert!(text.contains(message), "{statement}: {text}");
        }
        Ok(n_rows) => panic!("{statement} was allowed and changed {n_rows} rows"),
    }
}

#[track_caller]
fn check_nothing_changed(test: &TestStore, conn: &Connection, before: &[RecordedEvent]) {
    assert_eq!(everything(test), before);
    let count = |table: &str| -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0)).unwrap()
    };
    assert_eq!((count("events"), count("commands")), (12, 4));
    let report = test.store.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.events_checked, 12);
}
