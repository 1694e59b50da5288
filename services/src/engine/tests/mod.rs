//! The engine against a real store: what a client sends is completed with what the shell knows,
//! never with what the client claims, and every refusal is typed and appends nothing.

mod authorization;
mod leads;
mod orders;
mod payments;
mod quotes;
mod wire;

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use ltc_domain::actor::{Actor, Role};
use ltc_domain::customer::{CustomerCommand, CustomerProfile, Origin, Tier};
use ltc_domain::ids::{CustomerId, OpportunityId, QuoteId, TeamId, UserId};
use ltc_domain::money::{Bps, Currency, Money};
use ltc_domain::quote::{LineInput, Sku};
use ltc_eventstore::{EventStore, ManualClock, StoreOptions, StreamId, codec};
use uuid::Uuid;

use super::{Command, Engine, OpportunityRequest, QuoteRequest, Settings};
use crate::command::{Aggregate, CommandMeta, Executed};
use crate::generator::catalog::SEAT;

const ALICE: UserId = UserId(Uuid::from_u128(0xa11ce));
const MARA: UserId = UserId(Uuid::from_u128(0x3a7a));
const EAST: TeamId = TeamId(Uuid::from_u128(0xea57));
const ACME: CustomerId = CustomerId(Uuid::from_u128(0xac3e));
const DEAL: OpportunityId = OpportunityId(Uuid::from_u128(0xdea1));
const QUOTE: QuoteId = QuoteId(Uuid::from_u128(0x9007e));

struct Fixture {
    engine: Engine,
    store: EventStore,
    clock: Arc<ManualClock>,
    next_command: u128,
    _dir: tempfile::TempDir,
}

fn eur(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("EUR").expect("EUR is a currency"))
}

fn rep() -> Actor {
    Actor { user: ALICE, role: Role::SalesRep, team: Some(EAST) }
}

fn manager() -> Actor {
    Actor { user: MARA, role: Role::SalesManager, team: Some(EAST) }
}

fn seats(quantity: u32, manual_discount_bps: u32) -> LineInput {
    LineInput {
        sku: Sku::new(SEAT),
        quantity,
        options: vec![],
        manual_discount_bps: Bps(manual_discount_bps),
    }
}

/// A store whose clock stands at 2 March 2026, 09:00, and an engine selling the generator's
/// catalog under the default settings.
fn fixture() -> Fixture {
    fixture_with(|_| {})
}

fn fixture_with(adjust: impl FnOnce(&mut Settings)) -> Fixture {
    let dir = tempfile::tempdir().expect("a temp dir");
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()));
    let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
    let store = EventStore::open(dir.path().join("events.db"), options).expect("the store opens");
    let mut settings = crate::generator::demo_settings();
    adjust(&mut settings);
    let engine = Engine::open(store.clone(), clock.clone(), settings).expect("the engine opens");
    Fixture { engine, store, clock, next_command: 0, _dir: dir }
}

/// The last event of aggregate `id`'s stream.
fn last_event<A: Aggregate>(fixture: &Fixture, id: Uuid) -> A::Event {
    let stream = StreamId::new(A::KIND, id).expect("a valid stream");
    let recorded = fixture.store.read_stream(&stream, 1).expect("the stream reads");
    let last = recorded.last().expect("the stream has events");
    codec::decode(last.codec, &last.payload).expect("the event decodes")
}

impl Fixture {
    fn today(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
    }

    fn meta(&mut self, actor: Actor) -> CommandMeta {
        self.next_command += 1;
        let command_id = Uuid::from_u128(0xc0_0000 + self.next_command);
        CommandMeta {
            command_id,
            correlation_id: command_id,
            causation_id: None,
            actor,
            tenant: "acme".into(),
            expected_version: None,
        }
    }

    async fn send(
        &mut self,
        actor: Actor,
        command: Command,
    ) -> Result<Executed, super::EngineError> {
        let meta = self.meta(actor);
        self.engine.execute(command, &meta).await
    }

    async fn ok(&mut self, actor: Actor, command: Command) -> Executed {
        match self.send(actor, command.clone()).await {
            Ok(executed) => executed,
            Err(error) => panic!("{command:?} was refused: {error}"),
        }
    }

    /// ACME (key tier, region north) owned by Alice, with deal DEAL open for 10,000.00 EUR.
    async fn customer_with_deal(&mut self) {
        let profile = CustomerProfile {
            name: "ACME Tools".into(),
            industry: "manufacturing".into(),
            region: "north".into(),
            tier: Tier::Key,
            owner: ALICE,
            team: Some(EAST),
            credit_limit: eur(10_000_000),
        };
        let create = CustomerCommand::Create { customer_id: ACME, profile, origin: Origin::Direct };
        self.ok(rep(), Command::Customer { customer_id: ACME, command: create }).await;
        let open = OpportunityRequest::Open {
            customer_id: ACME,
            name: "ACME seats".into(),
            owner: ALICE,
            team: Some(EAST),
            amount: eur(1_000_000),
            expected_close: NaiveDate::from_ymd_opt(2026, 5, 29).unwrap(),
        };
        self.ok(rep(), Command::Opportunity { opportunity_id: DEAL, command: open }).await;
    }

    /// Quote `quote_id` for DEAL with these lines, created and submitted by Alice.
    async fn submitted_quote(&mut self, quote_id: QuoteId, lines: Vec<LineInput>) {
        let create =
            QuoteRequest::Create { opportunity_id: DEAL, currency: None, valid_until: None, lines };
        self.ok(rep(), Command::Quote { quote_id, command: create }).await;
        self.ok(rep(), Command::Quote { quote_id, command: QuoteRequest::Submit }).await;
    }

    /// Quote `quote_id` for DEAL within Alice's limits, sent and accepted.
    async fn accepted_quote(&mut self, quote_id: QuoteId) {
        self.submitted_quote(quote_id, vec![seats(10, 0)]).await;
        self.ok(rep(), Command::Quote { quote_id, command: QuoteRequest::Send }).await;
        self.ok(rep(), Command::Quote { quote_id, command: QuoteRequest::Accept }).await;
    }
}
