//! [`Projector`]: applies envelopes from a [`Feed`] to a set of projections in batches, one
//! transaction per batch, each projection's checkpoint written in that same transaction.
//!
//! Every delivered position is compared with the position due next (the lowest checkpoint + 1):
//! - lower: already applied, skipped (a redelivery after a crash or a reconnect);
//! - equal: offered to each projection whose checkpoint is exactly one below it;
//! - higher: a hole. The event is held back, the missing range is read from the event store and
//!   applied first (over as many batches as it takes), then the held event. If the store cannot
//!   supply the range, the runner stops with [`ProjectorError::Hole`]; an event past a hole is
//!   never applied.
//!
//! A failed batch rolls back, and the checkpoints in memory are reloaded from the database, so
//! memory never runs ahead of what is committed. The feed has moved on by then: its caller
//! recreates it from [`Projector::next_position`] after a feed error, and otherwise what it
//! delivers next looks like a hole and is refetched.
//!
//! A swap to an older generation moves the runner back too, below what its feed has delivered
//! or what the runner had already passed. The feed will not deliver those events again, and a
//! live feed may stay idle for as long as nothing is appended, so at its next batch the runner
//! reads them from the store (as far as the store has them) before it takes the feed's next
//! event.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ltc_eventstore::{Clock, EventStore, Position, RecordedEvent};
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::checkpoint::{self, WriteMode};
use crate::error::ProjectorError;
use crate::feed::{Delivery, Feed};
use crate::hole::Hole;
use crate::limits::{BATCH_EVENTS_DEFAULT, BATCH_EVENTS_MAX};
use crate::projection::Projection;
use crate::read_models::{Generation, Lag, ReadModels};
use crate::slot::{self, Slot};

#[derive(Debug, Clone, Copy)]
pub struct ProjectorOptions {
    /// Events delivered per transaction, 1 to [`BATCH_EVENTS_MAX`].
    pub batch_events: usize,
    /// Pages the read models' WAL holds before SQLite copies it back into the database (a
    /// checkpoint). A live file is written under `synchronous=NORMAL`, so nothing is synced
    /// until a checkpoint, which then flushes everything written since the last one.
    /// - Following the log ([`LIVE_WAL_CHECKPOINT_PAGES`], 4 MiB, the default): a live runner
    ///   commits a small batch every few milliseconds. At 64 MiB the flush took 50–80 ms every
    ///   ~2 s, and the event store's commit fsync, on the same disk, waited behind it: with every
    ///   part of `ltc serve` in one process, one command in a hundred took ≈ 50 ms.
    /// - Catching up a backlog ([`ProjectorOptions::for_catch_up`], 64 MiB): no command waits on
    ///   it, and a page rewritten by many batches is copied once; 4 MiB made a 435k-event
    ///   catch-up ≈ 15 % slower.
    pub wal_checkpoint_pages: u32,
}

/// [`ProjectorOptions::wal_checkpoint_pages`] of a runner following the log.
pub const LIVE_WAL_CHECKPOINT_PAGES: u32 = 1024;

/// [`ProjectorOptions::wal_checkpoint_pages`] of a runner catching up a backlog.
pub const CATCH_UP_WAL_CHECKPOINT_PAGES: u32 = 16 * 1024;

impl Default for ProjectorOptions {
    fn default() -> ProjectorOptions {
        ProjectorOptions {
            batch_events: BATCH_EVENTS_DEFAULT,
            wal_checkpoint_pages: LIVE_WAL_CHECKPOINT_PAGES,
        }
    }
}

impl ProjectorOptions {
    /// For a rebuild into a generation nobody reads yet: the largest batches, so commits and
    /// their WAL writes are fewest (measured +16 % over the default on a 44k-event log). A live
    /// runner keeps the default, so its readers see progress every few thousand events.
    pub fn for_rebuild() -> ProjectorOptions {
        ProjectorOptions { batch_events: BATCH_EVENTS_MAX, ..ProjectorOptions::default() }
    }

    /// For a runner that reads a backlog from the store and stops at its end (a catch-up before
    /// a query): the default batches, a checkpoint every 64 MiB.
    pub fn for_catch_up() -> ProjectorOptions {
        ProjectorOptions {
            wal_checkpoint_pages: CATCH_UP_WAL_CHECKPOINT_PAGES,
            ..ProjectorOptions::default()
        }
    }
}

