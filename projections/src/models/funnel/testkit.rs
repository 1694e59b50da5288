//! The kit the funnel, leads and stalled tests share: a real event store and read-model directory
//! in a temporary directory, domain events appended as the engine would store them, and the
//! events themselves built from a few facts. Events are constructed directly (not decided) so a
//! test states exactly the history it means, dates included.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ltc_domain::actor::Ownership;
use ltc_domain::customer::{CustomerEvent, CustomerProfile, Origin, Tier};
use ltc_domain::ids::{CustomerId, LeadId, OpportunityId, QuoteId, TeamId, UserId};
use ltc_domain::lead::scoring::ScoringModel;
use ltc_domain::lead::{Channel, Company, Contact, LeadEvent, Source};
use ltc_domain::money::{Bps, Currency, Money};
use ltc_domain::opportunity::{ForecastCategory, OpportunityEvent, Pipeline, StageKey};
use ltc_domain::quote::{
    CustomerTier, PricedLine, PricingTerms, QuoteEvent, Region as PriceRegion, Sku,
};
use ltc_eventstore::{
    AppendRequest, Clock, Durability, EventId, EventStore, ExpectedVersion, ManualClock, Metadata,
    NewEvent, Position, StoreOptions, StreamId, codec,
};
use rusqlite::Connection;
use serde::Serialize;
use tempfile::TempDir;
use uuid::Uuid;

use crate::{HistoryFeed, Projection, Projector, ProjectorOptions, ReadModels};

// Ids differ in their first eight characters, which the text tables show.
pub const EAST: TeamId = TeamId(Uuid::from_u128(0xea57_0000 << 96));
pub const WEST: TeamId = TeamId(Uuid::from_u128(0x3e57_0000 << 96));
pub const ANA: UserId = UserId(Uuid::from_u128(0x0a2a_0000 << 96));
pub const BEN: UserId = UserId(Uuid::from_u128(0x0be2_0000 << 96));

/// A store and a read-model directory side by side.
pub struct World {
    store: EventStore,
    clock: Arc<ManualClock>,
    dir: TempDir,
    n_appends: u128,
}

impl World {
    pub fn new() -> World {
        let dir = tempfile::tempdir().expect("a temp dir");
        let clock = Arc::new(ManualClock::new(at("2026-01-01")));
        let options = StoreOptions {
            clock: clock.clone(),
            durability: Durability::Normal,
            ..StoreOptions::default()
        };
        let store = EventStore::open(dir.path().join("events.db"), options).expect("store");
        World { store, clock, dir, n_appends: 0 }
    }

    /// Moves the business clock to 09:00 on `date`: the `occurred_at` of what is appended next.
    pub fn on(&mut self, date: &str) {
        self.clock.set(at(date));
    }

    pub fn lead(&mut self, id: LeadId, event: LeadEvent) {
        let event_type = event.event_type();
        let occurred_at = serde_json::to_value(&event).ok().and_then(|json| business_time(&json));
        self.append("lead", id.0, event_type, occurred_at, &event);
    }

    pub fn opportunity(&mut self, id: OpportunityId, event: OpportunityEvent) {
        let event_type = event.event_type();
        let occurred_at = serde_json::to_value(&event).ok().and_then(|json| business_time(&json));
        self.append("opportunity", id.0, event_type, occurred_at, &event);
    }

    pub fn customer(&mut self, id: CustomerId, event: CustomerEvent) {
        let event_type = event.event_type();
        let occurred_at = serde_json::to_value(&event).ok().and_then(|json| business_time(&json));
        self.append("customer", id.0, event_type, occurred_at, &event);
    }

    pub fn quote(&mut self, id: QuoteId, event: QuoteEvent) {
        let event_type = event.event_type();
        let occurred_at = serde_json::to_value(&event).ok().and_then(|json| business_time(&json));
        self.append("quote", id.0, event_type, occurred_at, &event);
    }

