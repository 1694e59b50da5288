//! Orders through the engine: copied from the accepted quote as its stream records it, refused
//! for a quote that is not accepted, and invoiced on today's date.

use chrono::TimeDelta;
use ltc_domain::ids::OrderId;
use ltc_domain::order::{
    AcceptedQuote, InvoiceId, LineQuantity, OrderDecider, OrderEvent, OrderState,
};

use super::*;
use crate::engine::{EngineError, OrderRequest, net_30};

const ORDER: OrderId = OrderId(Uuid::from_u128(0x04de4));

fn order_of(fixture: &Fixture) -> ltc_domain::order::Order {
    match fixture.engine.paths().orders.state_of(ORDER.0).expect("the order loads") {
        OrderState::Placed(order) => *order,
        OrderState::NotPlaced => panic!("the order was not placed"),
    }
}

fn place() -> Command {
    Command::Order {
        order_id: ORDER,
        command: OrderRequest::Place { quote_id: QUOTE, payment_terms: None },
    }
}

#[tokio::test]
async fn an_order_copies_the_lines_of_the_accepted_quote_as_its_stream_records_them() {
    let mut fixture = fixture();
    fixture.customer_with_deal().await;
    fixture.accepted_quote(QUOTE).await;
    fixture.ok(rep(), place()).await;

    let quote = match fixture.engine.paths().quotes.state_of(QUOTE.0).unwrap() {
        ltc_domain::quote::QuoteState::Created(quote) => quote,
        ltc_domain::quote::QuoteState::NotCreated => unreachable!("the quote was accepted"),
    };
    let accepted = AcceptedQuote::from_quote(&quote).expect("the quote is accepted");
    let order = order_of(&fixture);
    let lines: Vec<_> = order.lines.iter().map(|line| line.priced.clone()).collect();
    assert_eq!(lines, accepted.lines);
    assert_eq!(order.total, eur(102_000));
    assert_eq!((order.customer_id, order.quote_id), (ACME, QUOTE));
    assert_eq!(order.payment_terms, net_30(), "the company's default terms");
}

#[tokio::test]
async fn an_order_from_a_quote_not_accepted_is_refused_and_nothing_is_appended() {
    let mut fixture = fixture();
    fixture.customer_with_deal().await;
    fixture.submitted_quote(QUOTE, vec![seats(10, 0)]).await;
    let head = fixture.store.head().position;

    let error = fixture.send(rep(), place()).await.expect_err("the quote is only approved");
    assert!(matches!(error, EngineError::QuoteNotAccepted(quote) if quote == QUOTE), "{error}");
    assert_eq!(error.code(), "quote_not_accepted");
    assert_eq!(fixture.store.head().position, head);
}

#[tokio::test]
async fn an_invoice_is_dated_today_and_its_instalments_fall_due_by_the_terms() {
    let mut fixture = fixture();
    fixture.customer_with_deal().await;
    fixture.accepted_quote(QUOTE).await;
    fixture.ok(rep(), place()).await;
    let finance = Actor { user: MARA, role: Role::Finance, team: None };
    fixture.ok(rep(), Command::Order { order_id: ORDER, command: OrderRequest::Confirm }).await;
    fixture.clock.advance(TimeDelta::days(10));
    let invoice = OrderRequest::Invoice {
        invoice_id: InvoiceId(Uuid::from_u128(0x1a7)),
        lines: vec![LineQuantity { line: 0, quantity: 10 }],
    };
    fixture.ok(finance, Command::Order { order_id: ORDER, command: invoice }).await;

    let OrderEvent::Invoiced { instalments, .. } = last_event::<OrderDecider>(&fixture, ORDER.0)
    else {
        panic!("the last event is not OrderInvoiced");
    };
    let due: Vec<_> = instalments.iter().map(|instalment| instalment.due_on).collect();
    assert_eq!(due, vec![NaiveDate::from_ymd_opt(2026, 4, 11).unwrap()], "12 March + 30 days");
}
