//! Opening a receivable: the schedule's rules, repeats, and who may issue money commands.

use super::*;

fn open_with(
    edit: impl FnOnce(&mut Money, &mut Vec<InstalmentDue>, &mut String),
) -> PaymentCommand {
    let mut command = open_command();
    if let PaymentCommand::OpenReceivable { total, schedule, invoice_reference, .. } = &mut command
    {
        edit(total, schedule, invoice_reference);
    }
    command
}

#[test]
fn opening_records_the_invoice_its_total_and_its_due_schedule() {
    let state = PaymentState::default();
    let context = Context { actor: finance(), occurred_at: t(0) };
    assert_eq!(PaymentDecider::decide(&state, &open_command(), &context), Ok(vec![opened()]));
    let receivable = receivable(&[opened()]);
    assert_eq!(receivable.outstanding(), eur(100_000));
    assert_eq!(receivable.instalments.len(), 2);
    assert!(!receivable.is_settled());
}

#[test]
fn opening_again_with_the_same_id_and_details_is_a_no_op_even_after_payments() {
    check(&[opened()], open_command(), finance(), Ok(vec![]));
    let paid = [opened(), received(1, 30_000, day(3, 5), vec![alloc(0, 30_000)], 0, 5)];
    check(&paid, open_command(), finance(), Ok(vec![]));
}

#[test]
fn opening_again_with_another_id_or_other_details_is_rejected() {
    let already = Err(PaymentError::AlreadyOpened(RECEIVABLE));
    let mut other_id = open_command();
    if let PaymentCommand::OpenReceivable { receivable_id, .. } = &mut other_id {
        *receivable_id = PaymentId(Uuid::from_u128(0x07e4));
    }
    check(&[opened()], other_id, finance(), already.clone());
    let other_reference = open_with(|_, _, reference| *reference = "INV-2026-0043".into());
    check(&[opened()], other_reference, finance(), already.clone());
    let other_total = open_with(|total, schedule, _| {
        *total = eur(100_001);
        schedule[1].amount = eur(60_001);
    });
    check(&[opened()], other_total, finance(), already.clone());
    let other_date = open_with(|_, schedule, _| schedule[1].due_on = day(5, 31));
    check(&[opened()], other_date, finance(), already.clone());
    let mut other_customer = open_command();
    if let PaymentCommand::OpenReceivable { customer_id, .. } = &mut other_customer {
        *customer_id = CustomerId(Uuid::from_u128(0xbeef));
    }
    check(&[opened()], other_customer, finance(), already);
}

#[test]
fn a_schedule_that_does_not_add_up_to_the_total_is_rejected() {
    let short = open_with(|_, schedule, _| schedule[1].amount = eur(59_999));
    let expected =
        Err(PaymentError::ScheduleNotWhole { total: eur(100_000), scheduled: eur(99_999) });
    check(&[], short, finance(), expected);
}

#[test]
fn a_schedule_out_of_date_order_or_with_two_instalments_on_one_day_is_rejected() {
    let reversed = open_with(|_, schedule, _| schedule.reverse());
    let expected = Err(PaymentError::ScheduleOutOfOrder { instalment_idx: 1 });
    check(&[], reversed, finance(), expected.clone());
    let same_day = open_with(|_, schedule, _| schedule[1].due_on = schedule[0].due_on);
    check(&[], same_day, finance(), expected);
}

#[test]
fn a_schedule_needs_one_to_the_maximum_number_of_instalments() {
    let empty = open_with(|_, schedule, _| schedule.clear());
    check(&[], empty, finance(), Err(PaymentError::InstalmentCount { count: 0 }));
    let too_many = open_with(|total, schedule, _| {
        let n_instalments = INSTALMENTS_MAX as u32 + 1;
        *total = eur(i64::from(n_instalments));
        *schedule = (0..n_instalments)
            .map(|idx| InstalmentDue {
                due_on: day(1, 1) + chrono::Days::new(u64::from(idx)),
                amount: eur(1),
            })
            .collect();
    });
    let count = INSTALMENTS_MAX as u32 + 1;
    check(&[], too_many, finance(), Err(PaymentError::InstalmentCount { count }));
}

#[test]
fn the_total_and_every_instalment_must_be_positive_bounded_and_in_one_currency() {
    let zero_total = open_with(|total, _, _| *total = eur(0));
    check(&[], zero_total, finance(), Err(PaymentError::AmountOutOfRange { amount_minor: 0 }));
    let huge = AMOUNT_MINOR_MAX + 1;
    let huge_total = open_with(|total, _, _| *total = eur(huge));
    check(&[], huge_total, finance(), Err(PaymentError::AmountOutOfRange { amount_minor: huge }));
    let negative_instalment = open_with(|_, schedule, _| {
        schedule[0].amount = eur(-1);
        schedule[1].amount = eur(100_001);
    });
    let expected = Err(PaymentError::AmountOutOfRange { amount_minor: -1 });
    check(&[], negative_instalment, finance(), expected);
    let dollars = open_with(|_, schedule, _| schedule[1].amount = usd(60_000));
    let expected = Err(PaymentError::CurrencyMismatch {
        expected: Currency::new("EUR").unwrap(),
        got: Currency::new("USD").unwrap(),
    });
    check(&[], dollars, finance(), expected);
}

#[test]
fn the_invoice_reference_is_required_and_bounded() {
    let field = "invoice_reference";
    let blank = open_with(|_, _, reference| *reference = " ".into());
    check(&[], blank, finance(), Err(PaymentError::Text { field }));
    let long = open_with(|_, _, reference| *reference = "x".repeat(TEXT_BYTES_MAX + 1));
    check(&[], long, finance(), Err(PaymentError::Text { field }));
}

#[test]
fn every_command_but_open_needs_an_opened_receivable() {
    for command in [
        receive(1, eur(100), day(3, 1)),
        adjustments::refund(1, 1),
        adjustments::credit_note(1, 1),
        adjustments::write_off(1, 1),
    ] {
        check(&[], command, finance(), Err(PaymentError::NotOpened));
    }
}

#[test]
fn only_finance_and_admins_including_the_process_manager_may_move_money() {
    let commands = || {
        [
            (vec![], open_command()),
            (vec![opened()], receive(1, eur(100), day(3, 1))),
            (overpaid(), adjustments::refund(1, 1)),
            (vec![opened()], adjustments::credit_note(1, 1)),
            (vec![opened()], adjustments::write_off(1, 1)),
        ]
    };
    for role in [Role::SalesRep, Role::SalesManager, Role::Auditor] {
        for (history, command) in commands() {
            check(&history, command, with_role(role), Err(PaymentError::Forbidden { role }));
        }
    }
    for role in [Role::Finance, Role::Admin] {
        for (history, command) in commands() {
            let state = PaymentDecider::replay(&history);
            let context = Context { actor: with_role(role), occurred_at: t(10) };
            let events = PaymentDecider::decide(&state, &command, &context);
            assert!(matches!(&events, Ok(events) if events.len() == 1), "{role:?}: {events:?}");
        }
    }
}
