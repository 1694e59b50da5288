//! Rebuilds: side by side with the live generation, up to the head, a position or a recorded
//! time, for every projection or only some, with progress.

use chrono::TimeDelta;
use ltc_eventstore::Position;
use ltc_projections::{
    EventCounts, HistoryFeed, Progress, Projection, ProjectionError, ProjectorError,
    RebuildOptions, RebuildScope, RebuildTarget, rebuild,
};
use rusqlite::Transaction;

use crate::support::{FailingCounts, QuoteCounts, World, rebuild_options, render, t0};

#[test]
fn rebuilding_up_to_a_position_gives_the_state_the_live_models_had_there() {
    let mut world = World::new();
    world.append_events(120);
    let mut projector = world.projector(16);
    projector
        .catch_up(&mut HistoryFeed::new(&world.store, Position(1), Position(77)).unwrap())
        .unwrap();
    let at_77 = world.render();
    projector.catch_up(&mut world.history(78)).unwrap();
    assert_ne!(world.render(), at_77);

    let rebuilt = world.rebuild_counts(RebuildTarget::Position(Position(77)));
    assert_eq!(rebuilt.upto, Position(77));
    assert_eq!(render(&rebuilt.reader().unwrap()), at_77);
    assert!(world.render().contains("checkpoint event_counts 120"), "the live one is untouched");
}

#[test]
fn rebuilding_up_to_a_recorded_time_applies_exactly_the_events_recorded_by_then() {
    let mut world = World::new();
    world.append_events(100);
    let events = world.events(1);
    // One second per append: cut in the middle of the history, and at both ends.
    let cases = [
        (t0() + TimeDelta::seconds(20), None),
        (t0() - TimeDelta::seconds(1), Some(0)),
        (t0() + TimeDelta::days(1), Some(100)),
    ];
    for (at, expected) in cases {
        let last_by_then =
            events.iter().filter(|e| e.recorded_at <= at).map(|e| e.position.0).max();
        let expected = expected.unwrap_or_else(|| last_by_then.expect("some event by then"));
        assert_eq!(last_by_then.unwrap_or(0), expected);
        let rebuilt = world.rebuild_counts(RebuildTarget::RecordedAt(at));
        assert_eq!(rebuilt.upto, Position(expected), "as of {at}");
        let text = render(&rebuilt.reader().unwrap());
        assert!(text.contains(&format!("checkpoint event_counts {expected}\n")), "{text}");
    }
}

#[test]
fn a_rebuild_target_beyond_the_head_is_refused_and_leaves_no_file() {
    let mut world = World::new();
    world.append_events(10);
    let options = rebuild_options(RebuildTarget::Position(Position(11)));
    let error = rebuild(
        &world.store,
        &world.read_models,
        vec![Box::new(EventCounts::default())],
        options,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(error, ProjectorError::TargetBeyondHead { target: 11, head: 10 }), "{error}");
    let files: Vec<String> = std::fs::read_dir(world.read_models.dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with("gen-") && !name.starts_with("gen-000001"))
        .collect();
    assert!(files.is_empty(), "{files:?}");
}

#[test]
fn a_rebuild_reports_progress_after_every_batch_up_to_its_total_then_that_it_is_finishing() {
    let mut world = World::new();
    world.append_events(200);
    let mut reports: Vec<Progress> = Vec::new();
    rebuild(
        &world.store,
        &world.read_models,
        vec![Box::new(EventCounts::default())],
        rebuild_options(RebuildTarget::Head),
        &mut |progress| reports.push(*progress),
    )
    .unwrap();
    assert!(reports.len() >= 200 / 64, "{} reports for batches of 64", reports.len());
    assert!(reports.windows(2).all(|pair| pair[0].events_done <= pair[1].events_done));
    assert!(reports.iter().all(|report| report.events_total == 200));
    let (finishing, applying) = reports.split_last().unwrap();
    assert!(applying.iter().all(|report| !report.finishing));
    let last_batch = applying.last().unwrap();
    assert_eq!(last_batch.events_done, 200);
    assert!(last_batch.events_per_second > 0);
    assert_eq!(last_batch.eta, Some(std::time::Duration::ZERO));
    // Then the file is completed and synced: nothing left to count, so no ETA.
    assert!(finishing.finishing);
    assert_eq!((finishing.events_done, finishing.events_total, finishing.eta), (200, 200, None));
    assert!(finishing.elapsed >= last_batch.elapsed);
}

#[test]
fn rebuilding_one_projection_keeps_the_others_as_they_stand() {
    let mut world = World::new();
    world.append_events(80);
    let mut projector =
        world.projector_of(vec![Box::new(EventCounts::default()), Box::new(QuoteCounts)], 16);
    projector.catch_up(&mut world.history(1)).unwrap();
    let live = world.render();

    let options =
        RebuildOptions { scope: RebuildScope::OnlyThese, ..rebuild_options(RebuildTarget::Head) };
    let mut reports = Vec::new();
    let rebuilt =
        rebuild(&world.store, &world.read_models, vec![Box::new(QuoteCounts)], options, &mut |p| {
            reports.push(*p)
        })
        .unwrap();
    assert_eq!(render(&rebuilt.reader().unwrap()), live);
    let quote_rows: i64 = rebuilt
        .reader()
        .unwrap()
        .query_row("SELECT count(*) FROM quote_counts", [], |row| row.get(0))
        .unwrap();
    let n_quotes = world.events(1).iter().filter(|e| e.stream.kind.as_str() == "quote").count();
    assert_eq!(quote_rows as usize, n_quotes, "the rebuilt projection counted each quote once");
    let total: i64 = (rebuilt.reader().unwrap())
        .query_row("SELECT quotes FROM quote_counts_total", [], |row| row.get(0))
        .unwrap();
    assert_eq!(total, quote_rows, "its view was dropped and made again over the new rows");
    assert_eq!(reports.last().unwrap().events_done, 80);
}

