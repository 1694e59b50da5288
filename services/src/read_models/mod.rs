//! The read models in the embedded default: the projections run in this process, over the
//! read-model directory of the data directory (`<data>/read-models/`), and are caught up from the
//! event store before every answer. There is no background runner yet (step 4 adds the live
//! one); a query that finds the models current applies nothing and costs one checkpoint read.
//!
//! - `mod.rs`: [`EmbeddedReadModels`], the handle: open (under the directory's lock), catch up,
//!   read, lag.
//! - `registry.rs`: [`projections`], every projection this build serves, and the look-up by name.
//! - `rebuild.rs`: a rebuild side by side then swapped in, and a throw-away rebuild up to a past
//!   time that answers `--as-of` queries.
//! - `far_behind.rs`: when a catch-up rebuilds instead (every model far behind a large log).
//! - `lock.rs`: the lock that keeps one `ltc` process at a time in a read-model directory.
//! - `event_counts.rs`: the typed query over [`ltc_projections::EventCounts`].
//! - `table.rs`: aligned text tables for the CLI.

mod event_counts;
mod far_behind;
mod lock;
mod rebuild;
mod registry;
mod table;
#[cfg(test)]
mod tests;

use std::time::Instant;

use chrono::{DateTime, Utc};
use ltc_eventstore::{EventStore, Position, SystemClock};
use ltc_projections::{
    FeedState, HistoryFeed, Progress, Projector, ProjectorError, ProjectorOptions, ReadModels,
};
use rusqlite::Connection;
use serde::Serialize;

use crate::data_dir::DataDir;

pub use event_counts::{EventCountsRow, query_event_counts, render_event_counts};
pub use lock::DirectoryLock;
pub use rebuild::{AsOfSnapshot, RebuildRequest, RebuildSummary, rebuild_as_of};
pub use registry::{projection_named, projection_names, projections};
pub use table::{Align, TextTable, thousands};

/// Why the read models could not answer. Each variant's doc says what a caller does.
#[derive(Debug, thiserror::Error)]
pub enum ReadModelsError {
    /// The projection runtime failed (storage, a hole in the log, a broken projection): the
    /// message says which and where; nothing half-applied was kept.
    #[error(transparent)]
    Projector(#[from] ProjectorError),
    /// No projection of this build has the name: `ltc lag` lists them.
    #[error("no read model is named {name:?}; this build has: {known}")]
    UnknownProjection { name: String, known: String },
    /// A query on the read-model database failed: the file is damaged or another program holds
    /// it; `ltc rebuild` makes a fresh one.
    #[error("reading the read models: {0}")]
    Query(#[from] rusqlite::Error),
    /// The lock file or a temporary directory for an as-of rebuild could not be made.
    #[error("read-model directory: {0}")]
    Directory(#[from] std::io::Error),
}

impl ReadModelsError {
    /// A stable machine-readable code per variant.
    pub fn code(&self) -> &'static str {
        match self {
            ReadModelsError::Projector(ProjectorError::SchemaChanged { .. }) => {
                "read_models.schema_changed"
            }
            ReadModelsError::Projector(ProjectorError::Hole { .. }) => "read_models.hole",
            ReadModelsError::Projector(_) => "read_models.projector",
            ReadModelsError::UnknownProjection { .. } => "read_models.unknown_projection",
            ReadModelsError::Query(_) => "read_models.query",
            ReadModelsError::Directory(_) => "read_models.directory",
        }
    }
}

/// The read models of one data directory, held by this process until dropped.
#[derive(Debug)]
pub struct EmbeddedReadModels {
    store: EventStore,
    read_models: ReadModels,
    data: DataDir,
    /// A catch-up at least this many events behind may rebuild instead (`far_behind.rs`).
    rebuild_when_behind_events_min: u64,
    // Dropped last: the lock outlives every use of the directory above.
    _lock: DirectoryLock,
}

/// What a catch-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CaughtUp {
    /// Every projection now stands at this position: the store's head when the catch-up began.
    pub position: u64,
    /// Positions applied by this catch-up (0 when the models were already current).
    pub events_applied: u64,
    /// Projections rebuilt first because this build changed their schema.
    pub rebuilt_for_schema: u32,
    /// Every projection was so far behind that they were all rebuilt side by side first
    /// (`far_behind.rs`); `events_applied` counts the rebuild's events too.
    pub rebuilt_far_behind: bool,
}

/// How far one projection is behind the store, as `ltc lag` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LagRow {
    pub projection: String,
    /// The last applied position; 0 for a projection never built in this directory.
    pub checkpoint: u64,
    pub head: u64,
    /// `head - checkpoint`.
    pub behind: u64,
    /// The applied log's last `recorded_at`: the read model shows the log as of this time.
    pub as_of: Option<DateTime<Utc>>,
    /// `current`, `behind`, `not built` (this build has it, the directory does not yet) or
    /// `retired` (the directory has it, this build no longer serves it).
    pub status: &'static str,
}

impl EmbeddedReadModels {
    /// Opens the read models of `data` over `store`, first taking the directory's lock (waiting
    /// for another `ltc` process to finish with it, and saying so on stderr).
    pub fn open(data: &DataDir, store: EventStore) -> Result<EmbeddedReadModels, ReadModelsError> {
        let lock = DirectoryLock::acquire(&data.read_models())?;
        let read_models = ReadModels::open(data.read_models(), std::sync::Arc::new(SystemClock))?;
        Ok(EmbeddedReadModels {
            store,
            read_models,
            data: data.clone(),
            rebuild_when_behind_events_min: far_behind::REBUILD_WHEN_BEHIND_EVENTS_MIN,
            _lock: lock,
        })
    }

