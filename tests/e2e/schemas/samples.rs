//! Real JSON to hold the committed schemas to: the events of a generated history (what the
//! deciders emit for the demo company), a lead worked from capture to conversion through its
//! decider, and commands as a client sends them.

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use ltc_domain::actor::{Actor, Role};
use ltc_domain::customer::{CustomerCommand, CustomerDecider, CustomerProfile, Origin, Tier};
use ltc_domain::decider::{Context, Decider};
use ltc_domain::ids::{ContactId, CustomerId, LeadId, OpportunityId, OrderId, QuoteId, UserId};
use ltc_domain::lead::scoring::ScoringModel;
use ltc_domain::lead::{
    ActivityKind, Channel, CompanySize, Contact, ConvertTo, LeadCommand, LeadDecider, LeadEvent,
    Source,
};
use ltc_domain::money::{Bps, Currency, Money};
use ltc_domain::opportunity::{OpportunityDecider, StageKey};
use ltc_domain::order::OrderDecider;
use ltc_domain::payment::PaymentDecider;
use ltc_domain::quota::QuotaDecider;
use ltc_domain::quote::{LineInput, QuoteDecider, Sku};
use ltc_eventstore::{EventStore, ManualClock, Position, RecordedEvent, StoreOptions, codec};
use ltc_services::command::Aggregate;
use ltc_services::engine::{Command, OpportunityRequest, OrderRequest, QuoteRequest};
use ltc_services::generator::{Scale, generate};
use serde_json::{Value, json};
use uuid::Uuid;

/// Any seed gives a history with every kind of stream the generator writes; this one is fixed
/// so a failure names the same event on every run.
const HISTORY_SEED: u64 = 20_260_105;

/// One stored event, as JSON.
#[derive(Debug)]
pub struct SampleEvent {
    pub kind: String,
    pub event_type: String,
    pub schema_version: u32,
    pub position: u64,
    pub json: Value,
}

/// Every event of a small generated history, in position order.
pub async fn generated_history() -> Vec<SampleEvent> {
    let dir = tempfile::tempdir().expect("a temp dir");
    let start = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
    let store = EventStore::open(dir.path().join("events.db"), options).expect("the store opens");
    generate(&store, clock, HISTORY_SEED, Scale::Small).await.expect("the history generates");
    store
        .read_all(Position::START, u64::MAX)
        .map(|recorded| {
            let recorded = recorded.expect("the log reads");
            let json = match recorded.stream.kind.as_str() {
                "lead" => payload_json::<LeadDecider>(&recorded),
                "customer" => payload_json::<CustomerDecider>(&recorded),
                "opportunity" => payload_json::<OpportunityDecider>(&recorded),
                "quote" => payload_json::<QuoteDecider>(&recorded),
                "order" => payload_json::<OrderDecider>(&recorded),
                "payment" => payload_json::<PaymentDecider>(&recorded),
                "quota" => payload_json::<QuotaDecider>(&recorded),
                other => panic!("stream kind {other} has no event schema"),
            };
            SampleEvent {
                kind: recorded.stream.kind.as_str().to_owned(),
                event_type: recorded.event_type.clone(),
                schema_version: recorded.schema_version,
                position: recorded.position.0,
                json,
            }
        })
        .collect()
}

/// The stored payload as the JSON the schema describes.
fn payload_json<A: Aggregate>(recorded: &RecordedEvent) -> Value {
    let event: A::Event = codec::decode(recorded.codec, &recorded.payload)
        .unwrap_or_else(|error| panic!("event at {} does not decode: {error}", recorded.position));
    assert_eq!(A::event_type(&event), recorded.event_type, "at {}", recorded.position);
    serde_json::to_value(&event).expect("an event serialises")
}

