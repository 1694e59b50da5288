//! The forecast tests' kit: a real event store and read-model directory in a temporary
//! directory, a manual clock set to business days, and the sales facts the tests need, decided by
//! the domain's deciders where one exists (so the events are the ones ltc really records).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use ltc_domain::actor::{Actor, Ownership, Role};
use ltc_domain::customer::{CustomerCommand, CustomerDecider, CustomerProfile, Origin, Tier};
use ltc_domain::decider::{Context, Decider};
use ltc_domain::ids::{ContactId, CustomerId, LeadId, OpportunityId, QuoteId, TeamId, UserId};
use ltc_domain::lead::scoring::ScoringModel;
use ltc_domain::lead::{Channel, Company, Contact, ConvertTo, LeadEvent, Source};
use ltc_domain::money::{Bps, Currency, Money};
use ltc_domain::opportunity::{OpportunityCommand, OpportunityDecider, Pipeline, StageKey};
use ltc_domain::quota::{QuotaCommand, QuotaDecider, QuotaPeriod};
use ltc_domain::quote::QuoteEvent;
use ltc_eventstore::{
    AppendRequest, Durability, EventId, EventStore, ExpectedVersion, ManualClock, Metadata,
    NewEvent, StoreOptions, StreamId, codec,
};
use rusqlite::Connection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tempfile::TempDir;
use uuid::Uuid;

use crate::models::forecast::ForecastProjection;
use crate::{
    HistoryFeed, Projection, Projector, ProjectorOptions, ReadModels, RebuildOptions, RebuildScope,
    RebuildTarget, rebuild,
};

pub const ALICE: UserId = UserId(Uuid::from_u128(0xa11ce));
pub const BOB: UserId = UserId(Uuid::from_u128(0xb0b));
pub const EAST: TeamId = TeamId(Uuid::from_u128(0xea57));

pub fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a calendar date")
}

pub fn eur(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("EUR").expect("EUR"))
}

pub fn usd(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("USD").expect("USD"))
}

/// Deal number `n`'s id.
pub fn deal_id(n: u128) -> OpportunityId {
    OpportunityId(Uuid::from_u128(0xdea1_0000 + n))
}

/// A store, a read-model directory and a clock, with the facts of a small sales book.
pub struct Book {
    pub store: EventStore,
    pub read_models: ReadModels,
    pub clock: Arc<ManualClock>,
    dir: TempDir,
    n_appends: u128,
}

impl Book {
    pub fn new() -> Book {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = Arc::new(ManualClock::new(at(day(2026, 1, 1))));
        let options = StoreOptions {
            clock: clock.clone(),
            durability: Durability::Normal,
            ..StoreOptions::default()
        };
        let store = EventStore::open(dir.path().join("events.db"), options).expect("store");
        let read_models =
            ReadModels::open(dir.path().join("read_models"), clock.clone()).expect("read models");
        Book { store, read_models, clock, dir, n_appends: 0 }
    }

    /// What follows happens on `day`, from 09:00 on, a minute per fact.
    pub fn on(&mut self, today: NaiveDate) -> &mut Book {
        self.clock.set(at(today));
        self
    }

    /// Catches the live forecast up with the log and opens a reader on it.
    pub fn project(&self) -> Connection {
        self.project_into(&self.read_models, 7)
    }

    /// Builds the forecast from the whole log into a read-model directory of its own, in batches
    /// of `batch_events`, and opens a reader on it.
    pub fn project_afresh(&self, batch_events: usize) -> Connection {
        let path = self.dir.path().join(format!("read_models_in_batches_of_{batch_events}"));
        let read_models = ReadModels::open(path, self.clock.clone()).expect("read models");
        self.project_into(&read_models, batch_events)
    }

