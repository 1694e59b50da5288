//! Roles through the engine: an auditor reads and never writes, and a role outside its lane gets
//! a typed `forbidden` refusal with nothing appended, whatever the engine filled in.

use ltc_domain::ids::{OrderId, PaymentId};
use ltc_domain::order::{FulfilmentId, InvoiceId, LineQuantity};
use ltc_domain::payment::{PaymentMethod, ReceiptId};

use super::*;
use crate::engine::{OrderRequest, PaymentRequest};

const ORDER: OrderId = OrderId(Uuid::from_u128(0x04de4));

fn auditor() -> Actor {
    Actor { user: UserId(Uuid::from_u128(0xa0d17)), role: Role::Auditor, team: None }
}

fn finance() -> Actor {
    Actor { user: UserId(Uuid::from_u128(0xf1)), role: Role::Finance, team: None }
}

#[tokio::test]
async fn an_auditor_may_not_change_anything_and_each_refusal_appends_nothing() {
    let mut fixture = fixture();
    fixture.customer_with_deal().await;
    fixture.accepted_quote(QUOTE).await;
    let place = OrderRequest::Place { quote_id: QUOTE, payment_terms: None };
    fixture.ok(rep(), Command::Order { order_id: ORDER, command: place }).await;
    let head = fixture.store.head().position;

    let attempts = [
        Command::Customer {
            customer_id: ACME,
            command: ltc_domain::customer::CustomerCommand::AddTag { tag: "audited".into() },
        },
        Command::Opportunity { opportunity_id: DEAL, command: OpportunityRequest::Win },
        Command::Quote {
            quote_id: QuoteId(Uuid::from_u128(0x9008)),
            command: QuoteRequest::Create {
                opportunity_id: DEAL,
                currency: None,
                valid_until: None,
                lines: vec![seats(1, 0)],
            },
        },
        Command::Order { order_id: ORDER, command: OrderRequest::Confirm },
        Command::Order {
            order_id: ORDER,
            command: OrderRequest::Invoice {
                invoice_id: InvoiceId(Uuid::from_u128(1)),
                lines: vec![LineQuantity { line: 0, quantity: 1 }],
            },
        },
    ];
    for command in attempts {
        let error = fixture.send(auditor(), command.clone()).await.expect_err("an auditor reads");
        assert!(error.code().ends_with(".forbidden"), "{command:?}: {}", error.code());
    }
    assert_eq!(fixture.store.head().position, head, "no refusal appended anything");
}

#[tokio::test]
async fn finance_bills_but_neither_sells_nor_attests_delivery_and_sales_does_not_bill() {
    let mut fixture = fixture();
    fixture.customer_with_deal().await;
    fixture.accepted_quote(QUOTE).await;
    let place = OrderRequest::Place { quote_id: QUOTE, payment_terms: None };
    fixture.ok(rep(), Command::Order { order_id: ORDER, command: place }).await;
    fixture.ok(rep(), Command::Order { order_id: ORDER, command: OrderRequest::Confirm }).await;

    let win = Command::Opportunity { opportunity_id: DEAL, command: OpportunityRequest::Win };
    let error = fixture.send(finance(), win).await.expect_err("finance does not sell");
    assert_eq!(error.code(), "opportunity.forbidden");
    let fulfil = OrderRequest::Fulfil {
        fulfilment_id: FulfilmentId(Uuid::from_u128(2)),
        lines: vec![LineQuantity { line: 0, quantity: 1 }],
    };
    let fulfil = Command::Order { order_id: ORDER, command: fulfil };
    let error = fixture.send(finance(), fulfil).await.expect_err("finance does not deliver");
    assert_eq!(error.code(), "order.forbidden");
    let invoice = OrderRequest::Invoice {
        invoice_id: InvoiceId(Uuid::from_u128(1)),
        lines: vec![LineQuantity { line: 0, quantity: 1 }],
    };
    let by_rep = Command::Order { order_id: ORDER, command: invoice.clone() };
    let error = fixture.send(rep(), by_rep).await.expect_err("sales does not bill");
    assert_eq!(error.code(), "order.forbidden");
    fixture.ok(finance(), Command::Order { order_id: ORDER, command: invoice }).await;

    let payment = PaymentRequest::ReceivePayment {
        receipt_id: ReceiptId(Uuid::from_u128(3)),
        amount: eur(100),
        method: PaymentMethod::BankTransfer,
        reference: "SEPA 1".into(),
        received_on: None,
    };
    let receivable = PaymentId(Uuid::from_u128(4));
    let by_rep = Command::Payment { receivable_id: receivable, command: payment };
    let error = fixture.send(rep(), by_rep).await.expect_err("sales does not book cash");
    assert_eq!(error.code(), "payment.forbidden");
}

#[tokio::test]
async fn a_manager_sets_a_reps_quota_in_the_stream_of_rep_and_period_and_the_rep_cannot() {
    use ltc_domain::quota::{QuotaCommand, QuotaId, QuotaPeriod, QuotaState};
    let mut fixture = fixture();
    let period = QuotaPeriod("2026-Q2".into());
    let set = |amount_minor| Command::Quota {
        command: QuotaCommand::Set {
            rep: ALICE,
            team: Some(EAST),
            period: period.clone(),
            amount: eur(amount_minor),
            commission_bps: ltc_domain::money::Bps(500),
        },
    };
    let error = fixture.send(rep(), set(99_000_000)).await.expect_err("no one sets their own");
    assert_eq!(error.code(), "quota.forbidden");
    fixture.ok(manager(), set(50_000_000)).await;
    let stream = QuotaId::of(ALICE, &period).0;
    let QuotaState::Set(quota) = fixture.engine.paths().quotas.state_of(stream).unwrap() else {
        panic!("the quota was not set");
    };
    assert_eq!(quota.amount, eur(50_000_000));
}
