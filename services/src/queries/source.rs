//! [`QuerySource`]: the read models of a data directory, read by a process that does not own
//! them. The projector (another task, maybe another process) writes them and holds the
//! directory's lock; a query service only reads, so it neither takes that lock nor catches up
//! itself, and it never opens the directory through `ReadModels::open`, which tidies old
//! generations away (one may be a rebuild in progress).
//!
//! Which generation: `CURRENT` is read before every query. A rebuild's swap rewrites it
//! atomically, so the next query after a swap reads the new generation; pooled connections to
//! the old one are dropped then. A connection in the middle of a query keeps its generation
//! whole, since the projector never deletes a file a reader has open from under it (Unix keeps
//! an unlinked file readable).
//!
//! Each query runs in one read transaction that also reads the checkpoints of the projections
//! it uses, so the freshness it reports is exactly the state it read.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, Utc};
use ltc_eventstore::{Clock, EventStore, Position};
use ltc_projections::Projection;
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::audit::audit;
use super::{
    AuditAnswer, AuditRequest, Dates, Freshness, Query, QueryError, ReadModelSources,
    answer_planned,
};
use crate::data_dir::DataDir;
use crate::read_models::{AsOfSnapshot, ReadModelsError, rebuild_as_of};

/// Idle read connections kept per source: more than the cores that run queries at once.
const IDLE_READERS_MAX: usize = 8;

/// The file naming the generation in service (see `ltc_projections::ReadModels`).
const POINTER_FILE: &str = "CURRENT";

/// An answer and how fresh it is.
#[derive(Debug)]
pub struct Answered<T> {
    pub freshness: Freshness,
    pub result: T,
}

/// The read models of one data directory, read-only, and its event store for audits and as-of
/// rebuilds. Cheap to clone; every method blocks (SQLite), so async callers use
/// `spawn_blocking`.
#[derive(Debug, Clone)]
pub struct QuerySource {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    data: DataDir,
    store: EventStore,
    /// Says what day it is when a question names none ([`super::default_business_date`]).
    clock: Arc<dyn Clock>,
    pool: Mutex<Pool>,
    /// As-of rebuilds replay the log: one at a time, so a burst of them cannot take every core.
    as_of_rebuild: Mutex<()>,
}

#[derive(Debug, Default)]
struct Pool {
    /// The generation file the idle connections read.
    generation: String,
    idle: Vec<Connection>,
}

impl QuerySource {
    /// The read models under `data` and the event store `store` (of the same directory);
    /// `clock` says what day "today" is.
    pub fn new(data: &DataDir, store: EventStore, clock: Arc<dyn Clock>) -> QuerySource {
        QuerySource {
            shared: Arc::new(Shared {
                data: data.clone(),
                store,
                clock,
                pool: Mutex::new(Pool::default()),
                as_of_rebuild: Mutex::new(()),
            }),
        }
    }

    pub fn store(&self) -> &EventStore {
        &self.shared.store
    }

    /// Answers `request` for the dates it names (`as_of`, `recorded_as_of`): from the generation
    /// in service, or from throw-away rebuilds where the dates need them (`as_of.rs`).
    pub fn answer<Q: Query>(&self, request: &Q) -> Result<Answered<Q::Answer>, QueryError> {
        self.answer_at(request, request.dates()?)
    }

    /// Answers `request` for `dates`, whatever the request's own date fields say: what
    /// `ltc query` does while another process keeps the read models current.
    pub fn answer_at<Q: Query>(
        &self,
        request: &Q,
        dates: Dates,
    ) -> Result<Answered<Q::Answer>, QueryError> {
        answer_planned(self, request, dates)
    }

    /// One page of a stream's events, from the log.
    pub fn audit(&self, request: &AuditRequest) -> Result<Answered<AuditAnswer>, QueryError> {
        let (freshness, result) = audit(&self.shared.store, request)?;
        Ok(Answered { freshness, result })
    }

    /// A read connection to the generation in service, with that generation's file name.
    fn reader(&self) -> Result<(String, Connection), QueryError> {
        let dir = self.shared.data.read_models();
        // A swap between reading `CURRENT` and opening the file it names may remove that file
        // (the projector tidies old generations): read the pointer again once.
        let mut attempts_left = 2;
        loop {
            attempts_left -= 1;
            let generation = current_generation(&dir)?;
            {
                let mut pool = self.pool();
                if pool.generation != generation {
                    pool.idle.clear();
                    pool.generation.clone_from(&generation);
                }
                if let Some(conn) = pool.idle.pop() {
                    return Ok((generation, conn));
                }
            }
            match open_reader(&dir.join(&generation)) {
                Ok(conn) => return Ok((generation, conn)),
                Err(_) if attempts_left > 0 => continue,
                Err(error) => return Err(QueryError::storage(error)),
            }
        }
    }

