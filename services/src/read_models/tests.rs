//! The embedded read models over a real store and read-model directory in a temporary
//! directory: catch-up before answers, lag, rebuilds (swapped in, or thrown away as of a time),
//! and the rebuild a changed schema triggers by itself.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use ltc_eventstore::{
    AppendRequest, Clock, CodecId, Durability, EventId, EventStore, ExpectedVersion, ManualClock,
    Metadata, NewEvent, StoreOptions, StreamId,
};
use ltc_projections::{EventCounts, RebuildTarget};
use uuid::Uuid;

use super::*;

struct World {
    dir: tempfile::TempDir,
    store: EventStore,
    clock: Arc<ManualClock>,
    n_appends: u128,
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(t0()));
        let options = StoreOptions {
            clock: clock.clone(),
            durability: Durability::Normal,
            ..StoreOptions::default()
        };
        let store = EventStore::open(dir.path().join("events.db"), options).unwrap();
        World { dir, store, clock, n_appends: 0 }
    }

    fn data(&self) -> DataDir {
        DataDir::new(self.dir.path())
    }

    fn open(&self) -> EmbeddedReadModels {
        EmbeddedReadModels::open(&self.data(), self.store.clone()).unwrap()
    }

    /// Appends one event of 10 bytes to a stream of `kind`, one minute after the last. The
    /// kinds are none of the domain's, so the lead-to-cash read models pass over these bytes.
    fn append(&mut self, kind: &str) {
        let append_idx = self.n_appends;
        self.n_appends += 1;
        let stream = StreamId::new(kind, Uuid::from_u128(0x0190 << 112 | append_idx)).unwrap();
        let command_id = Uuid::from_u128(0x0191 << 112 | append_idx);
        let event = NewEvent {
            event_id: EventId(Uuid::from_u128(0x0192 << 112 | append_idx)),
            event_type: "TestHappened".into(),
            schema_version: 1,
            occurred_at: self.clock.now(),
            codec: CodecId::BINCODE2,
            payload: vec![7; 10],
        };
        let metadata = Metadata {
            command_id,
            correlation_id: command_id,
            causation_id: None,
            actor: "tester".into(),
            tenant: "acme".into(),
        };
        let request =
            AppendRequest { stream, expected: ExpectedVersion::Any, events: vec![event], metadata };
        self.store.append_blocking(request).unwrap();
        self.clock.advance(TimeDelta::minutes(1));
    }
}

/// `(kind, events)` per stream kind, as the query answers.
fn counts(conn: &rusqlite::Connection) -> Vec<(String, u64)> {
    let rows = query_event_counts(conn).unwrap();
    rows.into_iter().map(|row| (row.stream_kind, row.n_events)).collect()
}

fn no_progress(_: &Progress) {}

#[test]
fn a_catch_up_applies_what_the_log_added_since_the_last_and_nothing_when_current() {
    let mut world = World::new();
    (0..5).for_each(|_| world.append("alpha"));
    let models = world.open();
    let first = models.catch_up(&mut no_progress).unwrap();
    assert_eq!((first.position, first.events_applied), (5, 5));
    let again = models.catch_up(&mut no_progress).unwrap();
    assert_eq!((again.position, again.events_applied), (5, 0));
    drop(models);
    (0..3).for_each(|_| world.append("bravo"));
    let models = world.open();
    let later = models.catch_up(&mut no_progress).unwrap();
    assert_eq!((later.position, later.events_applied), (8, 3));
    let expected = vec![("alpha".to_owned(), 5), ("bravo".to_owned(), 3)];
    assert_eq!(counts(&models.reader().unwrap()), expected);
}

#[test]
fn a_catch_up_with_every_model_far_behind_rebuilds_them_side_by_side_to_the_same_tables_and_indexes()
 {
    let history = |world: &mut World| {
        (0..30).for_each(|_| world.append("alpha"));
        (0..12).for_each(|_| world.append("bravo"));
    };
    let (mut rebuilt_world, mut applied_world) = (World::new(), World::new());
    history(&mut rebuilt_world);
    history(&mut applied_world);
    let rebuilt_models = rebuilt_world.open().rebuilding_when_behind(10);
    let applied_models = applied_world.open().rebuilding_when_behind(u64::MAX);
    let generation_before = rebuilt_models.read_models().current();

    let rebuilt = rebuilt_models.catch_up(&mut no_progress).unwrap();
    let applied = applied_models.catch_up(&mut no_progress).unwrap();

    assert!(rebuilt.rebuilt_far_behind && !applied.rebuilt_far_behind);
    assert_ne!(rebuilt_models.read_models().current(), generation_before, "swapped in");
    assert_eq!((rebuilt.position, rebuilt.events_applied), (42, 42));
    assert_eq!((applied.position, applied.events_applied), (42, 42));
    let expected = vec![("alpha".to_owned(), 30), ("bravo".to_owned(), 12)];
    assert_eq!(counts(&rebuilt_models.reader().unwrap()), expected);
    assert_eq!(
        every_row(&rebuilt_models.reader().unwrap()),
        every_row(&applied_models.reader().unwrap())
    );
    // The rebuild creates the query-only indexes at its end: they must come out as `migrate`
    // declares them, partial ones included.
    assert_eq!(
        schema_of(&rebuilt_models.reader().unwrap()),
        schema_of(&applied_models.reader().unwrap())
    );
    assert_eq!(rebuilt_models.lag().unwrap(), applied_models.lag().unwrap());
}