/// A lead captured from a web form, assigned, called, qualified and converted, decided by the
/// lead's own rules.
pub fn lead_events() -> Vec<LeadEvent> {
    let lead_id = LeadId(Uuid::from_u128(0x1ead));
    let alice = UserId(Uuid::from_u128(0xa11ce));
    let capture = LeadCommand::Capture {
        lead_id,
        channel: Channel::WebForm,
        contact: Contact {
            name: "Ada Lovelace".into(),
            email: Some("ada@example.com".into()),
            phone: Some("+44 20 7946 0958".into()),
        },
        company_name: Some("Example Ltd".into()),
        website: Some("https://www.example.com".into()),
        industry: Some("software".into()),
        region: Some("emea".into()),
        company_size: Some(CompanySize::Medium),
        source: Source { utm_source: Some("newsletter".into()), ..Source::default() },
        owner: None,
        duplicate_of: None,
        scoring_model: ScoringModel::default_model(vec!["software".into()], vec![]),
    };
    let commands = [
        capture,
        LeadCommand::Assign { owner: alice, team: None, rule: Some("round robin".into()) },
        LeadCommand::LogActivity { kind: ActivityKind::Call, summary: "first call".into() },
        LeadCommand::Qualify,
        LeadCommand::Convert {
            customer: ConvertTo::NewCustomer(CustomerId(Uuid::from_u128(0xac3e))),
            contact_id: ContactId(Uuid::from_u128(0xc0)),
            opportunity_id: OpportunityId(Uuid::from_u128(0xdea1)),
        },
    ];
    let context = Context {
        actor: Actor { user: alice, role: Role::Admin, team: None },
        occurred_at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(),
    };
    let mut state = Default::default();
    let mut events = Vec::new();
    for command in &commands {
        let decided = LeadDecider::decide(&state, command, &context)
            .unwrap_or_else(|error| panic!("{command:?} was refused: {error}"));
        for event in decided {
            state = LeadDecider::evolve(state, &event);
            events.push(event);
        }
    }
    events
}

/// Commands a client sends to open a customer's deal and take it to an order.
pub fn client_commands() -> Vec<Command> {
    let eur = |amount_minor| Money::new(amount_minor, Currency::new("EUR").expect("a currency"));
    let customer_id = CustomerId(Uuid::from_u128(0xac3e));
    let opportunity_id = OpportunityId(Uuid::from_u128(0xdea1));
    let quote_id = QuoteId(Uuid::from_u128(0x9007e));
    let alice = UserId(Uuid::from_u128(0xa11ce));
    let profile = CustomerProfile {
        name: "ACME Tools".into(),
        industry: "manufacturing".into(),
        region: "north".into(),
        tier: Tier::Key,
        owner: alice,
        team: None,
        credit_limit: eur(10_000_000),
    };
    let line = LineInput {
        sku: Sku::new("CRM-SEAT"),
        quantity: 10,
        options: vec![],
        manual_discount_bps: Bps(500),
    };
    vec![
        Command::Customer {
            customer_id,
            command: CustomerCommand::Create { customer_id, profile, origin: Origin::Direct },
        },
        Command::Opportunity {
            opportunity_id,
            command: OpportunityRequest::Open {
                customer_id,
                name: "ACME seats".into(),
                owner: alice,
                team: None,
                amount: eur(1_000_000),
                expected_close: NaiveDate::from_ymd_opt(2026, 5, 29).unwrap(),
            },
        },
        Command::Opportunity {
            opportunity_id,
            command: OpportunityRequest::MoveStage { to: StageKey::new("proposal") },
        },
        Command::Quote {
            quote_id,
            command: QuoteRequest::Create {
                opportunity_id,
                currency: None,
                valid_until: None,
                lines: vec![line],
            },
        },
        Command::Quote { quote_id, command: QuoteRequest::Submit },
        Command::Order {
            order_id: OrderId(Uuid::from_u128(0x04de)),
            command: OrderRequest::Place { quote_id, payment_terms: None },
        },
    ]
}

/// Commands carrying facts only the engine may fill in (a price book, an approval policy, a
/// business date), or naming no aggregate it knows.
pub fn forged_commands() -> Vec<Value> {
    let quote_id = "00000000-0000-0000-0000-00000009007e";
    let opportunity_id = "00000000-0000-0000-0000-00000000dea1";
    vec![
        json!({"Quote": {"quote_id": quote_id, "command": {"Create": {
            "opportunity_id": opportunity_id, "currency": null, "valid_until": null,
            "lines": [], "pricing": {}}}}}),
        json!({"Quote": {"quote_id": quote_id, "command": {"Submit": {"policy": {}}}}}),
        json!({"Quote": {"quote_id": quote_id, "command": {"Accept": {"on": "2020-01-01"}}}}),
        json!({"Order": {"order_id": quote_id, "command": {"Invoice": {
            "invoice_id": quote_id, "lines": [], "base_date": "2020-01-01"}}}}),
        json!({"Quote": {"quote_id": quote_id, "command": "Submit", "actor": "admin"}}),
        json!({"Invoice": {"invoice_id": quote_id}}),
    ]
}
