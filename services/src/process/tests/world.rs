//! The cast the placement, settlement and follow-up tests share: a real store in a temporary
//! directory, a command path per aggregate, a rep who opens a deal and gets its quote accepted,
//! and finance who invoices and books what the customer pays.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{NaiveDate, TimeZone, Utc};
use ltc_domain::actor::{Actor, Role};
use ltc_domain::ids::{CustomerId, OpportunityId, QuoteId, TeamId, UserId};
use ltc_domain::money::{Bps, Currency, Money};
use ltc_domain::opportunity::{OpportunityCommand, OpportunityDecider, OpportunityState, Pipeline};
use ltc_domain::order::{InvoiceId, LineQuantity, Order, OrderCommand, OrderDecider, OrderState};
use ltc_domain::payment::{PaymentCommand, PaymentDecider, PaymentMethod, ReceiptId};
use ltc_domain::quote::{
    ApprovalPolicy, Catalog, CustomerTier, LineInput, PriceBook, PriceBookEntry, PriceBookId,
    PricingData, PricingTerms, Product, QuoteCommand, QuoteDecider, Region, Sku,
};
use ltc_eventstore::{EventStore, ManualClock, StoreOptions};
use uuid::Uuid;

use crate::command::{Aggregate, CommandMeta, CommandPath, Executed};
use crate::process::Invoicing;

pub const REP: UserId = UserId(Uuid::from_u128(0xa11ce));
pub const TEAM: TeamId = TeamId(Uuid::from_u128(0x7ea3));
pub const CUSTOMER: CustomerId = CustomerId(Uuid::from_u128(0xc057));
pub const DEAL: OpportunityId = OpportunityId(Uuid::from_u128(0xdea1));
pub const QUOTE: QuoteId = QuoteId(Uuid::from_u128(0x9007e));
/// The quote's two lines: 10 licences at 100.00 and 4 training days at 500.00.
pub const LICENCE: &str = "LIC-1";
pub const TRAINING: &str = "TRAIN-D";

pub fn eur(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("EUR").unwrap())
}

/// A day of April 2026, when the tests' business happens.
pub fn april(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, day).unwrap()
}

pub fn invoice_id(n: u128) -> InvoiceId {
    InvoiceId(Uuid::from_u128(0x1a70 + n))
}

#[derive(Debug)]
pub struct World {
    _dir: tempfile::TempDir,
    pub store: EventStore,
    pub opportunities: Arc<CommandPath<OpportunityDecider>>,
    pub quotes: Arc<CommandPath<QuoteDecider>>,
    pub orders: Arc<CommandPath<OrderDecider>>,
    pub payments: Arc<CommandPath<PaymentDecider>>,
    n_commands: AtomicU64,
}