/// Every index, table and trigger, as SQLite stores its definition.
fn schema_of(conn: &rusqlite::Connection) -> Vec<(String, String, Option<String>)> {
    let mut statement =
        conn.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").unwrap();
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)));
    let schema: Vec<_> = rows.unwrap().map(Result::unwrap).collect();
    assert!(schema.iter().any(|(_, name, _)| name == "c360_documents_by_customer"), "{schema:?}");
    schema
}

#[test]
fn a_catch_up_far_behind_keeps_a_retired_read_model_by_applying_events_instead() {
    let mut world = World::new();
    (0..30).for_each(|_| world.append("alpha"));
    let models = world.open().rebuilding_when_behind(10);
    let writer = rusqlite::Connection::open(models.read_models().current_path()).unwrap();
    writer
        .execute("INSERT INTO projection_checkpoints VALUES ('old_model', 1, 2, NULL, 0)", [])
        .unwrap();

    let caught_up = models.catch_up(&mut no_progress).unwrap();

    assert!(!caught_up.rebuilt_far_behind);
    assert_eq!(caught_up.events_applied, 30);
    let retired = models.lag().unwrap().into_iter().find(|row| row.projection == "old_model");
    assert_eq!(retired.map(|row| row.status), Some("retired"));
}

/// Every row of every table, as text, table by table and sorted: two read-model files hold the
/// same models when these are equal. The checkpoints' `updated_at` is the wall clock's, so left
/// out.
fn every_row(conn: &rusqlite::Connection) -> Vec<(String, Vec<String>)> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(tables.len() > 20, "every model's tables: {tables:?}");
    tables
        .into_iter()
        .map(|table| {
            let sql = if table == "projection_checkpoints" {
                "SELECT name, schema_version, position, event_recorded_us \
                 FROM projection_checkpoints"
                    .to_owned()
            } else {
                format!("SELECT * FROM \"{table}\"")
            };
            let mut statement = conn.prepare(&sql).unwrap();
            let n_columns = statement.column_count();
            let mut rows: Vec<String> = statement
                .query_map([], |row| {
                    let values: Vec<rusqlite::types::Value> =
                        (0..n_columns).map(|idx| row.get(idx)).collect::<Result<_, _>>()?;
                    Ok(format!("{values:?}"))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            rows.sort();
            (table, rows)
        })
        .collect()
}

#[test]
fn a_catch_up_with_less_than_half_the_log_to_apply_applies_it_event_by_event() {
    let mut world = World::new();
    (0..30).for_each(|_| world.append("alpha"));
    let models = world.open().rebuilding_when_behind(10);
    assert!(models.catch_up(&mut no_progress).unwrap().rebuilt_far_behind);
    drop(models);
    (0..14).for_each(|_| world.append("bravo"));
    let models = world.open().rebuilding_when_behind(10);
    let generation = models.read_models().current();

    let later = models.catch_up(&mut no_progress).unwrap();

    assert!(!later.rebuilt_far_behind, "14 of 44 behind: under half the log");
    assert_eq!((later.position, later.events_applied), (44, 14));
    assert_eq!(models.read_models().current(), generation);
    let expected = vec![("alpha".to_owned(), 30), ("bravo".to_owned(), 14)];
    assert_eq!(counts(&models.reader().unwrap()), expected);
}

#[test]
fn lag_tells_not_built_behind_current_and_retired_apart() {
    let mut world = World::new();
    (0..4).for_each(|_| world.append("alpha"));
    let models = world.open();
    let status = |models: &EmbeddedReadModels| -> Vec<(String, u64, u64, &'static str)> {
        let rows = models.lag().unwrap();
        rows.into_iter().map(|r| (r.projection, r.checkpoint, r.behind, r.status)).collect()
    };
    let served: Vec<_> = status(&models).into_iter().map(|(name, ..)| name).collect();
    assert_eq!(served, projection_names(), "every projection of the build has a row");
    assert_eq!(status(&models)[0], ("event_counts".into(), 0, 4, "not built"));
    models.catch_up(&mut no_progress).unwrap();
    assert_eq!(status(&models)[0], ("event_counts".into(), 4, 0, "current"));
    world.append("alpha");
    assert_eq!(status(&models)[0], ("event_counts".into(), 4, 1, "behind"));

    let writer = rusqlite::Connection::open(models.read_models().current_path()).unwrap();
    writer
        .execute("INSERT INTO projection_checkpoints VALUES ('old_model', 1, 2, NULL, 0)", [])
        .unwrap();
    assert_eq!(status(&models).last().unwrap(), &("old_model".into(), 2, 3, "retired"));
}

#[test]
fn a_rebuild_to_a_position_is_swapped_in_and_the_next_catch_up_carries_it_on() {
    let mut world = World::new();
    (0..6).for_each(|_| world.append("charlie"));
    let models = world.open();
    models.catch_up(&mut no_progress).unwrap();
    let request = RebuildRequest {
        projection: None,
        target: RebuildTarget::Position(ltc_eventstore::Position(2)),
    };
    let mut reports = 0;
    let summary = models.rebuild(&request, &mut |_| reports += 1).unwrap();
    assert!(reports > 0, "progress was reported");
    assert_eq!((summary.upto, summary.head, summary.events_applied), (2, 6, 2));
    assert_eq!(summary.generations_removed, 1);
    assert_eq!(summary.generation, models.read_models().current().0);
    assert_eq!(counts(&models.reader().unwrap()), [("charlie".to_owned(), 2)]);
    assert_eq!(models.catch_up(&mut no_progress).unwrap().events_applied, 4);
    assert_eq!(counts(&models.reader().unwrap()), [("charlie".to_owned(), 6)]);
}

#[test]
fn an_as_of_snapshot_holds_the_events_recorded_by_then_and_leaves_the_models_in_service() {
    let mut world = World::new();
    (0..10).for_each(|_| world.append("delta"));
    let models = world.open();
    models.catch_up(&mut no_progress).unwrap();
    // One event a minute from t0: the events at t0 + 0 … t0 + 3 minutes.
    let at = t0() + TimeDelta::minutes(3);
    let snapshot =
        models.as_of(vec![Box::new(EventCounts::default())], at, &mut no_progress).unwrap();
    assert_eq!(snapshot.upto(), 4);
    assert_eq!(counts(&snapshot.reader().unwrap()), [("delta".to_owned(), 4)]);
    assert_eq!(counts(&models.reader().unwrap()), [("delta".to_owned(), 10)]);
    drop(snapshot);
    let leftovers = std::fs::read_dir(world.dir.path())
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().file_name().to_string_lossy().starts_with(".as-of"))
        .count();
    assert_eq!(leftovers, 0, "a dropped snapshot removes its directory");
}

