//! The quote's rules as given / when / then, and the pricing waterfall with exact figures and
//! properties. This file holds the shared fixtures: a small catalog, price books and promotions.

mod approval;
mod commands;
mod lifecycle;
mod pricing;
mod properties;

use crate::testing::*;
use chrono::NaiveDate;
use uuid::Uuid;

use super::*;
use crate::actor::{Actor, Role};
use crate::decider::{Context, Decider};
use crate::ids::{CustomerId, OpportunityId, QuoteId, UserId};
use crate::money::{Bps, Currency, Money};

const QUOTE: QuoteId = QuoteId(Uuid::from_u128(0x9407e));
const OTHER_QUOTE: QuoteId = QuoteId(Uuid::from_u128(0x07e4));
const DEAL: OpportunityId = OpportunityId(Uuid::from_u128(0xdea1));
const ACME: CustomerId = CustomerId(Uuid::from_u128(0xac3e));

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn sku(code: &str) -> Sku {
    Sku::new(code)
}

fn option(key: &str) -> OptionKey {
    OptionKey::new(key)
}

/// SEAT: 100.00 EUR list, 1 to 10,000 seats; `audit_log` needs `sso`, and `sso` excludes
/// `basic_auth`. SUPPORT: 500.00 EUR a year, exactly one.
fn catalog() -> Catalog {
    Catalog {
        version: "2026.03".into(),
        products: vec![
            Product {
                sku: sku("SEAT"),
                name: "CRM seat".into(),
                list_price: eur(10_000),
                unit: "seat/month".into(),
                options: vec![option("sso"), option("audit_log"), option("basic_auth")],
                rules: vec![
                    OptionRule::Requires { option: option("audit_log"), requires: option("sso") },
                    OptionRule::Excludes { option: option("sso"), excludes: option("basic_auth") },
                ],
                quantity_min: 1,
                quantity_max: 10_000,
            },
            Product {
                sku: sku("SUPPORT"),
                name: "Premium support".into(),
                list_price: eur(50_000),
                unit: "year".into(),
                options: vec![],
                rules: vec![],
                quantity_min: 1,
                quantity_max: 1,
            },
        ],
    }
}

fn range(tiers: &[(u32, u32)], method: VolumeMethod) -> Option<VolumeSchedule> {
    let tiers = tiers
        .iter()
        .map(|&(quantity_from, bps)| VolumeTier { quantity_from, discount_bps: Bps(bps) })
        .collect();
    Some(VolumeSchedule { method, tiers })
}

fn book(
    id: &str,
    tier: Option<&str>,
    valid: (NaiveDate, NaiveDate),
    entries: Vec<PriceBookEntry>,
) -> PriceBook {
    PriceBook {
        id: PriceBookId(id.into()),
        currency: Currency::new("EUR").unwrap(),
        region: Region("emea".into()),
        tier: tier.map(|tier| CustomerTier(tier.into())),
        valid_from: valid.0,
        valid_until: valid.1,
        entries,
    }
}

fn entry(code: &str, unit_price_minor: i64, volume: Option<VolumeSchedule>) -> PriceBookEntry {
    PriceBookEntry { sku: sku(code), unit_price: eur(unit_price_minor), volume }
}

/// EMEA-2026 prices SEAT at 90.00 with range tiers (10+ at 5 %, 100+ at 10 %); the gold book
/// at 85.00; EMEA-2025 is out of date in 2026.
fn price_books() -> Vec<PriceBook> {
    let year_2026 = (day(2026, 1, 1), day(2026, 12, 31));
    vec![
        book(
            "EMEA-2026",
            None,
            year_2026,
            vec![
                entry("SEAT", 9_000, range(&[(10, 500), (100, 1_000)], VolumeMethod::Range)),
                entry("SUPPORT", 45_000, None),
            ],
        ),
        book("EMEA-GOLD-2026", Some("gold"), year_2026, vec![entry("SEAT", 8_500, None)]),
        book("EMEA-2025", None, (day(2025, 1, 1), day(2025, 12, 31)), vec![entry("SEAT", 1, None)]),
    ]
}

fn promotion(
    id: &str,
    only: Option<&str>,
    valid: (NaiveDate, NaiveDate),
    benefit: PromotionBenefit,
) -> Promotion {
    Promotion {
        id: PromotionId(id.into()),
        sku: only.map(sku),
        valid_from: valid.0,
        valid_until: valid.1,
        benefit,
    }
}