/// [`EventCounts`] at the schema version after today's: same name and tables, a new meaning.
#[derive(Default)]
struct EventCountsNext(EventCounts);

impl Projection for EventCountsNext {
    fn name(&self) -> &'static str {
        EventCounts::NAME
    }
    fn schema_version(&self) -> u32 {
        self.0.schema_version() + 1
    }
    fn tables(&self) -> &'static [&'static str] {
        EventCounts::TABLES
    }
    fn migrate(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.0.migrate(tx)
    }
    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        event: &ltc_eventstore::RecordedEvent,
    ) -> Result<(), ProjectionError> {
        self.0.apply(tx, event)
    }
    fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.0.flush(tx)
    }
    fn discard(&mut self) {
        self.0.discard();
    }
}

#[test]
fn a_new_schema_version_is_refused_until_the_projection_is_rebuilt() {
    let mut world = World::new();
    world.append_events(30);
    world.projector(16).catch_up(&mut world.history(1)).unwrap();

    let refused = ltc_projections::Projector::open(
        world.store.clone(),
        &world.read_models,
        vec![Box::new(EventCountsNext::default())],
        Default::default(),
    )
    .unwrap_err();
    assert!(
        matches!(refused, ProjectorError::SchemaChanged { stored, current, .. }
            if stored == EventCounts::default().schema_version() && current == stored + 1),
        "{refused}"
    );

    let options =
        RebuildOptions { scope: RebuildScope::OnlyThese, ..rebuild_options(RebuildTarget::Head) };
    let rebuilt = rebuild(
        &world.store,
        &world.read_models,
        vec![Box::new(EventCountsNext::default())],
        options,
        &mut |_| {},
    )
    .unwrap();
    world.read_models.swap_to(rebuilt.generation).unwrap();
    let projector = world.projector_of(vec![Box::new(EventCountsNext::default())], 16);
    assert_eq!(projector.checkpoints(), vec![(EventCounts::NAME, 30)]);
}

/// Every object of a read-model database (tables, indexes, triggers) as SQLite stores it.
fn schema_of(conn: &rusqlite::Connection) -> Vec<(String, String, Option<String>)> {
    let mut statement =
        conn.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").unwrap();
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)));
    rows.unwrap().map(Result::unwrap).collect()
}

fn files_in(world: &World) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(world.read_models.dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    files
}

#[test]
fn a_rebuild_split_over_two_threads_ends_as_one_file_with_every_table_index_and_checkpoint() {
    let mut world = World::new();
    world.append_events(80);
    let mut projector =
        world.projector_of(vec![Box::new(EventCounts::default()), Box::new(QuoteCounts)], 16);
    projector.catch_up(&mut world.history(1)).unwrap();
    let live = world.read_models.reader().unwrap();

    let rebuilt = rebuild(
        &world.store,
        &world.read_models,
        vec![Box::new(EventCounts::default()), Box::new(QuoteCounts)],
        rebuild_options(RebuildTarget::Head),
        &mut |_| {},
    )
    .unwrap();
    let merged = rebuilt.reader().unwrap();
    assert_eq!(render(&merged), render(&live));
    assert_eq!(schema_of(&merged), schema_of(&live), "the same tables, indexes and checkpoints");
    let quote_rows = |conn: &rusqlite::Connection| -> Vec<(i64, String)> {
        let mut statement = conn.prepare("SELECT position, kind FROM quote_counts").unwrap();
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)));
        rows.unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(quote_rows(&merged), quote_rows(&live));
    let journal: String = merged.query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
    assert_eq!(journal, "wal", "a rebuilt file is a live file");
    let check: String = merged.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
    assert_eq!(check, "ok", "the second file's pages were appended soundly");
    assert!(
        files_in(&world).iter().all(|name| !name.contains("-part")),
        "the second group's file is gone: {:?}",
        files_in(&world)
    );
}

#[test]
fn a_projection_failing_in_either_group_fails_the_rebuild_and_leaves_no_file_behind() {
    // Two projections of equal cost: the first goes to the first group (the generation's own
    // file), the second to the second group (the file merged at the end).
    for failing_first in [true, false] {
        let mut world = World::new();
        world.append_events(100);
        let before = files_in(&world);
        let failing: Box<dyn Projection> = Box::new(FailingCounts::at(70));
        let set: Vec<Box<dyn Projection>> = if failing_first {
            vec![failing, Box::new(QuoteCounts)]
        } else {
            vec![Box::new(QuoteCounts), failing]
        };
        let error = rebuild(
            &world.store,
            &world.read_models,
            set,
            rebuild_options(RebuildTarget::Head),
            &mut |_| {},
        )
        .unwrap_err();
        assert!(
            matches!(error, ProjectorError::Apply { projection: "event_counts", position: 70, .. }),
            "failing first: {failing_first}: {error}"
        );
        assert_eq!(files_in(&world), before, "failing first: {failing_first}");
    }
}

#[test]
fn a_split_rebuild_reports_the_progress_of_the_group_furthest_behind() {
    let mut world = World::new();
    world.append_events(300);
    let mut reports: Vec<Progress> = Vec::new();
    rebuild(
        &world.store,
        &world.read_models,
        vec![Box::new(EventCounts::default()), Box::new(QuoteCounts)],
        rebuild_options(RebuildTarget::Head),
        &mut |progress| reports.push(*progress),
    )
    .unwrap();
    assert!(reports.windows(2).all(|pair| pair[0].events_done <= pair[1].events_done));
    assert!(reports.iter().all(|report| report.events_total == 300));
    assert_eq!(reports.last().unwrap().events_done, 300);
}
