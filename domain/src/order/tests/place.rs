//! Placing an order from an accepted quote, and confirming it.

use super::*;

#[test]
fn placing_from_an_accepted_quote_copies_its_lines_total_owner_and_payment_terms() {
    check(&[], place_command(), rep(ALICE), Ok(vec![placed()]));
    let order = order_after(&[placed()]);
    assert_eq!(order.status(), OrderStatus::ToConfirm);
    assert_eq!(order.effective_total(), eur(190_000));
}

#[test]
fn placing_again_is_a_no_op_for_the_same_id_and_details_and_rejected_for_any_other() {
    check(&[placed()], place_command(), rep(ALICE), Ok(vec![]));
    let already = Err(OrderError::AlreadyPlaced(ORDER));
    let other_version = place_with(|quote| quote.version += 1);
    check(&[placed()], other_version, rep(ALICE), already.clone());
    let other_price = place_with(|quote| {
        quote.lines[0].line_total = eur(90_000);
        quote.total = eur(180_000);
    });
    check(&[placed()], other_price, rep(ALICE), already.clone());
    let OrderCommand::Place { order_id, quote, .. } = place_command() else { unreachable!() };
    let other_terms = OrderCommand::Place {
        order_id,
        quote,
        payment_terms: PaymentTerms {
            parts: vec![TermPart { share: Bps(10_000), days_after: 30 }],
        },
    };
    check(&[placed()], other_terms, rep(ALICE), already);
    let other = OrderCommand::Place {
        order_id: OrderId(Uuid::from_u128(0x07e4)),
        quote: accepted_quote(),
        payment_terms: thirty_seventy(),
    };
    check(&[placed()], other, rep(ALICE), Err(OrderError::AlreadyPlaced(ORDER)));
}

#[test]
fn an_order_without_lines_or_with_too_many_is_rejected() {
    let empty = place_with(|quote| {
        quote.lines.clear();
        quote.total = eur(0);
    });
    check(&[], empty, rep(ALICE), Err(OrderError::Empty));
    let too_many = place_with(|quote| {
        let line = quote.lines[0].clone();
        quote.lines = vec![line; ORDER_LINES_MAX as usize + 1];
    });
    check(&[], too_many, rep(ALICE), Err(OrderError::TooManyLines));
}

#[test]
fn an_amount_in_another_currency_than_the_quotes_is_rejected() {
    let mismatch = Err(OrderError::CurrencyMismatch {
        expected: Currency::new("EUR").unwrap(),
        got: Currency::new("USD").unwrap(),
    });
    let dollar_price = place_with(|quote| quote.lines[1].unit_price = usd(33_333));
    check(&[], dollar_price, rep(ALICE), mismatch.clone());
    let dollar_line_total = place_with(|quote| quote.lines[0].line_total = usd(100_000));
    check(&[], dollar_line_total, rep(ALICE), mismatch.clone());
    let dollar_total = place_with(|quote| quote.total = usd(190_000));
    check(&[], dollar_total, rep(ALICE), mismatch);
}

#[test]
fn a_negative_price_or_line_total_is_rejected() {
    let negative_price = place_with(|quote| quote.lines[0].unit_price = eur(-1));
    check(&[], negative_price, rep(ALICE), Err(OrderError::NegativeAmount));
    let negative_total = place_with(|quote| {
        quote.lines[0].line_total = eur(-100_000);
        quote.total = eur(-10_000);
    });
    check(&[], negative_total, rep(ALICE), Err(OrderError::NegativeAmount));
}

#[test]
fn a_line_total_above_quantity_times_unit_price_is_rejected() {
    let inflated = place_with(|quote| {
        quote.lines[1].line_total = eur(100_000);
        quote.total = eur(200_000);
    });
    let expected = OrderError::LineTotalMismatch {
        line: 1,
        list_amount: eur(99_999),
        line_total: eur(100_000),
    };
    check(&[], inflated, rep(ALICE), Err(expected));
}

#[test]
fn line_totals_that_do_not_add_up_to_the_quote_total_are_rejected() {
    let off_by_a_cent = place_with(|quote| quote.total = eur(190_001));
    let expected = OrderError::TotalMismatch { lines_sum: eur(190_000), total: eur(190_001) };
    check(&[], off_by_a_cent, rep(ALICE), Err(expected));
}

#[test]
fn line_totals_whose_sum_leaves_the_range_of_money_are_rejected() {
    let huge = place_with(|quote| {
        for line in &mut quote.lines {
            line.quantity = 1;
            line.unit_price = eur(i64::MAX);
            line.line_total = eur(i64::MAX);
        }
    });
    check(&[], huge, rep(ALICE), Err(OrderError::Overflow));
}

