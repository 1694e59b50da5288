//! Invoicing order lines in parts, each invoice split into instalments by the payment terms.

use super::*;

fn invoice(n: u128, lines: Vec<LineQuantity>) -> OrderCommand {
    OrderCommand::Invoice { invoice_id: invoice_id(n), lines, base_date: day(3, 2) }
}

#[test]
fn an_invoice_prorates_the_line_total_and_splits_it_thirty_seventy_with_due_dates() {
    let given = [placed(), confirmed()];
    let expected = OrderEvent::Invoiced {
        invoice_id: invoice_id(1),
        lines: vec![line_amount(0, 4, 40_000), line_amount(1, 1, 30_000)],
        amount: eur(70_000),
        instalments: vec![
            Instalment { share: Bps(3_000), amount: eur(21_000), due_on: day(3, 2) },
            Instalment { share: Bps(7_000), amount: eur(49_000), due_on: day(4, 1) },
        ],
        at: now(),
    };
    check(&given, invoice(1, vec![qty(0, 4), qty(1, 1)]), finance(), Ok(vec![expected]));
}

#[test]
fn instalments_hand_the_odd_cent_to_the_first_and_add_up_to_the_invoice() {
    let support = PricedLine {
        sku: "SUPPORT".into(),
        quantity: 1,
        unit_price: eur(100),
        line_total: eur(100),
    };
    let terms = PaymentTerms {
        parts: vec![
            TermPart { share: Bps(3_333), days_after: 0 },
            TermPart { share: Bps(3_333), days_after: 30 },
            TermPart { share: Bps(3_334), days_after: 60 },
        ],
    };
    let history = [placed_one_line(support, terms), confirmed()];
    let expected = OrderEvent::Invoiced {
        invoice_id: invoice_id(1),
        lines: vec![line_amount(0, 1, 100)],
        amount: eur(100),
        instalments: vec![
            Instalment { share: Bps(3_333), amount: eur(34), due_on: day(3, 2) },
            Instalment { share: Bps(3_333), amount: eur(33), due_on: day(4, 1) },
            Instalment { share: Bps(3_334), amount: eur(33), due_on: day(5, 1) },
        ],
        at: now(),
    };
    check(&history, invoice(1, vec![qty(0, 1)]), finance(), Ok(vec![expected]));
}

#[test]
fn invoicing_a_line_unit_by_unit_adds_up_to_exactly_its_line_total() {
    // 100.00 for three units is 33.33, 33.33 and 33.34: each part is the prorated value of the
    // units invoiced so far less what was already invoiced, so the last unit takes the cent.
    let line = PricedLine {
        sku: "SEAT".into(),
        quantity: 3,
        unit_price: eur(3_334),
        line_total: eur(10_000),
    };
    let mut history = vec![placed_one_line(line, PaymentTerms::immediate()), confirmed()];
    for (n, expected_minor) in [(1, 3_333), (2, 3_333), (3, 3_334)] {
        let state = OrderDecider::replay(&history);
        let context = Context { actor: finance(), occurred_at: now() };
        let events = OrderDecider::decide(&state, &invoice(n, vec![qty(0, 1)]), &context).unwrap();
        let [OrderEvent::Invoiced { amount, .. }] = events.as_slice() else {
            panic!("one invoice, got {events:?}");
        };
        assert_eq!(*amount, eur(expected_minor), "invoice {n}");
        history.extend(events);
    }
    let order = order_after(&history);
    assert_eq!(order.invoiced, eur(10_000));
    assert_eq!(order.percent_invoiced_bps(), Bps::HUNDRED_PERCENT);
}

#[test]
fn the_percentage_invoiced_is_by_amount_and_rounded_down() {
    let history = [placed(), confirmed(), invoiced(1, vec![line_amount(1, 2, 60_000)])];
    assert_eq!(order_after(&history).percent_invoiced_bps(), Bps(3_157), "600 of 1,900");
}