/// SPRING: 5 % off seats in March and April 2026. WELCOME: 50.00 off any line in 2026.
fn promotions() -> Vec<Promotion> {
    vec![
        promotion(
            "SPRING",
            Some("SEAT"),
            (day(2026, 3, 1), day(2026, 4, 30)),
            PromotionBenefit::PercentOff(Bps(500)),
        ),
        promotion(
            "WELCOME",
            None,
            (day(2026, 1, 1), day(2026, 12, 31)),
            PromotionBenefit::AmountOff(eur(5_000)),
        ),
    ]
}

fn pricing_data() -> PricingData {
    PricingData { catalog: catalog(), price_books: price_books(), promotions: promotions() }
}

/// A gold EMEA customer in euros, priced on 2 March 2026.
fn terms() -> PricingTerms {
    PricingTerms {
        currency: Currency::new("EUR").unwrap(),
        region: Region("emea".into()),
        tier: CustomerTier("gold".into()),
        pricing_date: day(2026, 3, 2),
    }
}

fn line(code: &str, quantity: u32, manual_discount_bps: u32) -> LineInput {
    LineInput {
        sku: sku(code),
        quantity,
        options: vec![],
        manual_discount_bps: Bps(manual_discount_bps),
    }
}

fn valid_until() -> NaiveDate {
    day(2026, 3, 31)
}

/// Alice's quote: 20 seats at a 12 % manual discount and one support year.
fn create_with(lines: Vec<LineInput>) -> QuoteCommand {
    QuoteCommand::Create {
        quote_id: QUOTE,
        opportunity_id: DEAL,
        customer_id: ACME,
        owner: ALICE,
        team: Some(EAST),
        terms: terms(),
        valid_until: valid_until(),
        lines,
        pricing: pricing_data(),
    }
}

fn create() -> QuoteCommand {
    create_with(vec![line("SEAT", 20, 1_200), line("SUPPORT", 1, 0)])
}

fn revise_with(lines: Vec<LineInput>) -> QuoteCommand {
    QuoteCommand::Revise {
        terms: terms(),
        valid_until: day(2026, 4, 30),
        lines,
        pricing: pricing_data(),
    }
}

fn submit() -> QuoteCommand {
    QuoteCommand::Submit { policy: ApprovalPolicy::default() }
}

fn accept_on(on: NaiveDate) -> QuoteCommand {
    QuoteCommand::Accept { on, opportunity_has_accepted_quote: None }
}

/// The history `commands` produce, each decided by `actor` at minute `index`, all accepted.
#[track_caller]
fn given(commands: &[(QuoteCommand, Actor)]) -> Vec<QuoteEvent> {
    let mut history = Vec::new();
    for (minute, (command, actor)) in (0..).zip(commands) {
        let state = QuoteDecider::replay(&history);
        let context = Context { actor: actor.clone(), occurred_at: t(minute) };
        let events = QuoteDecider::decide(&state, command, &context)
            .unwrap_or_else(|error| panic!("given {command:?} was rejected: {error}"));
        history.extend(events);
    }
    history
}

/// Created, then submitted within limits by a manager (so approved), then sent.
fn sent_history() -> Vec<QuoteEvent> {
    given(&[
        (create(), rep(ALICE)),
        (submit(), manager(EAST)),
        (QuoteCommand::Send { on: day(2026, 3, 3) }, rep(ALICE)),
    ])
}

/// Given `history`, when `actor` sends `command` at minute 10, then `expected`.
#[track_caller]
fn check(
    history: &[QuoteEvent],
    command: QuoteCommand,
    actor: Actor,
    expected: Result<Vec<QuoteEvent>, QuoteError>,
) {
    let state = QuoteDecider::replay(history);
    let context = Context { actor, occurred_at: t(10) };
    assert_eq!(QuoteDecider::decide(&state, &command, &context), expected);
}

/// The state after `history`, which must have created the quote.
#[track_caller]
fn quote_after(history: &[QuoteEvent]) -> Quote {
    match QuoteDecider::replay(history) {
        QuoteState::Created(quote) => quote,
        QuoteState::NotCreated => panic!("the history creates the quote"),
    }
}
