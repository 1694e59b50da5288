//! The process managers against a real store: each does its job once, and running it again from
//! position 1 appends nothing. This file holds invoicing and conversion and the cast the others
//! share (`world.rs`); placement, settlement and follow-ups have a file each.

mod follow_up;
mod placement;
mod settlement;
mod world;

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use ltc_domain::actor::{Actor, Role};
use ltc_domain::ids::{CustomerId, OrderId, QuoteId, TeamId, UserId};
use ltc_domain::money::{Bps, Currency, Money};
use ltc_domain::order::{
    AcceptedQuote, InvoiceId, LineQuantity, OrderCommand, OrderDecider, PaymentTerms, PricedLine,
    TermPart,
};
use ltc_domain::payment::{PaymentDecider, PaymentEvent};
use ltc_eventstore::{EventStore, ManualClock, Position, StoreOptions, StreamId, codec};
use uuid::Uuid;

use super::Invoicing;
use crate::command::{CommandMeta, CommandPath};

const REP: UserId = UserId(Uuid::from_u128(0xa11ce));
const ORDER: Uuid = Uuid::from_u128(0x04de4);
const INVOICE: Uuid = Uuid::from_u128(0x1a7);

fn eur(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("EUR").unwrap())
}

fn meta(n: u128, role: Role) -> CommandMeta {
    CommandMeta {
        command_id: Uuid::from_u128(0xc0_0000 + n),
        correlation_id: Uuid::from_u128(0xc0_0000 + n),
        causation_id: None,
        actor: Actor { user: REP, role, team: Some(TeamId(Uuid::from_u128(7))) },
        tenant: "acme".into(),
        expected_version: None,
    }
}

fn place() -> OrderCommand {
    let line = PricedLine {
        sku: "LIC-1".into(),
        quantity: 10,
        unit_price: eur(10_000),
        line_total: eur(100_000),
    };
    OrderCommand::Place {
        order_id: OrderId(ORDER),
        quote: AcceptedQuote {
            quote_id: QuoteId(Uuid::from_u128(0x9)),
            version: 1,
            customer_id: CustomerId(Uuid::from_u128(0xac3e)),
            owner: REP,
            team: Some(TeamId(Uuid::from_u128(7))),
            currency: Currency::new("EUR").unwrap(),
            lines: vec![line],
            total: eur(100_000),
        },
        payment_terms: PaymentTerms {
            parts: vec![
                TermPart { share: Bps(3_000), days_after: 0 },
                TermPart { share: Bps(7_000), days_after: 30 },
            ],
        },
    }
}

#[tokio::test]
async fn an_invoice_opens_its_receivable_once_with_the_invoice_instalments() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap()));
    let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
    let store = EventStore::open(dir.path().join("events.db"), options).unwrap();
    let orders: CommandPath<OrderDecider> = CommandPath::new(store.clone(), clock.clone());
    orders.execute(ORDER, &place(), &meta(1, Role::SalesRep)).await.unwrap();
    orders.execute(ORDER, &OrderCommand::Confirm, &meta(2, Role::SalesRep)).await.unwrap();
    let invoice = OrderCommand::Invoice {
        invoice_id: InvoiceId(INVOICE),
        lines: vec![LineQuantity { line: 0, quantity: 10 }],
        base_date: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
    };
    orders.execute(ORDER, &invoice, &meta(3, Role::Finance)).await.unwrap();

    let payments = Arc::new(CommandPath::<PaymentDecider>::new(store.clone(), clock.clone()));
    let invoicing = Invoicing::new(store.clone(), payments.clone());
    assert_eq!(invoicing.run_from(Position::START).await.unwrap(), 1);
    let head = store.head().position;
    assert_eq!(invoicing.run_from(Position::START).await.unwrap(), 0, "a rerun opens nothing");
    assert_eq!(store.head().position, head, "and appends nothing");

    let receivable = Invoicing::receivable_of(INVOICE);
    let stream = StreamId::new("payment", receivable.0).unwrap();
    let recorded = store.read_stream(&stream, 1).unwrap();
    assert_eq!(recorded.len(), 1);
    let PaymentEvent::ReceivableOpened { total, schedule, .. } =
        codec::decode(recorded[0].codec, &recorded[0].payload).unwrap()
    else {
        panic!("the payment stream opens with its receivable");
    };
    assert_eq!(total, eur(100_000));
    let due: Vec<(NaiveDate, i64)> =
        schedule.iter().map(|line| (line.due_on, line.amount.amount_minor)).collect();
    assert_eq!(
        due,
        [
            (NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(), 30_000),
            (NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(), 70_000)
        ]
    );
    let order_stream = StreamId::new("order", ORDER).unwrap();
    let invoiced_event = &store.read_stream(&order_stream, 3).unwrap()[0];
    assert_eq!(recorded[0].metadata.causation_id, Some(invoiced_event.event_id.0));
}

mod conversion {
    //! Lead converted → customer, contact and opportunity, each once.

    use std::sync::Arc;