    /// Rebuilds the forecast from the whole log, in batches of `batch_events` (a rebuild keeps
    /// its open deals in memory across batches), and opens a reader on the rebuilt file.
    pub fn rebuilt(&self, batch_events: usize) -> Connection {
        let path = self.dir.path().join(format!("rebuilt_in_batches_of_{batch_events}"));
        let read_models = ReadModels::open(path, self.clock.clone()).expect("read models");
        let options = RebuildOptions {
            target: RebuildTarget::Head,
            scope: RebuildScope::Everything,
            runner: ProjectorOptions { batch_events, ..ProjectorOptions::default() },
            predecoding: Some(crate::models::decode::PREDECODING),
        };
        let projections: Vec<Box<dyn Projection>> = vec![Box::new(ForecastProjection::default())];
        let rebuilt =
            rebuild(&self.store, &read_models, projections, options, &mut |_| {}).expect("rebuild");
        rebuilt.reader().expect("reader")
    }

    fn project_into(&self, read_models: &ReadModels, batch_events: usize) -> Connection {
        let mut projector = Projector::open(
            self.store.clone(),
            read_models,
            vec![Box::new(ForecastProjection::default())],
            ProjectorOptions { batch_events, ..ProjectorOptions::default() },
        )
        .expect("projector");
        let head = self.store.head().position;
        let mut feed = HistoryFeed::new(
            &self.store,
            projector.next_position(),
            ltc_eventstore::Position(head),
        )
        .expect("feed");
        projector.catch_up(&mut feed).expect("catch up");
        read_models.reader().expect("reader")
    }

    pub fn customer(&mut self, n: u128, industry: &str, region: &str) {
        let customer_id = CustomerId(Uuid::from_u128(0xc0_0000 + n));
        let profile = CustomerProfile {
            name: format!("Customer {n}"),
            industry: industry.into(),
            region: region.into(),
            tier: Tier::Normal,
            owner: ALICE,
            team: Some(EAST),
            credit_limit: eur(1_000_000),
        };
        let command = CustomerCommand::Create { customer_id, profile, origin: Origin::Direct };
        self.decide::<CustomerDecider>("customer", customer_id.0, &command, admin(), |event| {
            event.event_type()
        });
    }

    /// Opens deal `n` for customer `customer`, owned by `owner`, in qualification.
    pub fn open(
        &mut self,
        n: u128,
        customer: u128,
        owner: UserId,
        amount: Money,
        expected_close: NaiveDate,
    ) {
        let command = OpportunityCommand::Open {
            opportunity_id: deal_id(n),
            customer_id: CustomerId(Uuid::from_u128(0xc0_0000 + customer)),
            name: format!("Deal {n}"),
            owner,
            team: Some(EAST),
            amount,
            expected_close,
            pipeline: Pipeline::default_sales(),
        };
        self.deal(n, owner, command);
    }

    /// Any later command on deal `n`, sent by its owner.
    pub fn deal(&mut self, n: u128, owner: UserId, command: OpportunityCommand) {
        let actor = Actor { user: owner, role: Role::SalesRep, team: Some(EAST) };
        self.decide::<OpportunityDecider>("opportunity", deal_id(n).0, &command, actor, |event| {
            event.event_type()
        });
    }

    pub fn move_to(&mut self, n: u128, owner: UserId, stage: &str) {
        self.deal(n, owner, OpportunityCommand::MoveStage { to: StageKey::new(stage) });
    }

    pub fn win(&mut self, n: u128, owner: UserId) {
        self.deal(n, owner, OpportunityCommand::Win);
    }

    pub fn lose(&mut self, n: u128, owner: UserId) {
        let command = OpportunityCommand::Lose { reason: "price".into(), competitor: None };
        self.deal(n, owner, command);
    }

    /// Lead `lead` from `channel`, captured and converted into deal `deal`. Written as events
    /// directly: the lead's own rules (scoring, qualification) are not what these tests are about.
    pub fn lead_converted(&mut self, lead: u128, channel: Channel, deal: u128) {
        let lead_id = LeadId(Uuid::from_u128(0x1ead_0000 + lead));
        let now = self.clock.now_utc();
        let captured = LeadEvent::Captured {
            lead_id,
            channel,
            contact: Contact::default(),
            company: Company::default(),
            industry: None,
            region: None,
            company_size: None,
            source: Source::default(),
            ownership: None,
            scoring_model: ScoringModel::default_model(vec![], vec![]),
            at: now,
        };
        let converted = LeadEvent::Converted {
            customer: ConvertTo::NewCustomer(CustomerId(Uuid::from_u128(0xc0_0000 + lead))),
            contact_id: ContactId(Uuid::from_u128(0xc0c0_0000 + lead)),
            opportunity_id: deal_id(deal),
            contact: Contact::default(),
            company: Company::default(),
            ownership: Ownership { owner: ALICE, team: Some(EAST) },
            at: now,
        };
        for event in [captured, converted] {
            self.append("lead", lead_id.0, event.event_type(), &event);
        }
    }

