//! A rebuild's groups: how the projections are split over two threads (each writing a file of
//! its own), what each group's thread does, and how the second group's file comes back into
//! the first (docs/adr/0007). `rebuild.rs` starts the threads and reports their progress.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};

use ltc_eventstore::{Clock, EventStore};

use crate::checkpoint::WriteMode;
use crate::early_sync::EarlySync;
use crate::error::ProjectorError;
use crate::feed::HistoryFeed;
use crate::merge;
use crate::projection::Projection;
use crate::projector::{FeedState, Projector, ProjectorOptions};
use crate::query_indexes::SetAside;

/// What a rebuild group does with its file once every event is applied.
pub(crate) enum Handoff<'a> {
    /// The first group, whose file (`generation`) is the generation: it sorts its own query
    /// indexes at once (while the other group sorts its own, or is still applying), then, if
    /// there is a second group, waits for it and appends its file's pages (`part`) to its own.
    /// Its file is flushed to disk meanwhile ([`EarlySync`]).
    MergeFrom { second: Option<mpsc::Receiver<()>>, part: &'a Path, generation: &'a Path },
    /// The second group: it sorts its own query indexes, closes its file and tells the first
    /// group that the file is ready.
    HandTo(Option<mpsc::SyncSender<()>>),
}

impl Handoff<'_> {
    /// The first group's runner, its file complete but not yet durable; `None` from the second
    /// group, and from the first when the second stopped (its error says why).
    pub(crate) fn finish(
        self,
        runner: Projector,
        set_aside: SetAside,
    ) -> Result<Option<Option<Projector>>, ProjectorError> {
        match self {
            Handoff::MergeFrom { second, part, generation } => {
                let sync = EarlySync::start(generation)?;
                let merged = merge_in(&runner, set_aside, second, part, generation);
                let synced = sync.stop();
                match merged? {
                    // The second group's error is the answer; the file is thrown away unsynced.
                    false => Ok(None),
                    true => synced.map(|()| Some(Some(runner))),
                }
            }
            Handoff::HandTo(to_first) => {
                set_aside.create_in(runner.connection())?;
                // Its connection closes its file before the first reads it.
                drop(runner);
                if let Some(to_first) = to_first {
                    // The first group may have failed and gone; then its error is the answer.
                    let _ = to_first.send(());
                }
                Ok(Some(None))
            }
        }
    }
}

/// The first group's finish: its own indexes, then the second group's file. False when the
/// second group stopped without handing its file on.
fn merge_in(
    runner: &Projector,
    set_aside: SetAside,
    second: Option<mpsc::Receiver<()>>,
    part: &Path,
    generation: &Path,
) -> Result<bool, ProjectorError> {
    set_aside.create_in(runner.connection())?;
    let Some(second) = second else { return Ok(true) };
    // The second group failed or stopped: it hung up without handing anything on.
    let Ok(()) = second.recv() else { return Ok(false) };
    merge::merge_part(runner.connection(), generation, part)?;
    remove_file_if_present(part)?;
    Ok(true)
}

/// The groups' runners if every group finished; otherwise the error that stopped the rebuild,
/// whichever group reported it, rather than another group's report that it was stopped.
pub(crate) fn every_group_built<T>(
    built: Vec<Result<Option<T>, ProjectorError>>,
) -> Result<Vec<T>, ProjectorError> {
    // Errors are looked for first and apart: collecting straight into `Result<Option<Vec<_>>>`
    // stops at an earlier group's `None` and never sees a later group's error.
    let mut finished = Vec::with_capacity(built.len());
    for group in built {
        finished.push(group?);
    }
    finished.into_iter().collect::<Option<Vec<T>>>().ok_or_else(|| {
        ProjectorError::Thread(std::io::Error::other("a rebuild group stopped unasked"))
    })
}

/// One group's rebuild into its own file, reporting `(events done, events total)` after each
/// batch. Returns the runner, its file complete up to `upto` but not yet durable, with the
/// query-only indexes it left out; `None` if it stopped because `stop` was set (the other group
/// failed, and says why).
#[allow(clippy::too_many_arguments, reason = "one call site, each argument named there")]
pub(crate) fn run_group(
    store: &EventStore,
    path: &Path,
    clock: Arc<dyn Clock>,
    projections: Vec<Box<dyn Projection>>,
    mut feed: HistoryFeed,
    runner: ProjectorOptions,
    upto: u64,
    stop: &AtomicBool,
    report: &dyn Fn(u64, u64),
) -> Result<Option<(Projector, SetAside)>, ProjectorError> {
    let mut projector = Projector::on_file(
        store.clone(),
        path.to_path_buf(),
        WriteMode::Rebuild,
        clock,
        projections,
        runner,
    )?;
    let set_aside = SetAside::drop_from(projector.connection(), &projector.projections())?;
    let from = projector.next_position();
    let events_total = (upto + 1).saturating_sub(from.0);
    let mut events_done = 0;
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let outcome = projector.apply_batch(&mut feed, false)?;
        events_done += outcome.applied;
        report(events_done, events_total);
        if outcome.feed != FeedState::Busy {
            break;
        }
    }
    projector.finish_rebuild()?;
    let short = projector.checkpoints().into_iter().find(|(_, position)| *position < upto);
    if let Some((_, position)) = short {
        // The history feed reads positions up to `upto`, and every one at or below the head
        // exists, so a projection left short means the log changed under the rebuild.
        return Err(ProjectorError::Hole {
            expected: position + 1,
            delivered: upto,
            store_head: store.head().position,
        });
    }
    Ok(Some((projector, set_aside)))
}

