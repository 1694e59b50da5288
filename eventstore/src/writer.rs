//! The one writer. SQLite allows one writer at a time, and a second writer connection only adds
//! lock waits, so every append in the process goes through this thread.
//!
//! Group commit: the thread takes whatever is queued (up to [`BATCH_EVENTS_MAX`] events) and
//! writes it as one transaction, so one fsync covers the whole batch. Everything that can reject
//! one append (its command id, its stream's version and kind, its event ids) is checked before
//! that append writes a row, so a rejected append writes nothing and the rest of the batch
//! commits. An insert that fails after those checks is an I/O failure: the whole batch is rolled
//! back and every caller in it told so (a retry with the same command id is safe). Per-append
//! savepoints would also isolate appends, but they copy every page they touch into a
//! sub-journal, which measured as a large share of the writer's time. Callers are answered only
//! after `COMMIT` returned, that is after the fsync under `synchronous=FULL`.
//!
//! Positions are assigned here, inside the write transaction, from the head read in that same
//! transaction. Since one transaction commits at a time and positions are consecutive within
//! it, positions are gap-free and in commit order, even if another process writes the file too.

use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::{mpsc, oneshot};

use crate::chain::{ChainHash, ChainedFields, GENESIS_HASH, chain_hash};
use crate::clock::Clock;
use crate::envelope::{AppendOutcome, AppendRequest, Head, Position};
use crate::error::{AppendError, SnapshotError};
use crate::ids::StreamId;
use crate::limits::BATCH_EVENTS_MAX;
use crate::read::{from_sql_int, to_sql_int};
use crate::signal::HeadSignal;
use crate::snapshot::{self, Snapshot};

pub(crate) enum WriteRequest {
    Append { request: AppendRequest, reply: oneshot::Sender<Result<AppendOutcome, AppendError>> },
    Snapshot { snapshot: Snapshot, reply: oneshot::Sender<Result<(), SnapshotError>> },
}

impl WriteRequest {
    fn n_events(&self) -> usize {
        match self {
            WriteRequest::Append { request, .. } => request.events.len(),
            WriteRequest::Snapshot { .. } => 1,
        }
    }
}

enum Outcome {
    Append(Result<AppendOutcome, AppendError>),
    Snapshot(Result<(), SnapshotError>),
}

pub(crate) struct Writer {
    pub(crate) conn: Connection,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) signal: Arc<HeadSignal>,
    /// 1 turns group commit off: every append is its own transaction and fsync.
    pub(crate) batch_requests_max: usize,
}

/// Tells the head signal the writer has stopped when dropped, however the writer ends.
struct SignalStopOnExit(Arc<HeadSignal>);

impl Drop for SignalStopOnExit {
    fn drop(&mut self) {
        self.0.writer_stopped();
    }
}

/// What the checks before writing concluded about an append.
enum Checked {
    /// The command id was committed before: answer with the original outcome.
    AlreadyCommitted(AppendOutcome),
    /// The append may not be written; it writes nothing and its batch goes on.
    Rejected(AppendError),
    /// Write the events after this version.
    Proceed { stream_version: u64 },
}

/// The last row as seen inside the current transaction.
struct TxHead {
    position: u64,
    hash: ChainHash,
    recorded_at_us: i64,
}

impl Writer {
    pub(crate) fn run(mut self, mut queue: mpsc::Receiver<WriteRequest>) {
        // Also on a panic: subscriptions must learn that nothing more will be signalled.
        let _stop_signal = SignalStopOnExit(self.signal.clone());
        let mut batch = Vec::new();
        while let Some(first) = queue.blocking_recv() {
            let mut n_events = first.n_events();
            batch.push(first);
            while batch.len() < self.batch_requests_max && n_events < BATCH_EVENTS_MAX {
                let Ok(next) = queue.try_recv() else { break };
                n_events += next.n_events();
                batch.push(next);
            }
            self.commit_batch(&mut batch);
        }
    }

    fn commit_batch(&mut self, batch: &mut Vec<WriteRequest>) {
        let written = self.write_batch(batch);
        let outcomes = match written {
            Ok((head, outcomes)) => {
                self.signal.publish(Head { position: head.position, hash: head.hash });
                outcomes
            }
            Err(error) => {
                if !self.conn.is_autocommit() {
                    // A failed rollback leaves the connection unusable; stopping is safer than
                    // writing on in an unknown state.
                    self.conn.execute_batch("ROLLBACK").expect("rollback after a failed batch");
                }
                let error = Arc::new(error);
                batch
                    .iter()
                    .map(|request| match request {
                        WriteRequest::Append { .. } => {
                            Outcome::Append(Err(AppendError::Storage(error.clone())))
                        }
                        WriteRequest::Snapshot { .. } => {
                            Outcome::Snapshot(Err(SnapshotError::Storage(error.clone())))
                        }
                    })
                    .collect()
            }
        };
        for (request, outcome) in batch.drain(..).zip(outcomes) {
            // A caller that gave up waiting has dropped its receiver; its append still stands.
            match (request, outcome) {
                (WriteRequest::Append { reply, .. }, Outcome::Append(result)) => {
                    let _ = reply.send(result);
                }
                (WriteRequest::Snapshot { reply, .. }, Outcome::Snapshot(result)) => {
                    let _ = reply.send(result);
                }
                _ => unreachable!("outcomes are produced in request order, one per request"),
            }
        }
    }