#[test]
fn a_read_model_stored_by_another_schema_version_is_rebuilt_before_the_catch_up() {
    let mut world = World::new();
    (0..3).for_each(|_| world.append("echo"));
    let models = world.open();
    models.catch_up(&mut no_progress).unwrap();
    let writer = rusqlite::Connection::open(models.read_models().current_path()).unwrap();
    writer
        .execute(
            "UPDATE projection_checkpoints SET schema_version = 99 WHERE name = ?1",
            [EventCounts::NAME],
        )
        .unwrap();
    drop(writer);
    world.append("echo");
    let caught_up = models.catch_up(&mut no_progress).unwrap();
    assert_eq!(caught_up.rebuilt_for_schema, 1);
    assert_eq!(counts(&models.reader().unwrap()), [("echo".to_owned(), 4)]);
    let stored: Vec<(String, u32)> = models
        .read_models()
        .checkpoints()
        .unwrap()
        .into_iter()
        .map(|checkpoint| (checkpoint.name, checkpoint.schema_version))
        .collect();
    let current: Vec<(String, u32)> = stored
        .iter()
        .map(|(name, _)| {
            let projection = projection_named(name).unwrap();
            (name.clone(), projection.schema_version())
        })
        .collect();
    assert_eq!(stored, current, "every checkpoint is at its projection's schema version");
}

#[test]
fn an_unknown_projection_name_is_a_typed_error_naming_the_known_ones() {
    let world = World::new();
    let models = world.open();
    let request = RebuildRequest::head_of(Some("nope".into()));
    let error = models.rebuild(&request, &mut no_progress).unwrap_err();
    assert_eq!(error.code(), "read_models.unknown_projection");
    assert!(error.to_string().contains("event_counts"), "{error}");
}