#[test]
fn a_blank_or_overlong_sku_and_a_zero_or_huge_quantity_are_rejected() {
    let sku_error = || Err(OrderError::Text { field: "sku", bytes_max: SKU_BYTES_MAX });
    let blank = place_with(|quote| quote.lines[0].sku = " ".into());
    check(&[], blank, rep(ALICE), sku_error());
    let overlong = place_with(|quote| quote.lines[0].sku = "X".repeat(SKU_BYTES_MAX as usize + 1));
    check(&[], overlong, rep(ALICE), sku_error());
    let zero = place_with(|quote| quote.lines[1].quantity = 0);
    check(&[], zero, rep(ALICE), Err(OrderError::Quantity { line: 1 }));
    let huge = place_with(|quote| quote.lines[1].quantity = LINE_QUANTITY_MAX + 1);
    check(&[], huge, rep(ALICE), Err(OrderError::Quantity { line: 1 }));
}

#[test]
fn payment_terms_must_be_whole_non_empty_in_due_order_and_within_the_limits() {
    let part = |share, days_after| TermPart { share: Bps(share), days_after };
    let cases = [
        (vec![], PaymentTermsError::PartCount(0)),
        (vec![part(1, 0); INSTALMENTS_MAX as usize + 1], PaymentTermsError::PartCount(13)),
        (vec![part(10_000, 0), part(0, 30)], PaymentTermsError::ZeroShare),
        (
            vec![part(3_000, 0), part(6_000, 30)],
            PaymentTermsError::SharesNotWhole { total_bps: 9_000 },
        ),
        (vec![part(3_000, 30), part(7_000, 0)], PaymentTermsError::Days),
        (vec![part(10_000, TERM_DAYS_MAX + 1)], PaymentTermsError::Days),
    ];
    for (parts, error) in cases {
        let command = OrderCommand::Place {
            order_id: ORDER,
            quote: accepted_quote(),
            payment_terms: PaymentTerms { parts },
        };
        check(&[], command, rep(ALICE), Err(OrderError::PaymentTerms(error)));
    }
}

#[test]
fn the_quote_owner_their_team_manager_or_an_admin_places_and_no_one_else() {
    check(&[], place_command(), manager(EAST), Ok(vec![placed()]));
    check(&[], place_command(), admin(), Ok(vec![placed()]));
    check(&[], place_command(), rep(BOB), Err(OrderError::Forbidden { role: Role::SalesRep }));
    let other_team = Err(OrderError::Forbidden { role: Role::SalesManager });
    check(&[], place_command(), manager(WEST), other_team);
    for role in [Role::Finance, Role::Auditor] {
        check(&[], place_command(), with_role(role), Err(OrderError::Forbidden { role }));
    }
}

#[test]
fn every_command_but_place_needs_a_placed_order() {
    let commands = [
        OrderCommand::Confirm,
        OrderCommand::Fulfil { fulfilment_id: fulfilment_id(1), lines: vec![qty(0, 1)] },
        OrderCommand::Invoice {
            invoice_id: invoice_id(1),
            lines: vec![qty(0, 1)],
            base_date: day(3, 2),
        },
        OrderCommand::CancelRest { cancellation_id: cancellation_id(1), reason: "x".into() },
    ];
    for command in commands {
        check(&[], command, admin(), Err(OrderError::NotPlaced));
    }
}

#[test]
fn confirming_records_the_time_once_and_moves_the_order_to_deliver_and_bill() {
    check(&[placed()], OrderCommand::Confirm, rep(ALICE), Ok(vec![confirmed()]));
    check(&[placed(), confirmed()], OrderCommand::Confirm, rep(ALICE), Ok(vec![]));
    assert_eq!(order_after(&[placed(), confirmed()]).status(), OrderStatus::ToDeliverAndBill);
}

#[test]
fn only_sales_roles_on_the_order_or_an_admin_confirm() {
    check(&[placed()], OrderCommand::Confirm, manager(EAST), Ok(vec![confirmed()]));
    check(&[placed()], OrderCommand::Confirm, admin(), Ok(vec![confirmed()]));
    let forbidden = |role| Err(OrderError::Forbidden { role });
    check(&[placed()], OrderCommand::Confirm, rep(BOB), forbidden(Role::SalesRep));
    check(&[placed()], OrderCommand::Confirm, manager(WEST), forbidden(Role::SalesManager));
    check(&[placed()], OrderCommand::Confirm, finance(), forbidden(Role::Finance));
    check(&[placed()], OrderCommand::Confirm, with_role(Role::Auditor), forbidden(Role::Auditor));
}

#[test]
fn a_wholly_cancelled_order_cannot_be_confirmed() {
    let everything = cancelled(1, vec![line_amount(0, 10, 100_000), line_amount(1, 3, 90_000)]);
    check(&[placed(), everything], OrderCommand::Confirm, rep(ALICE), Err(OrderError::Cancelled));
}
