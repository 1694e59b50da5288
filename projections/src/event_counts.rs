//! [`EventCounts`]: per stream kind, how many streams, events and payload bytes; per stream, its
//! length and last position. A read model of the log's shape that needs no domain type, so it
//! decodes nothing: operators' statistics, and the projection the runtime's tests and benchmark
//! drive.

use ltc_eventstore::RecordedEvent;
use rusqlite::{Transaction, params};

use crate::projection::{Projection, ProjectionError};

#[derive(Debug, Default)]
pub struct EventCounts;

impl EventCounts {
    pub const NAME: &'static str = "event_counts";
    pub const TABLES: &'static [&'static str] = &["event_counts_by_kind", "event_counts_by_stream"];
}

impl Projection for EventCounts {
    fn name(&self) -> &'static str {
        EventCounts::NAME
    }

    /// 2: `event_counts_by_kind.n_streams`, so that counting a kind's streams is a row read, not a
    /// scan of every stream (the query was polled every 2 ms by `ltc load --lag`).
    fn schema_version(&self) -> u32 {
        2
    }

    fn tables(&self) -> &'static [&'static str] {
        EventCounts::TABLES
    }

    /// Per cent of an all-models rebuild's time (profile of the medium history, BENCHMARKS.md).
    fn rebuild_cost(&self) -> u32 {
        6
    }

    fn migrate(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        tx.execute_batch(
            "CREATE TABLE event_counts_by_kind (
                stream_kind   TEXT    PRIMARY KEY,
                n_streams     INTEGER NOT NULL,
                n_events      INTEGER NOT NULL,
                payload_bytes INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE event_counts_by_stream (
                stream_id     BLOB    PRIMARY KEY,
                stream_kind   TEXT    NOT NULL,
                n_events      INTEGER NOT NULL,
                last_version  INTEGER NOT NULL,
                last_position INTEGER NOT NULL
            ) WITHOUT ROWID;",
        )?;
        Ok(())
    }

    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        let kind = event.stream.kind.as_str();
        let payload_bytes = event.payload.len() as i64;
        // Every stream's versions run 1..n in the log, so its first event counts the stream.
        let new_stream = i64::from(event.version == 1);
        let mut by_kind = tx.prepare_cached(
            "INSERT INTO event_counts_by_kind (stream_kind, n_streams, n_events, payload_bytes) \
             VALUES (?1, ?3, 1, ?2) ON CONFLICT (stream_kind) DO UPDATE SET \
             n_streams = n_streams + ?3, n_events = n_events + 1, \
             payload_bytes = payload_bytes + ?2",
        )?;
        by_kind.execute(params![kind, payload_bytes, new_stream])?;
        let version = i64::try_from(event.version).unwrap_or(i64::MAX);
        let position = i64::try_from(event.position.0).unwrap_or(i64::MAX);
        let mut by_stream = tx.prepare_cached(
            "INSERT INTO event_counts_by_stream \
             (stream_id, stream_kind, n_events, last_version, last_position) \
             VALUES (?1, ?2, 1, ?3, ?4) ON CONFLICT (stream_id) DO UPDATE SET \
             n_events = n_events + 1, last_version = ?3, last_position = ?4",
        )?;
        by_stream.execute(params![
            event.stream.id.as_bytes().as_slice(),
            kind,
            version,
            position
        ])?;
        Ok(())
    }
}
