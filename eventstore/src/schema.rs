//! The SQLite schema and connection settings.
//!
//! The `events` table is the log. `commands` remembers each committed command id with its
//! outcome, which is what makes idempotency durable. Triggers abort any `UPDATE` or `DELETE` on
//! either, so a hand-written SQL statement cannot rewrite history by accident (a replacing
//! `INSERT` is caught by `verify` instead, see below); `snapshots` is a cache and may be
//! overwritten.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::OpenError;
use crate::store::Durability;

/// The WAL is copied back into the database (a checkpoint, with its own fsyncs) once it holds
/// this many pages. SQLite's default of 1,000 pages (4 MiB) meant a checkpoint every few hundred
/// appends under load, since each append dirties several index pages; 16,384 pages (64 MiB)
/// checkpoints a sixteenth as often, and a page rewritten many times in between is copied once.
const WAL_AUTOCHECKPOINT_PAGES: i64 = 16 * 1024;

/// Bumped whenever the DDL below changes; a file from a newer build is refused.
pub(crate) const SCHEMA_VERSION: i64 = 1;

const DDL: &str = "
CREATE TABLE IF NOT EXISTS events (
    position       INTEGER PRIMARY KEY,
    event_id       BLOB    NOT NULL,
    stream_kind    TEXT    NOT NULL,
    stream_id      BLOB    NOT NULL,
    version        INTEGER NOT NULL,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    occurred_at_us INTEGER NOT NULL,
    recorded_at_us INTEGER NOT NULL,
    command_id     BLOB    NOT NULL,
    correlation_id BLOB    NOT NULL,
    causation_id   BLOB,
    actor          TEXT    NOT NULL,
    tenant         TEXT    NOT NULL,
    codec          INTEGER NOT NULL,
    payload        BLOB    NOT NULL,
    hash           BLOB    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream ON events (stream_id, version);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_event_id ON events (event_id);

CREATE TABLE IF NOT EXISTS commands (
    command_id     BLOB    PRIMARY KEY,
    stream_kind    TEXT    NOT NULL,
    stream_id      BLOB    NOT NULL,
    first_version  INTEGER NOT NULL,
    last_version   INTEGER NOT NULL,
    first_position INTEGER NOT NULL,
    last_position  INTEGER NOT NULL,
    recorded_at_us INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS snapshots (
    stream_id      BLOB    PRIMARY KEY,
    stream_kind    TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    schema_hash    BLOB    NOT NULL,
    state          BLOB    NOT NULL,
    recorded_at_us INTEGER NOT NULL
);

CREATE TRIGGER IF NOT EXISTS events_are_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'ltc events are append-only: UPDATE is forbidden'); END;
CREATE TRIGGER IF NOT EXISTS events_are_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'ltc events are append-only: DELETE is forbidden'); END;
-- INSERT OR REPLACE deletes the rows it conflicts with without firing DELETE triggers (unless the
-- connection turns recursive_triggers on). A BEFORE INSERT guard against that measured 20-45% of
-- the writer's throughput (every insert then needs a statement journal), so there is none: such a
-- replacement shows up in `verify` instead, at the replaced position (see docs/adr/0003).
CREATE TRIGGER IF NOT EXISTS commands_are_append_only_update BEFORE UPDATE ON commands
BEGIN SELECT RAISE(ABORT, 'ltc commands are append-only: UPDATE is forbidden'); END;
CREATE TRIGGER IF NOT EXISTS commands_are_append_only_delete BEFORE DELETE ON commands
BEGIN SELECT RAISE(ABORT, 'ltc commands are append-only: DELETE is forbidden'); END;
";

/// Opens the writer's connection and creates or checks the schema.
pub(crate) fn open_writer(path: &Path, durability: Durability) -> Result<Connection, OpenError> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|source| OpenError::Directory { path: dir.display().to_string(), source })?;
    }
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // WAL lets readers work while the writer commits; FULL fsyncs the WAL on every commit.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    let synchronous = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", synchronous)?;
    conn.pragma_update(None, "cache_size", -64 * 1024)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
    keep_plans_stable(&conn)?;
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(OpenError::SchemaTooNew { found, supported: SCHEMA_VERSION });
    }
    conn.execute_batch(DDL)?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    Ok(conn)
}

/// Opens a connection for reading only: `query_only` makes any write through it an error.
pub(crate) fn open_reader(
    path: &Path,
    mmap_bytes: u64,
    cache_kib: u32,
) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "query_only", true)?;
    conn.pragma_update(None, "cache_size", -i64::from(cache_kib))?;
    conn.pragma_update(None, "mmap_size", i64::try_from(mmap_bytes).unwrap_or(i64::MAX))?;
    keep_plans_stable(&conn)?;
    Ok(conn)
}

/// Without the query planner stability guarantee, the bundled SQLite marks some `= ?` parameters
/// "re-prepare when bound", and since a cached statement's bindings are cleared when it returns
/// to rusqlite's cache, every call re-parsed and re-planned it: measured at 28% of the writer's
/// time and half of `read_stream`'s.
fn keep_plans_stable(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}
