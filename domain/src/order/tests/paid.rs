//! Recording the order as paid: only once everything is invoiced, and only with settlements that
//! add up, invoice by invoice, to what was invoiced.

use super::*;

/// Invoice 1 bills line 0 (1,000.00), invoice 2 bills line 1 (900.00): everything is invoiced.
fn invoiced_in_two() -> Vec<OrderEvent> {
    vec![
        placed(),
        confirmed(),
        fulfilled(1, vec![qty(0, 10), qty(1, 3)]),
        invoiced(1, vec![line_amount(0, 10, 100_000)]),
        invoiced(2, vec![line_amount(1, 3, 90_000)]),
    ]
}

fn settlement(n: u128, received: i64, credited: i64, settled_on: NaiveDate) -> InvoiceSettlement {
    InvoiceSettlement {
        invoice_id: invoice_id(n),
        received: eur(received),
        credited: eur(credited),
        settled_on,
    }
}

fn record_paid(settlements: Vec<InvoiceSettlement>) -> OrderCommand {
    OrderCommand::RecordPaid { settlements }
}

/// Both invoices settled: the first by receipts on 1 April, the second by receipts and a credit
/// note on 15 April.
fn both_settled() -> Vec<InvoiceSettlement> {
    vec![settlement(1, 100_000, 0, day(4, 1)), settlement(2, 80_000, 10_000, day(4, 15))]
}

fn paid(settlements: Vec<InvoiceSettlement>, received: i64, credited: i64) -> OrderEvent {
    let paid_on = settlements.iter().map(|settlement| settlement.settled_on).max().unwrap();
    OrderEvent::Paid {
        settlements,
        received: eur(received),
        credited: eur(credited),
        paid_on,
        at: now(),
    }
}

#[test]
fn an_order_invoiced_in_full_and_settled_by_receipts_and_credit_notes_is_recorded_paid() {
    let expected = paid(both_settled(), 180_000, 10_000);
    check(&invoiced_in_two(), record_paid(both_settled()), finance(), Ok(vec![expected.clone()]));
    let mut history = invoiced_in_two();
    history.push(expected);
    let order = order_after(&history);
    assert_eq!(order.paid_on, Some(day(4, 15)), "the day the last invoice was settled");
    assert_eq!(order.status(), OrderStatus::Paid);
    assert!(OrderDecider::is_terminal(&OrderDecider::replay(&history)));
}

#[test]
fn recording_paid_again_with_the_same_settlements_records_nothing_and_with_others_is_refused() {
    let mut history = invoiced_in_two();
    history.push(paid(both_settled(), 180_000, 10_000));
    let mut reordered = both_settled();
    reordered.reverse();
    check(&history, record_paid(reordered), finance(), Ok(vec![]));
    let other = vec![settlement(1, 100_000, 0, day(4, 1)), settlement(2, 90_000, 0, day(4, 15))];
    check(&history, record_paid(other), finance(), Err(OrderError::AlreadyPaid));
}

#[test]
fn an_order_with_quantities_left_to_invoice_is_not_paid() {
    let history = &invoiced_in_two()[..4];
    let command = record_paid(vec![settlement(1, 100_000, 0, day(4, 1))]);
    let expected = OrderError::NotFullyInvoiced { line: 1, open: 3 };
    check(history, command, finance(), Err(expected));
}

#[test]
fn cancelling_what_was_not_invoiced_lets_the_settled_invoices_pay_the_order() {
    let history = [
        placed(),
        confirmed(),
        invoiced(1, vec![line_amount(0, 10, 100_000)]),
        cancelled(1, vec![line_amount(1, 3, 90_000)]),
    ];
    let settlements = vec![settlement(1, 100_000, 0, day(4, 1))];
    let expected = paid(settlements.clone(), 100_000, 0);
    check(&history, record_paid(settlements), finance(), Ok(vec![expected.clone()]));
    let mut after = history.to_vec();
    after.push(expected);
    assert_eq!(
        order_after(&after).status(),
        OrderStatus::ToDeliver,
        "paid ahead of delivery, delivery is what is left to do"
    );
    assert!(!OrderDecider::is_terminal(&OrderDecider::replay(&after)));
}