impl World {
    pub fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let start = Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
        let store = EventStore::open(dir.path().join("events.db"), options).unwrap();
        let dyn_clock: Arc<dyn ltc_eventstore::Clock> = clock.clone();
        World {
            opportunities: Arc::new(CommandPath::new(store.clone(), dyn_clock.clone())),
            quotes: Arc::new(CommandPath::new(store.clone(), dyn_clock.clone())),
            orders: Arc::new(CommandPath::new(store.clone(), dyn_clock.clone())),
            payments: Arc::new(CommandPath::new(store.clone(), dyn_clock)),
            _dir: dir,
            store,
            n_commands: AtomicU64::new(0),
        }
    }

    /// The log's head position: the number of events appended so far.
    pub fn head(&self) -> u64 {
        self.store.head().position
    }

    /// Sends `command` to aggregate `id` as someone in `role` of the rep's team, at the clock's
    /// time; refusals fail the test.
    pub async fn send<A: Aggregate>(
        &self,
        path: &CommandPath<A>,
        id: Uuid,
        command: &A::Command,
        role: Role,
    ) -> Executed {
        let n = self.n_commands.fetch_add(1, Ordering::Relaxed);
        let meta = CommandMeta {
            command_id: Uuid::from_u128(0xc0de_0000 + u128::from(n)),
            correlation_id: DEAL.0,
            causation_id: None,
            actor: Actor { user: REP, role, team: Some(TEAM) },
            tenant: "acme".into(),
            expected_version: None,
        };
        path.execute(id, command, &meta).await.unwrap()
    }

    /// The rep opens the deal in qualification.
    pub async fn open_deal(&self) {
        let open = OpportunityCommand::Open {
            opportunity_id: DEAL,
            customer_id: CUSTOMER,
            name: "ACME rollout".into(),
            owner: REP,
            team: Some(TEAM),
            amount: eur(300_000),
            expected_close: april(30),
            pipeline: Pipeline::default_sales(),
        };
        self.send(&self.opportunities, DEAL.0, &open, Role::SalesRep).await;
    }

    pub async fn opportunity(&self, command: OpportunityCommand) {
        self.send(&self.opportunities, DEAL.0, &command, Role::SalesRep).await;
    }

    /// The deal's quote for 10 licences and 4 training days, priced, approved within the rep's
    /// limits, sent and accepted.
    pub async fn accept_quote(&self) {
        let line = |sku: &str, quantity| LineInput {
            sku: Sku::new(sku),
            quantity,
            options: vec![],
            manual_discount_bps: Bps(0),
        };
        let create = QuoteCommand::Create {
            quote_id: QUOTE,
            opportunity_id: DEAL,
            customer_id: CUSTOMER,
            owner: REP,
            team: Some(TEAM),
            terms: PricingTerms {
                currency: Currency::new("EUR").unwrap(),
                region: Region("emea".into()),
                tier: CustomerTier("normal".into()),
                pricing_date: april(1),
            },
            valid_until: april(30),
            lines: vec![line(LICENCE, 10), line(TRAINING, 4)],
            pricing: pricing(),
        };
        let submit = QuoteCommand::Submit { policy: ApprovalPolicy::default() };
        let send = QuoteCommand::Send { on: april(1) };
        let accept = QuoteCommand::Accept { on: april(2), opportunity_has_accepted_quote: None };
        for command in [create, submit, send, accept] {
            self.send(&self.quotes, QUOTE.0, &command, Role::SalesRep).await;
        }
    }

    /// Finance invoices `lines` of order `order` as invoice `n`, and the invoicing process
    /// manager opens its receivable.
    pub async fn invoice(&self, order: Uuid, n: u128, lines: Vec<LineQuantity>) {
        let invoice =
            OrderCommand::Invoice { invoice_id: invoice_id(n), lines, base_date: april(3) };
        self.send(&self.orders, order, &invoice, Role::Finance).await;
        let invoicing = Invoicing::new(self.store.clone(), self.payments.clone());
        invoicing.run_from(ltc_eventstore::Position::START).await.unwrap();
    }

    /// The customer pays `amount_minor` on invoice `n`'s receivable on `day`.
    pub async fn pay(&self, n: u128, amount_minor: i64, day: NaiveDate) {
        let receivable = Invoicing::receivable_of(invoice_id(n).0);
        let receive = PaymentCommand::ReceivePayment {
            receipt_id: ReceiptId(Uuid::from_u128(0x4ec0_0000 + n)),
            amount: eur(amount_minor),
            method: PaymentMethod::BankTransfer,
            reference: format!("remittance {n}"),
            received_on: day,
        };
        self.send(&self.payments, receivable.0, &receive, Role::Finance).await;
    }

    pub fn order(&self, id: Uuid) -> Order {
        match self.orders.state_of(id).unwrap() {
            OrderState::Placed(order) => *order,
            OrderState::NotPlaced => panic!("order {id} was placed"),
        }
    }

    pub fn deal(&self) -> ltc_domain::opportunity::Opportunity {
        match self.opportunities.state_of(DEAL.0).unwrap() {
            OpportunityState::Opened(opportunity) => opportunity,
            OpportunityState::NotOpened => panic!("the deal was opened"),
        }
    }
}

/// One catalog and one price book: licences at 100.00, training days at 500.00.
fn pricing() -> PricingData {
    let product = |sku: &str, list_minor| Product {
        sku: Sku::new(sku),
        name: sku.into(),
        list_price: eur(list_minor),
        unit: "unit".into(),
        options: vec![],
        rules: vec![],
        quantity_min: 1,
        quantity_max: 1_000,
    };
    let entry = |sku: &str, unit_minor| PriceBookEntry {
        sku: Sku::new(sku),
        unit_price: eur(unit_minor),
        volume: None,
    };
    PricingData {
        catalog: Catalog {
            version: "2026.1".into(),
            products: vec![product(LICENCE, 10_000), product(TRAINING, 50_000)],
        },
        price_books: vec![PriceBook {
            id: PriceBookId("emea-list".into()),
            currency: Currency::new("EUR").unwrap(),
            region: Region("emea".into()),
            tier: None,
            valid_from: april(1),
            valid_until: april(30),
            entries: vec![entry(LICENCE, 10_000), entry(TRAINING, 50_000)],
        }],
        promotions: vec![],
    }
}
