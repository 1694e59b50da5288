//! Refunds of credit, credit notes and write-offs: what each may not exceed, and settlement.

use super::*;

/// Refund number `n` of `amount_minor`; every adjustment fixture is numbered the same way.
pub(super) fn refund(n: u128, amount_minor: i64) -> PaymentCommand {
    PaymentCommand::RefundCredit {
        refund_id: refund_id(n),
        amount: eur(amount_minor),
        reference: "REFUND-1".into(),
        refunded_on: day(3, 22),
    }
}

pub(super) fn credit_note(n: u128, amount_minor: i64) -> PaymentCommand {
    PaymentCommand::IssueCreditNote {
        credit_note_id: credit_note_id(n),
        amount: eur(amount_minor),
        reason: "damaged in transit".into(),
        issued_on: day(3, 10),
    }
}

pub(super) fn write_off(n: u128, amount_minor: i64) -> PaymentCommand {
    PaymentCommand::WriteOff {
        write_off_id: write_off_id(n),
        amount: eur(amount_minor),
        reason: "customer insolvent".into(),
        written_off_on: day(6, 30),
    }
}

/// The event `refund(n, amount_minor)` produces at minute 10.
pub(super) fn refunded(n: u128, amount_minor: i64) -> PaymentEvent {
    PaymentEvent::CreditRefunded {
        refund_id: refund_id(n),
        amount: eur(amount_minor),
        reference: "REFUND-1".into(),
        refunded_on: day(3, 22),
        at: t(10),
    }
}

pub(super) fn credit_note_issued(
    n: u128,
    amount_minor: i64,
    allocations: Vec<Allocation>,
) -> PaymentEvent {
    PaymentEvent::CreditNoteIssued {
        credit_note_id: credit_note_id(n),
        amount: eur(amount_minor),
        reason: "damaged in transit".into(),
        issued_on: day(3, 10),
        allocations,
        at: t(10),
    }
}

pub(super) fn written_off(
    n: u128,
    amount_minor: i64,
    allocations: Vec<Allocation>,
) -> PaymentEvent {
    PaymentEvent::WrittenOff {
        write_off_id: write_off_id(n),
        amount: eur(amount_minor),
        reason: "customer insolvent".into(),
        written_off_on: day(6, 30),
        allocations,
        at: t(10),
    }
}

#[test]
fn a_refund_pays_back_part_of_the_credit() {
    let expected = refunded(1, 15_000);
    check(&overpaid(), refund(1, 15_000), finance(), Ok(vec![expected.clone()]));
    let mut history = overpaid();
    history.push(expected);
    let receivable = receivable(&history);
    assert_eq!((receivable.credit_balance, receivable.refunded), (eur(5_000), eur(15_000)));
}

#[test]
fn refunding_more_than_the_credit_balance_is_rejected() {
    let expected = Err(PaymentError::RefundExceedsCredit { credit: eur(20_000) });
    check(&overpaid(), refund(1, 20_001), finance(), expected);
    let no_credit = Err(PaymentError::RefundExceedsCredit { credit: eur(0) });
    check(&[opened()], refund(1, 1), finance(), no_credit);
}

#[test]
fn a_credit_note_reduces_what_is_owed_oldest_instalment_first() {
    let expected = credit_note_issued(1, 50_000, vec![alloc(0, 40_000), alloc(1, 10_000)]);
    check(&[opened()], credit_note(1, 50_000), finance(), Ok(vec![expected.clone()]));
    let receivable = receivable(&[opened(), expected]);
    assert_eq!((receivable.outstanding(), receivable.credited), (eur(50_000), eur(50_000)));
}

#[test]
fn a_credit_note_for_everything_outstanding_settles_the_receivable() {
    let history = [opened(), received(1, 40_000, day(3, 5), vec![alloc(0, 40_000)], 0, 5)];
    let expected = credit_note_issued(1, 60_000, vec![alloc(1, 60_000)]);
    check(&history, credit_note(1, 60_000), finance(), Ok(vec![expected, settled(day(3, 10), 10)]));
}

#[test]
fn a_credit_note_larger_than_what_is_outstanding_is_rejected() {
    let history = [opened(), received(1, 40_000, day(3, 5), vec![alloc(0, 40_000)], 0, 5)];
    let expected = Err(PaymentError::ExceedsOutstanding { outstanding: eur(60_000) });
    check(&history, credit_note(1, 60_001), finance(), expected);
    let nothing_owed = Err(PaymentError::ExceedsOutstanding { outstanding: eur(0) });
    check(&overpaid(), credit_note(1, 1), finance(), nothing_owed);
}

