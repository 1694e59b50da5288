//! Swapping a rebuilt generation into service: readers of the old one are not broken, the live
//! runner moves over and catches up, and the swap survives a restart.

use ltc_eventstore::Position;
use ltc_projections::{EventCounts, RebuildTarget, StoreFeed, rebuild};

use crate::support::{World, one_shot, rebuild_options, render};

#[test]
fn a_reader_opened_before_a_swap_keeps_reading_the_old_generation_whole() {
    let mut world = World::new();
    world.append_events(60);
    world.projector(16).catch_up(&mut world.history(1)).unwrap();
    let old_reader = world.read_models.reader().unwrap();
    let old = render(&old_reader);

    let rebuilt = world.rebuild_counts(RebuildTarget::Position(Position(25)));
    world.read_models.swap_to(rebuilt.generation).unwrap();

    assert_eq!(render(&old_reader), old, "the old connection still reads the old generation");
    assert!(world.render().contains("checkpoint event_counts 25\n"), "new readers see the new one");
}

#[test]
fn the_live_runner_moves_to_a_swapped_generation_and_catches_up_from_its_checkpoint() {
    let mut world = World::new();
    world.append_events(40);
    let mut projector = world.projector(16);
    let mut feed = world.history(1);
    projector.catch_up(&mut feed).unwrap();

    let rebuilt = world.rebuild_counts(RebuildTarget::Position(Position(20)));
    world.read_models.swap_to(rebuilt.generation).unwrap();
    world.append_events(10);

    // The live feed goes on from 41; the new generation stands at 20, so the runner reads
    // 21..=40, which its feed had delivered, from the store first.
    let outcome = projector.apply_batch(&mut world.history(41), false).unwrap();
    assert!(outcome.refetched > 0, "what lies below the feed is read first");
    assert_eq!(outcome.applied, outcome.refetched, "and nothing past it is applied before");
    projector.catch_up(&mut world.history(41)).unwrap();
    assert_eq!(projector.checkpoints(), vec![(EventCounts::NAME, 50)]);
    assert_eq!(world.render(), one_shot(&world));
}

#[test]
fn a_live_runner_moved_back_by_a_swap_catches_up_at_once_though_no_new_event_arrives() {
    let mut world = World::new();
    world.append_events(40);
    let mut projector = world.projector(16);
    projector.catch_up(&mut world.history(1)).unwrap();

    let rebuilt = world.rebuild_counts(RebuildTarget::Position(Position(20)));
    world.read_models.swap_to(rebuilt.generation).unwrap();

    // The store is idle: the live feed, at the head already, has nothing to deliver, so no
    // hole shows. 21..=40 were delivered before the swap, and are read from the store.
    let mut live = StoreFeed::new(&world.store, Position(41)).unwrap();
    let outcome = projector.apply_batch(&mut live, false).unwrap();
    assert_eq!(outcome.refetched, 16, "one batch of what the feed delivered past 20");
    projector.catch_up(&mut live).unwrap();
    assert_eq!(projector.checkpoints(), vec![(EventCounts::NAME, 40)]);
    assert_eq!(world.render(), one_shot(&world));
}

#[test]
fn a_swap_survives_reopening_the_directory_which_removes_older_generations() {
    let mut world = World::new();
    world.append_events(30);
    world.projector(16).catch_up(&mut world.history(1)).unwrap();
    let first = world.read_models.current();
    let rebuilt = rebuild(
        &world.store,
        &world.read_models,
        vec![Box::new(EventCounts::default())],
        rebuild_options(RebuildTarget::Head),
        &mut |_| {},
    )
    .unwrap();
    world.read_models.swap_to(rebuilt.generation).unwrap();
    let swapped = world.render();

    world.reopen_read_models();
    assert_eq!(world.read_models.current(), rebuilt.generation);
    assert_ne!(world.read_models.current(), first);
    assert!(!world.read_models.path_of(first).exists(), "the old generation was removed");
    assert_eq!(world.render(), swapped);
}
