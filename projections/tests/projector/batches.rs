//! Applying in batches: any batch size gives the same read model, every batch commits its
//! checkpoint with its updates, and a redelivered event has no second effect.

use ltc_eventstore::{Position, RecordedEvent};
use ltc_projections::{EventCounts, FeedState, StoreFeed};
use rusqlite::params;

use crate::support::{QuoteCounts, ScriptedFeed, World, one_shot, render};

#[test]
fn catching_up_in_batches_of_any_size_gives_the_state_of_a_one_shot_rebuild() {
    for batch_events in [1, 7, 64, 4096] {
        let mut world = World::new();
        world.append_events(300);
        let mut projector = world.projector(batch_events);
        let state = projector.catch_up(&mut world.history(1)).unwrap();
        assert_eq!(state, FeedState::Ended);
        assert_eq!(world.render(), one_shot(&world), "batches of {batch_events}");
    }
}

#[test]
fn every_committed_batch_holds_exactly_the_events_its_checkpoint_names() {
    let mut world = World::new();
    world.append_events(200);
    let mut projector = world.projector(23);
    let mut feed = world.history(1);
    let reader = world.read_models.reader().unwrap();
    loop {
        let outcome = projector.apply_batch(&mut feed, false).unwrap();
        assert!(outcome.applied <= 23, "a batch of 23 applied {}", outcome.applied);
        let (checkpoint, counted): (i64, i64) = reader
            .query_row(
                "SELECT (SELECT position FROM projection_checkpoints WHERE name = ?1), \
                 (SELECT coalesce(sum(n_events), 0) FROM event_counts_by_kind)",
                params![EventCounts::NAME],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!(checkpoint, counted, "the checkpoint and the updates it stands for");
        if outcome.feed == FeedState::Ended {
            assert_eq!(checkpoint, 200);
            break;
        }
    }
}

#[test]
fn a_redelivered_event_or_batch_has_no_second_effect() {
    let mut world = World::new();
    world.append_events(120);
    let events = world.events(1);
    // Every event twice, then the first 50 once more, as a reconnecting feed would.
    let delivered: Vec<RecordedEvent> = events
        .iter()
        .flat_map(|event| [event.clone(), event.clone()])
        .chain(events[..50].iter().cloned())
        .collect();
    let mut projector = world.projector(16);
    let mut n_duplicates = 0;
    let mut feed = ScriptedFeed::new(delivered);
    while !feed.events.is_empty() {
        n_duplicates += projector.apply_batch(&mut feed, false).unwrap().duplicates;
    }
    assert_eq!(n_duplicates, 120 + 50);
    assert_eq!(world.render(), one_shot(&world));
}

#[test]
fn the_live_runner_on_the_store_subscription_applies_appends_as_they_commit() {
    let mut world = World::new();
    world.append_events(40);
    let mut projector = world.projector(8);
    let mut feed = StoreFeed::new(&world.store, projector.next_position()).unwrap();
    follow_to_head(&mut projector, &mut feed, &world);
    world.append_events(25);
    follow_to_head(&mut projector, &mut feed, &world);
    assert_eq!(projector.checkpoints(), vec![(EventCounts::NAME, 65)]);
    assert_eq!(world.render(), one_shot(&world));
}

/// Applies batches, waiting for events, until the checkpoint reaches the store's head.
fn follow_to_head(projector: &mut ltc_projections::Projector, feed: &mut StoreFeed, world: &World) {
    for _ in 0..1000 {
        if projector.next_position() == Position(world.head() + 1) {
            return;
        }
        projector.apply_batch(feed, true).unwrap();
    }
    panic!("the runner did not reach the head {} in 1000 batches", world.head());
}

#[test]
fn events_a_projection_does_not_want_never_reach_apply_but_move_its_checkpoint() {
    let mut world = World::new();
    world.append_events(90);
    let mut projector = world.projector_of(vec![Box::new(QuoteCounts)], 10);
    projector.catch_up(&mut world.history(1)).unwrap();
    assert_eq!(projector.checkpoints(), vec![("quote_counts", 90)]);
    let n_quotes = world.events(1).iter().filter(|e| e.stream.kind.as_str() == "quote").count();
    let reader = world.read_models.reader().unwrap();
    let (rows, other_kinds): (i64, i64) = reader
        .query_row(
            "SELECT count(*), count(*) FILTER (WHERE kind <> 'quote') FROM quote_counts",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert!(n_quotes > 0 && n_quotes < 90);
    assert_eq!((rows as usize, other_kinds), (n_quotes, 0));
    assert!(render(&reader).contains("checkpoint quote_counts 90"));
}

#[test]
fn each_kinds_stream_count_is_the_number_of_its_streams_in_the_log() {
    let mut world = World::new();
    world.append_events(100); // 7 streams over three kinds, several events each.
    let mut projector = world.projector(9);
    projector.catch_up(&mut world.history(1)).unwrap();
    let mut streams_by_kind =
        std::collections::BTreeMap::<String, std::collections::BTreeSet<_>>::new();
    for event in world.events(1) {
        streams_by_kind
            .entry(event.stream.kind.as_str().to_owned())
            .or_default()
            .insert(event.stream);
    }
    let reader = world.read_models.reader().unwrap();
    let mut statement =
        reader.prepare("SELECT stream_kind, n_streams FROM event_counts_by_kind").unwrap();
    let counted: std::collections::BTreeMap<String, usize> = statement
        .query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as usize)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expected: std::collections::BTreeMap<String, usize> =
        streams_by_kind.into_iter().map(|(kind, streams)| (kind, streams.len())).collect();
    assert_eq!(counted, expected);
    assert_eq!(expected.values().sum::<usize>(), 7);
}

/// [`EventCounts`] as it was written before it folded its batches: one upsert per event into
/// each table. The reference the folding version must agree with, row for row.
struct CountsOneEventAtATime;

impl ltc_projections::Projection for CountsOneEventAtATime {
    fn name(&self) -> &'static str {
        EventCounts::NAME
    }
    fn schema_version(&self) -> u32 {
        EventCounts::default().schema_version()
    }
    fn tables(&self) -> &'static [&'static str] {
        EventCounts::TABLES
    }
    fn migrate(
        &self,
        tx: &rusqlite::Transaction<'_>,
    ) -> Result<(), ltc_projections::ProjectionError> {
        EventCounts::default().migrate(tx)
    }
    fn apply(
        &mut self,
        tx: &rusqlite::Transaction<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ltc_projections::ProjectionError> {
        let kind = event.stream.kind.as_str();
        tx.execute(
            "INSERT INTO event_counts_by_kind (stream_kind, n_streams, n_events, payload_bytes) \
             VALUES (?1, ?3, 1, ?2) ON CONFLICT (stream_kind) DO UPDATE SET \
             n_streams = n_streams + ?3, n_events = n_events + 1, \
             payload_bytes = payload_bytes + ?2",
            params![kind, event.payload.len() as i64, i64::from(event.version == 1)],
        )?;
        tx.execute(
            "INSERT INTO event_counts_by_stream \
             (stream_id, stream_kind, n_events, last_version, last_position) \
             VALUES (?1, ?2, 1, ?3, ?4) ON CONFLICT (stream_id) DO UPDATE SET \
             n_events = n_events + 1, last_version = ?3, last_position = ?4",
            params![
                event.stream.id.as_bytes().as_slice(),
                kind,
                event.version as i64,
                event.position.0 as i64
            ],
        )?;
        Ok(())
    }
}

#[test]
fn event_counts_folding_its_batches_writes_what_one_upsert_per_event_writes() {
    let mut world = World::new();
    world.append_events(500);
    let mut reference = world.projector_of(vec![Box::new(CountsOneEventAtATime)], 13);
    reference.catch_up(&mut world.history(1)).unwrap();
    drop(reference);
    let one_event_at_a_time = world.render();
    assert!(one_event_at_a_time.contains("kind lead streams="), "{one_event_at_a_time}");
    // A rebuild folds the whole log in one batch; the live runner's batches of 13 split it.
    assert_eq!(one_shot(&world), one_event_at_a_time);
}
