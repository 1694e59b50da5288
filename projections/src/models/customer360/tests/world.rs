//! The kit: a store and a read-model directory side by side, a business clock that moves a
//! minute per event, and the projector run on demand.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use ltc_eventstore::{
    AppendRequest, Durability, EventId, EventStore, ExpectedVersion, ManualClock, Metadata,
    NewEvent, Position, StoreOptions, StreamId, codec,
};
use rusqlite::Connection;
use serde::Serialize;
use tempfile::TempDir;
use uuid::Uuid;

use super::super::{Customer360, Customer360Projection, TimelineEntry, customer, timeline};
use crate::{HistoryFeed, Projector, ProjectorError, ProjectorOptions, ReadModels};

/// A domain event with its stream kind and name.
pub trait Event: Serialize {
    const KIND: &'static str;
    fn name(&self) -> &'static str;
}

macro_rules! event {
    ($type:ty, $kind:literal) => {
        impl Event for $type {
            const KIND: &'static str = $kind;
            fn name(&self) -> &'static str {
                self.event_type()
            }
        }
    };
}
event!(ltc_domain::customer::CustomerEvent, "customer");
event!(ltc_domain::lead::LeadEvent, "lead");
event!(ltc_domain::opportunity::OpportunityEvent, "opportunity");
event!(ltc_domain::quote::QuoteEvent, "quote");
event!(ltc_domain::order::OrderEvent, "order");
event!(ltc_domain::payment::PaymentEvent, "payment");

pub struct World {
    pub store: EventStore,
    read_models: ReadModels,
    /// The business time of the next event.
    now: DateTime<Utc>,
    n_appends: u128,
    _dir: TempDir,
}

impl World {
    pub fn new() -> World {
        let dir = tempfile::tempdir().expect("a temp dir");
        let start = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).single().expect("a time");
        let clock = Arc::new(ManualClock::new(start));
        let options = StoreOptions {
            clock: clock.clone(),
            durability: Durability::Normal,
            ..StoreOptions::default()
        };
        let store = EventStore::open(dir.path().join("events.db"), options).expect("the store");
        let read_models =
            ReadModels::open(dir.path().join("read_models"), clock).expect("the read models");
        World { store, read_models, now: start, n_appends: 0, _dir: dir }
    }

    /// Business time moves to 09:00 on this day of 2026.
    pub fn on(&mut self, month: u32, day: u32) -> &mut World {
        self.now = Utc.with_ymd_and_hms(2026, month, day, 9, 0, 0).single().expect("a time");
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Appends `event` to the stream `id` as `actor` ("SalesRep:…"); `caused` marks it as a
    /// process manager's reaction. Business time then moves on a minute.
    pub fn append_as<E: Event>(&mut self, id: Uuid, event: &E, actor: &str, caused: bool) {
        let (codec, payload) = codec::encode(event).expect("the event encodes");
        let append_idx = self.n_appends;
        self.n_appends += 1;
        let command_id = Uuid::from_u128(0xc0 << 112 | append_idx);
        let request = AppendRequest {
            stream: StreamId::new(E::KIND, id).expect("a stream id"),
            expected: ExpectedVersion::Any,
            events: vec![NewEvent {
                event_id: EventId(Uuid::from_u128(0xe0 << 112 | append_idx)),
                event_type: event.name().to_owned(),
                schema_version: 1,
                occurred_at: self.now,
                codec,
                payload,
            }],
            metadata: Metadata {
                command_id,
                correlation_id: command_id,
                causation_id: caused.then_some(Uuid::from_u128(0xca << 112 | append_idx)),
                actor: actor.to_owned(),
                tenant: "acme".into(),
            },
        };
        self.store.append_blocking(request).expect("the append");
        self.now += TimeDelta::minutes(1);
    }

    /// Appends `event` as a sales rep did it.
    pub fn append<E: Event>(&mut self, id: Uuid, event: &E) {
        self.append_as(id, event, "SalesRep:0190", false);
    }

    /// The projector run up to the head, and a reader of its tables.
    pub fn try_project(&self) -> Result<Connection, ProjectorError> {
        let mut projector = Projector::open(
            self.store.clone(),
            &self.read_models,
            vec![Box::new(Customer360Projection::default())],
            ProjectorOptions { batch_events: 7, ..ProjectorOptions::default() },
        )?;
        let head = Position(self.store.head().position);
        let mut feed = HistoryFeed::new(&self.store, projector.next_position(), head)?;
        projector.catch_up(&mut feed)?;
        self.read_models.reader()
    }

    pub fn project(&self) -> Connection {
        self.try_project().expect("the projector applies the log")
    }

    pub fn view(&self, customer_id: Uuid, as_of: NaiveDate) -> Customer360 {
        customer(&self.project(), customer_id, as_of).expect("the query").expect("the customer")
    }

    pub fn timeline(&self, customer_id: Uuid) -> Vec<TimelineEntry> {
        timeline(&self.project(), customer_id, 100).expect("the timeline")
    }

    /// The timeline's texts only.
    pub fn story(&self, customer_id: Uuid) -> Vec<String> {
        self.timeline(customer_id).into_iter().map(|entry| entry.text).collect()
    }
}

pub fn day(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).expect("a date")
}
