//! [`rebuild`]: replays the log from position 1 into a new generation beside the live one,
//! while the live one keeps serving, up to the head, a position or a recorded time (the state a
//! dashboard showed then). [`crate::ReadModels::swap_to`] then puts it in service.
//!
//! The new file is written without a journal or fsyncs (nobody reads it yet, and a crash just
//! leaves a file the next [`crate::ReadModels::open`] removes) and made durable once at the end,
//! before the caller can swap it in. A rebuild of everything splits its projections into two
//! groups of about equal [`Projection::rebuild_cost`], each on its own thread writing its own
//! file, and merges the second file into the first at the end (`merge/`): SQLite writes a file
//! from one connection at a time, so two files are what let two cores write (docs/adr/0007; the
//! groups' threads are `rebuild_groups.rs`). After a swap the live runner carries each
//! projection on from the rebuilt checkpoint to the head: everything from there up to what its
//! feed had delivered (or it had passed) is read from the store at its next batch, as far as the
//! store has it, and the rest comes from the feed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ltc_eventstore::{EventStore, Position};
use rusqlite::Connection;

use crate::checkpoint::{self, WriteMode};
use crate::error::ProjectorError;
use crate::feed::{HistoryFeed, Predecoding};
use crate::projection::Projection;
use crate::projector::ProjectorOptions;
use crate::read_models::{Generation, ReadModels};
use crate::rebuild_groups::{Handoff, every_group_built, run_group, split_in_two};
use crate::slot;

/// How far a rebuild replays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebuildTarget {
    /// The store's head when the rebuild starts.
    Head,
    /// Up to and including this position.
    Position(Position),
    /// Every event recorded at or before this time: what the read models showed then, once
    /// caught up.
    RecordedAt(DateTime<Utc>),
}

/// Which projections the new generation holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebuildScope {
    /// An empty database holding only the given projections.
    Everything,
    /// A copy of the generation in service in which the given projections are rebuilt from
    /// scratch; every other projection is copied as it stands.
    OnlyThese,
}

#[derive(Debug, Clone, Copy)]
pub struct RebuildOptions {
    pub target: RebuildTarget,
    pub scope: RebuildScope,
    pub runner: ProjectorOptions,
    /// What the reading thread decodes once for every group, when the projections split into
    /// two: the read models' is `models::decode::PREDECODING`. Only speed depends on it.
    pub predecoding: Option<Predecoding>,
}

/// Where a rebuild stands, reported after every batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub events_done: u64,
    pub events_total: u64,
    pub elapsed: Duration,
    /// Over the whole rebuild so far.
    pub events_per_second: u64,
    /// At the rate so far; `None` until there is a rate, and while finishing.
    pub eta: Option<Duration>,
    /// Every event is applied and the rebuild is writing its last part: the rows the
    /// projections kept across batches, the second file merged into the first, the query-only
    /// indexes sorted, the file synced. A 5M-event rebuild spends seconds here (≈ 12 s on
    /// 2026-12-02), with nothing left to count.
    pub finishing: bool,
}

impl Progress {
    /// `events_done` of `events_total` after `elapsed`, with the rate and ETA that follow.
    pub fn new(events_done: u64, events_total: u64, elapsed: Duration) -> Progress {
        let micros = elapsed.as_micros().max(1);
        let events_per_second =
            u64::try_from(u128::from(events_done) * 1_000_000 / micros).unwrap_or(u64::MAX);
        let remaining = events_total.saturating_sub(events_done);
        let eta = (events_per_second > 0).then(|| {
            Duration::from_micros(
                u64::try_from(u128::from(remaining) * 1_000_000 / u128::from(events_per_second))
                    .unwrap_or(u64::MAX),
            )
        });
        Progress { events_done, events_total, elapsed, events_per_second, eta, finishing: false }
    }

    fn finishing(self) -> Progress {
        Progress { eta: None, finishing: true, ..self }
    }
}

/// A finished rebuild, durable on disk and not yet in service.
#[derive(Debug, Clone)]
pub struct Rebuilt {
    pub generation: Generation,
    pub path: PathBuf,
    /// The last position the rebuilt projections applied.
    pub upto: Position,
    pub events_applied: u64,
    pub elapsed: Duration,
}

