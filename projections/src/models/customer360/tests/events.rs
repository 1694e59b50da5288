//! Domain events for the tests, built directly with the fields each test cares about and
//! plausible values for the rest. Ids are small numbers, so a failing test names them plainly.

use chrono::{DateTime, NaiveDate, Utc};
use ltc_domain::actor::Ownership;
use ltc_domain::customer::{CustomerEvent, CustomerProfile, Origin, Tier};
use ltc_domain::ids::{
    ContactId, CustomerId, LeadId, OpportunityId, OrderId, PaymentId, QuoteId, UserId,
};
use ltc_domain::lead::scoring::ScoringModel;
use ltc_domain::lead::{self, Channel, Company, ConvertTo, LeadEvent, Source};
use ltc_domain::money::{Bps, Currency, Money};
use ltc_domain::opportunity::{ForecastCategory, OpportunityEvent, Pipeline, StageKey};
use ltc_domain::order::{OrderEvent, PaymentTerms, PricedLine};
use ltc_domain::payment::{Allocation, InstalmentDue, PaymentEvent, PaymentMethod, ReceiptId};
use ltc_domain::quote::{CustomerTier, PricingTerms, QuoteEvent, Region};
use uuid::Uuid;

pub const REP: UserId = UserId(Uuid::from_u128(0x0e9));

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn eur(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("EUR").expect("EUR"))
}

pub fn usd(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("USD").expect("USD"))
}

fn rep() -> Ownership {
    Ownership { owner: REP, team: None }
}

pub fn customer_created(customer: Uuid, name: &str, at: DateTime<Utc>) -> CustomerEvent {
    CustomerEvent::Created {
        customer_id: CustomerId(customer),
        profile: CustomerProfile {
            name: name.into(),
            industry: "software".into(),
            region: "north".into(),
            tier: Tier::Key,
            owner: REP,
            team: None,
            credit_limit: eur(5_000_000),
        },
        origin: Origin::Direct,
        at,
    }
}

pub fn opened(
    opportunity: Uuid,
    customer: Uuid,
    name: &str,
    amount: Money,
    at: DateTime<Utc>,
) -> OpportunityEvent {
    OpportunityEvent::Opened {
        opportunity_id: OpportunityId(opportunity),
        customer_id: CustomerId(customer),
        name: name.into(),
        ownership: rep(),
        amount,
        expected_close: NaiveDate::from_ymd_opt(2026, 3, 31).expect("a date"),
        pipeline: Pipeline::default_sales(),
        stage: StageKey::new("qualification"),
        probability: Bps(1_000),
        forecast_category: ForecastCategory::Pipeline,
        at,
    }
}

pub fn quote_created(
    quote: Uuid,
    opportunity: Uuid,
    customer: Uuid,
    total: Money,
    valid_until: NaiveDate,
    at: DateTime<Utc>,
) -> QuoteEvent {
    QuoteEvent::Created {
        quote_id: QuoteId(quote),
        opportunity_id: OpportunityId(opportunity),
        customer_id: CustomerId(customer),
        ownership: rep(),
        version: 1,
        terms: PricingTerms {
            currency: total.currency,
            region: Region("north".into()),
            tier: CustomerTier("key".into()),
            pricing_date: at.date_naive(),
        },
        valid_until,
        catalog_version: "2026-01".into(),
        lines: vec![],
        total,
        at,
    }
}

/// An order of `units` units of one product at `unit_minor` each.
pub fn placed(
    order: Uuid,
    quote: Uuid,
    customer: Uuid,
    units: u32,
    unit_minor: i64,
    at: DateTime<Utc>,
) -> OrderEvent {
    let total = eur(unit_minor * i64::from(units));
    OrderEvent::Placed {
        order_id: OrderId(order),
        quote_id: QuoteId(quote),
        quote_version: 1,
        customer_id: CustomerId(customer),
        ownership: rep(),
        currency: total.currency,
        lines: vec![PricedLine {
            sku: "SEAT".into(),
            quantity: units,
            unit_price: eur(unit_minor),
            line_total: total,
        }],
        total,
        payment_terms: PaymentTerms::immediate(),
        at,
    }
}

pub fn receivable_opened(
    receivable: Uuid,
    order: Uuid,
    customer: Uuid,
    schedule: &[(NaiveDate, Money)],
    at: DateTime<Utc>,
) -> PaymentEvent {
    let total = schedule.iter().map(|(_, amount)| amount.amount_minor).sum();
    PaymentEvent::ReceivableOpened {
        receivable_id: PaymentId(receivable),
        invoice_reference: format!("INV-{}", receivable.as_u128()),
        order_id: OrderId(order),
        customer_id: CustomerId(customer),
        total: Money::new(total, schedule[0].1.currency),
        schedule: schedule
            .iter()
            .map(|&(due_on, amount)| InstalmentDue { due_on, amount })
            .collect(),
        at,
    }
}

/// A receipt: `allocations` by instalment, and `credit` beyond them.
pub fn received(
    receipt: u128,
    allocations: &[(u32, Money)],
    credit: Money,
    received_on: NaiveDate,
    at: DateTime<Utc>,
) -> PaymentEvent {
    let allocated: i64 = allocations.iter().map(|(_, amount)| amount.amount_minor).sum();
    PaymentEvent::PaymentReceived {
        receipt_id: ReceiptId(id(receipt)),
        amount: Money::new(allocated + credit.amount_minor, credit.currency),
        method: PaymentMethod::BankTransfer,
        reference: format!("bank {receipt}"),
        received_on,
        allocations: allocations
            .iter()
            .map(|&(instalment_idx, amount)| Allocation { instalment_idx, amount })
            .collect(),
        credit,
        at,
    }
}

pub fn lead_captured(lead: Uuid, name: &str, company: &str, at: DateTime<Utc>) -> LeadEvent {
    LeadEvent::Captured {
        lead_id: LeadId(lead),
        channel: Channel::WebForm,
        contact: lead::Contact { name: name.into(), email: None, phone: Some("+49 30 1".into()) },
        company: Company { name: Some(company.into()), domain: None },
        industry: None,
        region: None,
        company_size: None,
        source: Source::default(),
        ownership: None,
        scoring_model: ScoringModel::default_model(vec![], vec![]),
        at,
    }
}

pub fn lead_converted(customer: Uuid, opportunity: Uuid, at: DateTime<Utc>) -> LeadEvent {
    LeadEvent::Converted {
        customer: ConvertTo::NewCustomer(CustomerId(customer)),
        contact_id: ContactId(id(0xc0)),
        opportunity_id: OpportunityId(opportunity),
        contact: lead::Contact { name: "Ada Park".into(), email: None, phone: None },
        company: Company { name: Some("Park Labs".into()), domain: None },
        ownership: rep(),
        at,
    }
}
