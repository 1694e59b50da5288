//! A projection as the runner holds it: the projection, its checkpoint in memory, and the set-up
//! that makes its tables and checkpoint row exist before the first batch.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::checkpoint;
use crate::error::ProjectorError;
use crate::limits::{PROJECTION_NAME_BYTES_MAX, PROJECTIONS_MAX};
use crate::projection::Projection;

pub(crate) struct Slot {
    pub(crate) projection: Box<dyn Projection>,
    /// The last applied position, as committed or as this batch will commit it.
    pub(crate) checkpoint: u64,
    pub(crate) event_recorded_us: Option<i64>,
    /// The checkpoint moved in this batch and must be written before the commit.
    pub(crate) dirty: bool,
    /// `checkpoint` and `event_recorded_us` as last committed: what a rolled-back batch
    /// returns to.
    pub(crate) committed: (u64, Option<i64>),
}

impl Slot {
    pub(crate) fn committed(&mut self) {
        self.committed = (self.checkpoint, self.event_recorded_us);
        self.dirty = false;
    }

    pub(crate) fn roll_back(&mut self) {
        (self.checkpoint, self.event_recorded_us) = self.committed;
        self.dirty = false;
        self.projection.discard();
    }
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("projection", &self.projection.name())
            .field("checkpoint", &self.checkpoint)
            .field("dirty", &self.dirty)
            .finish()
    }
}

/// Checks the set's names and size: a wrong set is refused before anything is written.
pub(crate) fn slots_for(
    projections: Vec<Box<dyn Projection>>,
) -> Result<Vec<Slot>, ProjectorError> {
    if projections.is_empty() || projections.len() > PROJECTIONS_MAX {
        return Err(ProjectorError::InvalidSet(format!(
            "{} projections; a runner drives 1 to {PROJECTIONS_MAX}",
            projections.len()
        )));
    }
    let mut names = BTreeSet::new();
    for projection in &projections {
        let name = projection.name();
        let valid = !name.is_empty()
            && name.len() <= PROJECTION_NAME_BYTES_MAX
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(ProjectorError::InvalidSet(format!(
                "projection name {name:?}: use 1 to {PROJECTION_NAME_BYTES_MAX} of a-z, 0-9 and _"
            )));
        }
        if !names.insert(name) {
            return Err(ProjectorError::InvalidSet(format!("two projections are named {name}")));
        }
    }
    Ok(projections
        .into_iter()
        .map(|projection| Slot {
            projection,
            checkpoint: 0,
            event_recorded_us: None,
            dirty: false,
            committed: (0, None),
        })
        .collect())
}

/// Loads each projection's checkpoint from `conn`; a projection without one is migrated and
/// starts at 0. A stored schema version other than the projection's is refused.
pub(crate) fn prepare(
    conn: &Connection,
    slots: &mut [Slot],
    now: DateTime<Utc>,
) -> Result<(), ProjectorError> {
    for slot in slots.iter_mut() {
        let name = slot.projection.name();
        let current = slot.projection.schema_version();
        match checkpoint::load(conn, name)? {
            Some(stored) if stored.schema_version != current => {
                return Err(ProjectorError::SchemaChanged {
                    projection: name,
                    stored: stored.schema_version,
                    current,
                });
            }
            Some(stored) => {
                slot.checkpoint = stored.position;
                slot.event_recorded_us = stored.event_recorded_at.map(|at| at.timestamp_micros());
            }
            None => {
                migrate(conn, slot.projection.as_ref(), now)?;
                slot.checkpoint = 0;
                slot.event_recorded_us = None;
            }
        }
        slot.committed();
    }
    Ok(())
}

/// Creates a projection's tables and its checkpoint row at 0 in one transaction. Tables of its
/// declared names that exist without a checkpoint are left-overs of an earlier projection of
/// that name (the checkpoint row is what makes them valid), so they are dropped first.
fn migrate(
    conn: &Connection,
    projection: &dyn Projection,
    now: DateTime<Utc>,
) -> Result<(), ProjectorError> {
    let name = projection.name();
    let fail = |reason: String| ProjectorError::Migrate { projection: name, reason };
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    drop_tables(&tx, projection.tables())?;
    let before = table_names(&tx)?;
    projection.migrate(&tx).map_err(|error| fail(error.to_string()))?;
    let after = table_names(&tx)?;
    let declared: BTreeSet<&str> = projection.tables().iter().copied().collect();
    if let Some(undeclared) = after.difference(&before).find(|t| !declared.contains(t.as_str())) {
        return Err(fail(format!("it created {undeclared}, which tables() does not name")));
    }
    if let Some(missing) = declared.iter().find(|t| !after.contains(**t)) {
        return Err(fail(format!("tables() names {missing}, which it did not create")));
    }
    checkpoint::store(&tx, name, projection.schema_version(), 0, None, now)?;
    tx.commit()?;
    Ok(())
}

/// Drops a projection's declared tables, with their indexes and triggers, and its views.
pub(crate) fn drop_tables(conn: &Connection, tables: &[&str]) -> rusqlite::Result<()> {
    for name in tables {
        let kind: Option<String> = conn
            .query_row("SELECT type FROM sqlite_master WHERE name = ?1", [name], |row| row.get(0))
            .optional()?;
        let quoted = name.replace('"', "\"\"");
        match kind.as_deref() {
            Some("view") => conn.execute_batch(&format!("DROP VIEW \"{quoted}\""))?,
            Some("table") => conn.execute_batch(&format!("DROP TABLE \"{quoted}\""))?,
            _ => {}
        }
    }
    Ok(())
}

/// The tables and views: what `tables()` may name.
fn table_names(conn: &Connection) -> rusqlite::Result<BTreeSet<String>> {
    let mut statement =
        conn.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")?;
    let names = statement.query_map([], |row| row.get(0))?;
    names.collect()
}
