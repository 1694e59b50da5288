//! Refunds, credit notes and write-offs carry their document's id: the same document sent
//! again records nothing, a second document of the same amount under a new id is recorded, and
//! an id reused for other details is rejected by name.

use super::adjustments::{
    credit_note, credit_note_issued, refund, refunded, write_off, written_off,
};
use super::*;

#[test]
fn a_repeated_refund_records_nothing_and_a_second_refund_of_the_same_amount_is_recorded() {
    let history = [overpaid(), vec![refunded(1, 5_000)]].concat();
    check(&history, refund(1, 5_000), finance(), Ok(vec![]));
    check(&history, refund(2, 5_000), finance(), Ok(vec![refunded(2, 5_000)]));
}

#[test]
fn a_refund_id_reused_for_another_amount_date_or_reference_is_rejected() {
    let history = [overpaid(), vec![refunded(1, 5_000)]].concat();
    let reused = Err(PaymentError::RefundIdReused(refund_id(1)));
    check(&history, refund(1, 5_001), finance(), reused.clone());
    let edit = |edit: fn(&mut NaiveDate, &mut String)| {
        let mut command = refund(1, 5_000);
        if let PaymentCommand::RefundCredit { refunded_on, reference, .. } = &mut command {
            edit(refunded_on, reference);
        }
        command
    };
    check(&history, edit(|on, _| *on = day(3, 23)), finance(), reused.clone());
    check(&history, edit(|_, reference| *reference = "REFUND-2".into()), finance(), reused);
}

#[test]
fn a_repeated_credit_note_records_nothing_and_a_second_one_of_the_same_amount_is_recorded() {
    let history = [opened(), credit_note_issued(1, 10_000, vec![alloc(0, 10_000)])];
    check(&history, credit_note(1, 10_000), finance(), Ok(vec![]));
    let second = credit_note_issued(2, 10_000, vec![alloc(0, 10_000)]);
    check(&history, credit_note(2, 10_000), finance(), Ok(vec![second]));
}

#[test]
fn a_credit_note_id_reused_for_another_amount_or_reason_is_rejected() {
    let history = [opened(), credit_note_issued(1, 10_000, vec![alloc(0, 10_000)])];
    let reused = Err(PaymentError::CreditNoteIdReused(credit_note_id(1)));
    check(&history, credit_note(1, 9_999), finance(), reused.clone());
    let mut other_reason = credit_note(1, 10_000);
    if let PaymentCommand::IssueCreditNote { reason, .. } = &mut other_reason {
        *reason = "goodwill".into();
    }
    check(&history, other_reason, finance(), reused);
}

#[test]
fn a_repeated_write_off_records_nothing_even_once_nothing_is_left_to_write_off() {
    // The first write-off took everything outstanding, so a new one would be rejected; the
    // repeat is recognised before that check.
    let history = [
        opened(),
        written_off(1, 100_000, vec![alloc(0, 40_000), alloc(1, 60_000)]),
        settled(day(6, 30), 10),
    ];
    check(&history, write_off(1, 100_000), finance(), Ok(vec![]));
    let outstanding = Err(PaymentError::ExceedsOutstanding { outstanding: eur(0) });
    check(&history, write_off(2, 100_000), finance(), outstanding);
}

#[test]
fn a_write_off_id_reused_for_another_amount_or_date_is_rejected() {
    let history = [opened(), written_off(1, 10_000, vec![alloc(0, 10_000)])];
    let reused = Err(PaymentError::WriteOffIdReused(write_off_id(1)));
    check(&history, write_off(1, 20_000), finance(), reused.clone());
    let mut other_date = write_off(1, 10_000);
    if let PaymentCommand::WriteOff { written_off_on, .. } = &mut other_date {
        *written_off_on = day(7, 1);
    }
    check(&history, other_date, finance(), reused);
}

#[test]
fn the_ids_of_refunds_credit_notes_and_write_offs_are_separate_namespaces() {
    // One UUID can name a refund and a credit note: the id types keep them apart.
    let history = [overpaid(), vec![refunded(1, 5_000)]].concat();
    let state = PaymentDecider::replay(&history);
    let PaymentState::Opened(receivable) = &state else { panic!("opened") };
    assert!(receivable.refund(refund_id(1)).is_some());
    assert!(receivable.credit_note(CreditNoteId(refund_id(1).0)).is_none());
}

#[test]
fn a_repeat_is_recognised_even_when_the_adjustment_limit_is_reached() {
    let mut history = vec![
        opened(),
        received(
            1,
            100_000 + ADJUSTMENTS_MAX as i64,
            day(3, 5),
            vec![alloc(0, 40_000), alloc(1, 60_000)],
            ADJUSTMENTS_MAX as i64,
            5,
        ),
        settled(day(3, 5), 5),
    ];
    history.extend((0..ADJUSTMENTS_MAX as u128).map(|n| PaymentEvent::CreditRefunded {
        refund_id: refund_id(n),
        amount: eur(1),
        reference: "REFUND-1".into(),
        refunded_on: day(3, 22),
        at: t(6),
    }));
    check(&history, refund(7, 1), finance(), Ok(vec![]));
}
