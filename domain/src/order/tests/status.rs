//! The status is a pure function of the facts: confirmation, whether anything is still ordered,
//! the percentages fulfilled and invoiced, and whether the order was paid.

use super::*;

#[test]
fn the_status_follows_from_confirmation_the_two_percentages_and_payment() {
    let full = Bps::HUNDRED_PERCENT;
    let part = Bps(9_999);
    let cases = [
        (false, false, Bps::ZERO, Bps::ZERO, false, OrderStatus::ToConfirm),
        (true, false, Bps::ZERO, Bps::ZERO, false, OrderStatus::ToDeliverAndBill),
        (true, false, part, part, false, OrderStatus::ToDeliverAndBill),
        (true, false, full, part, false, OrderStatus::ToBill),
        (true, false, part, full, false, OrderStatus::ToDeliver),
        (true, false, part, full, true, OrderStatus::ToDeliver),
        (true, false, full, full, false, OrderStatus::Completed),
        (true, false, full, full, true, OrderStatus::Paid),
        (true, true, Bps::ZERO, Bps::ZERO, false, OrderStatus::Cancelled),
        (false, true, Bps::ZERO, Bps::ZERO, false, OrderStatus::Cancelled),
    ];
    for (confirmed, all_cancelled, fulfilled, invoiced, paid, expected) in cases {
        assert_eq!(
            status_of(confirmed, all_cancelled, fulfilled, invoiced, paid),
            expected,
            "confirmed {confirmed}, all cancelled {all_cancelled}, {fulfilled} fulfilled, \
             {invoiced} invoiced, paid {paid}"
        );
    }
}

#[test]
fn an_order_of_free_items_measures_invoicing_by_quantity() {
    let free = PricedLine {
        sku: "ONBOARDING".into(),
        quantity: 4,
        unit_price: eur(0),
        line_total: eur(0),
    };
    let history = [
        placed_one_line(free, PaymentTerms::immediate()),
        confirmed(),
        invoiced(1, vec![line_amount(0, 1, 0)]),
    ];
    let order = order_after(&history);
    assert_eq!(order.percent_invoiced_bps(), Bps(2_500));
    assert_eq!(order.status(), OrderStatus::ToDeliverAndBill);
}