    use ltc_domain::actor::{Actor, Role};
    use ltc_domain::customer::{CustomerDecider, CustomerState};
    use ltc_domain::ids::{ContactId, CustomerId, LeadId, OpportunityId, TeamId, UserId};
    use ltc_domain::lead::scoring::ScoringModel;
    use ltc_domain::lead::{
        Channel, CompanySize, Contact, ConvertTo, LeadCommand, LeadDecider, Source,
    };
    use ltc_domain::money::Currency;
    use ltc_domain::opportunity::{OpportunityDecider, OpportunityState, Pipeline};
    use ltc_eventstore::{EventStore, ManualClock, Position, StoreOptions, StreamId};
    use uuid::Uuid;

    use crate::command::{CommandMeta, CommandPath};
    use crate::process::{Conversion, ConversionDefaults};

    const MANAGER: UserId = UserId(Uuid::from_u128(0x3a7a));
    const REP: UserId = UserId(Uuid::from_u128(0xa11ce));
    const TEAM: TeamId = TeamId(Uuid::from_u128(0x7ea3));
    const LEAD: Uuid = Uuid::from_u128(0x1ead);
    const CUSTOMER: Uuid = Uuid::from_u128(0xc057);
    const DEAL: Uuid = Uuid::from_u128(0xdea1);

    fn meta(n: u128, user: UserId, role: Role) -> CommandMeta {
        CommandMeta {
            command_id: Uuid::from_u128(0xd0_0000 + n),
            correlation_id: Uuid::from_u128(0xd0_0000 + n),
            causation_id: None,
            actor: Actor { user, role, team: Some(TEAM) },
            tenant: "acme".into(),
            expected_version: None,
        }
    }

    fn capture() -> LeadCommand {
        LeadCommand::Capture {
            lead_id: LeadId(LEAD),
            channel: Channel::WebForm,
            contact: Contact {
                name: "Ada Lovelace".into(),
                email: Some("ada@example.com".into()),
                phone: None,
            },
            company_name: Some("Example Ltd".into()),
            website: Some("https://example.com".into()),
            industry: Some("software".into()),
            region: Some("emea".into()),
            company_size: Some(CompanySize::Medium),
            source: Source::default(),
            owner: None,
            duplicate_of: None,
            scoring_model: ScoringModel::default_model(vec!["software".into()], vec![]),
        }
    }

    #[tokio::test]
    async fn a_converted_lead_becomes_a_customer_a_contact_and_an_opportunity_once() {
        let dir = tempfile::tempdir().unwrap();
        let start = chrono::DateTime::from_timestamp(1_775_000_000, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
        let store = EventStore::open(dir.path().join("events.db"), options).unwrap();
        let leads: CommandPath<LeadDecider> = CommandPath::new(store.clone(), clock.clone());
        leads.execute(LEAD, &capture(), &meta(1, MANAGER, Role::SalesManager)).await.unwrap();
        let assign = LeadCommand::Assign { owner: REP, team: Some(TEAM), rule: None };
        leads.execute(LEAD, &assign, &meta(2, MANAGER, Role::SalesManager)).await.unwrap();
        leads.execute(LEAD, &LeadCommand::Qualify, &meta(3, REP, Role::SalesRep)).await.unwrap();
        let convert = LeadCommand::Convert {
            customer: ConvertTo::NewCustomer(CustomerId(CUSTOMER)),
            contact_id: ContactId(Uuid::from_u128(0xc0de)),
            opportunity_id: OpportunityId(DEAL),
        };
        leads.execute(LEAD, &convert, &meta(4, REP, Role::SalesRep)).await.unwrap();

        let customers = Arc::new(CommandPath::<CustomerDecider>::new(store.clone(), clock.clone()));
        let opportunities =
            Arc::new(CommandPath::<OpportunityDecider>::new(store.clone(), clock.clone()));
        let defaults = ConversionDefaults {
            currency: Currency::new("EUR").unwrap(),
            pipeline: Pipeline::default_sales(),
        };
        let conversion = Conversion::new(store.clone(), customers, opportunities, defaults);
        assert_eq!(conversion.run_from(Position::START).await.unwrap(), 3);
        let head = store.head().position;
        assert_eq!(conversion.run_from(Position::START).await.unwrap(), 0);
        assert_eq!(store.head().position, head, "a rerun appends nothing");

        let cold_customers = CommandPath::<CustomerDecider>::new(store.clone(), clock.clone());
        let CustomerState::Created(customer) = cold_customers.state_of(CUSTOMER).unwrap() else {
            panic!("the customer was created");
        };
        assert_eq!(customer.name, "Example Ltd");
        assert_eq!(customer.ownership.owner, REP);
        assert_eq!(customer.contacts.len(), 1);
        let cold_opportunities = CommandPath::<OpportunityDecider>::new(store.clone(), clock);
        let OpportunityState::Opened(opportunity) = cold_opportunities.state_of(DEAL).unwrap()
        else {
            panic!("the opportunity was opened");
        };
        assert_eq!(opportunity.customer_id, CustomerId(CUSTOMER));
        assert_eq!(opportunity.ownership.owner, REP);
        let stream = StreamId::new("opportunity", DEAL).unwrap();
        assert_eq!(store.read_stream(&stream, 1).unwrap()[0].metadata.tenant, "acme");
    }
}
