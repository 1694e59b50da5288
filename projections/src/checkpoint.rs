//! The `projection_checkpoints` table and the connection settings of a read-model database.
//!
//! A checkpoint row says how far one projection has applied the log: the position of the last
//! event it applied, that event's recorded time (so "as of when" is answerable), the projection's
//! schema version, and when the row was last written. The runner writes it in the same
//! transaction as the updates it stands for.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

/// Pages the WAL of a live writer holds before SQLite copies it back into the database, unless
/// the runner says otherwise ([`crate::ProjectorOptions::wal_checkpoint_pages`], which explains
/// the value).
pub(crate) const WAL_AUTOCHECKPOINT_PAGES: u32 = crate::projector::LIVE_WAL_CHECKPOINT_PAGES;

/// Prepared statements the writer connection keeps. Every projection prepares its statements
/// through `prepare_cached` on the one writer connection the runner shares among them all
/// (customer360 alone uses about 35), and rusqlite's default of 16 would evict and re-prepare
/// statements on nearly every event when all models run together.
const STATEMENT_CACHE_CAPACITY: usize = 256;

const DDL: &str = "
CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name              TEXT    PRIMARY KEY,
    schema_version    INTEGER NOT NULL,
    position          INTEGER NOT NULL,
    event_recorded_us INTEGER,
    updated_at_us     INTEGER NOT NULL
) WITHOUT ROWID;
";

/// How far one projection has applied the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub name: String,
    pub schema_version: u32,
    /// The last applied event's position; 0 before the first.
    pub position: u64,
    /// The last applied event's `recorded_at`: the read model shows the log as of this time.
    pub event_recorded_at: Option<DateTime<Utc>>,
    /// When the runner last wrote this row (its clock).
    pub updated_at: DateTime<Utc>,
}

/// How a connection writes: with what durability, and for whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteMode {
    /// WAL with `synchronous=NORMAL`: a commit survives a process crash; a power cut may lose
    /// the last commits, which the runner then re-applies from the event store, because the
    /// checkpoint is lost with them. Readers read beside the writer.
    Live,
    /// A rebuild writing a generation nobody reads yet: no journal, no fsync, an exclusive lock
    /// and a larger page cache. [`make_durable`] turns it into a live file (WAL, synced) once,
    /// before the swap.
    ///
    /// Why no journal is safe here: a journal exists to undo a transaction that did not finish.
    /// A rebuild that fails or crashes midway leaves a generation that is never swapped in (the
    /// rebuild removes it on error, [`crate::ReadModels::open`] after a crash), so nothing ever
    /// reads what an unfinished transaction left. No projection recovers from a failed statement
    /// and goes on (an error ends the batch, and so the rebuild). Without a journal, SQLite
    /// writes each changed page once, into the database file, where WAL writes it twice (to the
    /// WAL, then back at a checkpoint) and keeps a statement journal of pages a multi-row
    /// statement touches.
    Rebuild,
}

/// Pages of cache (in KiB when negative, as SQLite takes it) of a live writer: small, because a
/// live batch touches few pages and the connection lives as long as the service.
const CACHE_KIB_LIVE: i64 = 32 * 1024;

/// The cache of a rebuild's writer. A rebuild runs two writers (`rebuild.rs`), so this counts
/// twice against the 200 MB a 5M-event rebuild may take, beside the rows the models keep in
/// memory across batches (`models::batch_rows`), which grow with the log. A page evicted from
/// the cache is a `pread` from the kernel's page cache the next time an event needs it, and that
/// costs nothing measurable: at 5M events a cache of 3 GB per writer, which never evicts, was no
/// faster than 24 MiB, and 8 MiB was as fast as 24 MiB with 35 MB less peak RSS (144.6–154.2 MB
/// against 181–190 MB; BENCHMARKS.md, "What the 10 s would take"). The kernel's time grows a
/// little as the cache shrinks (1M events: 2.1 s at 24 MiB, 2.2 s at 8, 2.3 s at 4).
const CACHE_KIB_REBUILD: i64 = 8 * 1024;

