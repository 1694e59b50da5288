//! Reading the log: rows to envelopes, a small pool of reader connections, and [`ReadAll`], which
//! pages through the log so memory stays bounded whatever its length.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use crate::chain::ChainHash;
use crate::codec::CodecId;
use crate::envelope::{AppendOutcome, Metadata, Position, RecordedEvent};
use crate::error::ReadError;
use crate::ids::{EventId, StreamId, StreamKind};
use crate::limits::READ_PAGE_EVENTS;
use crate::schema;

/// Reader connections kept open between reads; more may exist while many reads overlap.
const READERS_IDLE_MAX: usize = 8;

pub(crate) const EVENT_COLUMNS: &str = "position, event_id, stream_kind, stream_id, version, \
    event_type, schema_version, occurred_at_us, recorded_at_us, command_id, correlation_id, \
    causation_id, actor, tenant, codec, payload, hash";

#[derive(Debug)]
pub(crate) struct ReaderPool {
    path: PathBuf,
    mmap_bytes: u64,
    cache_kib: u32,
    idle: Mutex<Vec<Connection>>,
}

impl ReaderPool {
    pub(crate) fn new(path: PathBuf, mmap_bytes: u64, cache_kib: u32) -> ReaderPool {
        ReaderPool { path, mmap_bytes, cache_kib, idle: Mutex::new(Vec::new()) }
    }

    /// The store's file.
    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }

    pub(crate) fn with<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, ReadError>,
    ) -> Result<T, ReadError> {
        let pooled = self.idle.lock().expect("reader pool poisoned").pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => schema::open_reader(&self.path, self.mmap_bytes, self.cache_kib)?,
        };
        let result = read(&conn);
        let mut idle = self.idle.lock().expect("reader pool poisoned");
        if idle.len() < READERS_IDLE_MAX {
            idle.push(conn);
        }
        result
    }

    /// Up to `limit` events from position `from` on, in position order.
    pub(crate) fn read_page(
        &self,
        from: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, ReadError> {
        self.with(|conn| {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE position >= ?1 ORDER BY position LIMIT ?2"
            );
            let mut statement = conn.prepare_cached(&sql)?;
            let mut rows = statement.query(params![to_sql_int(from), to_sql_int(limit as u64)])?;
            // Grown as rows come, not reserved for a full page: most pages are a live reader's
            // few new events, and reserving 1,024 envelopes of a few hundred bytes each per
            // call was a tenth of the lead directory's catch-up in a profile of the command role.
            let mut page = Vec::new();
            while let Some(row) = rows.next()? {
                match row_to_event(row) {
                    Ok(event) => page.push(event),
                    // Hand out the good rows first, so the bad one is reported at its own
                    // position when the next page starts with it.
                    Err(ReadError::Corrupt { .. }) if !page.is_empty() => break,
                    Err(error) => return Err(error),
                }
            }
            Ok(page)
        })
    }

    pub(crate) fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<Vec<RecordedEvent>, ReadError> {
        self.with(|conn| {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events \
                 WHERE stream_id = ?1 AND version >= ?2 AND stream_kind = ?3 ORDER BY version"
            );
            let mut statement = conn.prepare_cached(&sql)?;
            let mut rows = statement.query(params![
                stream.id.as_bytes().as_slice(),
                to_sql_int(from_version.max(1)),
                stream.kind.as_str()
            ])?;
            let mut events: Vec<RecordedEvent> = Vec::new();
            while let Some(row) = rows.next()? {
                let event = row_to_event(row)?;
                // Versions were contiguous when written; check again after reading.
                let expected_version = events.last().map_or(from_version.max(1), |e| e.version + 1);
                if event.version != expected_version {
                    return Err(ReadError::Corrupt {
                        position: event.position.0,
                        reason: format!(
                            "version {} where {expected_version} was due",
                            event.version
                        ),
                    });
                }
                events.push(event);
            }
            Ok(events)
        })
    }

    pub(crate) fn stream_version(&self, stream: &StreamId) -> Result<u64, ReadError> {
        self.with(|conn| {
            // The kind is not in the (stream_id, version) index: compared here, only the last
            // entry's row is read rather than every row of the stream.
            let mut statement = conn.prepare_cached(
                "SELECT version, stream_kind FROM events WHERE stream_id = ?1 \
                 ORDER BY version DESC LIMIT 1",
            )?;
            let last = statement
                .query_row(params![stream.id.as_bytes().as_slice()], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
                })
                .optional()?;
            Ok(match last {
                Some((version, kind)) if kind == stream.kind.as_str() => from_sql_int(version),
                _ => 0,
            })
        })
    }
}

/// Every event from a position on, in position order, fetched a page at a time. Made by
/// [`crate::EventStore::read_all`]. After an error it yields nothing more.
#[derive(Debug)]
pub struct ReadAll {
    pool: Arc<ReaderPool>,
    next_position: u64,
    remaining: u64,
    pages: Pages,
    /// A row missing from the sequence is an error ([`ReadAll::new`]) or passed over for the
    /// caller to judge ([`ReadAll::raw`], for `verify`).
    holes_are_errors: bool,
}

