//! [`EventCounts`]: per stream kind, how many streams, events and payload bytes; per stream, its
//! length and last position. A read model of the log's shape that needs no domain type, so it
//! decodes nothing: operators' statistics, and the projection the runtime's tests and benchmark
//! drive.
//!
//! Every update here adds up or keeps the latest value, so a batch's events are folded in memory
//! ([`Projection::apply`]) and each touched row is written once per batch, in key order
//! ([`Projection::flush`]): a stream's row is found by its random id, and one write per event
//! went to a random leaf of that B-tree, while one sorted pass per batch walks the leaves in
//! order.

use foldhash::HashMap;

use ltc_eventstore::RecordedEvent;
use rusqlite::{Transaction, params};
use uuid::Uuid;

use crate::projection::{Projection, ProjectionError};

/// The projection. Between batches it holds no counts, only the kind names it has met and the
/// room its last batch needed.
#[derive(Debug, Default)]
pub struct EventCounts {
    /// Every stream kind met so far, so that a batch's counts name a kind by its index here
    /// rather than by a string of their own.
    kinds: Vec<String>,
    batch: BatchCounts,
}

/// What the events of the batch in hand add to the tables. Cleared, not dropped, after each
/// batch: a rebuild's batches are 64k events, and maps grown afresh for each one left the
/// allocator's heap ≈ 30 MB larger than the same maps reused.
#[derive(Debug, Default)]
struct BatchCounts {
    /// By index into `EventCounts::kinds`.
    by_kind: Vec<KindCounts>,
    by_stream: HashMap<Uuid, StreamCounts>,
    /// `by_stream` drained into key order, at the flush.
    sorted: Vec<(Uuid, StreamCounts)>,
}

impl BatchCounts {
    fn clear(&mut self) {
        self.by_kind.iter_mut().for_each(|counts| *counts = KindCounts::default());
        self.by_stream.clear();
        self.sorted.clear();
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct KindCounts {
    n_streams: i64,
    n_events: i64,
    payload_bytes: i64,
}

#[derive(Debug, Clone, Copy)]
struct StreamCounts {
    kind: usize,
    n_events: i64,
    /// The stream's latest event of the batch.
    last_version: i64,
    last_position: i64,
}

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

    /// Its share, in rounded per cent, of an all-models rebuild's work: the CPU seconds of this
    /// model rebuilt alone from the 1M-event log, less the cheapest model's (reading the log),
    /// on 2026-12-02 (BENCHMARKS.md, "Appended rows written 64 to a statement").
    fn rebuild_cost(&self) -> u32 {
        2
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
        _tx: &Transaction<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        let kind_name = event.stream.kind.as_str();
        let kind = match self.kinds.iter().position(|known| known == kind_name) {
            Some(kind) => kind,
            None => {
                self.kinds.push(kind_name.to_owned());
                self.kinds.len() - 1
            }
        };
        if self.batch.by_kind.len() < self.kinds.len() {
            self.batch.by_kind.resize(self.kinds.len(), KindCounts::default());
        }
        let by_kind = &mut self.batch.by_kind[kind];
        // Every stream's versions run 1..n in the log, so its first event counts the stream.
        by_kind.n_streams += i64::from(event.version == 1);
        by_kind.n_events += 1;
        by_kind.payload_bytes += event.payload.len() as i64;
        let version = i64::try_from(event.version).unwrap_or(i64::MAX);
        let position = i64::try_from(event.position.0).unwrap_or(i64::MAX);
        let by_stream = self.batch.by_stream.entry(event.stream.id).or_insert(StreamCounts {
            kind,
            n_events: 0,
            last_version: 0,
            last_position: 0,
        });
        // Events come in position order, so the last one seen is the stream's latest.
        by_stream.n_events += 1;
        by_stream.last_version = version;
        by_stream.last_position = position;
        Ok(())
    }

    fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let written = self.write_batch(tx);
        self.batch.clear();
        written
    }

    fn discard(&mut self) {
        self.batch.clear();
    }
}

impl EventCounts {
    fn write_batch(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let mut by_kind = tx.prepare_cached(
            "INSERT INTO event_counts_by_kind (stream_kind, n_streams, n_events, payload_bytes) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (stream_kind) DO UPDATE SET \
             n_streams = n_streams + ?2, n_events = n_events + ?3, \
             payload_bytes = payload_bytes + ?4",
        )?;
        let touched =
            self.batch.by_kind.iter().enumerate().filter(|(_, counts)| counts.n_events > 0);
        for (kind, counts) in touched {
            let kind = &self.kinds[kind];
            by_kind.execute(params![
                kind,
                counts.n_streams,
                counts.n_events,
                counts.payload_bytes
            ])?;
        }
        let mut by_stream = tx.prepare_cached(
            "INSERT INTO event_counts_by_stream \
             (stream_id, stream_kind, n_events, last_version, last_position) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (stream_id) DO UPDATE SET \
             n_events = n_events + ?3, last_version = ?4, last_position = ?5",
        )?;
        // In the key's order (a BLOB compares as its bytes, as a UUID orders), so the writes
        // walk the stream B-tree's leaves once, left to right.
        let batch = &mut self.batch;
        batch.sorted.extend(batch.by_stream.drain());
        batch.sorted.sort_unstable_by_key(|(id, _)| *id);
        for (id, counts) in &batch.sorted {
            by_stream.execute(params![
                id.as_bytes().as_slice(),
                self.kinds[counts.kind],
                counts.n_events,
                counts.last_version,
                counts.last_position
            ])?;
        }
        Ok(())
    }
}
