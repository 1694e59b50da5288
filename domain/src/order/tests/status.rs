//! The status is a pure function of the facts: confirmation, whether anything is still ordered,
//! and the percentages fulfilled and invoiced.

use super::*;

#[test]
fn the_status_follows_from_confirmation_and_the_two_percentages() {
    let full = Bps::HUNDRED_PERCENT;
    let part = Bps(9_999);
    let cases = [
        (false, false, Bps::ZERO, Bps::ZERO, OrderStatus::ToConfirm),
        (true, false, Bps::ZERO, Bps::ZERO, OrderStatus::ToDeliverAndBill),
        (true, false, part, part, OrderStatus::ToDeliverAndBill),
        (true, false, full, part, OrderStatus::ToBill),
        (true, false, part, full, OrderStatus::ToDeliver),
        (true, false, full, full, OrderStatus::Completed),
        (true, true, Bps::ZERO, Bps::ZERO, OrderStatus::Cancelled),
        (false, true, Bps::ZERO, Bps::ZERO, OrderStatus::Cancelled),
    ];
    for (confirmed, all_cancelled, fulfilled, invoiced, expected) in cases {
        assert_eq!(
            status_of(confirmed, all_cancelled, fulfilled, invoiced),
            expected,
            "confirmed {confirmed}, all cancelled {all_cancelled}, {fulfilled} fulfilled, \
             {invoiced} invoiced"
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