    /// The customer accepts a quote for deal `deal` at `total`. Written as the event directly:
    /// the quote's own rules (pricing, approval, sending) are not what these tests are about.
    pub fn quote_accepted(&mut self, deal: u128, total: Money) {
        let quote_id = QuoteId(Uuid::from_u128(0x9007_0000 + deal));
        let now = self.clock.now_utc();
        let accepted = QuoteEvent::Accepted {
            version: 1,
            opportunity_id: deal_id(deal),
            total,
            on: now.date_naive(),
            at: now,
        };
        self.append("quote", quote_id.0, accepted.event_type(), &accepted);
    }

    /// Sets `rep`'s quota for `period`, as an admin.
    pub fn quota(&mut self, rep: UserId, period: &str, amount: Money) {
        let period = QuotaPeriod(period.into());
        let stream = ltc_domain::quota::QuotaId::of(rep, &period).0;
        let command =
            QuotaCommand::Set { rep, team: Some(EAST), period, amount, commission_bps: Bps(500) };
        self.decide::<QuotaDecider>("quota", stream, &command, admin(), |event| event.event_type());
    }

    /// Replays the stream, decides `command` on it and appends what the decider says.
    fn decide<D: Decider>(
        &mut self,
        kind: &str,
        id: Uuid,
        command: &D::Command,
        actor: Actor,
        event_type: fn(&D::Event) -> &'static str,
    ) where
        D::Event: Serialize + DeserializeOwned,
        D::Error: std::fmt::Debug,
    {
        let stream = StreamId::new(kind, id).expect("stream id");
        let history: Vec<D::Event> = self
            .store
            .read_stream(&stream, 1)
            .expect("read stream")
            .iter()
            .map(|recorded| codec::decode(recorded.codec, &recorded.payload).expect("decode"))
            .collect();
        let state = D::replay(&history);
        let context = Context { actor, occurred_at: self.clock.now_utc() };
        let events = D::decide(&state, command, &context).expect("the command is accepted");
        for event in &events {
            self.append(kind, id, event_type(event), event);
        }
    }

    fn append<E: Serialize>(&mut self, kind: &str, id: Uuid, event_type: &str, event: &E) {
        self.n_appends += 1;
        let (codec, payload) = codec::encode(event).expect("encode");
        let command_id = Uuid::from_u128(0xc033_0000_0000 + self.n_appends);
        let request = AppendRequest {
            stream: StreamId::new(kind, id).expect("stream id"),
            expected: ExpectedVersion::Any,
            events: vec![NewEvent {
                event_id: EventId(Uuid::from_u128(0xe7e7_0000_0000 + self.n_appends)),
                event_type: event_type.into(),
                schema_version: 1,
                occurred_at: self.clock.now_utc(),
                codec,
                payload,
            }],
            metadata: Metadata {
                command_id,
                correlation_id: command_id,
                causation_id: None,
                actor: "tester".into(),
                tenant: "acme".into(),
            },
        };
        self.store.append_blocking(request).expect("append");
        self.clock.advance(TimeDelta::minutes(1));
    }
}

fn admin() -> Actor {
    Actor { user: UserId(Uuid::from_u128(0xad)), role: Role::Admin, team: None }
}

/// 09:00 UTC on `today`.
fn at(today: NaiveDate) -> DateTime<Utc> {
    today.and_hms_opt(9, 0, 0).expect("09:00").and_utc()
}

/// Reads the clock the kit drives.
trait NowUtc {
    fn now_utc(&self) -> DateTime<Utc>;
}

impl NowUtc for ManualClock {
    fn now_utc(&self) -> DateTime<Utc> {
        ltc_eventstore::Clock::now(self)
    }
}
