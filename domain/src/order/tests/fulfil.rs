//! Fulfilling order lines in parts.

use super::*;

fn fulfil(n: u128, lines: Vec<LineQuantity>) -> OrderCommand {
    OrderCommand::Fulfil { fulfilment_id: fulfilment_id(n), lines }
}

#[test]
fn a_partial_fulfilment_records_the_quantities_and_the_percentage_fulfilled() {
    let given = [placed(), confirmed()];
    let expected = fulfilled(1, vec![qty(0, 4), qty(1, 1)]);
    check(&given, fulfil(1, vec![qty(0, 4), qty(1, 1)]), admin(), Ok(vec![expected.clone()]));
    let order = order_after(&[placed(), confirmed(), expected]);
    assert_eq!(order.percent_fulfilled_bps(), Bps(3_846), "5 of 13 units, rounded down");
    assert_eq!(order.status(), OrderStatus::ToDeliverAndBill);
}

#[test]
fn fulfilling_everything_leaves_the_order_to_bill() {
    let everything = fulfilled(1, vec![qty(0, 10), qty(1, 3)]);
    let order = order_after(&[placed(), confirmed(), everything]);
    assert_eq!(order.percent_fulfilled_bps(), Bps::HUNDRED_PERCENT);
    assert_eq!(order.status(), OrderStatus::ToBill);
}

#[test]
fn a_repeated_fulfilment_records_nothing() {
    let history = [placed(), confirmed(), fulfilled(1, vec![qty(0, 4)])];
    check(&history, fulfil(1, vec![qty(0, 4)]), admin(), Ok(vec![]));
}

#[test]
fn fulfilling_more_than_is_left_on_a_line_is_rejected() {
    let history = [placed(), confirmed(), fulfilled(1, vec![qty(0, 8)])];
    let expected = OrderError::BeyondOrdered { line: 0, open: 2, requested: 3 };
    check(&history, fulfil(2, vec![qty(0, 3)]), admin(), Err(expected));
}

#[test]
fn cancelled_quantities_cannot_be_fulfilled() {
    let history = [placed(), confirmed(), cancelled(1, vec![line_amount(1, 2, 60_000)])];
    let expected = OrderError::BeyondOrdered { line: 1, open: 1, requested: 2 };
    check(&history, fulfil(1, vec![qty(1, 2)]), admin(), Err(expected));
}

#[test]
fn malformed_line_lists_are_rejected() {
    let given = [placed(), confirmed()];
    check(&given, fulfil(1, vec![]), admin(), Err(OrderError::Empty));
    check(&given, fulfil(1, vec![qty(2, 1)]), admin(), Err(OrderError::UnknownLine(2)));
    check(&given, fulfil(1, vec![qty(0, 0)]), admin(), Err(OrderError::Quantity { line: 0 }));
    let twice = fulfil(1, vec![qty(0, 1), qty(0, 1)]);
    check(&given, twice, admin(), Err(OrderError::DuplicateLine(0)));
    let too_many = fulfil(1, vec![qty(0, 1); ORDER_LINES_MAX as usize + 1]);
    check(&given, too_many, admin(), Err(OrderError::TooManyLines));
}

#[test]
fn an_unconfirmed_or_wholly_cancelled_order_is_not_fulfilled() {
    check(&[placed()], fulfil(1, vec![qty(0, 1)]), admin(), Err(OrderError::NotConfirmed));
    let everything = cancelled(1, vec![line_amount(0, 10, 100_000), line_amount(1, 3, 90_000)]);
    let history = [placed(), confirmed(), everything];
    check(&history, fulfil(1, vec![qty(0, 1)]), admin(), Err(OrderError::Cancelled));
}

#[test]
fn an_order_records_at_most_documents_max_fulfilments() {
    let mut history = vec![placed(), confirmed()];
    history.extend((0..u128::from(DOCUMENTS_MAX)).map(|n| fulfilled(n, vec![])));
    let expected = OrderError::TooManyDocuments { what: "fulfilments" };
    check(&history, fulfil(9_999, vec![qty(0, 1)]), admin(), Err(expected));
}

#[test]
fn an_admin_or_the_orders_sales_manager_fulfils_and_no_one_else() {
    let given = [placed(), confirmed()];
    let expected = Ok(vec![fulfilled(1, vec![qty(0, 1)])]);
    check(&given, fulfil(1, vec![qty(0, 1)]), manager(EAST), expected);
    let forbidden = |role| Err(OrderError::Forbidden { role });
    check(&given, fulfil(1, vec![qty(0, 1)]), manager(WEST), forbidden(Role::SalesManager));
    check(&given, fulfil(1, vec![qty(0, 1)]), rep(ALICE), forbidden(Role::SalesRep));
    check(&given, fulfil(1, vec![qty(0, 1)]), finance(), forbidden(Role::Finance));
    let auditor = with_role(Role::Auditor);
    check(&given, fulfil(1, vec![qty(0, 1)]), auditor, forbidden(Role::Auditor));
}

#[test]
fn a_fulfilment_id_repeated_with_the_same_lines_records_nothing_and_with_other_lines_is_refused() {
    let history = vec![placed(), confirmed(), fulfilled(1, vec![qty(0, 4)])];
    check(&history, fulfil(1, vec![qty(0, 4)]), admin(), Ok(vec![]));
    check(
        &history,
        fulfil(1, vec![qty(0, 2)]),
        admin(),
        Err(OrderError::FulfilmentIdReused(fulfilment_id(1))),
    );
}