    /// The same read models with another threshold for rebuilding instead of catching up:
    /// tests reach it with a small log.
    #[cfg(test)]
    pub(crate) fn rebuilding_when_behind(mut self, events_min: u64) -> EmbeddedReadModels {
        self.rebuild_when_behind_events_min = events_min;
        self
    }

    pub fn store(&self) -> &EventStore {
        &self.store
    }

    pub fn read_models(&self) -> &ReadModels {
        &self.read_models
    }

    /// Brings every projection to the store's head, reporting after every batch. Projections
    /// new to the directory are built from position 1; one whose stored schema differs from this
    /// build's is rebuilt side by side and swapped in first (at most once each). When every
    /// projection is far behind a large log, all are rebuilt side by side first, which is
    /// faster (`far_behind.rs`).
    pub fn catch_up(
        &self,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<CaughtUp, ReadModelsError> {
        let rebuilt_events = self.rebuild_if_all_far_behind(progress)?;
        let mut rebuilt_for_schema = 0;
        let mut projector = loop {
            match Projector::open(
                self.store.clone(),
                &self.read_models,
                projections(),
                ProjectorOptions::for_catch_up(),
            ) {
                Ok(projector) => break projector,
                Err(ProjectorError::SchemaChanged { projection, .. })
                    if (rebuilt_for_schema as usize) < projection_names().len() =>
                {
                    let request = RebuildRequest::head_of(Some(projection.to_owned()));
                    self.rebuild(&request, progress)?;
                    rebuilt_for_schema += 1;
                }
                Err(error) => return Err(error.into()),
            }
        };
        let head = self.store.head().position;
        let from = projector.next_position();
        let events_total = (head + 1).saturating_sub(from.0);
        let mut events_applied = 0;
        if events_total > 0 {
            let started = Instant::now();
            let mut feed = HistoryFeed::new(&self.store, from, Position(head))
                .map_err(ProjectorError::Thread)?;
            loop {
                let outcome = projector.apply_batch(&mut feed, false)?;
                events_applied += outcome.applied;
                progress(&Progress::new(events_applied, events_total, started.elapsed()));
                if outcome.feed != FeedState::Busy {
                    break;
                }
            }
        }
        Ok(CaughtUp {
            position: head,
            events_applied: events_applied + rebuilt_events.unwrap_or(0),
            rebuilt_for_schema,
            rebuilt_far_behind: rebuilt_events.is_some(),
        })
    }

    /// Rebuilds every projection up to the head and swaps them in if each is far enough behind
    /// that this beats catching up; the events the rebuild applied if it ran.
    fn rebuild_if_all_far_behind(
        &self,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Option<u64>, ReadModelsError> {
        let head = self.store.head().position;
        let checkpoints = self.read_models.checkpoints()?;
        let served = projection_names();
        // A rebuild of everything starts from an empty file: the tables of a read model this
        // build no longer serves would go. Only `ltc rebuild`, asked, drops them.
        if checkpoints.iter().any(|checkpoint| !served.contains(&checkpoint.name.as_str())) {
            return Ok(None);
        }
        let all_far_behind = served.iter().all(|name| {
            let stored = checkpoints.iter().find(|checkpoint| checkpoint.name == *name);
            let checkpoint = stored.map_or(0, |stored| stored.position);
            far_behind::rebuild_instead(checkpoint, head, self.rebuild_when_behind_events_min)
        });
        if !all_far_behind {
            return Ok(None);
        }
        let rebuilt = self.rebuild(&RebuildRequest::head_of(None), progress)?;
        Ok(Some(rebuilt.events_applied))
    }

    /// A read-only connection to the generation in service.
    pub fn reader(&self) -> Result<Connection, ReadModelsError> {
        Ok(self.read_models.reader()?)
    }

    /// Per projection this build serves or the directory holds: its checkpoint against the
    /// store's head, without catching anything up.
    pub fn lag(&self) -> Result<Vec<LagRow>, ReadModelsError> {
        let head = self.store.head().position;
        let checkpoints = self.read_models.checkpoints()?;
        let served = projection_names();
        let mut rows: Vec<LagRow> = served
            .iter()
            .map(|name| {
                let stored = checkpoints.iter().find(|checkpoint| checkpoint.name == *name);
                let checkpoint = stored.map_or(0, |stored| stored.position);
                let behind = head.saturating_sub(checkpoint);
                let status = match (stored, behind) {
                    (None, _) => "not built",
                    (Some(_), 0) => "current",
                    (Some(_), _) => "behind",
                };
                let as_of = stored.and_then(|stored| stored.event_recorded_at);
                LagRow { projection: (*name).to_owned(), checkpoint, head, behind, as_of, status }
            })
            .collect();
        for retired in checkpoints.iter().filter(|c| !served.contains(&c.name.as_str())) {
            rows.push(LagRow {
                projection: retired.name.clone(),
                checkpoint: retired.position,
                head,
                behind: head.saturating_sub(retired.position),
                as_of: retired.event_recorded_at,
                status: "retired",
            });
        }
        Ok(rows)
    }
}