/// What one batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Positions newly applied (each offered to every projection still below it).
    pub applied: u64,
    /// Delivered positions that were already applied, skipped.
    pub duplicates: u64,
    /// Positions read from the store (counted in `applied` too): to fill holes in the feed, and
    /// after a swap to an older generation, what the feed had delivered past it.
    pub refetched: u64,
    /// Whether the feed had more when the batch ended.
    pub feed: FeedState,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FeedState {
    /// The batch filled up; the feed may have more right now.
    #[default]
    Busy,
    /// The feed had nothing more for now.
    Idle,
    /// The feed has nothing more, ever.
    Ended,
}

/// Drives a set of projections over one read-model database.
#[derive(Debug)]
pub struct Projector {
    store: EventStore,
    /// Set for the live runner, which follows swaps; unset for a rebuild's runner.
    read_models: Option<ReadModels>,
    generation: Option<Generation>,
    clock: Arc<dyn Clock>,
    conn: Connection,
    slots: Vec<Slot>,
    /// The lowest checkpoint + 1: the position the feed should deliver next.
    next_position: u64,
    hole: Hole,
    batch_events: usize,
    wal_checkpoint_pages: u32,
}

impl Projector {
    /// The live runner over the generation in service, which moves to a new generation when one
    /// is swapped in. Projections new to the database are migrated and start at position 0.
    pub fn open(
        store: EventStore,
        read_models: &ReadModels,
        projections: Vec<Box<dyn Projection>>,
        options: ProjectorOptions,
    ) -> Result<Projector, ProjectorError> {
        let generation = read_models.current();
        let path = read_models.path_of(generation);
        let clock = read_models.clock().clone();
        let mut projector =
            Projector::on_file(store, path, WriteMode::Live, clock, projections, options)?;
        projector.read_models = Some(read_models.clone());
        projector.generation = Some(generation);
        Ok(projector)
    }

    /// A runner over one file that never follows swaps: a rebuild's.
    pub(crate) fn on_file(
        store: EventStore,
        path: PathBuf,
        mode: WriteMode,
        clock: Arc<dyn Clock>,
        projections: Vec<Box<dyn Projection>>,
        options: ProjectorOptions,
    ) -> Result<Projector, ProjectorError> {
        if options.batch_events == 0 || options.batch_events > BATCH_EVENTS_MAX {
            return Err(ProjectorError::InvalidSet(format!(
                "batch of {} events; use 1 to {BATCH_EVENTS_MAX}",
                options.batch_events
            )));
        }
        let mut slots = slot::slots_for(projections)?;
        let conn = open_writer(&path, mode, options.wal_checkpoint_pages)?;
        slot::prepare(&conn, &mut slots, clock.now())?;
        let mut projector = Projector {
            store,
            read_models: None,
            generation: None,
            clock,
            conn,
            slots,
            next_position: 1,
            hole: Hole::default(),
            batch_events: options.batch_events,
            wal_checkpoint_pages: options.wal_checkpoint_pages,
        };
        if mode == WriteMode::Rebuild {
            projector.slots.iter_mut().for_each(|slot| slot.projection.keep_across_batches());
        }
        projector.reset_position();
        Ok(projector)
    }

