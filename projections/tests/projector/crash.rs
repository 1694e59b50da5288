//! Crashes: a runner dropped between batches resumes from its checkpoints, and a batch that
//! fails half-way leaves nothing of itself behind.

use ltc_eventstore::Position;
use ltc_projections::{EventCounts, Projector, ProjectorError, RebuildTarget};

use crate::support::{FailingCounts, World, one_shot, render};

#[test]
fn a_runner_dropped_midway_and_reopened_continues_to_the_same_state() {
    let mut world = World::new();
    world.append_events(250);
    let mut projector = world.projector(32);
    let mut feed = world.history(1);
    for _ in 0..3 {
        projector.apply_batch(&mut feed, false).unwrap();
    }
    drop(projector);
    world.reopen_read_models();

    let mut projector = world.projector(32);
    assert_eq!(projector.next_position().0, 3 * 32 + 1, "resumes after the last commit");
    projector.catch_up(&mut world.history(projector.next_position().0)).unwrap();
    assert_eq!(world.render(), one_shot(&world));
}

#[test]
fn a_batch_that_fails_half_way_keeps_neither_its_updates_nor_its_checkpoint() {
    let mut world = World::new();
    world.append_events(100);
    let failing = FailingCounts::at(37);
    let mut projector = world.projector_of(vec![Box::new(failing)], 16);
    let error = projector.catch_up(&mut world.history(1)).unwrap_err();
    assert!(
        matches!(error, ProjectorError::Apply { projection: EventCounts::NAME, position: 37, .. }),
        "{error}"
    );
    // Batches 1..=16 and 17..=32 committed; 33..=48 rolled back as a whole.
    assert_eq!(projector.checkpoints(), vec![(EventCounts::NAME, 32)]);
    drop(projector);
    let at_32 = world.rebuild_counts(RebuildTarget::Position(Position(32)));
    let at_32 = render(&at_32.reader().unwrap());
    assert_eq!(world.render(), at_32, "the read model is exactly the state at position 32");

    let mut projector: Projector = world.projector(16);
    projector.catch_up(&mut world.history(projector.next_position().0)).unwrap();
    assert_eq!(world.render(), one_shot(&world));
}

#[test]
fn a_runner_that_goes_on_after_a_failed_batch_counts_each_of_its_events_once() {
    let mut world = World::new();
    world.append_events(100);
    let failing = FailingCounts::once_at(37);
    let mut projector = world.projector_of(vec![Box::new(failing)], 16);
    assert!(projector.catch_up(&mut world.history(1)).is_err());
    assert_eq!(projector.checkpoints(), vec![(EventCounts::NAME, 32)]);
    // The same runner, with whatever it held in memory for the failed batch, applies 33..=48
    // again: what it had folded of them before the failure must be gone.
    projector.catch_up(&mut world.history(projector.next_position().0)).unwrap();
    assert_eq!(world.render(), one_shot(&world));
}
