//! The kit shared by the runtime tests: a store and a read-model directory side by side, a
//! seeded history, scripted feeds and a projection that fails on purpose.

use std::collections::VecDeque;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use ltc_eventstore::{
    AppendRequest, CodecId, Durability, EventId, EventStore, ExpectedVersion, ManualClock,
    Metadata, NewEvent, Position, RecordedEvent, StoreOptions, StreamId,
};
use ltc_projections::{
    Delivery, EventCounts, Feed, FeedError, HistoryFeed, Projection, ProjectionError, Projector,
    ProjectorOptions, ReadModels,
};
use rusqlite::{Connection, Transaction, params};
use tempfile::TempDir;
use uuid::Uuid;

/// The stream kinds the history spreads over.
pub const KINDS: [&str; 3] = ["lead", "quote", "order"];

/// A store and a read-model directory in one temporary directory, with a manual clock.
pub struct World {
    pub store: EventStore,
    pub read_models: ReadModels,
    pub clock: Arc<ManualClock>,
    pub dir: TempDir,
    n_appends: u128,
}

#[allow(dead_code, reason = "each test module uses a different part of the kit")]
impl World {
    pub fn new() -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = Arc::new(ManualClock::new(t0()));
        // NORMAL: no fsync per append; what these tests check does not depend on durability.
        let options = StoreOptions {
            clock: clock.clone(),
            durability: Durability::Normal,
            ..StoreOptions::default()
        };
        let store = EventStore::open(dir.path().join("events.db"), options).expect("open store");
        let read_models = open_read_models(&dir, &clock);
        World { store, read_models, clock, dir, n_appends: 0 }
    }

    /// Appends `n_events` events, 1 to 3 per append, over 7 streams of the three kinds, with
    /// payloads of 1 to 40 bytes. The clock moves one second per append.
    pub fn append_events(&mut self, n_events: u64) {
        let mut remaining = n_events;
        while remaining > 0 {
            let append_idx = self.n_appends;
            self.n_appends += 1;
            let n = (append_idx as u64 % 3 + 1).min(remaining);
            let stream_idx = append_idx % 7;
            let kind = KINDS[(stream_idx % 3) as usize];
            let stream =
                StreamId::new(kind, Uuid::from_u128(0x0190_0000_0000_7000_8000 << 48 | stream_idx))
                    .expect("valid stream");
            let events = (0..n as u128)
                .map(|event_idx| NewEvent {
                    event_id: EventId(Uuid::from_u128(
                        0x0192 << 112 | append_idx << 16 | event_idx,
                    )),
                    event_type: "TestHappened".into(),
                    schema_version: 1,
                    occurred_at: t0(),
                    codec: CodecId::BINCODE2,
                    payload: vec![7u8; ((append_idx * 7 + event_idx * 13) % 40 + 1) as usize],
                })
                .collect();
            let command_id = Uuid::from_u128(0x0191 << 112 | append_idx);
            let request = AppendRequest {
                stream,
                expected: ExpectedVersion::Any,
                events,
                metadata: Metadata {
                    command_id,
                    correlation_id: command_id,
                    causation_id: None,
                    actor: "tester".into(),
                    tenant: "acme".into(),
                },
            };
            self.store.append_blocking(request).expect("append");
            self.clock.advance(TimeDelta::seconds(1));
            remaining -= n;
        }
    }

    pub fn head(&self) -> u64 {
        self.store.head().position
    }

    /// The live runner over [`EventCounts`] with batches of `batch_events`.
    pub fn projector(&self, batch_events: usize) -> Projector {
        self.projector_of(vec![Box::new(EventCounts::default())], batch_events)
    }

    pub fn projector_of(
        &self,
        projections: Vec<Box<dyn Projection>>,
        batch_events: usize,
    ) -> Projector {
        Projector::open(
            self.store.clone(),
            &self.read_models,
            projections,
            ProjectorOptions { batch_events, ..ProjectorOptions::default() },
        )
        .expect("open projector")
    }

    /// Rebuilds [`EventCounts`] side by side up to `target`, without putting it in service.
    pub fn rebuild_counts(
        &self,
        target: ltc_projections::RebuildTarget,
    ) -> ltc_projections::Rebuilt {
        ltc_projections::rebuild(
            &self.store,
            &self.read_models,
            vec![Box::new(EventCounts::default())],
            rebuild_options(target),
            &mut |_| {},
        )
        .expect("rebuild")
    }

    /// Drops the read-model handle and opens the directory again, as a restarted process does.
    pub fn reopen_read_models(&mut self) {
        self.read_models = open_read_models(&self.dir, &self.clock);
    }

    /// The live read models rendered as text.
    pub fn render(&self) -> String {
        render(&self.read_models.reader().expect("reader"))
    }

    /// Every event from `from` to the head, as the store has them.
    pub fn events(&self, from: u64) -> Vec<RecordedEvent> {
        self.store.read_all(Position(from), u64::MAX).map(|event| event.expect("read")).collect()
    }

    /// A feed of the log from `from` to the head.
    pub fn history(&self, from: u64) -> HistoryFeed {
        HistoryFeed::new(&self.store, Position(from), Position(self.head())).expect("history feed")
    }
}

fn open_read_models(dir: &TempDir, clock: &Arc<ManualClock>) -> ReadModels {
    ReadModels::open(dir.path().join("read_models"), clock.clone()).expect("open read models")
}

/// 2026-01-01T00:00:00Z.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("valid date")
}

