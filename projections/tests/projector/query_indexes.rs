//! Query-only indexes ([`Projection::query_indexes`]): a rebuild applies its events without
//! them and ends with them, the same as the live runner's, holding every row.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ltc_eventstore::RecordedEvent;
use ltc_projections::{
    EventCounts, Projection, ProjectionError, ProjectorError, RebuildTarget, rebuild,
};
use rusqlite::{Connection, Transaction, params};

use crate::support::{World, rebuild_options};

/// Every event's kind by position, with an index by kind that only queries use. Counts the
/// applies that found the index in place.
struct KindsByPosition {
    query_indexes: &'static [&'static str],
    applied_with_index: Arc<AtomicU64>,
}

impl KindsByPosition {
    fn new(query_indexes: &'static [&'static str]) -> KindsByPosition {
        KindsByPosition { query_indexes, applied_with_index: Arc::default() }
    }
}

impl Projection for KindsByPosition {
    fn name(&self) -> &'static str {
        "kinds_by_position"
    }
    fn schema_version(&self) -> u32 {
        1
    }
    fn tables(&self) -> &'static [&'static str] {
        &["kinds_by_position"]
    }
    fn migrate(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        tx.execute_batch(
            "CREATE TABLE kinds_by_position (position INTEGER PRIMARY KEY, kind TEXT NOT NULL);
             CREATE INDEX kinds_by_kind ON kinds_by_position (kind, position);",
        )?;
        Ok(())
    }
    fn query_indexes(&self) -> &'static [&'static str] {
        self.query_indexes
    }
    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        let has_index: bool = tx.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'kinds_by_kind'",
            [],
            |row| row.get(0),
        )?;
        if has_index {
            self.applied_with_index.fetch_add(1, Ordering::Relaxed);
        }
        tx.prepare_cached("INSERT INTO kinds_by_position (position, kind) VALUES (?1, ?2)")?
            .execute(params![event.position.0 as i64, event.stream.kind.as_str()])?;
        Ok(())
    }
}

fn indexes_of(conn: &Connection) -> Vec<(String, String, Option<String>)> {
    let mut statement = conn
        .prepare("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name")
        .unwrap();
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)));
    rows.unwrap().map(Result::unwrap).collect()
}

#[test]
fn a_rebuild_applies_without_its_query_indexes_and_ends_with_them_complete() {
    let mut world = World::new();
    world.append_events(120);
    let live_projection = KindsByPosition::new(&["kinds_by_kind"]);
    let live_applies = live_projection.applied_with_index.clone();
    world
        .projector_of(vec![Box::new(live_projection)], 16)
        .catch_up(&mut world.history(1))
        .unwrap();
    assert_eq!(live_applies.load(Ordering::Relaxed), 120, "the live runner keeps every index");

    // EventCounts is the heavier, so the watched projection is built in the second group's file
    // and its index created after the merge.
    let rebuilt_projection = KindsByPosition::new(&["kinds_by_kind"]);
    let rebuilt_applies = rebuilt_projection.applied_with_index.clone();
    let rebuilt = rebuild(
        &world.store,
        &world.read_models,
        vec![Box::new(EventCounts::default()), Box::new(rebuilt_projection)],
        rebuild_options(RebuildTarget::Head),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(rebuilt_applies.load(Ordering::Relaxed), 0, "no apply saw the query index");

    let rebuilt = rebuilt.reader().unwrap();
    let live = world.read_models.reader().unwrap();
    let mine = |indexes: Vec<(String, String, Option<String>)>| -> Vec<_> {
        indexes.into_iter().filter(|(_, table, _)| table == "kinds_by_position").collect()
    };
    assert_eq!(mine(indexes_of(&rebuilt)), mine(indexes_of(&live)), "the same index, the same SQL");
    let through_index: i64 = rebuilt
        .query_row("SELECT count(*) FROM kinds_by_position INDEXED BY kinds_by_kind", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(through_index, 120, "the index holds every row");
    let check: String = rebuilt.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn naming_a_query_index_migrate_did_not_create_fails_the_rebuild_and_leaves_no_file() {
    let mut world = World::new();
    world.append_events(20);
    let before = std::fs::read_dir(world.read_models.dir()).unwrap().count();
    let error = rebuild(
        &world.store,
        &world.read_models,
        vec![Box::new(KindsByPosition::new(&["kinds_by_customer"]))],
        rebuild_options(RebuildTarget::Head),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(&error, ProjectorError::Migrate { projection: "kinds_by_position", reason }
            if reason.contains("kinds_by_customer")),
        "{error}"
    );
    assert_eq!(std::fs::read_dir(world.read_models.dir()).unwrap().count(), before);
}
