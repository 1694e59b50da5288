//! The kit the read models' tests share: a real event store and read-model directory in a
//! temporary directory, streams decided through the domain's deciders at chosen business times,
//! and the projector run over whatever was appended.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ltc_domain::actor::{Actor, Role};
use ltc_domain::decider::{Context, Decider};
use ltc_domain::ids::UserId;
use ltc_domain::money::{Currency, Money};
use ltc_eventstore::{
    AppendRequest, Durability, EventId, EventStore, ExpectedVersion, ManualClock, Metadata,
    NewEvent, Position, StoreOptions, StreamId, codec,
};
use rusqlite::Connection;
use serde::Serialize;
use tempfile::TempDir;
use uuid::Uuid;

use crate::{HistoryFeed, Projection, Projector, ProjectorOptions, ReadModels};

/// A store and a read-model directory side by side.
#[derive(Debug)]
pub(crate) struct TestWorld {
    store: EventStore,
    read_models: ReadModels,
    n_commands: u128,
    _dir: TempDir,
}

/// One aggregate's stream as the tests build it: its kind, id and state so far.
#[derive(Debug)]
pub(crate) struct TestStream<D: Decider> {
    kind: &'static str,
    id: Uuid,
    state: D::State,
    event_type: fn(&D::Event) -> &'static str,
}

impl<D: Decider> TestStream<D> {
    pub(crate) fn new(
        kind: &'static str,
        id: Uuid,
        event_type: fn(&D::Event) -> &'static str,
    ) -> Self {
        TestStream { kind, id, state: D::State::default(), event_type }
    }
}

impl TestWorld {
    pub(crate) fn new() -> TestWorld {
        let dir = tempfile::tempdir().expect("a temp dir");
        let clock = Arc::new(ManualClock::new(noon(day(2026, 1, 1))));
        // No fsync per append: nothing these tests check depends on durability.
        let options = StoreOptions {
            clock: clock.clone(),
            durability: Durability::Normal,
            ..StoreOptions::default()
        };
        let store = EventStore::open(dir.path().join("events.db"), options).expect("the store");
        let read_models =
            ReadModels::open(dir.path().join("read_models"), clock.clone()).expect("read models");
        TestWorld { store, read_models, n_commands: 0, _dir: dir }
    }

    /// Decides `command` on `stream` as `actor` at `at` (the business time), appends what it
    /// decided and evolves the stream's state. A rejection is a broken test: it panics.
    pub(crate) fn decide<D>(
        &mut self,
        stream: &mut TestStream<D>,
        command: D::Command,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Vec<D::Event>
    where
        D: Decider,
        D::Event: Serialize,
        D::Error: std::fmt::Debug,
        D::State: Clone,
    {
        let context = Context { actor: actor.clone(), occurred_at: at };
        let events = D::decide(&stream.state, &command, &context)
            .unwrap_or_else(|error| panic!("the test's command was rejected: {error:?}"));
        let command_id = Uuid::from_u128(0x7e57 << 96 | self.n_commands);
        self.n_commands += 1;
        let new_events = (0u128..)
            .zip(&events)
            .map(|(event_idx, event)| {
                let (codec, payload) = codec::encode(event).expect("the event encodes");
                NewEvent {
                    event_id: EventId(Uuid::from_u128(command_id.as_u128() << 8 | event_idx)),
                    event_type: (stream.event_type)(event).to_owned(),
                    schema_version: 1,
                    occurred_at: at,
                    codec,
                    payload,
                }
            })
            .collect();
        let request = AppendRequest {
            stream: StreamId::new(stream.kind, stream.id).expect("a valid stream"),
            expected: ExpectedVersion::Any,
            events: new_events,
            metadata: Metadata {
                command_id,
                correlation_id: command_id,
                causation_id: None,
                actor: actor.user.0.to_string(),
                tenant: "test".into(),
            },
        };
        self.store.append_blocking(request).expect("the append");
        stream.state =
            events.iter().fold(stream.state.clone(), |state, event| D::evolve(state, event));
        events
    }

    /// Runs `projection` over everything appended so far (from where it stopped last time) and
    /// returns a connection to the read models.
    pub(crate) fn project(&self, projection: Box<dyn Projection>) -> Connection {
        let mut projector = Projector::open(
            self.store.clone(),
            &self.read_models,
            vec![projection],
            ProjectorOptions { batch_events: 16, ..ProjectorOptions::default() },
        )
        .expect("the projector opens");
        let head = Position(self.store.head().position);
        let mut feed =
            HistoryFeed::new(&self.store, projector.next_position(), head).expect("a feed");
        projector.catch_up(&mut feed).expect("the projector catches up");
        self.read_models.reader().expect("a reader")
    }
}

pub(crate) fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a calendar date")
}

/// Noon UTC of `date`: a business time whose UTC date is `date`.
pub(crate) fn noon(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(12, 0, 0).expect("noon exists"))
}

pub(crate) fn eur(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("EUR").expect("EUR"))
}

pub(crate) fn usd(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("USD").expect("USD"))
}

/// Someone in finance, who may move money.
pub(crate) fn finance() -> Actor {
    Actor { user: UserId(Uuid::from_u128(0xf1)), role: Role::Finance, team: None }
}
