//! The receivable's rules as given / when / then: given these past events, when this command
//! arrives from this actor, then exactly these events (or this rejection). Shared fixtures live
//! here; each file covers one concept.

mod adjustments;
mod aging;
mod open;
mod properties;
mod receipts;
mod repeats;

use crate::testing::*;
use chrono::NaiveDate;
use uuid::Uuid;

use super::*;
use crate::actor::{Actor, Role};
use crate::decider::{Context, Decider};
use crate::ids::{CustomerId, OrderId, PaymentId, UserId};
use crate::money::{Currency, Money};

const RECEIVABLE: PaymentId = PaymentId(Uuid::from_u128(0x4ec));
const ORDER: OrderId = OrderId(Uuid::from_u128(0x04d));
const ACME: CustomerId = CustomerId(Uuid::from_u128(0xac3e));
const FINN: UserId = UserId(Uuid::from_u128(0xf1));

fn receipt_id(n: u128) -> ReceiptId {
    ReceiptId(Uuid::from_u128(0x7ec0_0000 + n))
}

fn refund_id(n: u128) -> RefundId {
    RefundId(Uuid::from_u128(0x4ef0_0000 + n))
}

fn credit_note_id(n: u128) -> CreditNoteId {
    CreditNoteId(Uuid::from_u128(0xc4ed_0000 + n))
}

fn write_off_id(n: u128) -> WriteOffId {
    WriteOffId(Uuid::from_u128(0x0ff0_0000 + n))
}

fn with_role(role: Role) -> Actor {
    Actor { user: FINN, role, team: Some(EAST) }
}

fn finance() -> Actor {
    with_role(Role::Finance)
}

/// A business date in 2026.
fn day(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

/// 400.00 due at the end of March, 600.00 at the end of April.
fn schedule() -> Vec<InstalmentDue> {
    vec![
        InstalmentDue { due_on: day(3, 31), amount: eur(40_000) },
        InstalmentDue { due_on: day(4, 30), amount: eur(60_000) },
    ]
}

fn open_command() -> PaymentCommand {
    PaymentCommand::OpenReceivable {
        receivable_id: RECEIVABLE,
        invoice_reference: "INV-2026-0042".into(),
        order_id: ORDER,
        customer_id: ACME,
        total: eur(100_000),
        schedule: schedule(),
    }
}

/// The event `open_command` produces at minute 0.
fn opened() -> PaymentEvent {
    PaymentEvent::ReceivableOpened {
        receivable_id: RECEIVABLE,
        invoice_reference: "INV-2026-0042".into(),
        order_id: ORDER,
        customer_id: ACME,
        total: eur(100_000),
        schedule: schedule(),
        at: t(0),
    }
}

fn receive(n: u128, amount: Money, received_on: NaiveDate) -> PaymentCommand {
    PaymentCommand::ReceivePayment {
        receipt_id: receipt_id(n),
        amount,
        method: PaymentMethod::BankTransfer,
        reference: format!("BANK-{n}"),
        received_on,
    }
}

fn alloc(instalment_idx: u32, amount_minor: i64) -> Allocation {
    Allocation { instalment_idx, amount: eur(amount_minor) }
}

/// The event `receive(n, eur(amount_minor), received_on)` produces at `minute`.
fn received(
    n: u128,
    amount_minor: i64,
    received_on: NaiveDate,
    allocations: Vec<Allocation>,
    credit_minor: i64,
    minute: i64,
) -> PaymentEvent {
    PaymentEvent::PaymentReceived {
        receipt_id: receipt_id(n),
        amount: eur(amount_minor),
        method: PaymentMethod::BankTransfer,
        reference: format!("BANK-{n}"),
        received_on,
        allocations,
        credit: eur(credit_minor),
        at: t(minute),
    }
}

fn settled(settled_on: NaiveDate, minute: i64) -> PaymentEvent {
    PaymentEvent::ReceivableSettled { settled_on, at: t(minute) }
}

/// A history in which everything is paid, with 200.00 paid too much.
fn overpaid() -> Vec<PaymentEvent> {
    vec![
        opened(),
        received(1, 120_000, day(3, 20), vec![alloc(0, 40_000), alloc(1, 60_000)], 20_000, 5),
        settled(day(3, 20), 5),
    ]
}

fn receivable(history: &[PaymentEvent]) -> Receivable {
    match PaymentDecider::replay(history) {
        PaymentState::Opened(receivable) => receivable,
        PaymentState::NotOpened => panic!("the history opens the receivable"),
    }
}

/// Given `history`, when `actor` sends `command` at minute 10, then `expected`.
#[track_caller]
fn check(
    history: &[PaymentEvent],
    command: PaymentCommand,
    actor: Actor,
    expected: Result<Vec<PaymentEvent>, PaymentError>,
) {
    let state = PaymentDecider::replay(history);
    let context = Context { actor, occurred_at: t(10) };
    assert_eq!(PaymentDecider::decide(&state, &command, &context), expected);
}