impl Rebuilt {
    /// A read-only connection to the rebuilt database, to look at it before (or instead of)
    /// swapping it in.
    pub fn reader(&self) -> Result<Connection, ProjectorError> {
        Ok(checkpoint::open_reader(&self.path)?)
    }
}

/// Rebuilds `projections` (fresh instances, not the live runner's) into a new generation.
/// `progress` hears after every batch. On error the new generation's files are removed.
pub fn rebuild(
    store: &EventStore,
    read_models: &ReadModels,
    projections: Vec<Box<dyn Projection>>,
    options: RebuildOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Rebuilt, ProjectorError> {
    let started = Instant::now();
    let upto = resolve_target(store, options.target)?;
    let (generation, path) = read_models.new_generation()?;
    let built = build(store, read_models, projections, options, upto, &path, progress);
    match built {
        Ok(events_applied) => {
            let elapsed = started.elapsed();
            Ok(Rebuilt { generation, path, upto: Position(upto), events_applied, elapsed })
        }
        Err(error) => {
            // The half-built file is of no use to anyone; the error is what the caller needs.
            let _ = read_models.discard(generation);
            Err(error)
        }
    }
}

fn build(
    store: &EventStore,
    read_models: &ReadModels,
    projections: Vec<Box<dyn Projection>>,
    options: RebuildOptions,
    upto: u64,
    path: &Path,
    progress: &mut dyn FnMut(&Progress),
) -> Result<u64, ProjectorError> {
    let started = Instant::now();
    if options.scope == RebuildScope::OnlyThese {
        copy_without(read_models, &projections, path)?;
    }
    // A copy already holds the other projections' tables, so only a rebuild of everything into
    // an empty file splits; a set of one has nothing to split.
    let groups = match options.scope {
        RebuildScope::Everything => split_in_two(projections),
        RebuildScope::OnlyThese => vec![projections],
    };
    let part = part_path(path);
    let paths = [path.to_path_buf(), part.clone()];
    let clock = read_models.clock().clone();
    // One reading thread for every group: each group needs every event, and a second reader
    // would cost as much CPU as a light projection. A rebuilt projection starts from nothing,
    // so every group starts at position 1.
    // With two groups, each payload is decoded once on the reading thread for both, rather
    // than once on each group's thread; with one, decoding stays on the group's thread.
    let predecoding = options.predecoding.filter(|_| groups.len() > 1);
    let feeds =
        HistoryFeed::split_with(store, Position::START, Position(upto), groups.len(), predecoding)
            .map_err(ProjectorError::Thread)?;
    let stop = AtomicBool::new(false);
    let (sender, reports) = mpsc::channel::<(usize, u64, u64)>();
    // `split_in_two` makes at most one more group, whose file is `part`. It sorts its own
    // set-aside indexes, closes its file and says so; the first group, having sorted its own
    // meanwhile, merges the file into its own on its own thread (`merge/`).
    let (hand_to_first, from_second) = mpsc::sync_channel::<()>(1);
    let mut from_second = (groups.len() > 1).then_some(from_second);
    let mut hand_to_first = Some(hand_to_first);
    let (first, events_done) = std::thread::scope(|scope| {
        let handles: Vec<_> = groups
            .into_iter()
            .zip(&paths)
            .zip(feeds)
            .enumerate()
            .map(|(group, ((projections, path), feed))| {
                let (sender, clock, stop) = (sender.clone(), clock.clone(), &stop);
                let runner = options.runner;
                let handoff = if group == 0 {
                    Handoff::MergeFrom { second: from_second.take(), part: &part, generation: path }
                } else {
                    Handoff::HandTo(hand_to_first.take())
                };
                std::thread::Builder::new()
                    .name(format!("ltc-rebuild-{group}"))
                    .spawn_scoped(scope, move || {
                        let report = |done, total| {
                            let _ = sender.send((group, done, total));
                        };
                        let built = run_group(
                            store,
                            path,
                            clock,
                            projections,
                            feed,
                            runner,
                            upto,
                            stop,
                            &report,
                        )
                        .and_then(|built| match built {
                            Some((runner, set_aside)) => handoff.finish(runner, set_aside),
                            None => Ok(None),
                        });
                        if built.is_err() {
                            // The other group's work is of no use now.
                            stop.store(true, Ordering::Relaxed);
                        }
                        built
                    })
                    .map_err(ProjectorError::Thread)
            })
            .collect();
        drop((sender, hand_to_first.take()));
        if handles.iter().any(Result::is_err) {
            stop.store(true, Ordering::Relaxed);
        }
        // Progress is as far as the group furthest behind; once every group has applied every
        // event, the rest is finishing (the merge and the sorts).
        let mut done_by_group = vec![0u64; handles.len()];
        let mut last = Progress::new(0, 0, Duration::ZERO);
        let mut finishing_told = false;
        for (group, done, events_total) in reports {
            done_by_group[group] = done;
            let done = done_by_group.iter().copied().min().unwrap_or(0);
            last = Progress::new(done, events_total, started.elapsed());
            progress(&last);
            if done == events_total && !finishing_told {
                finishing_told = true;
                progress(&last.finishing());
            }
        }
        let mut built = Vec::new();
        for handle in handles {
            match handle.map(|handle| handle.join()) {
                Ok(Ok(result)) => built.push(result),
                Ok(Err(panic)) => std::panic::resume_unwind(panic),
                Err(error) => built.push(Err(error)),
            }
        }
        let mut finished = every_group_built(built)?;
        let events_done = done_by_group.iter().copied().min().unwrap_or(0);
        if !finishing_told {
            progress(&Progress { elapsed: started.elapsed(), ..last }.finishing());
        }
        // The first group returns the generation's runner; a second returns none.
        let first = finished.swap_remove(0).ok_or_else(|| {
            ProjectorError::Thread(std::io::Error::other("the first rebuild group has no file"))
        })?;
        Ok::<_, ProjectorError>((first, events_done))
    })?;
    first.make_durable(path)?;
    Ok(events_done)
}

/// The second group's file beside a generation's: removed with the generation
/// ([`crate::ReadModels`] knows the suffix), and merged into it at the end of a rebuild.
pub(crate) fn part_path(path: &Path) -> PathBuf {
    let mut part = path.as_os_str().to_owned();
    part.push(PART_SUFFIX);
    PathBuf::from(part)
}

/// What [`part_path`] appends to a generation's file name.
pub(crate) const PART_SUFFIX: &str = "-part";

/// Copies the generation in service into `path`, then drops the given projections' tables and
/// checkpoints from the copy so they start from nothing.
fn copy_without(
    read_models: &ReadModels,
    projections: &[Box<dyn Projection>],
    path: &Path,
) -> Result<(), ProjectorError> {
    let live = Connection::open(read_models.current_path())?;
    live.busy_timeout(Duration::from_secs(5))?;
    // VACUUM INTO reads one consistent snapshot while the live runner goes on committing.
    let target = path.to_str().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "read-model path is not UTF-8")
    })?;
    live.execute("VACUUM INTO ?1", [target])?;
    drop(live);
    let copy = checkpoint::open_writer(path, WriteMode::Rebuild)?;
    for projection in projections {
        slot::drop_tables(&copy, projection.tables())?;
        checkpoint::forget(&copy, projection.name())?;
    }
    Ok(())
}

