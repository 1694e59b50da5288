//! Payments through the engine: money may be booked as received on an earlier day, never on a
//! later one; refunds, credit notes and write-offs are dated today.

use chrono::TimeDelta;
use ltc_domain::ids::OrderId;
use ltc_domain::order::{InvoiceId, LineQuantity};
use ltc_domain::payment::{PaymentDecider, PaymentEvent, PaymentMethod, ReceiptId, WriteOffId};
use ltc_eventstore::Position;

use super::*;
use crate::engine::{EngineError, OrderRequest, PaymentRequest};
use crate::process::Invoicing;

const ORDER: OrderId = OrderId(Uuid::from_u128(0x04de4));
const INVOICE: Uuid = Uuid::from_u128(0x1a7);

fn finance() -> Actor {
    Actor { user: UserId(Uuid::from_u128(0xf1)), role: Role::Finance, team: None }
}

/// An order for 102,000.00 EUR, invoiced whole, and its receivable opened by the invoicing
/// process manager; returns the receivable's id.
async fn invoiced(fixture: &mut Fixture) -> ltc_domain::ids::PaymentId {
    fixture.customer_with_deal().await;
    fixture.accepted_quote(QUOTE).await;
    let place = OrderRequest::Place { quote_id: QUOTE, payment_terms: None };
    fixture.ok(rep(), Command::Order { order_id: ORDER, command: place }).await;
    fixture.ok(rep(), Command::Order { order_id: ORDER, command: OrderRequest::Confirm }).await;
    let invoice = OrderRequest::Invoice {
        invoice_id: InvoiceId(INVOICE),
        lines: vec![LineQuantity { line: 0, quantity: 10 }],
    };
    fixture.ok(finance(), Command::Order { order_id: ORDER, command: invoice }).await;
    let payments = fixture.engine.paths().payments.clone();
    Invoicing::new(fixture.store.clone(), payments).run_from(Position::START).await.unwrap();
    Invoicing::receivable_of(INVOICE)
}

fn receive(received_on: Option<NaiveDate>) -> PaymentRequest {
    PaymentRequest::ReceivePayment {
        receipt_id: ReceiptId(Uuid::from_u128(0x4ec)),
        amount: eur(50_000),
        method: PaymentMethod::BankTransfer,
        reference: "SEPA 4711".into(),
        received_on,
    }
}

#[tokio::test]
async fn a_payment_received_on_an_earlier_day_is_booked_on_that_day() {
    let mut fixture = fixture();
    let receivable_id = invoiced(&mut fixture).await;
    fixture.clock.advance(TimeDelta::days(5));
    let friday = NaiveDate::from_ymd_opt(2026, 3, 6).unwrap();
    let command = Command::Payment { receivable_id, command: receive(Some(friday)) };
    fixture.ok(finance(), command).await;
    let PaymentEvent::PaymentReceived { received_on, .. } =
        last_event::<PaymentDecider>(&fixture, receivable_id.0)
    else {
        panic!("the last event is not PaymentReceived");
    };
    assert_eq!(received_on, friday);
}

#[tokio::test]
async fn a_payment_dated_after_today_is_refused_and_nothing_is_appended() {
    let mut fixture = fixture();
    let receivable_id = invoiced(&mut fixture).await;
    let head = fixture.store.head().position;
    let tomorrow = fixture.today() + TimeDelta::days(1);
    let command = Command::Payment { receivable_id, command: receive(Some(tomorrow)) };
    let error = fixture.send(finance(), command).await.expect_err("a future date is refused");
    assert!(matches!(error, EngineError::FutureDate { field: "received_on", .. }), "{error}");
    assert_eq!(error.code(), "future_date");
    assert_eq!(fixture.store.head().position, head);
}

#[tokio::test]
async fn a_write_off_is_dated_today() {
    let mut fixture = fixture();
    let receivable_id = invoiced(&mut fixture).await;
    fixture.clock.advance(TimeDelta::days(90));
    let write_off = PaymentRequest::WriteOff {
        write_off_id: WriteOffId(Uuid::from_u128(0x0ff)),
        amount: eur(1_000),
        reason: "goodwill after a late delivery".into(),
    };
    fixture.ok(finance(), Command::Payment { receivable_id, command: write_off }).await;
    let PaymentEvent::WrittenOff { written_off_on, .. } =
        last_event::<PaymentDecider>(&fixture, receivable_id.0)
    else {
        panic!("the last event is not WrittenOff");
    };
    assert_eq!(written_off_on, NaiveDate::from_ymd_opt(2026, 5, 31).unwrap());
}