impl ReadAll {
    pub(crate) fn new(pool: Arc<ReaderPool>, from: Position, limit: u64) -> ReadAll {
        ReadAll {
            pool,
            next_position: from.0.max(1),
            remaining: limit,
            pages: Pages::default(),
            holes_are_errors: true,
        }
    }

    /// Every row as stored, holes included, for `verify` to report.
    pub(crate) fn raw(pool: Arc<ReaderPool>) -> ReadAll {
        ReadAll { holes_are_errors: false, ..ReadAll::new(pool, Position::START, u64::MAX) }
    }
}

impl Iterator for ReadAll {
    type Item = Result<RecordedEvent, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let want = self.remaining.min(READ_PAGE_EVENTS as u64) as usize;
        let (pool, from) = (&self.pool, self.next_position);
        // A short page is not known to be the last (a bad row may have cut it short); asking
        // again from the next position is one seek on the primary key.
        let read = || pool.read_page(from, want).map(|page| (page, false));
        let event = match self.pages.next(read)? {
            Ok(event) => event,
            Err(error) => return Some(Err(error)),
        };
        if self.holes_are_errors && event.position.0 != self.next_position {
            // Positions are gap-free by construction; a hole means the file was altered.
            self.pages.finish();
            return Some(Err(ReadError::Corrupt {
                position: self.next_position,
                reason: format!("the row is missing; the next one is at {}", event.position),
            }));
        }
        self.next_position = event.position.0 + 1;
        self.remaining -= 1;
        Some(Ok(event))
    }
}

/// The last position in the file, 0 when it is empty: whoever committed it.
pub(crate) fn last_position(conn: &Connection) -> rusqlite::Result<u64> {
    let last: i64 = conn
        .prepare_cached("SELECT coalesce(max(position), 0) FROM events")?
        .query_row([], |row| row.get(0))?;
    Ok(from_sql_int(last))
}

/// Fails if a row is missing from `from` to `to` (or the head, if that comes first): a read that
/// filters inside SQLite never sees the rows it passes over, so it would otherwise leave a
/// deleted row out without a word (as `ReadAll` never does). From position 1 the whole table is
/// counted, which SQLite does page by page on the smallest index without stepping a row; from
/// further on (a process manager's next round, a few events) only the range's rows are counted.
/// Only when a count is short is the range walked to name the first missing position.
pub(crate) fn check_gap_free(conn: &Connection, from: u64, to: u64) -> Result<(), ReadError> {
    let from = from.max(1);
    let (rows, upper): (i64, i64) = if from == 1 {
        conn.prepare_cached("SELECT count(*), coalesce(max(position), 0) FROM events")?
            .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?
    } else {
        let upper = to_sql_int(last_position(conn)?).min(to_sql_int(to));
        let rows: i64 = conn
            .prepare_cached("SELECT count(*) FROM events WHERE position >= ?1 AND position <= ?2")?
            .query_row([to_sql_int(from), upper], |row| row.get(0))?;
        (rows, upper)
    };
    let first = to_sql_int(from);
    if upper < first || rows == upper - first + 1 {
        return Ok(());
    }
    let mut statement =
        conn.prepare_cached("SELECT position FROM events WHERE position >= ?1 ORDER BY position")?;
    let positions = statement.query_map([first], |row| row.get::<_, i64>(0))?;
    let mut expected = first;
    for position in positions {
        let position = position?;
        if position != expected {
            break;
        }
        expected += 1;
    }
    Err(ReadError::Corrupt {
        position: from_sql_int(expected),
        reason: format!("the row is missing ({rows} rows from position {first} to {upper})"),
    })
}

/// The page a paged read hands out one event at a time, refilled when used up. After an error
/// or an empty page (the end), or once told to finish, it hands out nothing more.
#[derive(Debug, Default)]
pub(crate) struct Pages {
    page: VecDeque<RecordedEvent>,
    /// The page in hand was shorter than asked: nothing follows it.
    last: bool,
    finished: bool,
}

impl Pages {
    /// The next event, reading the next page with `read` when this one is used up. `read` also
    /// says whether its page is known to be the last, so that no query is made to learn it.
    pub(crate) fn next(
        &mut self,
        read: impl FnOnce() -> Result<(Vec<RecordedEvent>, bool), ReadError>,
    ) -> Option<Result<RecordedEvent, ReadError>> {
        if self.page.is_empty() {
            if self.finished || self.last {
                self.finished = true;
                return None;
            }
            match read() {
                Ok((page, _)) if page.is_empty() => {
                    self.finished = true;
                    return None;
                }
                Ok((page, last)) => {
                    self.last = last;
                    self.page = page.into();
                }
                Err(error) => {
                    self.finished = true;
                    return Some(Err(error));
                }
            }
        }
        if self.finished {
            return None;
        }
        self.page.pop_front().map(Ok)
    }

