//! Receiving payments: allocation oldest instalment first, credit from overpayment, settlement,
//! and repeats of one receipt.

use super::*;

#[test]
fn a_part_payment_goes_to_the_oldest_instalment() {
    let expected = received(1, 30_000, day(3, 5), vec![alloc(0, 30_000)], 0, 10);
    check(&[opened()], receive(1, eur(30_000), day(3, 5)), finance(), Ok(vec![expected]));
}

#[test]
fn a_payment_larger_than_the_oldest_instalment_fills_it_then_the_next() {
    let first = received(1, 30_000, day(3, 5), vec![alloc(0, 30_000)], 0, 5);
    let expected = received(2, 50_000, day(3, 6), vec![alloc(0, 10_000), alloc(1, 40_000)], 0, 10);
    check(&[opened(), first], receive(2, eur(50_000), day(3, 6)), finance(), Ok(vec![expected]));
}

#[test]
fn paying_exactly_what_is_outstanding_settles_the_receivable_in_the_same_decision() {
    let first = received(1, 40_000, day(3, 5), vec![alloc(0, 40_000)], 0, 5);
    let last = received(2, 60_000, day(4, 2), vec![alloc(1, 60_000)], 0, 10);
    check(
        &[opened(), first],
        receive(2, eur(60_000), day(4, 2)),
        finance(),
        Ok(vec![last, settled(day(4, 2), 10)]),
    );
}

#[test]
fn paying_more_than_is_outstanding_settles_and_keeps_the_excess_as_credit() {
    let expected =
        received(1, 120_000, day(3, 20), vec![alloc(0, 40_000), alloc(1, 60_000)], 20_000, 10);
    check(
        &[opened()],
        receive(1, eur(120_000), day(3, 20)),
        finance(),
        Ok(vec![expected, settled(day(3, 20), 10)]),
    );
    let receivable = receivable(&overpaid());
    assert_eq!(receivable.credit_balance, eur(20_000));
    assert_eq!(receivable.outstanding(), eur(0));
    assert_eq!(receivable.settled_on, Some(day(3, 20)));
}

#[test]
fn a_payment_after_settlement_becomes_credit_and_does_not_settle_again() {
    let expected = received(2, 5_000, day(3, 25), vec![], 5_000, 10);
    check(&overpaid(), receive(2, eur(5_000), day(3, 25)), finance(), Ok(vec![expected]));
}

#[test]
fn a_back_dated_payment_keeps_its_business_date() {
    let expected = received(1, 10_000, day(1, 15), vec![alloc(0, 10_000)], 0, 10);
    check(&[opened()], receive(1, eur(10_000), day(1, 15)), finance(), Ok(vec![expected]));
}

#[test]
fn a_repeated_receipt_records_nothing_and_the_same_id_with_other_details_is_rejected() {
    let history = [opened(), received(1, 30_000, day(3, 5), vec![alloc(0, 30_000)], 0, 5)];
    check(&history, receive(1, eur(30_000), day(3, 5)), finance(), Ok(vec![]));
    let reused = Err(PaymentError::ReceiptIdReused(receipt_id(1)));
    check(&history, receive(1, eur(30_001), day(3, 5)), finance(), reused.clone());
    check(&history, receive(1, eur(30_000), day(3, 6)), finance(), reused);
}

#[test]
fn a_repeat_of_the_settling_receipt_records_nothing_even_though_its_split_would_differ() {
    check(&overpaid(), receive(1, eur(120_000), day(3, 20)), finance(), Ok(vec![]));
}

#[test]
fn a_payment_in_another_currency_is_rejected() {
    let expected = Err(PaymentError::CurrencyMismatch {
        expected: Currency::new("EUR").unwrap(),
        got: Currency::new("USD").unwrap(),
    });
    check(&[opened()], receive(1, usd(30_000), day(3, 5)), finance(), expected);
}

#[test]
fn a_payment_must_be_positive_and_bounded() {
    for amount_minor in [0, -100, AMOUNT_MINOR_MAX + 1] {
        check(
            &[opened()],
            receive(1, eur(amount_minor), day(3, 5)),
            finance(),
            Err(PaymentError::AmountOutOfRange { amount_minor }),
        );
    }
}

#[test]
fn a_payment_reference_may_be_empty_but_not_overlong() {
    let cash = PaymentCommand::ReceivePayment {
        receipt_id: receipt_id(1),
        amount: eur(100),
        method: PaymentMethod::Cash,
        reference: String::new(),
        received_on: day(3, 5),
    };
    let state = PaymentDecider::replay(&[opened()]);
    let context = Context { actor: finance(), occurred_at: t(10) };
    assert!(PaymentDecider::decide(&state, &cash, &context).is_ok());
    let mut long = cash;
    if let PaymentCommand::ReceivePayment { reference, .. } = &mut long {
        *reference = "r".repeat(TEXT_BYTES_MAX + 1);
    }
    check(&[opened()], long, finance(), Err(PaymentError::Text { field: "reference" }));
}

#[test]
fn receipts_beyond_the_limit_are_rejected() {
    let mut history = vec![opened()];
    for n in 0..RECEIPTS_MAX as u128 {
        history.push(received(n, 1, day(3, 5), vec![alloc(0, 1)], 0, 5));
    }
    let next = receive(RECEIPTS_MAX as u128, eur(1), day(3, 5));
    check(&history, next, finance(), Err(PaymentError::TooManyReceipts));
}