#[test]
fn invoicing_everything_before_delivery_leaves_the_order_to_deliver() {
    let order = order_after(&[placed(), confirmed(), invoiced_everything()]);
    assert_eq!(order.percent_invoiced_bps(), Bps::HUNDRED_PERCENT);
    assert_eq!(order.status(), OrderStatus::ToDeliver);
    let delivered = fulfilled(1, vec![qty(0, 10), qty(1, 3)]);
    let history = [placed(), confirmed(), invoiced_everything(), delivered];
    assert_eq!(order_after(&history).status(), OrderStatus::Completed);
    assert!(
        !OrderDecider::is_terminal(&OrderDecider::replay(&history)),
        "a completed order still waits to be recorded paid"
    );
}

fn invoiced_everything() -> OrderEvent {
    invoiced(1, vec![line_amount(0, 10, 100_000), line_amount(1, 3, 90_000)])
}

#[test]
fn a_repeated_invoice_records_nothing() {
    let history = [placed(), confirmed(), invoiced(1, vec![line_amount(0, 4, 40_000)])];
    check(&history, invoice(1, vec![qty(0, 4)]), finance(), Ok(vec![]));
}

#[test]
fn invoicing_more_than_is_left_on_a_line_is_rejected() {
    let history = [placed(), confirmed(), invoiced_everything()];
    let expected = OrderError::BeyondInvoiceable { line: 1, open: 0, requested: 1 };
    check(&history, invoice(2, vec![qty(1, 1)]), finance(), Err(expected));
}

#[test]
fn malformed_line_lists_are_rejected() {
    let given = [placed(), confirmed()];
    check(&given, invoice(1, vec![]), finance(), Err(OrderError::Empty));
    check(&given, invoice(1, vec![qty(7, 1)]), finance(), Err(OrderError::UnknownLine(7)));
    check(&given, invoice(1, vec![qty(1, 0)]), finance(), Err(OrderError::Quantity { line: 1 }));
    let twice = invoice(1, vec![qty(1, 1), qty(1, 1)]);
    check(&given, twice, finance(), Err(OrderError::DuplicateLine(1)));
}

#[test]
fn an_unconfirmed_or_wholly_cancelled_order_is_not_invoiced() {
    check(&[placed()], invoice(1, vec![qty(0, 1)]), finance(), Err(OrderError::NotConfirmed));
    let everything = cancelled(1, vec![line_amount(0, 10, 100_000), line_amount(1, 3, 90_000)]);
    let history = [placed(), confirmed(), everything];
    check(&history, invoice(1, vec![qty(0, 1)]), finance(), Err(OrderError::Cancelled));
}

#[test]
fn a_due_date_beyond_the_calendar_is_rejected() {
    let command = OrderCommand::Invoice {
        invoice_id: invoice_id(1),
        lines: vec![qty(0, 1)],
        base_date: NaiveDate::MAX,
    };
    let expected = PaymentTermsError::DueDateOutOfRange(NaiveDate::MAX);
    check(&[placed(), confirmed()], command, finance(), Err(expected.into()));
}

#[test]
fn an_order_records_at_most_documents_max_invoices() {
    let mut history = vec![placed(), confirmed()];
    history.extend((0..u128::from(DOCUMENTS_MAX)).map(|n| invoiced(n, vec![])));
    let expected = OrderError::TooManyDocuments { what: "invoices" };
    check(&history, invoice(9_999, vec![qty(0, 1)]), finance(), Err(expected));
}

#[test]
fn only_finance_or_an_admin_invoices() {
    let given = [placed(), confirmed()];
    let expected = || Ok(vec![invoiced(1, vec![line_amount(0, 1, 10_000)])]);
    check(&given, invoice(1, vec![qty(0, 1)]), finance(), expected());
    check(&given, invoice(1, vec![qty(0, 1)]), admin(), expected());
    for actor in [rep(ALICE), manager(EAST), with_role(Role::Auditor)] {
        let role = actor.role;
        check(&given, invoice(1, vec![qty(0, 1)]), actor, Err(OrderError::Forbidden { role }));
    }
}

#[test]
fn an_invoice_id_repeated_with_the_same_lines_records_nothing_and_with_other_lines_is_refused() {
    let history = vec![placed(), confirmed(), invoiced(1, vec![line_amount(0, 4, 40_000)])];
    check(&history, invoice(1, vec![qty(0, 4)]), finance(), Ok(vec![]));
    check(
        &history,
        invoice(1, vec![qty(0, 5)]),
        finance(),
        Err(OrderError::InvoiceIdReused(invoice_id(1))),
    );
}
