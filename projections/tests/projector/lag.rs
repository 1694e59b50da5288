//! Lag: per projection, the store's head minus its checkpoint, from the runner and from any
//! reader of the read-model directory.

use ltc_eventstore::Position;
use ltc_projections::{EventCounts, HistoryFeed, Lag};

use crate::support::{QuoteCounts, World};

#[test]
fn lag_is_the_head_minus_each_projections_checkpoint() {
    let mut world = World::new();
    world.append_events(60);
    let mut projector = world.projector(10);
    projector
        .catch_up(&mut HistoryFeed::new(&world.store, Position(1), Position(45)).unwrap())
        .unwrap();
    world.append_events(20);

    let expected = vec![Lag {
        projection: EventCounts::NAME.to_owned(),
        checkpoint: 45,
        head: 80,
        behind: 35,
    }];
    assert_eq!(projector.lag(), expected);
    assert_eq!(world.read_models.lag(&world.store).unwrap(), expected);
}

#[test]
fn a_projection_added_later_lags_by_the_whole_log_and_catches_up_alone() {
    let mut world = World::new();
    world.append_events(50);
    world.projector(10).catch_up(&mut world.history(1)).unwrap();
    let counts_before = world.render();

    let mut projector =
        world.projector_of(vec![Box::new(EventCounts::default()), Box::new(QuoteCounts)], 10);
    let behind: Vec<(String, u64)> =
        projector.lag().into_iter().map(|lag| (lag.projection, lag.behind)).collect();
    assert_eq!(behind, vec![(EventCounts::NAME.to_owned(), 0), ("quote_counts".to_owned(), 50)]);
    assert_eq!(projector.next_position(), Position(1), "the newcomer starts at the beginning");

    projector.catch_up(&mut world.history(1)).unwrap();
    assert!(projector.lag().iter().all(|lag| lag.behind == 0));
    let counts_after: String = world
        .render()
        .lines()
        .filter(|line| !line.contains("quote_counts"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(counts_after, counts_before, "event_counts skipped what it had applied");
}
