//! The peer's store: a SQLite file in a temporary directory behind sqlite-es's own pool
//! (`default_sqlite_pool`: WAL, `synchronous=NORMAL`, at most 10 connections), the tables of
//! sqlite-es's migration, and the framework over it, built the way sqlite-es's README does.

use std::path::PathBuf;

use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{AggregateError, EventStore};
use sqlite_es::sqlite_snapshot_cqrs;
use sqlite_es::{SqliteCqrs, SqliteEventRepository, default_sqlite_pool, sqlite_cqrs};
use sqlx::{Pool, Sqlite};

use crate::opportunity::{Opportunity, OpportunityError, Pipeline};

/// The event and snapshot tables of sqlite-es 0.5's `migrations/` (without its example view
/// and its sample event).
const DDL: &str = "
CREATE TABLE events
(
  aggregate_type text                          NOT NULL,
  aggregate_id   text                          NOT NULL,
  sequence       integer CHECK (sequence >= 0) NOT NULL,
  event_type     text                          NOT NULL,
  event_version  text                          NOT NULL,
  payload        text                          NOT NULL,
  metadata       text                          NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id, sequence)
) STRICT;
CREATE TABLE snapshots
(
  aggregate_type   text                                  NOT NULL,
  aggregate_id     text                                  NOT NULL,
  last_sequence    integer CHECK (last_sequence >= 0)    NOT NULL,
  current_snapshot integer CHECK (current_snapshot >= 0) NOT NULL,
  payload          text                                  NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)
) STRICT;
";

#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    #[error(transparent)]
    Aggregate(#[from] AggregateError<OpportunityError>),
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Unexpected(String),
}

/// How the framework keeps aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// `sqlite_cqrs`: every command replays the aggregate's whole stream. sqlite-es's default.
    EventStore,
    /// `sqlite_snapshot_cqrs`: a snapshot every this many events, then the events after it.
    Snapshots(usize),
}

pub struct PeerStore {
    pool: Pool<Sqlite>,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl std::fmt::Debug for PeerStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("PeerStore").field("path", &self.path).finish_non_exhaustive()
    }
}

impl PeerStore {
    pub async fn open() -> Result<PeerStore, PeerError> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("events.db");
        let pool = default_sqlite_pool(&format!("sqlite://{}", path.display())).await;
        sqlx::raw_sql(DDL).execute(&pool).await?;
        Ok(PeerStore { pool, path, _dir: dir })
    }

    pub fn framework(&self, storage: Storage) -> SqliteCqrs<Opportunity> {
        let pipeline = Pipeline::default_sales();
        match storage {
            Storage::EventStore => sqlite_cqrs(self.pool.clone(), vec![], pipeline),
            Storage::Snapshots(every) => {
                sqlite_snapshot_cqrs(self.pool.clone(), vec![], every, pipeline)
            }
        }
    }

    /// The aggregate and its last sequence number as the framework loads it for a command.
    pub async fn load(&self, aggregate_id: &str) -> Result<(Opportunity, u64), PeerError> {
        let store = PersistedEventStore::<SqliteEventRepository, Opportunity>::new_event_store(
            SqliteEventRepository::new(self.pool.clone()),
        );
        let context = store.load_aggregate(aggregate_id).await?;
        Ok((context.aggregate, context.current_sequence as u64))
    }

    /// Copies the WAL into the database file and empties it, closes the pool, and measures.
    /// (The last connection would checkpoint too, but sqlx closes connections on their own
    /// threads, so the files may not be final when `close` returns.)
    pub async fn close(self) -> Result<OnDisk, PeerError> {
        let events: i64 =
            sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(&self.pool).await?;
        sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        self.pool.close().await;
        let size = |suffix: &str| {
            let mut path = self.path.clone().into_os_string();
            path.push(suffix);
            std::fs::metadata(path).map_or(0, |metadata| metadata.len())
        };
        Ok(OnDisk { events: events as u64, bytes: size("") + size("-wal") })
    }
}

/// Events in the store and the bytes of its files after a checkpoint.
#[derive(Debug, Clone, Copy)]
pub struct OnDisk {
    pub events: u64,
    pub bytes: u64,
}