/// Opens a read-write connection to a read-model file (creating it) with the checkpoint table.
pub(crate) fn open_writer(path: &Path, mode: WriteMode) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    match mode {
        WriteMode::Live => {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.pragma_update(None, "cache_size", -CACHE_KIB_LIVE)?;
            conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
        }
        WriteMode::Rebuild => {
            conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
            conn.pragma_update(None, "journal_mode", "OFF")?;
            conn.pragma_update(None, "synchronous", "OFF")?;
            conn.pragma_update(None, "cache_size", -CACHE_KIB_REBUILD)?;
        }
    }
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.execute_batch(DDL)?;
    Ok(conn)
}

/// Makes a rebuilt file what a live writer and readers expect, durably: back to normal locking
/// and WAL, and every page written so far synced to disk. The connection is then done; the
/// caller drops it.
pub(crate) fn make_durable(conn: &Connection, path: &Path) -> rusqlite::Result<()> {
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "locking_mode", "NORMAL")?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    // Written with synchronous=OFF, the pages may still sit in the kernel's cache; an fsync of
    // any descriptor of the file flushes them all.
    std::fs::File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(|error| sync_failed(path, error))
}

/// A failed fsync of a read-model file, as SQLite would report its own.
pub(crate) fn sync_failed(path: &Path, error: std::io::Error) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_IOERR_FSYNC),
        Some(format!("syncing {}: {error}", path.display())),
    )
}

/// Opens a connection that can only read: what dashboards and queries use.
pub(crate) fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

pub(crate) fn load_all(conn: &Connection) -> rusqlite::Result<Vec<Checkpoint>> {
    let mut statement = conn.prepare(
        "SELECT name, schema_version, position, event_recorded_us, updated_at_us \
         FROM projection_checkpoints ORDER BY name",
    )?;
    let rows = statement.query_map([], row_to_checkpoint)?;
    rows.collect()
}

pub(crate) fn load(conn: &Connection, name: &str) -> rusqlite::Result<Option<Checkpoint>> {
    conn.query_row(
        "SELECT name, schema_version, position, event_recorded_us, updated_at_us \
         FROM projection_checkpoints WHERE name = ?1",
        params![name],
        row_to_checkpoint,
    )
    .optional()
}

/// Writes a projection's checkpoint; inside the batch's transaction.
pub(crate) fn store(
    conn: &Connection,
    name: &str,
    schema_version: u32,
    position: u64,
    event_recorded_us: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO projection_checkpoints \
         (name, schema_version, position, event_recorded_us, updated_at_us) \
         VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (name) DO UPDATE SET schema_version = ?2, position = ?3, \
         event_recorded_us = ?4, updated_at_us = ?5",
    )?;
    statement.execute(params![
        name,
        schema_version,
        to_sql_int(position),
        event_recorded_us,
        now.timestamp_micros()
    ])?;
    Ok(())
}

/// Forgets a projection's checkpoint, so the next runner migrates it afresh (a rebuild of it
/// alone, in a copy).
pub(crate) fn forget(conn: &Connection, name: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM projection_checkpoints WHERE name = ?1", params![name])?;
    Ok(())
}

fn row_to_checkpoint(row: &rusqlite::Row<'_>) -> rusqlite::Result<Checkpoint> {
    let micros = |value: i64| DateTime::from_timestamp_micros(value).unwrap_or_default();
    Ok(Checkpoint {
        name: row.get(0)?,
        schema_version: row.get(1)?,
        position: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
        event_recorded_at: row.get::<_, Option<i64>>(3)?.map(micros),
        updated_at: micros(row.get(4)?),
    })
}

/// Positions are `u64` in the API and `INTEGER` (i64) in SQLite; none reaches 2^63.
pub(crate) fn to_sql_int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
