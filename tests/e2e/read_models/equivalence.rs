//! The property that matters most for read models: built incrementally, in batches of random
//! sizes, with the runner killed and restarted at random points and events delivered again, every
//! read model ends exactly where one rebuild from scratch ends. It runs over every projection
//! `ltc_projections::models::all()` registers (and the runtime's own `EventCounts`), so each read
//! model added later is held to it without a new test.

use std::sync::Arc;

use chrono::TimeZone;
use ltc_eventstore::{EventStore, ManualClock, Position, StoreOptions};
use ltc_projections::{
    EventCounts, HistoryFeed, Projection, Projector, ProjectorOptions, ReadModels, RebuildOptions,
    RebuildScope, RebuildTarget, models, rebuild,
};
use ltc_services::generator::{Scale, generate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;

use crate::seed::test_seed;

fn projections() -> Vec<Box<dyn Projection>> {
    let mut all = models::all();
    all.push(Box::new(EventCounts::default()));
    all
}

/// Every table of every projection, each row as text, rows sorted: two databases with equal
/// dumps hold the same read models, whatever order their rows were written in.
pub(crate) fn dump(conn: &Connection) -> String {
    let mut out = String::new();
    for projection in projections() {
        for table in projection.tables() {
            let mut statement = conn.prepare(&format!("SELECT * FROM {table}")).expect("select");
            let n_columns = statement.column_count();
            let mut rows: Vec<String> = statement
                .query_map([], |row| {
                    let cells: Vec<String> = (0..n_columns)
                        .map(|index| format!("{:?}", row.get_ref(index).expect("a cell")))
                        .collect();
                    Ok(cells.join(" | "))
                })
                .expect("query")
                .map(|row| row.expect("a row"))
                .collect();
            rows.sort();
            out.push_str(&format!("## {table} ({} rows)\n", rows.len()));
            for row in rows {
                out.push_str(&row);
                out.push('\n');
            }
        }
    }
    out
}

#[tokio::test]
async fn read_models_built_in_random_batches_with_crashes_and_redelivery_equal_one_rebuild() {
    let seed = test_seed("read_models_equivalence");
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().expect("a temp dir");
    let start = chrono::Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
    let store = EventStore::open(dir.path().join("events.db"), options).expect("the store opens");
    generate(&store, clock.clone(), 42, Scale::Small).await.expect("the history generates");
    let head = store.head().position;

    let scratch = ReadModels::open(dir.path().join("scratch"), clock.clone()).expect("scratch");
    let once = rebuild(
        &store,
        &scratch,
        projections(),
        RebuildOptions {
            target: RebuildTarget::Head,
            scope: RebuildScope::Everything,
            runner: ProjectorOptions { batch_events: 1_000, ..ProjectorOptions::default() },
            predecoding: Some(ltc_projections::models::decode::PREDECODING),
        },
        &mut |_| {},
    )
    .expect("one rebuild from scratch");
    let rebuilt = once.reader().expect("a reader");
    // Its second group's file was merged into the first page by page: the file must be sound.
    let check: String = rebuilt.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
    assert_eq!(check, "ok");
    let expected = dump(&rebuilt);

    let live_dir = dir.path().join("live");
    let mut restarts = 0;
    let mut applied_upto = 0;
    while applied_upto < head {
        // A restarted process: the read models reopened, a new runner with a new batch size.
        let read_models = ReadModels::open(&live_dir, clock.clone()).expect("the live models");
        let batch_events = rng.random_range(1..=300);
        let mut projector = Projector::open(
            store.clone(),
            &read_models,
            projections(),
            ProjectorOptions { batch_events, ..ProjectorOptions::default() },
        )
        .expect("a runner");
        // Deliveries start up to 50 positions before the checkpoint: those come again and must
        // have no second effect.
        let checkpoint = projector.next_position().0;
        let from = checkpoint.saturating_sub(rng.random_range(0..=50)).max(1);
        let crash_after = rng.random_range(1..=head);
        let upto = (from + crash_after).min(head);
        let mut feed =
            HistoryFeed::new(&store, Position(from), Position(upto)).expect("a history feed");
        projector.catch_up(&mut feed).expect("the runner applies what it is fed");
        applied_upto = projector.next_position().0 - 1;
        restarts += 1;
        assert!(restarts < 10_000, "the runner makes no progress");
    }
    let live = ReadModels::open(&live_dir, clock.clone()).expect("the live models");
    let incremental = dump(&live.reader().expect("a reader"));
    assert!(
        incremental == expected,
        "seed {seed}: after {restarts} restarts the incremental read models differ from a \
         rebuild:\n--- rebuild\n{expected}\n--- incremental\n{incremental}"
    );
}