/// The last position `target` names in `store`: the head, the position itself (refused beyond
/// the head), or the last position recorded at or before a time (0 when none was). Positions
/// are in commit order and `recorded_at` never decreases along them, so a time is found by
/// bisection in O(log n) single-row reads.
pub fn resolve_target(store: &EventStore, target: RebuildTarget) -> Result<u64, ProjectorError> {
    let head = store.head().position;
    match target {
        RebuildTarget::Head => Ok(head),
        RebuildTarget::Position(position) if position.0 > head => {
            Err(ProjectorError::TargetBeyondHead { target: position.0, head })
        }
        RebuildTarget::Position(position) => Ok(position.0),
        RebuildTarget::RecordedAt(at) => {
            // Invariant: position `low` is recorded at or before `at` (0 stands for "none"),
            // and every position above `high` after it.
            let (mut low, mut high) = (0u64, head);
            while low < high {
                let middle = low + (high - low).div_ceil(2);
                let event = store.read_all(Position(middle), 1).next().transpose()?;
                let recorded_at = event.map(|event| event.recorded_at).ok_or_else(|| {
                    ProjectorError::Hole { expected: middle, delivered: middle, store_head: head }
                })?;
                if recorded_at <= at {
                    low = middle;
                } else {
                    high = middle - 1;
                }
            }
            Ok(low)
        }
    }
}