/// Splits a set into two groups of about equal [`Projection::rebuild_cost`], each keeping the
/// set's order, the costliest projection's group first; a set of one stays one group.
pub(crate) fn split_in_two(projections: Vec<Box<dyn Projection>>) -> Vec<Vec<Box<dyn Projection>>> {
    if projections.len() < 2 {
        return vec![projections];
    }
    // Greedy, heaviest first, each to the lighter group: within a few percent for sets like
    // the read models'.
    let mut by_cost: Vec<usize> = (0..projections.len()).collect();
    by_cost.sort_by_key(|idx| std::cmp::Reverse(projections[*idx].rebuild_cost()));
    let mut group_of = vec![0usize; projections.len()];
    let mut loads = [0u64; 2];
    for idx in by_cost {
        let group = if loads[0] <= loads[1] { 0 } else { 1 };
        loads[group] += u64::from(projections[idx].rebuild_cost());
        group_of[idx] = group;
    }
    let mut groups = vec![Vec::new(), Vec::new()];
    for (projection, group) in projections.into_iter().zip(group_of) {
        groups[group].push(projection);
    }
    // The first group's file becomes the generation. Greedy heaviest-first always puts the
    // costliest projection in it, and keeping it there, whichever group's total is larger,
    // lets the largest query indexes (customer360's timeline, ≈ 2.8 s of sorting at 5M events)
    // be sorted while the other group may still be applying, not after the merge on the one
    // thread every rebuild ends on (docs/adr/0007).
    groups.retain(|group| !group.is_empty());
    groups
}

fn remove_file_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_counts::EventCounts;

    fn names(group: &[Box<dyn Projection>]) -> Vec<&'static str> {
        group.iter().map(|projection| projection.name()).collect()
    }

    /// Customer360's group against forecast's, funnel's, stalled's and reps': about equal work
    /// (50 against 51, BENCHMARKS.md, "Appended rows written 64 to a statement"), customer360's
    /// first although its group's total is the smaller.
    #[test]
    fn every_read_model_splits_into_two_groups_of_about_equal_work_the_costliest_model_first() {
        let mut projections = crate::models::all();
        projections.push(Box::new(EventCounts::default()));
        let groups = split_in_two(projections);
        assert_eq!(names(&groups[0]), ["collections", "customer360", "leads", "event_counts"]);
        assert_eq!(names(&groups[1]), ["forecast", "funnel", "reps", "stalled"]);
    }

    fn failed(position: u64) -> ProjectorError {
        ProjectorError::Hole { expected: position, delivered: position, store_head: position }
    }

    #[test]
    fn a_later_groups_error_wins_over_an_earlier_groups_stop() {
        let built: Vec<Result<Option<u8>, _>> = vec![Ok(None), Err(failed(70))];
        let error = every_group_built(built).unwrap_err();
        assert!(matches!(error, ProjectorError::Hole { expected: 70, .. }), "{error}");
    }

    #[test]
    fn an_earlier_groups_error_wins_over_a_later_groups_stop() {
        let built: Vec<Result<Option<u8>, _>> = vec![Err(failed(70)), Ok(None)];
        let error = every_group_built(built).unwrap_err();
        assert!(matches!(error, ProjectorError::Hole { expected: 70, .. }), "{error}");
    }

    #[test]
    fn groups_that_all_finished_give_their_runners_in_order() {
        let built: Vec<Result<Option<u8>, ProjectorError>> = vec![Ok(Some(1)), Ok(Some(2))];
        assert_eq!(every_group_built(built).unwrap(), vec![1, 2]);
    }

    #[test]
    fn a_stop_with_no_error_anywhere_is_itself_an_error() {
        let built: Vec<Result<Option<u8>, ProjectorError>> = vec![Ok(Some(1)), Ok(None)];
        assert!(every_group_built(built).is_err());
    }
}