#[test]
fn every_invoice_that_asked_for_money_is_named_once_and_no_other() {
    let history = invoiced_in_two();
    let missing = record_paid(vec![settlement(1, 100_000, 0, day(4, 1))]);
    check(&history, missing, finance(), Err(OrderError::InvoiceUnsettled(invoice_id(2))));
    let mut unknown = both_settled();
    unknown.push(settlement(9, 0, 0, day(4, 1)));
    check(
        &history,
        record_paid(unknown),
        finance(),
        Err(OrderError::UnknownInvoice(invoice_id(9))),
    );
    let mut twice = both_settled();
    twice.push(settlement(1, 100_000, 0, day(4, 1)));
    let expected = OrderError::InvoiceNamedTwice(invoice_id(1));
    check(&history, record_paid(twice), finance(), Err(expected));
}

#[test]
fn what_settled_an_invoice_must_add_up_to_its_amount_in_its_currency() {
    let history = invoiced_in_two();
    // 100.00 of the first invoice was written off: not paid in full.
    let short = vec![settlement(1, 90_000, 0, day(4, 1)), settlement(2, 90_000, 0, day(4, 15))];
    let expected = OrderError::SettlementMismatch {
        invoice_id: invoice_id(1),
        invoiced: eur(100_000),
        settled: eur(90_000),
    };
    check(&history, record_paid(short), finance(), Err(expected));
    let mut dollars = both_settled();
    dollars[0].received = usd(100_000);
    let expected = OrderError::CurrencyMismatch {
        expected: Currency::new("EUR").unwrap(),
        got: Currency::new("USD").unwrap(),
    };
    check(&history, record_paid(dollars), finance(), Err(expected));
    let negative = vec![settlement(1, 110_000, -10_000, day(4, 1)), both_settled()[1]];
    check(&history, record_paid(negative), finance(), Err(OrderError::NegativeAmount));
}

#[test]
fn an_order_of_free_items_invoiced_in_full_is_paid_without_settlements() {
    let free = PricedLine {
        sku: "ONBOARDING".into(),
        quantity: 1,
        unit_price: eur(0),
        line_total: eur(0),
    };
    let history = [
        placed_one_line(free, PaymentTerms::immediate()),
        confirmed(),
        invoiced(1, vec![line_amount(0, 1, 0)]),
    ];
    let expected = OrderEvent::Paid {
        settlements: vec![],
        received: eur(0),
        credited: eur(0),
        paid_on: now().date_naive(),
        at: now(),
    };
    check(&history, record_paid(vec![]), finance(), Ok(vec![expected]));
}

#[test]
fn a_wholly_cancelled_order_is_not_paid() {
    let everything = cancelled(1, vec![line_amount(0, 10, 100_000), line_amount(1, 3, 90_000)]);
    check(&[placed(), everything], record_paid(vec![]), finance(), Err(OrderError::Cancelled));
}

#[test]
fn an_order_records_at_most_documents_max_settlements() {
    let settlements = vec![settlement(1, 100_000, 0, day(4, 1)); DOCUMENTS_MAX as usize + 1];
    let expected = OrderError::TooManyDocuments { what: "settlements" };
    check(&invoiced_in_two(), record_paid(settlements), finance(), Err(expected));
}

#[test]
fn only_finance_or_an_admin_records_an_order_paid() {
    let expected = || Ok(vec![paid(both_settled(), 180_000, 10_000)]);
    check(&invoiced_in_two(), record_paid(both_settled()), admin(), expected());
    for actor in [rep(ALICE), manager(EAST), with_role(Role::Auditor)] {
        let role = actor.role;
        let command = record_paid(both_settled());
        check(&invoiced_in_two(), command, actor, Err(OrderError::Forbidden { role }));
    }
}