    /// Hands out nothing more: the reader found the log is not what it claims.
    pub(crate) fn finish(&mut self) {
        self.finished = true;
    }
}

/// The outcome a committed command id had, marked `duplicate`: what a retry of it is told.
pub(crate) fn committed_command(
    conn: &Connection,
    command_id: uuid::Uuid,
) -> rusqlite::Result<Option<AppendOutcome>> {
    let mut statement = conn.prepare_cached(
        "SELECT stream_kind, stream_id, first_version, last_version, first_position, \
         last_position, recorded_at_us FROM commands WHERE command_id = ?1",
    )?;
    statement
        .query_row(params![command_id.as_bytes().as_slice()], |row| {
            let stream_id: Vec<u8> = row.get(1)?;
            let stream_id = uuid::Uuid::from_slice(&stream_id).map_err(|error| {
                rusqlite::Error::FromSqlConversionFailure(
                    1,
                    rusqlite::types::Type::Blob,
                    error.into(),
                )
            })?;
            let recorded_at_us: i64 = row.get(6)?;
            Ok(AppendOutcome {
                stream: StreamId { kind: StreamKind::from_stored(row.get(0)?), id: stream_id },
                first_version: from_sql_int(row.get(2)?),
                last_version: from_sql_int(row.get(3)?),
                first_position: Position(from_sql_int(row.get(4)?)),
                last_position: Position(from_sql_int(row.get(5)?)),
                recorded_at: chrono::DateTime::from_timestamp_micros(recorded_at_us)
                    .unwrap_or_default(),
                duplicate: true,
            })
        })
        .optional()
}

/// A row as an envelope. A column holding the wrong type or an out-of-range value is reported as
/// [`ReadError::Corrupt`] at the row's position: only the store writes rows, so such a value was
/// put there by hand.
pub(crate) fn row_to_event(row: &Row<'_>) -> Result<RecordedEvent, ReadError> {
    let position = from_sql_int(row.get::<_, i64>(0)?);
    decode_row(row, position).map_err(|error| match error {
        ReadError::Storage(
            error @ (rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::Utf8Error(..)),
        ) => ReadError::Corrupt { position, reason: error.to_string() },
        other => other,
    })
}

fn decode_row(row: &Row<'_>, position: u64) -> Result<RecordedEvent, ReadError> {
    let corrupt = |reason: &str| ReadError::Corrupt { position, reason: reason.to_owned() };
    let uuid_at = |index: usize, name: &str| -> Result<Uuid, ReadError> {
        let bytes = row.get_ref(index)?.as_blob().map_err(|_| corrupt(name))?;
        Uuid::from_slice(bytes).map_err(|_| corrupt(name))
    };
    let time_at = |index: usize, name: &str| -> Result<DateTime<Utc>, ReadError> {
        DateTime::from_timestamp_micros(row.get(index)?).ok_or_else(|| corrupt(name))
    };
    let causation_id =
        match row.get_ref(11)?.as_blob_or_null().map_err(|_| corrupt("causation_id"))? {
            Some(bytes) => Some(Uuid::from_slice(bytes).map_err(|_| corrupt("causation_id"))?),
            None => None,
        };
    let hash_bytes = row.get_ref(16)?.as_blob().map_err(|_| corrupt("hash is not a blob"))?;
    let hash: [u8; 32] = hash_bytes.try_into().map_err(|_| corrupt("hash is not 32 bytes"))?;
    Ok(RecordedEvent {
        position: Position(position),
        event_id: EventId(uuid_at(1, "event_id")?),
        stream: StreamId {
            kind: StreamKind::from_stored(row.get(2)?),
            id: uuid_at(3, "stream_id")?,
        },
        version: from_sql_int(row.get(4)?),
        event_type: row.get(5)?,
        schema_version: u32::try_from(row.get::<_, i64>(6)?)
            .map_err(|_| corrupt("schema_version"))?,
        occurred_at: time_at(7, "occurred_at")?,
        recorded_at: time_at(8, "recorded_at")?,
        metadata: Metadata {
            command_id: uuid_at(9, "command_id")?,
            correlation_id: uuid_at(10, "correlation_id")?,
            causation_id,
            actor: row.get(12)?,
            tenant: row.get(13)?,
        },
        codec: CodecId(u16::try_from(row.get::<_, i64>(14)?).map_err(|_| corrupt("codec"))?),
        payload: row.get(15)?,
        hash: ChainHash(hash),
    })
}

/// Positions and versions are `u64` in the API and `INTEGER` (i64) in SQLite. No stored value
/// reaches 2^63, so a larger bound from a caller means "beyond everything" and saturates.
pub(crate) fn to_sql_int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(crate) fn from_sql_int(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
