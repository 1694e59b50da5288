//! Rebuilds from the log: `ltc rebuild` (side by side, then swapped into service) and the
//! throw-away rebuild up to a past time that answers a query `--as-of` a date.
//!
//! Why an as-of query rebuilds rather than filters: a read model's tables hold the log's effect
//! up to their checkpoint, and most of them keep no history of their own rows. Replaying the log
//! up to the last event recorded by the end of the day gives exactly what the read model showed
//! then, for every read model alike, with no leakage from later events. Read models that keep
//! dated facts (aging, days in stage) can instead answer at query time, which is cheaper.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ltc_eventstore::{EventStore, SystemClock};
use ltc_projections::{
    Progress, Projection, ProjectorOptions, ReadModels, RebuildOptions, RebuildScope,
    RebuildTarget, Rebuilt, rebuild,
};
use rusqlite::Connection;
use serde::Serialize;
use tempfile::TempDir;

use super::{EmbeddedReadModels, ReadModelsError, projection_named, projections};
use crate::data_dir::DataDir;

/// What `ltc rebuild` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuildRequest {
    /// One projection, rebuilt from nothing in a copy of the others as they stand; `None`
    /// rebuilds every projection into an empty generation.
    pub projection: Option<String>,
    pub target: RebuildTarget,
}

impl RebuildRequest {
    /// Up to the store's head: a fresh copy of what is in service.
    pub fn head_of(projection: Option<String>) -> RebuildRequest {
        RebuildRequest { projection, target: RebuildTarget::Head }
    }
}

/// A finished rebuild, now in service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RebuildSummary {
    /// The projections rebuilt from position 1.
    pub projections: Vec<String>,
    /// The generation now in service.
    pub generation: u64,
    /// The last position the rebuilt projections applied.
    pub upto: u64,
    /// The store's head when the rebuild ended; above `upto` after a rebuild to a past target,
    /// until the next catch-up carries the models on.
    pub head: u64,
    pub events_applied: u64,
    pub elapsed_ms: u64,
    pub events_per_second: u64,
    /// Older generations deleted after the swap.
    pub generations_removed: u32,
}

/// The read models as they stood at a past time, in a temporary directory removed on drop.
#[derive(Debug)]
pub struct AsOfSnapshot {
    rebuilt: Rebuilt,
    // Dropped after `rebuilt`, whose file lives in it.
    _dir: TempDir,
}

impl AsOfSnapshot {
    /// The last position recorded at or before the time asked for (0: none was).
    pub fn upto(&self) -> u64 {
        self.rebuilt.upto.0
    }

    pub fn reader(&self) -> Result<Connection, ReadModelsError> {
        Ok(self.rebuilt.reader()?)
    }
}

impl EmbeddedReadModels {
    /// Rebuilds beside the generation in service (which the runtime leaves untouched until the
    /// end), swaps the new one in, and deletes the old. `progress` hears after every batch.
    pub fn rebuild(
        &self,
        request: &RebuildRequest,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<RebuildSummary, ReadModelsError> {
        let (rebuilt_projections, scope) = match &request.projection {
            Some(name) => (vec![projection_named(name)?], RebuildScope::OnlyThese),
            None => (projections(), RebuildScope::Everything),
        };
        let names = rebuilt_projections.iter().map(|p| p.name().to_owned()).collect();
        let options = RebuildOptions {
            target: request.target,
            scope,
            runner: ProjectorOptions::for_rebuild(),
            predecoding: Some(ltc_projections::models::decode::PREDECODING),
        };
        let rebuilt =
            rebuild(self.store(), self.read_models(), rebuilt_projections, options, progress)?;
        self.read_models().swap_to(rebuilt.generation)?;
        let generations_removed = self.read_models().remove_stale()?;
        let elapsed_micros = rebuilt.elapsed.as_micros().max(1);
        Ok(RebuildSummary {
            projections: names,
            generation: rebuilt.generation.0,
            upto: rebuilt.upto.0,
            head: self.store().head().position,
            events_applied: rebuilt.events_applied,
            elapsed_ms: u64::try_from(rebuilt.elapsed.as_millis()).unwrap_or(u64::MAX),
            events_per_second: u64::try_from(
                u128::from(rebuilt.events_applied) * 1_000_000 / elapsed_micros,
            )
            .unwrap_or(u64::MAX),
            generations_removed,
        })
    }

    /// Builds `projections` from the log up to the last event recorded at or before `at`, in a
    /// temporary directory beside the store; the read models in service are not touched.
    pub fn as_of(
        &self,
        projections: Vec<Box<dyn Projection>>,
        at: DateTime<Utc>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<AsOfSnapshot, ReadModelsError> {
        rebuild_as_of(self.store(), &self.data, projections, at, progress)
    }
}

/// Builds `projections` from `store` up to the last event recorded at or before `at`, in a
/// temporary directory in `data`'s root (removed when the snapshot is dropped). Needs no lock:
/// it writes nothing another process reads.
pub fn rebuild_as_of(
    store: &EventStore,
    data: &DataDir,
    projections: Vec<Box<dyn Projection>>,
    at: DateTime<Utc>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<AsOfSnapshot, ReadModelsError> {
    let dir = tempfile::Builder::new().prefix(".as-of-").tempdir_in(data.root())?;
    let read_models = ReadModels::open(dir.path(), Arc::new(SystemClock))?;
    let options = RebuildOptions {
        target: RebuildTarget::RecordedAt(at),
        scope: RebuildScope::Everything,
        runner: ProjectorOptions::for_rebuild(),
        predecoding: Some(ltc_projections::models::decode::PREDECODING),
    };
    let rebuilt = rebuild(store, &read_models, projections, options, progress)?;
    Ok(AsOfSnapshot { rebuilt, _dir: dir })
}