    fn give_back(&self, generation: String, conn: Connection) {
        let mut pool = self.pool();
        if pool.generation == generation && pool.idle.len() < IDLE_READERS_MAX {
            pool.idle.push(conn);
        }
    }

    fn pool(&self) -> std::sync::MutexGuard<'_, Pool> {
        // The pool holds whole connections; a panic elsewhere cannot leave one half-pushed.
        self.shared.pool.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ReadModelSources for QuerySource {
    fn with_live<R>(
        &self,
        read: impl FnOnce(&Connection) -> Result<R, QueryError>,
    ) -> Result<R, QueryError> {
        let (generation, conn) = self.reader()?;
        let answered = read(&conn);
        self.give_back(generation, conn);
        answered
    }

    fn recorded_by(
        &self,
        projections: Vec<Box<dyn Projection>>,
        at: DateTime<Utc>,
    ) -> Result<AsOfSnapshot, QueryError> {
        let _one_at_a_time =
            self.shared.as_of_rebuild.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(rebuild_as_of(&self.shared.store, &self.shared.data, projections, at, &mut |_| {})?)
    }

    fn last_recorded_at(&self) -> Result<Option<DateTime<Utc>>, QueryError> {
        last_recorded_at(&self.shared.store)
    }

    fn today(&self) -> NaiveDate {
        self.shared.clock.now().date_naive()
    }
}

/// The recorded time of `store`'s last event; `None` for an empty log.
pub fn last_recorded_at(store: &EventStore) -> Result<Option<DateTime<Utc>>, QueryError> {
    let head = store.head().position;
    if head == 0 {
        return Ok(None);
    }
    let last = store.read_all(Position(head), 1).next().transpose();
    let last =
        last.map_err(|error| QueryError::Corrupt(format!("the log's last event: {error}")))?;
    Ok(last.map(|event| event.recorded_at))
}

/// The last microsecond of `date` in UTC: every event recorded on that day is included.
pub fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    // 23:59:59.999999 exists on every calendar day chrono can represent.
    date.and_hms_micro_opt(23, 59, 59, 999_999)
        .unwrap_or(date.and_time(chrono::NaiveTime::MIN))
        .and_utc()
}

/// Reads the freshness and the answer in one read transaction on `conn`: the state both
/// describe is the same. `state`, when given, is a [`crate::queries::BusinessTime::Split`]
/// model's other state (a throw-away rebuild, which nothing writes while it is read).
pub fn answer_in_transaction<Q: Query>(
    conn: &Connection,
    state: Option<&Connection>,
    request: &Q,
    as_of: NaiveDate,
) -> Result<Answered<Q::Answer>, QueryError> {
    let transaction = conn.unchecked_transaction()?;
    let mut freshness: Option<Freshness> = None;
    for projection in request.projections() {
        let checkpoint = checkpoint(&transaction, projection.name())?
            .ok_or_else(|| QueryError::NotReady(projection.name().to_owned()))?;
        if freshness.is_none_or(|lowest| checkpoint.position < lowest.position) {
            freshness = Some(checkpoint);
        }
    }
    let result = match state {
        Some(state) => request.query_split(state, &transaction, as_of)?,
        None => request.query(&transaction, as_of)?,
    };
    transaction.finish()?;
    let freshness = freshness.unwrap_or(Freshness { position: 0, as_of: None });
    Ok(Answered { freshness, result })
}

/// A projection's checkpoint, as `ltc_projections` writes it in every read-model generation.
fn checkpoint(conn: &Connection, projection: &str) -> Result<Option<Freshness>, QueryError> {
    let row: Option<(i64, Option<i64>)> = conn
        .prepare_cached(
            "SELECT position, event_recorded_us FROM projection_checkpoints WHERE name = ?1",
        )?
        .query_row([projection], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    row.map(|(position, recorded_us)| {
        let position = u64::try_from(position)
            .map_err(|_| QueryError::Corrupt(format!("{projection} checkpoint {position}")))?;
        let as_of = recorded_us.and_then(DateTime::from_timestamp_micros);
        Ok(Freshness { position, as_of })
    })
    .transpose()
}

/// The generation file `CURRENT` names, checked to be one (`gen-NNNNNN.db`), so a damaged
/// pointer cannot make us open another file.
fn current_generation(dir: &Path) -> Result<String, QueryError> {
    let text = match std::fs::read_to_string(dir.join(POINTER_FILE)) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(QueryError::NotReady("read models".to_owned()));
        }
        Err(error) => return Err(ReadModelsError::Directory(error).into()),
    };
    let name = text.trim();
    let digits = name.strip_prefix("gen-").and_then(|rest| rest.strip_suffix(".db"));
    if digits.is_some_and(|digits| digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()))
    {
        Ok(name.to_owned())
    } else {
        Err(QueryError::Corrupt(format!("{POINTER_FILE} names {name:?}, not a generation")))
    }
}

/// Opens an existing read-model database for reading only: never creates a file, never writes.
pub fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}
