//! Copies of a real log (`ltc demo`) edited by hand the ways an insider with SQLite could:
//! a payload byte flipped, a row deleted, two rows swapped, a column rewritten, and the whole
//! chain rewritten with every hash recomputed. `verify` (and `verify --against` an anchor kept
//! from before, for the rewritten chain) must catch each one; the untouched copy must pass.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ltc_eventstore::{
    Anchor, AppendRequest, Durability, EventStore, ExpectedVersion, ManualClock, NewEvent,
    Position, RecordedEvent, StoreOptions,
};
use rand::{Rng, SeedableRng};
use rusqlite::Connection;

use crate::Sizes;
use crate::support;
use crate::table::{Row, thousands};

/// Every column of `events` but `position`.
const CONTENT_COLUMNS: &str = "event_id, stream_kind, stream_id, version, event_type, \
    schema_version, occurred_at_us, recorded_at_us, command_id, correlation_id, causation_id, \
    actor, tenant, codec, payload, hash";

#[derive(Debug, Clone, Copy)]
enum Edit {
    FlipPayloadByte,
    DeleteRow,
    SwapWithNext,
    RewriteActor,
    /// The chain rewritten from this position on with a changed payload and every hash
    /// recomputed: only an anchor kept from before can tell.
    RewriteChainFrom,
}

const EDITS: [Edit; 5] = [
    Edit::FlipPayloadByte,
    Edit::DeleteRow,
    Edit::SwapWithNext,
    Edit::RewriteActor,
    Edit::RewriteChainFrom,
];

pub fn tampered_logs(sizes: &Sizes) -> Row {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    support::ltc(&["demo", "--data", data.to_str().unwrap(), "--seed", &sizes.seed.to_string()]);
    let original = data.join("events.db");
    let (head, anchor) = {
        let store = EventStore::open(&original, StoreOptions::default()).unwrap();
        let head = store.head();
        (head.position, Anchor { position: head.position, hash: head.hash })
    };

    let mut rng = rand::rngs::StdRng::seed_from_u64(sizes.seed ^ 0x7a3e);
    let mut undetected = 0u64;
    for attempt in 0..sizes.tamper_attempts {
        let edit = EDITS[attempt % EDITS.len()];
        let position = rng.random_range(1..head);
        let copy = dir.path().join(format!("tampered-{attempt}"));
        let report = match edit {
            Edit::RewriteChainFrom => {
                let forged = forge_from(&original, &copy, position);
                let plain = forged.verify().unwrap();
                assert!(plain.is_intact(), "a recomputed chain passes a plain verify");
                forged.verify_against(anchor).unwrap()
            }
            _ => {
                let path = copy_store(&original, &copy);
                edit_rows(&Connection::open(&path).unwrap(), edit, position);
                EventStore::open(&path, StoreOptions::default()).unwrap().verify().unwrap()
            }
        };
        if report.is_intact() {
            eprintln!("undetected: {edit:?} at position {position}");
            undetected += 1;
        }
        std::fs::remove_dir_all(&copy).unwrap();
    }

    let control = copy_store(&original, &dir.path().join("control"));
    let false_alarm = !EventStore::open(&control, StoreOptions::default())
        .unwrap()
        .verify_against(anchor)
        .unwrap()
        .is_intact();
    Row {
        scenario: "tampering",
        tried: format!(
            "{} edits of a {}-event log with SQLite: payload byte flipped, row deleted, rows \
             swapped, actor rewritten, chain rewritten with hashes recomputed",
            thousands(sizes.tamper_attempts as u64),
            thousands(head)
        ),
        checked: "`verify`, and `verify --against` the head kept before the edit; the untouched \
                  copy"
            .into(),
        broken_means: "edits not detected, false alarms",
        broken: undetected + u64::from(false_alarm),
    }
}

/// Copies the store's files into `dir` (created); the copy's `events.db`.
fn copy_store(original: &Path, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let from_dir = original.parent().unwrap();
    for name in ["events.db", "events.db-wal"] {
        if from_dir.join(name).exists() {
            std::fs::copy(from_dir.join(name), dir.join(name)).unwrap();
        }
    }
    dir.join("events.db")
}

