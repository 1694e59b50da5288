//! Snapshots: an optional cache of an aggregate's state at a version, so a long stream need not
//! be replayed from version 1. A snapshot is only ever a shortcut: deleting every snapshot changes
//! no answer, only the time to reach it.
//!
//! Each snapshot carries the hash of the state's schema it was encoded with. A reader passes the
//! hash of the schema it understands; a snapshot with another hash is ignored, never decoded, so
//! a changed state type cannot misread old bytes.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::ReadError;
use crate::ids::StreamId;
use crate::read::{from_sql_int, to_sql_int};

/// Identifies the shape of a state type, for example BLAKE3 of its type name and fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SchemaHash(pub [u8; 32]);

impl SchemaHash {
    /// The hash of a schema description, such as `"OpportunityState v3: stage,amount_minor,…"`.
    pub fn of(description: &str) -> SchemaHash {
        SchemaHash(*blake3::hash(description.as_bytes()).as_bytes())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub stream: StreamId,
    /// The stream version the state includes: replay continues at `version + 1`.
    pub version: u64,
    pub schema_hash: SchemaHash,
    pub state: Vec<u8>,
}

pub(crate) fn load(
    conn: &Connection,
    stream: &StreamId,
    schema_hash: SchemaHash,
) -> Result<Option<Snapshot>, ReadError> {
    let mut statement = conn.prepare_cached(
        "SELECT version, schema_hash, state FROM snapshots WHERE stream_id = ?1 AND stream_kind = ?2",
    )?;
    let found = statement
        .query_row(params![stream.id.as_bytes().as_slice(), stream.kind.as_str()], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?, row.get::<_, Vec<u8>>(2)?))
        })
        .optional()?;
    let Some((version, stored_hash, state)) = found else { return Ok(None) };
    if stored_hash.as_slice() != schema_hash.0.as_slice() {
        return Ok(None);
    }
    Ok(Some(Snapshot {
        stream: stream.clone(),
        version: from_sql_int(version),
        schema_hash,
        state,
    }))
}

/// Writes inside the writer's transaction. An older snapshot never replaces a newer one.
pub(crate) fn save(
    conn: &Connection,
    snapshot: &Snapshot,
    recorded_at_us: i64,
) -> rusqlite::Result<()> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO snapshots (stream_id, stream_kind, version, schema_hash, state, recorded_at_us) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, \
             schema_hash = excluded.schema_hash, state = excluded.state, \
             recorded_at_us = excluded.recorded_at_us \
         WHERE excluded.version >= snapshots.version OR excluded.schema_hash != snapshots.schema_hash",
    )?;
    statement.execute(params![
        snapshot.stream.id.as_bytes().as_slice(),
        snapshot.stream.kind.as_str(),
        to_sql_int(snapshot.version),
        snapshot.schema_hash.0.as_slice(),
        snapshot.state,
        recorded_at_us
    ])?;
    Ok(())
}
