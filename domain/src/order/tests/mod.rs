//! The order's rules as given / when / then: given these past events, when this command arrives
//! from this actor, then exactly these events (or this rejection). Shared fixtures live here; each
//! file covers one command.

mod cancel;
mod fulfil;
mod invoice;
mod paid;
mod place;
mod properties;
mod status;

use crate::testing::*;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::actor::{Actor, Ownership, Role};
use crate::decider::{Context, Decider};
use crate::ids::{CustomerId, OrderId, QuoteId};
use crate::money::{Bps, Currency};

const ORDER: OrderId = OrderId(Uuid::from_u128(0x0de4));
const QUOTE: QuoteId = QuoteId(Uuid::from_u128(0x9007e));
const ACME: CustomerId = CustomerId(Uuid::from_u128(0xac3e));

fn finance() -> Actor {
    with_role(Role::Finance)
}

fn admin() -> Actor {
    with_role(Role::Admin)
}

/// When every fixture event happened and every command in `check` is decided.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 10, 0).single().unwrap()
}

fn day(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

fn invoice_id(n: u128) -> InvoiceId {
    InvoiceId(Uuid::from_u128(0x1000 + n))
}

fn fulfilment_id(n: u128) -> FulfilmentId {
    FulfilmentId(Uuid::from_u128(0x2000 + n))
}

fn cancellation_id(n: u128) -> CancellationId {
    CancellationId(Uuid::from_u128(0x3000 + n))
}

fn qty(line: u32, quantity: u32) -> LineQuantity {
    LineQuantity { line, quantity }
}

fn line_amount(line: u32, quantity: u32, amount_minor: i64) -> LineAmount {
    LineAmount { line, quantity, amount: eur(amount_minor) }
}

/// 30 % on the base date, 70 % net 30.
fn thirty_seventy() -> PaymentTerms {
    PaymentTerms {
        parts: vec![
            TermPart { share: Bps(3_000), days_after: 0 },
            TermPart { share: Bps(7_000), days_after: 30 },
        ],
    }
}

/// Line 0: 10 licences at 100.00, line 1: 3 days of training at 333.33 discounted to 900.00.
fn priced_lines() -> Vec<PricedLine> {
    vec![
        PricedLine {
            sku: "LIC-1".into(),
            quantity: 10,
            unit_price: eur(10_000),
            line_total: eur(100_000),
        },
        PricedLine {
            sku: "TRAIN-D".into(),
            quantity: 3,
            unit_price: eur(33_333),
            line_total: eur(90_000),
        },
    ]
}

fn accepted_quote() -> AcceptedQuote {
    AcceptedQuote {
        quote_id: QUOTE,
        version: 2,
        customer_id: ACME,
        owner: ALICE,
        team: Some(EAST),
        currency: Currency::new("EUR").unwrap(),
        lines: priced_lines(),
        total: eur(190_000),
    }
}

fn place_command() -> OrderCommand {
    OrderCommand::Place {
        order_id: ORDER,
        quote: accepted_quote(),
        payment_terms: thirty_seventy(),
    }
}

/// `place_command` with its quote edited.
fn place_with(edit: impl FnOnce(&mut AcceptedQuote)) -> OrderCommand {
    let mut quote = accepted_quote();
    edit(&mut quote);
    OrderCommand::Place { order_id: ORDER, quote, payment_terms: thirty_seventy() }
}

/// The event `place_command` produces.
fn placed() -> OrderEvent {
    OrderEvent::Placed {
        order_id: ORDER,
        quote_id: QUOTE,
        quote_version: 2,
        customer_id: ACME,
        ownership: Ownership { owner: ALICE, team: Some(EAST) },
        currency: Currency::new("EUR").unwrap(),
        lines: priced_lines(),
        total: eur(190_000),
        payment_terms: thirty_seventy(),
        at: now(),
    }
}

fn confirmed() -> OrderEvent {
    OrderEvent::Confirmed { at: now() }
}

fn fulfilled(n: u128, lines: Vec<LineQuantity>) -> OrderEvent {
    OrderEvent::Fulfilled { fulfilment_id: fulfilment_id(n), lines, at: now() }
}

/// An invoice of `lines` under 30/70 terms from 2 March, as decide would record it.
fn invoiced(n: u128, lines: Vec<LineAmount>) -> OrderEvent {
    let amount = eur(lines.iter().map(|line| line.amount.amount_minor).sum());
    let instalments = thirty_seventy().schedule(amount, day(3, 2)).unwrap();
    OrderEvent::Invoiced { invoice_id: invoice_id(n), lines, amount, instalments, at: now() }
}

fn cancelled(n: u128, lines: Vec<LineAmount>) -> OrderEvent {
    let amount = eur(lines.iter().map(|line| line.amount.amount_minor).sum());
    OrderEvent::LinesCancelled {
        cancellation_id: cancellation_id(n),
        lines,
        amount,
        reason: "budget cut".into(),
        at: now(),
    }
}

/// Given `history`, when `actor` sends `command` at `now()`, then `expected`.
#[track_caller]
fn check(
    history: &[OrderEvent],
    command: OrderCommand,
    actor: Actor,
    expected: Result<Vec<OrderEvent>, OrderError>,
) {
    let state = OrderDecider::replay(history);
    let context = Context { actor, occurred_at: now() };
    assert_eq!(OrderDecider::decide(&state, &command, &context), expected);
}

fn order_after(history: &[OrderEvent]) -> Order {
    match OrderDecider::replay(history) {
        OrderState::Placed(order) => *order,
        OrderState::NotPlaced => panic!("the history places the order"),
    }
}

/// An order of a single line, under these payment terms, as `decide` would record it.
fn placed_one_line(line: PricedLine, terms: PaymentTerms) -> OrderEvent {
    let mut event = placed();
    if let OrderEvent::Placed { lines, total, payment_terms, .. } = &mut event {
        *total = line.line_total;
        *lines = vec![line];
        *payment_terms = terms;
    }
    event
}