#[test]
fn a_write_off_reduces_what_is_owed_and_settles_when_nothing_is_left() {
    let partial = written_off(1, 10_000, vec![alloc(0, 10_000)]);
    check(&[opened()], write_off(1, 10_000), finance(), Ok(vec![partial]));
    let history =
        [opened(), received(1, 70_000, day(3, 5), vec![alloc(0, 40_000), alloc(1, 30_000)], 0, 5)];
    let all = written_off(1, 30_000, vec![alloc(1, 30_000)]);
    check(
        &history,
        write_off(1, 30_000),
        with_role(Role::Admin),
        Ok(vec![all, settled(day(6, 30), 10)]),
    );
}

#[test]
fn a_write_off_larger_than_what_is_outstanding_is_rejected() {
    let expected = Err(PaymentError::ExceedsOutstanding { outstanding: eur(100_000) });
    check(&[opened()], write_off(1, 100_001), finance(), expected);
}

#[test]
fn credit_notes_and_write_offs_need_a_reason() {
    let blank = |command: PaymentCommand| match command {
        PaymentCommand::IssueCreditNote { credit_note_id, amount, issued_on, .. } => {
            let reason = "  ".into();
            PaymentCommand::IssueCreditNote { credit_note_id, amount, reason, issued_on }
        }
        PaymentCommand::WriteOff { write_off_id, amount, written_off_on, .. } => {
            let reason = String::new();
            PaymentCommand::WriteOff { write_off_id, amount, reason, written_off_on }
        }
        other => other,
    };
    let expected = Err(PaymentError::Text { field: "reason" });
    check(&[opened()], blank(credit_note(1, 1)), finance(), expected.clone());
    check(&[opened()], blank(write_off(1, 1)), finance(), expected);
}

#[test]
fn adjustments_in_another_currency_or_not_positive_are_rejected() {
    let mismatch = Err(PaymentError::CurrencyMismatch {
        expected: Currency::new("EUR").unwrap(),
        got: Currency::new("USD").unwrap(),
    });
    let in_dollars = PaymentCommand::IssueCreditNote {
        credit_note_id: credit_note_id(1),
        amount: usd(100),
        reason: "damaged".into(),
        issued_on: day(3, 10),
    };
    check(&[opened()], in_dollars, finance(), mismatch.clone());
    let refund_in_dollars = PaymentCommand::RefundCredit {
        refund_id: refund_id(1),
        amount: usd(100),
        reference: String::new(),
        refunded_on: day(3, 22),
    };
    check(&overpaid(), refund_in_dollars, finance(), mismatch);
    for command in [refund(1, 0), credit_note(1, -1), write_off(1, 0)] {
        let result = PaymentDecider::decide(
            &PaymentDecider::replay(&overpaid()),
            &command,
            &Context { actor: finance(), occurred_at: t(10) },
        );
        assert!(matches!(result, Err(PaymentError::AmountOutOfRange { .. })), "{result:?}");
    }
}

#[test]
fn adjustments_beyond_the_limit_are_rejected() {
    let mut history = vec![
        opened(),
        received(
            1,
            100_000 + ADJUSTMENTS_MAX as i64 + 1,
            day(3, 5),
            vec![alloc(0, 40_000), alloc(1, 60_000)],
            ADJUSTMENTS_MAX as i64 + 1,
            5,
        ),
        settled(day(3, 5), 5),
    ];
    for n in 0..ADJUSTMENTS_MAX as u128 {
        history.push(PaymentEvent::CreditRefunded {
            refund_id: refund_id(n),
            amount: eur(1),
            reference: String::new(),
            refunded_on: day(3, 6),
            at: t(6),
        });
    }
    let next = refund(ADJUSTMENTS_MAX as u128, 1);
    check(&history, next, finance(), Err(PaymentError::TooManyAdjustments));
}

#[test]
fn a_refund_reference_may_be_empty_but_not_overlong() {
    let with_reference = |reference: String| PaymentCommand::RefundCredit {
        refund_id: refund_id(1),
        amount: eur(100),
        reference,
        refunded_on: day(3, 22),
    };
    let expected = PaymentEvent::CreditRefunded {
        refund_id: refund_id(1),
        amount: eur(100),
        reference: String::new(),
        refunded_on: day(3, 22),
        at: t(10),
    };
    check(&overpaid(), with_reference(String::new()), finance(), Ok(vec![expected]));
    let long = with_reference("r".repeat(TEXT_BYTES_MAX + 1));
    check(&overpaid(), long, finance(), Err(PaymentError::Text { field: "reference" }));
}