/// What an insider with the file and SQLite does: drop what stands in the way (the append-only
/// triggers, the unique indexes), then edit.
fn edit_rows(conn: &Connection, edit: Edit, position: u64) {
    let in_the_way: Vec<(String, String)> = conn
        .prepare("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'index') AND sql IS NOT NULL")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (kind, name) in in_the_way {
        conn.execute_batch(&format!("DROP {kind} {name}")).unwrap();
    }
    let position = position as i64;
    match edit {
        Edit::FlipPayloadByte => {
            let mut payload: Vec<u8> = conn
                .query_row("SELECT payload FROM events WHERE position = ?1", [position], |row| {
                    row.get(0)
                })
                .unwrap();
            let at = payload.len() / 2;
            payload[at] ^= 0x01;
            conn.execute("UPDATE events SET payload = ?1 WHERE position = ?2", (payload, position))
                .unwrap();
        }
        Edit::DeleteRow => {
            conn.execute("DELETE FROM events WHERE position = ?1", [position]).unwrap();
        }
        Edit::SwapWithNext => {
            conn.execute_batch(&format!(
                "CREATE TEMP TABLE pair AS SELECT * FROM events WHERE position IN ({position}, {next});
                 UPDATE events SET ({CONTENT_COLUMNS}) =
                     (SELECT {CONTENT_COLUMNS} FROM pair WHERE position = {next}) WHERE position = {position};
                 UPDATE events SET ({CONTENT_COLUMNS}) =
                     (SELECT {CONTENT_COLUMNS} FROM pair WHERE position = {position}) WHERE position = {next};",
                next = position + 1
            ))
            .unwrap();
        }
        Edit::RewriteActor => {
            conn.execute("UPDATE events SET actor = 'mallory' WHERE position = ?1", [position])
                .unwrap();
        }
        Edit::RewriteChainFrom => unreachable!("forged through the store, see forge_from"),
    }
}

/// A new log in `dir` holding the original's events with the payload at `from` changed, every
/// row appended through the store so that every hash is recomputed: a chain that verifies on
/// its own.
fn forge_from(original: &Path, dir: &Path, from: u64) -> EventStore {
    std::fs::create_dir_all(dir).unwrap();
    let source = EventStore::open(original, StoreOptions::default()).unwrap();
    let events: Vec<RecordedEvent> =
        source.read_all(Position(1), u64::MAX).collect::<Result<_, _>>().unwrap();
    let clock = Arc::new(ManualClock::new(events[0].recorded_at));
    let options =
        StoreOptions { durability: Durability::Normal, clock: clock.clone(), ..Default::default() };
    let forged = EventStore::open(dir.join("events.db"), options).unwrap();
    // One append per run of events one command wrote to one stream, as the original had.
    let mut run_start = 0;
    while run_start < events.len() {
        let first = &events[run_start];
        let run_end = events[run_start..]
            .iter()
            .position(|event| {
                event.metadata.command_id != first.metadata.command_id
                    || event.stream != first.stream
            })
            .map_or(events.len(), |len| run_start + len);
        let new_events = events[run_start..run_end]
            .iter()
            .map(|event| {
                let mut payload = event.payload.clone();
                if event.position.0 == from {
                    let at = payload.len() / 2;
                    payload[at] ^= 0x01;
                }
                NewEvent {
                    event_id: event.event_id,
                    event_type: event.event_type.clone(),
                    schema_version: event.schema_version,
                    occurred_at: event.occurred_at,
                    codec: event.codec,
                    payload,
                }
            })
            .collect();
        clock.set(first.recorded_at);
        forged
            .append_blocking(AppendRequest {
                stream: first.stream.clone(),
                expected: ExpectedVersion::Any,
                events: new_events,
                metadata: first.metadata.clone(),
            })
            .unwrap();
        run_start = run_end;
    }
    assert_eq!(forged.head().position, source.head().position);
    forged
}
