//! Cancelling what is neither fulfilled nor invoiced: some quantities, or the whole rest.

use super::*;

fn cancel_lines(n: u128, lines: Vec<LineQuantity>) -> OrderCommand {
    OrderCommand::CancelLines {
        cancellation_id: cancellation_id(n),
        lines,
        reason: "budget cut".into(),
    }
}

fn cancel_rest(n: u128) -> OrderCommand {
    OrderCommand::CancelRest { cancellation_id: cancellation_id(n), reason: "budget cut".into() }
}

#[test]
fn cancelling_quantities_takes_their_prorated_value_off_the_order_total() {
    let expected = cancelled(1, vec![line_amount(0, 4, 40_000), line_amount(1, 1, 30_000)]);
    let command = cancel_lines(1, vec![qty(0, 4), qty(1, 1)]);
    check(&[placed(), confirmed()], command, rep(ALICE), Ok(vec![expected.clone()]));
    let order = order_after(&[placed(), confirmed(), expected]);
    assert_eq!(order.effective_total(), eur(120_000));
    assert_eq!(order.status(), OrderStatus::ToDeliverAndBill);
}

#[test]
fn an_unconfirmed_order_can_be_cancelled_wholly_and_is_then_terminal() {
    let expected = cancelled(1, vec![line_amount(0, 10, 100_000), line_amount(1, 3, 90_000)]);
    check(&[placed()], cancel_rest(1), rep(ALICE), Ok(vec![expected.clone()]));
    let history = [placed(), expected];
    let order = order_after(&history);
    assert_eq!(order.status(), OrderStatus::Cancelled);
    assert_eq!(order.effective_total(), eur(0));
    assert!(OrderDecider::is_terminal(&OrderDecider::replay(&history)));
}

#[test]
fn cancelling_the_rest_spares_what_is_fulfilled_or_invoiced() {
    let history = [
        placed(),
        confirmed(),
        fulfilled(1, vec![qty(0, 4)]),
        invoiced(1, vec![line_amount(0, 6, 60_000), line_amount(1, 1, 30_000)]),
    ];
    let expected = cancelled(1, vec![line_amount(0, 4, 40_000), line_amount(1, 2, 60_000)]);
    check(&history, cancel_rest(1), rep(ALICE), Ok(vec![expected.clone()]));
    let mut after = history.to_vec();
    after.push(expected);
    let order = order_after(&after);
    assert_eq!(order.percent_invoiced_bps(), Bps::HUNDRED_PERCENT);
    assert_eq!(order.percent_fulfilled_bps(), Bps(5_714), "4 of the 7 units still ordered");
    assert_eq!(order.status(), OrderStatus::ToDeliver);
}

#[test]
fn cancelling_the_rest_when_nothing_is_left_records_nothing() {
    let everything = cancelled(1, vec![line_amount(0, 10, 100_000), line_amount(1, 3, 90_000)]);
    check(&[placed(), everything], cancel_rest(2), rep(ALICE), Ok(vec![]));
    let done = [
        placed(),
        confirmed(),
        fulfilled(1, vec![qty(0, 10), qty(1, 3)]),
        invoiced(1, vec![line_amount(0, 10, 100_000), line_amount(1, 3, 90_000)]),
    ];
    check(&done, cancel_rest(1), rep(ALICE), Ok(vec![]));
}

#[test]
fn a_repeated_cancellation_records_nothing() {
    let history = [placed(), confirmed(), cancelled(1, vec![line_amount(0, 4, 40_000)])];
    check(&history, cancel_lines(1, vec![qty(0, 4)]), rep(ALICE), Ok(vec![]));
}

#[test]
fn fulfilled_or_invoiced_quantities_cannot_be_cancelled() {
    let history = [
        placed(),
        confirmed(),
        fulfilled(1, vec![qty(0, 8)]),
        invoiced(1, vec![line_amount(0, 5, 50_000)]),
    ];
    let expected = OrderError::BeyondCancellable { line: 0, open: 2, requested: 3 };
    check(&history, cancel_lines(1, vec![qty(0, 3)]), rep(ALICE), Err(expected));
    let billed_ahead = [placed(), confirmed(), invoiced(1, vec![line_amount(1, 3, 90_000)])];
    let expected = OrderError::BeyondCancellable { line: 1, open: 0, requested: 1 };
    check(&billed_ahead, cancel_lines(1, vec![qty(1, 1)]), rep(ALICE), Err(expected));
}

#[test]
fn a_wholly_cancelled_order_cancels_no_lines() {
    let everything = cancelled(1, vec![line_amount(0, 10, 100_000), line_amount(1, 3, 90_000)]);
    let command = cancel_lines(2, vec![qty(0, 1)]);
    check(&[placed(), everything], command, rep(ALICE), Err(OrderError::Cancelled));
}

#[test]
fn a_cancellation_needs_a_reason_of_bounded_length_and_well_formed_lines() {
    let given = [placed(), confirmed()];
    for reason in [String::new(), "x".repeat(REASON_BYTES_MAX as usize + 1)] {
        let command = OrderCommand::CancelRest { cancellation_id: cancellation_id(1), reason };
        let expected = OrderError::Text { field: "reason", bytes_max: REASON_BYTES_MAX };
        check(&given, command, rep(ALICE), Err(expected));
    }
    check(&given, cancel_lines(1, vec![]), rep(ALICE), Err(OrderError::Empty));
    check(&given, cancel_lines(1, vec![qty(9, 1)]), rep(ALICE), Err(OrderError::UnknownLine(9)));
}

#[test]
fn an_order_records_at_most_documents_max_cancellations() {
    let mut history = vec![placed(), confirmed()];
    history.extend((0..u128::from(DOCUMENTS_MAX)).map(|n| cancelled(n, vec![])));
    let expected = OrderError::TooManyDocuments { what: "cancellations" };
    check(&history, cancel_lines(9_999, vec![qty(0, 1)]), rep(ALICE), Err(expected));
}

#[test]
fn only_sales_roles_on_the_order_or_an_admin_cancel() {
    let given = [placed(), confirmed()];
    let expected = || Ok(vec![cancelled(1, vec![line_amount(0, 1, 10_000)])]);
    check(&given, cancel_lines(1, vec![qty(0, 1)]), manager(EAST), expected());
    check(&given, cancel_lines(1, vec![qty(0, 1)]), admin(), expected());
    let forbidden = |role| Err(OrderError::Forbidden { role });
    check(&given, cancel_lines(1, vec![qty(0, 1)]), rep(BOB), forbidden(Role::SalesRep));
    check(&given, cancel_rest(1), manager(WEST), forbidden(Role::SalesManager));
    check(&given, cancel_rest(1), finance(), forbidden(Role::Finance));
    check(&given, cancel_rest(1), with_role(Role::Auditor), forbidden(Role::Auditor));
}
