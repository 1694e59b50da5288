//! Random runs against the one-shot rebuild: appends, sessions of batches of random sizes from
//! feeds that start early (duplicates) or late (holes), crashes between batches and in the
//! middle of one, and rebuilt generations swapped in at random positions. Whatever happens, the
//! committed checkpoint always matches the committed counts, and a final catch-up renders
//! exactly what a one-shot rebuild of the whole log does.
//!
//! The seed is the workspace's (`PROPTEST_RNG_SEED` in `.cargo/config.toml`), so every run checks
//! the same cases; set `PROPTEST_RNG_SEED` in the environment to explore
//! others. A shrunk failure is kept below as a named `#[test]` calling [`check`].

use ltc_eventstore::Position;
use ltc_projections::{EventCounts, HistoryFeed, Projector, ProjectorError, RebuildTarget};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

use crate::support::{FailingCounts, World, one_shot};

const OPS_MAX: usize = 24;

#[derive(Debug, Clone)]
enum Op {
    Append {
        n_events: u64,
    },
    /// Opens a runner (if none is open) with this batch size.
    Open {
        batch_events: usize,
    },
    /// Applies up to `n_batches` batches from a feed starting `offset` positions away from the
    /// runner's next position.
    Run {
        n_batches: u32,
        offset: i64,
    },
    /// Drops the runner and reopens the read-model directory, as a killed process would.
    Crash,
    /// A runner whose projection fails `after` positions past its next one, mid-batch.
    FailMidBatch {
        batch_events: usize,
        after: u64,
    },
    /// Rebuilds up to this share (in percent) of the head and swaps it in.
    RebuildAndSwap {
        percent: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1..40u64).prop_map(|n_events| Op::Append { n_events }),
        2 => (1..50usize).prop_map(|batch_events| Op::Open { batch_events }),
        4 => (1..4u32, -8..8i64).prop_map(|(n_batches, offset)| Op::Run { n_batches, offset }),
        1 => Just(Op::Crash),
        1 => (2..30usize, 0..40u64)
            .prop_map(|(batch_events, after)| Op::FailMidBatch { batch_events, after }),
        2 => (0..=100u64).prop_map(|percent| Op::RebuildAndSwap { percent }),
    ]
}

#[test]
fn any_mix_of_batches_crashes_holes_and_swaps_ends_where_a_one_shot_rebuild_does() {
    let mut config = ProptestConfig::with_cases(40);
    config.source_file = Some(file!());
    let mut runner = TestRunner::new(config);
    let result = runner.run(&vec(op(), 1..=OPS_MAX), |ops| {
        check(&ops);
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}\n{runner}");
    }
}

/// Runs `ops`, checking the committed state after each, then catches up and compares with a
/// one-shot rebuild.
#[track_caller]
fn check(ops: &[Op]) {
    let mut world = World::new();
    let mut projector: Option<Projector> = None;
    for (op_idx, op) in ops.iter().enumerate() {
        match *op {
            Op::Append { n_events } => world.append_events(n_events),
            Op::Open { batch_events } => {
                projector.get_or_insert_with(|| world.projector(batch_events));
            }
            Op::Run { n_batches, offset } => {
                let projector = projector.get_or_insert_with(|| world.projector(16));
                let from = projector.next_position().0.saturating_add_signed(offset).max(1);
                let mut feed = world.history(from);
                for _ in 0..n_batches {
                    projector.apply_batch(&mut feed, false).unwrap();
                }
            }
            Op::Crash => {
                projector = None;
                world.reopen_read_models();
            }
            Op::FailMidBatch { batch_events, after } => {
                projector = None;
                let next = world.projector(1).next_position().0;
                let failing = FailingCounts::at(next + after);
                let mut doomed = world.projector_of(vec![Box::new(failing)], batch_events);
                match doomed.catch_up(&mut world.history(next)) {
                    Ok(_) => assert!(next + after > world.head(), "op {op_idx}: no failure"),
                    Err(ProjectorError::Apply { position, .. }) => {
                        assert_eq!(position, next + after)
                    }
                    Err(other) => panic!("op {op_idx}: {other}"),
                }
            }
            Op::RebuildAndSwap { percent } => {
                let upto = world.head() * percent / 100;
                let rebuilt = world.rebuild_counts(RebuildTarget::Position(Position(upto)));
                world.read_models.swap_to(rebuilt.generation).unwrap();
            }
        }
        check_committed(&world, op_idx);
    }
    let mut projector = projector.unwrap_or_else(|| world.projector(16));
    let head = world.head();
    projector
        .catch_up(
            &mut HistoryFeed::new(&world.store, projector.next_position(), Position(head)).unwrap(),
        )
        .unwrap();
    assert_eq!(projector.checkpoints(), vec![(EventCounts::NAME, head)]);
    assert_eq!(world.render(), one_shot(&world), "after {ops:?}");
}

/// Found when the workspace seed replaced this test's own (2026-12-02): a runner at the head
/// followed a swap to a generation at 0, and its feed (made from the runner's position before
/// it followed the swap, as a live feed is) had nothing more to deliver, so the runner stayed
/// at 0. It now reads from the store what its feed had delivered past the swapped generation.
#[test]
fn a_runner_moved_back_by_a_swap_catches_up_though_its_feed_has_ended() {
    check(&[
        Op::Append { n_events: 1 },
        Op::Run { n_batches: 1, offset: 0 },
        Op::RebuildAndSwap { percent: 0 },
    ]);
}

/// Found in review: the runner followed a swap forward (to 40) with its feed at 16, then a
/// swap back (to 20); what lay between 20 and 40 had been passed, not delivered.
#[test]
fn a_runner_swapped_forward_then_back_catches_up_what_it_had_passed() {
    check(&[
        Op::Append { n_events: 40 },
        Op::Open { batch_events: 16 },
        Op::RebuildAndSwap { percent: 100 },
        Op::Run { n_batches: 1, offset: 0 },
        Op::RebuildAndSwap { percent: 50 },
    ]);
}

/// The committed checkpoint counts exactly the committed events.
#[track_caller]
fn check_committed(world: &World, op_idx: usize) {
    let reader = world.read_models.reader().unwrap();
    let counted: Option<(i64, i64)> = reader
        .query_row(
            "SELECT position, (SELECT coalesce(sum(n_events), 0) FROM event_counts_by_kind) \
             FROM projection_checkpoints WHERE name = 'event_counts'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .ok();
    if let Some((checkpoint, n_events)) = counted {
        assert_eq!(checkpoint, n_events, "op {op_idx}: checkpoint and updates disagree");
    }
}