    fn append<E: Serialize>(
        &mut self,
        kind: &str,
        id: Uuid,
        event_type: &str,
        occurred_at: Option<DateTime<Utc>>,
        event: &E,
    ) {
        self.n_appends += 1;
        let (codec, payload) = codec::encode(event).expect("the event encodes");
        let command_id = Uuid::from_u128(0xc0 << 112 | self.n_appends);
        let request = AppendRequest {
            stream: StreamId::new(kind, id).expect("a valid stream"),
            expected: ExpectedVersion::Any,
            events: vec![NewEvent {
                event_id: EventId(Uuid::from_u128(0xe0 << 112 | self.n_appends)),
                event_type: event_type.to_owned(),
                schema_version: 1,
                occurred_at: occurred_at.unwrap_or_else(|| self.clock.now()),
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
        self.store.append_blocking(request).expect("the append commits");
    }

    /// Runs `projection` over the whole log in a fresh read-model directory and returns a reader.
    pub fn project(&self, projection: Box<dyn Projection>) -> Connection {
        let name = format!("read_models_{}", self.store.head().position);
        let read_models =
            ReadModels::open(self.dir.path().join(name), self.clock.clone()).expect("read models");
        let mut projector = Projector::open(
            self.store.clone(),
            &read_models,
            vec![projection],
            ProjectorOptions { batch_events: 7, ..ProjectorOptions::default() },
        )
        .expect("a projector");
        let head = Position(self.store.head().position);
        let mut feed = HistoryFeed::new(&self.store, Position(1), head).expect("a feed");
        projector.catch_up(&mut feed).expect("the projection applies the log");
        read_models.reader().expect("a reader")
    }
}

/// The event's own `at`, as the engine's `occurred_at` always is; events without one (an amount
/// change) happen at the clock's time, which [`World::on`] sets.
fn business_time(json: &serde_json::Value) -> Option<DateTime<Utc>> {
    let fields = json.as_object()?.values().next()?;
    serde_json::from_value(fields.get("at")?.clone()).ok()
}

/// 09:00 UTC on `date` (`2026-03-05`).
pub fn at(date: &str) -> DateTime<Utc> {
    let day = day(date);
    Utc.from_utc_datetime(&day.and_hms_opt(9, 0, 0).expect("a time"))
}

pub fn day(date: &str) -> NaiveDate {
    date.parse().expect("an ISO date")
}

pub fn eur(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("EUR").expect("a currency"))
}

pub fn usd(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("USD").expect("a currency"))
}

pub fn owned(owner: UserId, team: TeamId) -> Ownership {
    Ownership { owner, team: Some(team) }
}

pub fn lead_id(n: u128) -> LeadId {
    LeadId(Uuid::from_u128((0x1ead_0000 | n) << 96))
}

pub fn opportunity_id(n: u128) -> OpportunityId {
    OpportunityId(Uuid::from_u128((0x0990_0000 | n) << 96))
}

pub fn customer_id(n: u128) -> CustomerId {
    CustomerId(Uuid::from_u128((0xc057_0000 | n) << 96))
}

pub fn quote_id(n: u128) -> QuoteId {
    QuoteId(Uuid::from_u128((0x9007_0000 | n) << 96))
}

pub fn captured(id: LeadId, channel: Channel, owner: Option<Ownership>, date: &str) -> LeadEvent {
    LeadEvent::Captured {
        lead_id: id,
        channel,
        contact: Contact { name: "Kim".into(), email: Some("kim@example.com".into()), phone: None },
        company: Company::default(),
        industry: Some("software".into()),
        region: Some("emea".into()),
        company_size: None,
        source: Source::default(),
        ownership: owner,
        scoring_model: ScoringModel::default_model(vec![], vec![]),
        at: at(date),
    }
}

pub fn converted(opportunity: OpportunityId, owner: Ownership, date: &str) -> LeadEvent {
    LeadEvent::Converted {
        customer: ltc_domain::lead::ConvertTo::NewCustomer(customer_id(99)),
        contact_id: ltc_domain::ids::ContactId(Uuid::from_u128(0xc0c0)),
        opportunity_id: opportunity,
        contact: Contact::default(),
        company: Company::default(),
        ownership: owner,
        at: at(date),
    }
}

pub fn customer_created(id: CustomerId, industry: &str, region: &str) -> CustomerEvent {
    CustomerEvent::Created {
        customer_id: id,
        profile: CustomerProfile {
            name: "Acme".into(),
            industry: industry.into(),
            region: region.into(),
            tier: Tier::Normal,
            owner: ANA,
            team: Some(EAST),
            credit_limit: eur(0),
        },
        origin: Origin::Direct,
        at: at("2026-01-01"),
    }
}

/// Opened in the default pipeline (qualification, needs analysis, proposal, negotiation; stall
/// after 14, 21, 21 and 30 days).
pub fn opened(
    id: OpportunityId,
    customer: CustomerId,
    owner: Ownership,
    amount: Money,
    date: &str,
) -> OpportunityEvent {
    OpportunityEvent::Opened {
        opportunity_id: id,
        customer_id: customer,
        name: format!("deal {}", id.0.as_u128() >> 96 & 0xff),
        ownership: owner,
        amount,
        expected_close: day(date),
        pipeline: Pipeline::default_sales(),
        stage: StageKey::new("qualification"),
        probability: Bps(1_000),
        forecast_category: ForecastCategory::Pipeline,
        at: at(date),
    }
}

pub fn moved(from: &str, to: &str, date: &str) -> OpportunityEvent {
    OpportunityEvent::StageMoved {
        from: StageKey::new(from),
        to: StageKey::new(to),
        probability: Bps(5_000),
        forecast_category: ForecastCategory::BestCase,
        at: at(date),
    }
}

pub fn won(amount: Money, date: &str) -> OpportunityEvent {
    OpportunityEvent::Won { stage: StageKey::new("closed_won"), amount, at: at(date) }
}

pub fn lost(date: &str) -> OpportunityEvent {
    OpportunityEvent::Lost {
        stage: StageKey::new("closed_lost"),
        reason: "price".into(),
        competitor: None,
        at: at(date),
    }
}

/// A quote whose lines are `(sku, amount in cents)`.
pub fn quote_created(opportunity: OpportunityId, lines: &[(&str, i64)], date: &str) -> QuoteEvent {
    let lines: Vec<PricedLine> = lines
        .iter()
        .enumerate()
        .map(|(index, (sku, amount_minor))| PricedLine {
            line_no: index as u32 + 1,
            sku: Sku((*sku).to_owned()),
            product_name: (*sku).to_owned(),
            unit: "each".into(),
            quantity: 1,
            options: vec![],
            manual_discount_bps: Bps::ZERO,
            waterfall: vec![],
            amount: eur(*amount_minor),
        })
        .collect();
    let total = eur(lines.iter().map(|line| line.amount.amount_minor).sum());
    QuoteEvent::Created {
        quote_id: quote_id(0),
        opportunity_id: opportunity,
        customer_id: customer_id(0),
        ownership: owned(ANA, EAST),
        version: 1,
        terms: PricingTerms {
            currency: total.currency,
            region: PriceRegion("emea".into()),
            tier: CustomerTier("normal".into()),
            pricing_date: day(date),
        },
        valid_until: day(date),
        catalog_version: "1".into(),
        lines,
        total,
        at: at(date),
    }
}
