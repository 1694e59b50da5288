//! The SQLite schema and connection settings.
//!
//! The `events` table is the log. `commands` remembers each committed command id with its
//! outcome, which is what makes idempotency durable. Triggers abort any `UPDATE`, `DELETE` or
//! replacing `INSERT` on either, so even a hand-written SQL statement cannot rewrite history;
//! `snapshots` is a cache and may be overwritten.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::OpenError;
use crate::store::Durability;

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
-- INSERT OR REPLACE deletes the rows it conflicts with without firing DELETE triggers (unless a
-- connection turns recursive_triggers on), so a replacing insert is refused before it happens.
-- The store's own inserts never conflict; the event_id message is what the writer recognises as
-- a duplicate event id.
CREATE TRIGGER IF NOT EXISTS events_are_append_only_replace_position BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE position = NEW.position)
BEGIN SELECT RAISE(ABORT, 'ltc events are append-only: position is taken'); END;
CREATE TRIGGER IF NOT EXISTS events_are_append_only_replace_event_id BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE event_id = NEW.event_id)
BEGIN SELECT RAISE(ABORT, 'ltc events are append-only: event_id is already in the log'); END;
CREATE TRIGGER IF NOT EXISTS events_are_append_only_replace_version BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE stream_id = NEW.stream_id AND version = NEW.version)
BEGIN SELECT RAISE(ABORT, 'ltc events are append-only: stream version is taken'); END;
CREATE TRIGGER IF NOT EXISTS commands_are_append_only_replace BEFORE INSERT ON commands
WHEN EXISTS (SELECT 1 FROM commands WHERE command_id = NEW.command_id)
BEGIN SELECT RAISE(ABORT, 'ltc commands are append-only: command_id is taken'); END;
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
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(OpenError::SchemaTooNew { found, supported: SCHEMA_VERSION });
    }
    conn.execute_batch(DDL)?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    Ok(conn)
}

/// Opens a connection for reading only: `query_only` makes any write through it an error.
pub(crate) fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "query_only", true)?;
    conn.pragma_update(None, "cache_size", -16 * 1024)?;
    Ok(conn)
}