    fn write_batch(&mut self, batch: &[WriteRequest]) -> rusqlite::Result<(TxHead, Vec<Outcome>)> {
        self.conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        let mut head = self.read_head()?;
        // Recorded time never goes backwards along positions, even if the wall clock does, so
        // "what had been recorded by time T" is a prefix of the log.
        let recorded_at_us = self.clock.now().timestamp_micros().max(head.recorded_at_us);
        let mut outcomes = Vec::with_capacity(batch.len());
        for request in batch {
            let outcome = match request {
                WriteRequest::Append { request, .. } => {
                    Outcome::Append(self.append(request, &mut head, recorded_at_us)?)
                }
                WriteRequest::Snapshot { snapshot, .. } => {
                    Outcome::Snapshot(self.save_snapshot(snapshot, recorded_at_us)?)
                }
            };
            // Every storage error is returned above; this catches SQLite having ended the
            // transaction some other way, before anything is written outside it.
            if self.conn.is_autocommit() {
                return Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
                    Some("SQLite ended the batch's transaction early".into()),
                ));
            }
            outcomes.push(outcome);
        }
        self.conn.prepare_cached("COMMIT")?.execute([])?;
        Ok((head, outcomes))
    }

    fn read_head(&self) -> rusqlite::Result<TxHead> {
        let mut statement = self.conn.prepare_cached(
            "SELECT position, hash, recorded_at_us FROM events ORDER BY position DESC LIMIT 1",
        )?;
        let last = statement
            .query_row([], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?, row.get::<_, i64>(2)?))
            })
            .optional()?;
        let Some((position, hash, recorded_at_us)) = last else {
            return Ok(TxHead { position: 0, hash: GENESIS_HASH, recorded_at_us: i64::MIN });
        };
        let hash: [u8; 32] = hash.try_into().map_err(|_| {
            rusqlite::Error::FromSqlConversionFailure(
                1,
                rusqlite::types::Type::Blob,
                format!("the hash of the last row (position {position}) is not 32 bytes").into(),
            )
        })?;
        if chrono::DateTime::from_timestamp_micros(recorded_at_us).is_none() {
            return Err(rusqlite::Error::FromSqlConversionFailure(
                2,
                rusqlite::types::Type::Integer,
                format!("the last row's recorded_at_us ({recorded_at_us}) is not a valid time")
                    .into(),
            ));
        }
        Ok(TxHead { position: from_sql_int(position), hash: ChainHash(hash), recorded_at_us })
    }

    /// The inner result is this append's own outcome. The outer error is a failure after the
    /// checks passed, with some of this append's rows possibly written: the batch is rolled back.
    fn append(
        &self,
        request: &AppendRequest,
        head: &mut TxHead,
        recorded_at_us: i64,
    ) -> rusqlite::Result<Result<AppendOutcome, AppendError>> {
        let stream_version = match self.check(request)? {
            Checked::Proceed { stream_version } => stream_version,
            Checked::AlreadyCommitted(original) => return Ok(Ok(original)),
            Checked::Rejected(rejection) => return Ok(Err(rejection)),
        };
        let (outcome, new_head) = self.insert(request, head, stream_version, recorded_at_us)?;
        *head = new_head;
        Ok(Ok(outcome))
    }

    /// Everything decided before writing. A storage error here fails the whole batch: SQLite
    /// may already have rolled the transaction back (a full disk, an I/O error), and the batch
    /// must not go on writing in autocommit mode.
    fn check(&self, request: &AppendRequest) -> rusqlite::Result<Checked> {
        // Idempotency comes first: a retry of a committed command must get its original outcome,
        // not a conflict with the version that command itself produced.
        if let Some(original) = self.committed_command(request.metadata.command_id)? {
            if original.stream != request.stream {
                return Ok(Checked::Rejected(AppendError::CommandIdReused {
                    command_id: request.metadata.command_id,
                    original_stream: original.stream,
                }));
            }
            return Ok(Checked::AlreadyCommitted(original));
        }
        let (actual, existing_kind) = self.stream_version(&request.stream)?;
        if let Some(existing_kind) =
            existing_kind.filter(|kind| kind != request.stream.kind.as_str())
        {
            return Ok(Checked::Rejected(AppendError::StreamKindMismatch {
                stream: request.stream.clone(),
                existing_kind,
            }));
        }
        if !request.expected.admits(actual) {
            return Ok(Checked::Rejected(AppendError::Conflict {
                stream: request.stream.clone(),
                expected: request.expected,
                actual,
            }));
        }
        // Repeats within the request were refused before it reached the writer.
        let mut event_id_taken =
            self.conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM events WHERE event_id = ?1)")?;
        for event in &request.events {
            if event_id_taken
                .query_row([event.event_id.0.as_bytes().as_slice()], |row| row.get(0))?
            {
                return Ok(Checked::Rejected(AppendError::DuplicateEventId(event.event_id)));
            }
        }
        Ok(Checked::Proceed { stream_version: actual })
    }

    fn insert(
        &self,
        request: &AppendRequest,
        head: &TxHead,
        stream_version: u64,
        recorded_at_us: i64,
    ) -> rusqlite::Result<(AppendOutcome, TxHead)> {
        let mut insert_event = self.conn.prepare_cached(
            "INSERT INTO events (position, event_id, stream_kind, stream_id, version, event_type, \
             schema_version, occurred_at_us, recorded_at_us, command_id, correlation_id, \
             causation_id, actor, tenant, codec, payload, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?;
        let metadata = &request.metadata;
        let mut position = head.position;
        let mut version = stream_version;
        let mut hash = head.hash;
        for event in &request.events {
            position += 1;
            version += 1;
            let occurred_at_us = event.occurred_at.timestamp_micros();
            hash = chain_hash(
                &hash,
                &ChainedFields {
                    position,
                    event_id: event.event_id,
                    stream: &request.stream,
                    version,
                    event_type: &event.event_type,
                    schema_version: event.schema_version,
                    occurred_at_us,
                    recorded_at_us,
                    metadata,
                    codec: event.codec,
                    payload: &event.payload,
                },
            );
            insert_event.execute(params![
                to_sql_int(position),
                event.event_id.0.as_bytes().as_slice(),
                request.stream.kind.as_str(),
                request.stream.id.as_bytes().as_slice(),
                to_sql_int(version),
                event.event_type,
                event.schema_version,
                occurred_at_us,
                recorded_at_us,
                metadata.command_id.as_bytes().as_slice(),
                metadata.correlation_id.as_bytes().as_slice(),
                metadata.causation_id.as_ref().map(|id| id.as_bytes().as_slice()),
                metadata.actor,
                metadata.tenant,
                event.codec.0,
                event.payload,
                hash.0.as_slice(),
            ])?;
        }
        let n_events = request.events.len() as u64;
        let outcome = AppendOutcome {
            stream: request.stream.clone(),
            first_version: stream_version + 1,
            last_version: version,
            first_position: Position(head.position + 1),
            last_position: Position(position),
            recorded_at: chrono::DateTime::from_timestamp_micros(recorded_at_us)
                .expect("recorded_at comes from a valid DateTime"),
            duplicate: false,
        };
        assert_eq!(position, head.position + n_events, "positions are consecutive");
        let mut insert_command = self.conn.prepare_cached(
            "INSERT INTO commands (command_id, stream_kind, stream_id, first_version, \
             last_version, first_position, last_position, recorded_at_us) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        insert_command.execute(params![
            metadata.command_id.as_bytes().as_slice(),
            request.stream.kind.as_str(),
            request.stream.id.as_bytes().as_slice(),
            to_sql_int(outcome.first_version),
            to_sql_int(outcome.last_version),
            to_sql_int(outcome.first_position.0),
            to_sql_int(outcome.last_position.0),
            recorded_at_us,
        ])?;
        Ok((outcome, TxHead { position, hash, recorded_at_us }))
    }

    fn committed_command(&self, command_id: uuid::Uuid) -> rusqlite::Result<Option<AppendOutcome>> {
        crate::read::committed_command(&self.conn, command_id)
    }

    /// The stream's last version (0 when it has no events) and the kind it was created with.
    fn stream_version(&self, stream: &StreamId) -> rusqlite::Result<(u64, Option<String>)> {
        let mut statement = self.conn.prepare_cached(
            "SELECT version, stream_kind FROM events WHERE stream_id = ?1 \
             ORDER BY version DESC LIMIT 1",
        )?;
        let last = statement
            .query_row(params![stream.id.as_bytes().as_slice()], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })
            .optional()?;
        Ok(match last {
            Some((version, kind)) => (from_sql_int(version), Some(kind)),
            None => (0, None),
        })
    }

    /// Like an append's, the outer error fails the whole batch.
    fn save_snapshot(
        &self,
        snapshot: &Snapshot,
        recorded_at_us: i64,
    ) -> rusqlite::Result<Result<(), SnapshotError>> {
        let (actual, _) = self.stream_version(&snapshot.stream)?;
        if snapshot.version > actual {
            return Ok(Err(SnapshotError::AheadOfStream {
                stream: snapshot.stream.clone(),
                version: snapshot.version,
                actual,
            }));
        }
        snapshot::save(&self.conn, snapshot, recorded_at_us)?;
        Ok(Ok(()))
    }
}