    /// A rebuild's last transaction: each projection writes what it kept across batches
    /// ([`Projection::finish`]). Its checkpoints were committed with the batches.
    pub(crate) fn finish_rebuild(&mut self) -> Result<(), ProjectorError> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        for slot in &mut self.slots {
            let projection = slot.projection.name();
            slot.projection.finish(&tx).map_err(|source| ProjectorError::Apply {
                projection,
                position: slot.checkpoint,
                source,
            })?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Where a feed for this runner should start: the lowest checkpoint + 1. A feed starting
    /// elsewhere works too (earlier events are skipped, later ones refetched), only slower.
    pub fn next_position(&self) -> Position {
        Position(self.next_position)
    }

    /// Each projection's checkpoint, as committed (between batches, memory and disk agree).
    pub fn checkpoints(&self) -> Vec<(&'static str, u64)> {
        self.slots.iter().map(|slot| (slot.projection.name(), slot.checkpoint)).collect()
    }

    /// Per projection: the store's head minus its checkpoint.
    pub fn lag(&self) -> Vec<Lag> {
        let head = self.store.head().position;
        self.slots
            .iter()
            .map(|slot| Lag {
                projection: slot.projection.name().to_owned(),
                checkpoint: slot.checkpoint,
                head,
                behind: head.saturating_sub(slot.checkpoint),
            })
            .collect()
    }

    /// Applies batches until the feed has nothing more for now (or ever).
    pub fn catch_up(&mut self, feed: &mut dyn Feed) -> Result<FeedState, ProjectorError> {
        loop {
            match self.apply_batch(feed, false)?.feed {
                FeedState::Busy => continue,
                state => return Ok(state),
            }
        }
    }

    /// Applies batches as events arrive until `stop` is set or the feed ends; the embedded
    /// read-model service runs this on its own thread.
    pub fn run(&mut self, feed: &mut dyn Feed, stop: &AtomicBool) -> Result<(), ProjectorError> {
        while !stop.load(Ordering::Relaxed) {
            if self.apply_batch(feed, true)?.feed == FeedState::Ended {
                break;
            }
        }
        Ok(())
    }

    /// One transaction: up to the batch size of delivered events (the first waited for if
    /// `wait`), plus whatever fills a hole among them, and the moved checkpoints. On error
    /// nothing of it is kept.
    pub fn apply_batch(
        &mut self,
        feed: &mut dyn Feed,
        wait: bool,
    ) -> Result<BatchOutcome, ProjectorError> {
        self.follow_swap()?;
        let result = self.try_batch(feed, wait);
        if result.is_err() {
            // The transaction rolled back when it was dropped; memory goes back with it.
            self.slots.iter_mut().for_each(Slot::roll_back);
            self.hole.refetch = None;
            self.reset_position();
        }
        result
    }

    fn try_batch(
        &mut self,
        feed: &mut dyn Feed,
        wait: bool,
    ) -> Result<BatchOutcome, ProjectorError> {
        let mut outcome = BatchOutcome::default();
        // Begun at the first event, so an idle poll takes no write lock and commits nothing.
        let mut tx: Option<Transaction<'_>> = None;
        let mut n_delivered = 0;
        while n_delivered < self.batch_events {
            let owed = self.hole.next_owed(self.next_position, &self.store, &mut outcome)?;
            let event = match owed {
                Some(event) => event,
                None => match feed.poll(wait && n_delivered == 0)? {
                    Delivery::Event(event) => {
                        self.hole.fed_through = self.hole.fed_through.max(event.position.0);
                        event
                    }
                    Delivery::Idle => {
                        outcome.feed = FeedState::Idle;
                        break;
                    }
                    Delivery::Ended => {
                        outcome.feed = FeedState::Ended;
                        break;
                    }
                },
            };
            n_delivered += 1;
            let position = event.position.0;
            if position < self.next_position {
                outcome.duplicates += 1;
            } else if position > self.next_position {
                self.hole.held = Some(event);
            } else {
                let tx = match &tx {
                    Some(tx) => tx,
                    None => tx.insert(Transaction::new_unchecked(
                        &self.conn,
                        TransactionBehavior::Immediate,
                    )?),
                };
                apply_event(tx, &mut self.slots, &event)?;
                self.next_position += 1;
                outcome.applied += 1;
            }
        }
        let Some(tx) = tx else { return Ok(outcome) };
        let now = self.clock.now();
        for slot in self.slots.iter_mut().filter(|slot| slot.dirty) {
            let projection = slot.projection.name();
            slot.projection.flush(&tx).map_err(|source| ProjectorError::Apply {
                projection,
                position: slot.checkpoint,
                source,
            })?;
            let projection = &slot.projection;
            let (name, version) = (projection.name(), projection.schema_version());
            checkpoint::store(&tx, name, version, slot.checkpoint, slot.event_recorded_us, now)?;
        }
        tx.commit()?;
        self.slots.iter_mut().for_each(Slot::committed);
        Ok(outcome)
    }

    /// Moves to the generation in service if a swap replaced the one this runner writes.
    fn follow_swap(&mut self) -> Result<(), ProjectorError> {
        let Some(read_models) = &self.read_models else { return Ok(()) };
        let current = read_models.current();
        if Some(current) == self.generation {
            return Ok(());
        }
        let path = read_models.path_of(current);
        let conn = open_writer(&path, WriteMode::Live, self.wal_checkpoint_pages)?;
        slot::prepare(&conn, &mut self.slots, self.clock.now())?;
        self.conn = conn;
        self.generation = Some(current);
        self.hole.refetch = None;
        // Everything below the runner's position is behind its feed (which starts there, or
        // delivered it), so a generation standing lower is owed the difference.
        let behind_feed = self.hole.fed_through.max(self.next_position - 1);
        self.hole.owed_through = self.hole.owed_through.max(behind_feed);
        self.reset_position();
        Ok(())
    }

    /// The projections it drives, in its order.
    pub(crate) fn projections(&self) -> Vec<&dyn Projection> {
        self.slots.iter().map(|slot| slot.projection.as_ref()).collect()
    }

    /// The runner's connection, for a rebuild to merge its other group's file into.
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    /// A rebuild's last step: turns its file into a live one (WAL) and syncs everything written
    /// to disk, so the generation survives a power cut. The runner is done after it.
    pub(crate) fn make_durable(self, path: &std::path::Path) -> Result<(), ProjectorError> {
        checkpoint::make_durable(&self.conn, path)?;
        Ok(())
    }

    fn reset_position(&mut self) {
        let lowest = self.slots.iter().map(|slot| slot.checkpoint).min().unwrap_or(0);
        self.next_position = lowest + 1;
    }
}

/// Offers the event due next to every projection still below it.
fn apply_event(
    tx: &Transaction<'_>,
    slots: &mut [Slot],
    event: &RecordedEvent,
) -> Result<(), ProjectorError> {
    let position = event.position.0;
    for slot in slots.iter_mut().filter(|slot| slot.checkpoint < position) {
        // The runner delivers positions in order from the lowest checkpoint, so every
        // projection below this position is exactly one below it.
        assert_eq!(slot.checkpoint + 1, position, "projection {} skipped", slot.projection.name());
        if slot.projection.wants(event) {
            let projection = slot.projection.name();
            slot.projection.apply(tx, event).map_err(|source| ProjectorError::Apply {
                projection,
                position,
                source,
            })?;
        }
        slot.checkpoint = position;
        slot.event_recorded_us = Some(event.recorded_at.timestamp_micros());
        slot.dirty = true;
    }
    Ok(())
}

/// The runner's writer connection to a read-model file, with its WAL checkpoint size.
fn open_writer(
    path: &std::path::Path,
    mode: WriteMode,
    wal_checkpoint_pages: u32,
) -> rusqlite::Result<Connection> {
    let conn = checkpoint::open_writer(path, mode)?;
    conn.pragma_update(None, "wal_autocheckpoint", wal_checkpoint_pages)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use ltc_eventstore::{Durability, ManualClock, StoreOptions};

    use super::*;
    use crate::EventCounts;

    /// The `wal_autocheckpoint` of a live runner opened with `options`.
    fn wal_checkpoint_pages_of(options: ProjectorOptions) -> u32 {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(chrono::DateTime::UNIX_EPOCH));
        let store_options = StoreOptions {
            clock: clock.clone(),
            durability: Durability::Normal,
            ..Default::default()
        };
        let store = EventStore::open(dir.path().join("events.db"), store_options).unwrap();
        let read_models = ReadModels::open(dir.path().join("read-models"), clock).unwrap();
        let projector =
            Projector::open(store, &read_models, vec![Box::new(EventCounts::default())], options)
                .unwrap();
        projector
            .connection()
            .pragma_query_value(None, "wal_autocheckpoint", |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn a_runner_following_the_log_checkpoints_every_4_mib_and_a_catch_up_every_64() {
        assert_eq!(wal_checkpoint_pages_of(ProjectorOptions::default()), LIVE_WAL_CHECKPOINT_PAGES);
        assert_eq!(LIVE_WAL_CHECKPOINT_PAGES, 1024);
        assert_eq!(
            wal_checkpoint_pages_of(ProjectorOptions::for_catch_up()),
            CATCH_UP_WAL_CHECKPOINT_PAGES
        );
        assert_eq!(CATCH_UP_WAL_CHECKPOINT_PAGES, 16 * 1024);
    }
}