/// Checkpoints (name and position) and every [`EventCounts`] row, one per line, in key order.
pub fn render(conn: &Connection) -> String {
    let mut text = String::new();
    let mut lines = |sql: &str| {
        let mut statement = match conn.prepare(sql) {
            Ok(statement) => statement,
            // A read model without this projection's tables renders without those lines.
            Err(error) if error.to_string().contains("no such table") => return,
            Err(error) => panic!("{sql}: {error}"),
        };
        let mut rows = statement.query([]).expect("query");
        while let Some(row) = rows.next().expect("row") {
            let line: String = row.get(0).expect("a text column");
            text.push_str(&line);
            text.push('\n');
        }
    };
    lines(
        "SELECT 'checkpoint ' || name || ' ' || position FROM projection_checkpoints ORDER BY name",
    );
    lines(
        "SELECT 'kind ' || stream_kind || ' streams=' || n_streams || ' n=' || n_events || \
         ' bytes=' || payload_bytes \
         FROM event_counts_by_kind ORDER BY stream_kind",
    );
    lines(
        "SELECT 'stream ' || hex(stream_id) || ' ' || stream_kind || ' n=' || n_events || \
         ' v=' || last_version || ' p=' || last_position FROM event_counts_by_stream \
         ORDER BY stream_id",
    );
    text
}

/// A feed that delivers a fixed list of envelopes, then reports idle.
pub struct ScriptedFeed {
    pub events: VecDeque<RecordedEvent>,
}

impl ScriptedFeed {
    pub fn new(events: impl IntoIterator<Item = RecordedEvent>) -> ScriptedFeed {
        ScriptedFeed { events: events.into_iter().collect() }
    }
}

impl Feed for ScriptedFeed {
    fn poll(&mut self, _wait: bool) -> Result<Delivery, FeedError> {
        Ok(self.events.pop_front().map_or(Delivery::Idle, |event| Delivery::Event(Arc::new(event))))
    }
}

/// [`EventCounts`] that fails when asked to apply position `fail_at`: a crash in the middle of
/// a batch, as far as the database can tell.
pub struct FailingCounts {
    fail_at: u64,
    /// Fails only the first time (a passing fault, such as a disk that was full), not each time.
    once: bool,
    failed: bool,
    inner: EventCounts,
}

impl FailingCounts {
    /// Fails every time it meets `fail_at`.
    pub fn at(fail_at: u64) -> FailingCounts {
        FailingCounts { fail_at, once: false, failed: false, inner: EventCounts::default() }
    }

    /// Fails the first time it meets `fail_at`, and never again.
    pub fn once_at(fail_at: u64) -> FailingCounts {
        FailingCounts { once: true, ..FailingCounts::at(fail_at) }
    }
}

impl Projection for FailingCounts {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn schema_version(&self) -> u32 {
        self.inner.schema_version()
    }
    fn tables(&self) -> &'static [&'static str] {
        self.inner.tables()
    }
    fn migrate(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.inner.migrate(tx)
    }
    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        // Write first, then fail: the rollback must take the write back with it.
        self.inner.apply(tx, event)?;
        if event.position.0 == self.fail_at && !(self.once && self.failed) {
            self.failed = true;
            return Err(ProjectionError::Unexpected(format!("told to fail at {}", self.fail_at)));
        }
        Ok(())
    }
    fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.inner.flush(tx)
    }
    fn discard(&mut self) {
        self.inner.discard();
    }
}

/// What a one-shot rebuild of [`EventCounts`] over the whole log renders: the reference every
/// other way of getting there is compared with.
pub fn one_shot(world: &World) -> String {
    let rebuilt = ltc_projections::rebuild(
        &world.store,
        &world.read_models,
        vec![Box::new(EventCounts::default())],
        rebuild_options(ltc_projections::RebuildTarget::Head),
        &mut |_| {},
    )
    .expect("rebuild");
    render(&rebuilt.reader().expect("reader"))
}

pub fn rebuild_options(target: ltc_projections::RebuildTarget) -> ltc_projections::RebuildOptions {
    ltc_projections::RebuildOptions {
        target,
        scope: ltc_projections::RebuildScope::Everything,
        runner: ProjectorOptions { batch_events: 64, ..ProjectorOptions::default() },
        predecoding: None,
    }
}

/// Counts quotes only, and says so in `wants`, so it decodes and writes nothing for the rest.
pub struct QuoteCounts;

impl Projection for QuoteCounts {
    fn name(&self) -> &'static str {
        "quote_counts"
    }
    fn schema_version(&self) -> u32 {
        1
    }
    /// A table and a view over it: a rebuild of this projection drops and makes both.
    fn tables(&self) -> &'static [&'static str] {
        &["quote_counts", "quote_counts_total"]
    }
    fn migrate(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        tx.execute_batch(
            "CREATE TABLE quote_counts (position INTEGER PRIMARY KEY, kind TEXT NOT NULL);
             CREATE INDEX quote_counts_by_kind ON quote_counts (kind);
             CREATE VIEW quote_counts_total AS SELECT count(*) AS quotes FROM quote_counts;",
        )?;
        Ok(())
    }
    fn wants(&self, event: &RecordedEvent) -> bool {
        event.stream.kind.as_str() == "quote"
    }
    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        tx.prepare_cached("INSERT INTO quote_counts (position, kind) VALUES (?1, ?2)")?
            .execute(params![event.position.0 as i64, event.stream.kind.as_str()])?;
        Ok(())
    }
}
