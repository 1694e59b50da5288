//! Holes: a position the feed skips is refetched from the store before anything after it is
//! applied; one the store cannot supply stops the runner with a typed error.

use ltc_eventstore::{Position, RecordedEvent};
use ltc_projections::{EventCounts, ProjectorError};

use crate::support::{ScriptedFeed, World, one_shot};

#[test]
fn positions_the_feed_skips_are_refetched_from_the_store() {
    let mut world = World::new();
    world.append_events(150);
    // The feed loses positions 10..=20 and 55, as a lossy transport might.
    let delivered: Vec<RecordedEvent> = world
        .events(1)
        .into_iter()
        .filter(|event| !(10..=20).contains(&event.position.0) && event.position.0 != 55)
        .collect();
    let mut projector = world.projector(8);
    let mut feed = ScriptedFeed::new(delivered);
    let mut n_refetched = 0;
    while !feed.events.is_empty() {
        n_refetched += projector.apply_batch(&mut feed, false).unwrap().refetched;
    }
    assert_eq!(n_refetched, 12);
    assert_eq!(world.render(), one_shot(&world));
}

#[test]
fn a_feed_starting_past_the_checkpoint_is_filled_in_from_the_store() {
    let mut world = World::new();
    world.append_events(90);
    let mut projector = world.projector(16);
    let outcome_total = {
        let mut feed = world.history(40);
        projector.catch_up(&mut feed).unwrap();
        projector.checkpoints()
    };
    assert_eq!(outcome_total, vec![(EventCounts::NAME, 90)]);
    assert_eq!(world.render(), one_shot(&world));
}

#[test]
fn an_event_the_store_does_not_have_is_a_hole_and_is_never_applied() {
    let mut world = World::new();
    world.append_events(30);
    let mut projector = world.projector(100);
    projector.catch_up(&mut world.history(1)).unwrap();
    let before = world.render();

    // A feed ahead of this store (a replica that has not caught up, or a lost tail).
    let mut ahead = world.events(30).remove(0);
    ahead.position = Position(35);
    let error = projector.catch_up(&mut ScriptedFeed::new([ahead])).unwrap_err();
    match error {
        ProjectorError::Hole { expected, delivered, store_head } => {
            assert_eq!((expected, delivered, store_head), (31, 35, 30));
        }
        other => panic!("expected a hole, got {other}"),
    }
    assert_eq!(projector.checkpoints(), vec![(EventCounts::NAME, 30)]);
    assert_eq!(world.render(), before, "nothing past the hole was applied");
}

/// Envelopes at `positions`, past this store's head, as a feed ahead of it (a replica catching
/// up) would deliver them.
fn ahead_of_store(world: &World, positions: std::ops::RangeInclusive<u64>) -> Vec<RecordedEvent> {
    positions
        .map(|position| {
            let mut event = world.events(1).remove(0);
            event.position = Position(position);
            event
        })
        .collect()
}

/// Delivers its envelopes, then fails as a transport does.
struct FeedThatDrops {
    events: std::collections::VecDeque<RecordedEvent>,
}

impl ltc_projections::Feed for FeedThatDrops {
    fn poll(
        &mut self,
        _wait: bool,
    ) -> Result<ltc_projections::Delivery, ltc_projections::FeedError> {
        match self.events.pop_front() {
            Some(event) => Ok(ltc_projections::Delivery::Event(std::sync::Arc::new(event))),
            None => Err(ltc_projections::FeedError::Transport("connection lost".into())),
        }
    }
}

#[test]
fn a_batch_lost_to_a_feed_error_is_taken_again_from_the_recreated_feed_not_the_store() {
    let mut world = World::new();
    world.append_events(30);
    let mut projector = world.projector(100);
    projector.catch_up(&mut world.history(1)).unwrap();

    // A feed ahead of this store (a replica catching up): 31..=35 exist only in the feed.
    let ahead = |positions| ahead_of_store(&world, positions);
    let mut dropping = FeedThatDrops { events: ahead(31..=33).into() };
    let lost = projector.apply_batch(&mut dropping, false).unwrap_err();
    assert!(matches!(lost, ProjectorError::Feed(_)), "{lost}");

    // As the NATS projector does: a new feed from the runner's position, which redelivers.
    assert_eq!(projector.next_position(), Position(31));
    let outcome = projector.catch_up(&mut ScriptedFeed::new(ahead(31..=35))).unwrap();
    assert_eq!(outcome, ltc_projections::FeedState::Idle);
    assert_eq!(projector.checkpoints(), vec![(EventCounts::NAME, 35)]);
}

#[test]
fn after_a_swap_back_what_the_store_lacks_is_left_to_a_feed_ahead_of_it_not_called_a_hole() {
    let mut world = World::new();
    world.append_events(30);
    let mut projector = world.projector(100);
    projector.catch_up(&mut world.history(1)).unwrap();
    // A feed ahead of this store (a replica catching up) delivers 31..=33.
    let ahead = |positions| ahead_of_store(&world, positions);
    projector.catch_up(&mut ScriptedFeed::new(ahead(31..=33))).unwrap();

    let rebuilt = world.rebuild_counts(ltc_projections::RebuildTarget::Position(Position(20)));
    world.read_models.swap_to(rebuilt.generation).unwrap();

    // 21..=30 come from the store; 31..=33, which it does not have, from the feed again.
    let outcome = projector.apply_batch(&mut ScriptedFeed::new(ahead(31..=35)), false).unwrap();
    assert_eq!((outcome.refetched, outcome.applied), (10, 15));
    assert_eq!(projector.checkpoints(), vec![(EventCounts::NAME, 35)]);
}
