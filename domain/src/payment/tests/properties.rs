//! Money is never lost or created: over random schedules and random sequences of receipts,
//! refunds, credit notes and write-offs (many of which must be rejected, and whose few document
//! ids are sent again, as repeats or with other details), a ledger summed from the accepted
//! events always balances against the state.

use proptest::prelude::*;

use super::*;

/// How many receipt ids, and ids of each other kind of document, the commands draw from: few,
/// so that repeats and reuses with other details both happen.
const RECEIPT_IDS: u128 = 6;
const DOCUMENT_IDS: u128 = 4;

fn any_schedule() -> impl Strategy<Value = Vec<InstalmentDue>> {
    prop::collection::vec((1i64..50_000, 1u64..60), 1..5).prop_map(|lines| {
        let mut due_on = day(1, 31);
        lines
            .into_iter()
            .map(|(amount_minor, gap_days)| {
                due_on = due_on + chrono::Days::new(gap_days);
                InstalmentDue { due_on, amount: eur(amount_minor) }
            })
            .collect()
    })
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (0u64..300).prop_map(|offset| day(1, 1) + chrono::Days::new(offset))
}

fn any_amount(max_minor: i64) -> impl Strategy<Value = Money> {
    prop_oneof![
        8 => (1..max_minor).prop_map(eur),
        1 => (-100i64..=0).prop_map(eur),
        1 => (1..max_minor).prop_map(usd),
    ]
}

fn any_command() -> impl Strategy<Value = PaymentCommand> {
    prop_oneof![
        4 => (0..RECEIPT_IDS, any_amount(150_000), any_date())
            .prop_map(|(n, amount, received_on)| receive(n, amount, received_on)),
        1 => (0..DOCUMENT_IDS, any_amount(30_000), any_date()).prop_map(|(n, amount, on)| {
            PaymentCommand::RefundCredit {
                refund_id: refund_id(n),
                amount,
                reference: "R".into(),
                refunded_on: on,
            }
        }),
        1 => (0..DOCUMENT_IDS, any_amount(60_000), any_date()).prop_map(|(n, amount, on)| {
            PaymentCommand::IssueCreditNote {
                credit_note_id: credit_note_id(n),
                amount,
                reason: "goodwill".into(),
                issued_on: on,
            }
        }),
        1 => (0..DOCUMENT_IDS, any_amount(60_000), any_date()).prop_map(|(n, amount, on)| {
            PaymentCommand::WriteOff {
                write_off_id: write_off_id(n),
                amount,
                reason: "bad debt".into(),
                written_off_on: on,
            }
        }),
    ]
}

fn any_role() -> impl Strategy<Value = Role> {
    prop_oneof![4 => Just(Role::Finance), 1 => Just(Role::Admin), 1 => Just(Role::Auditor)]
}

/// Now and then, an amount just around the balance the command is checked against.
fn any_edge() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![3 => Just(None), 1 => (-1i64..=1).prop_map(Some)]
}

/// `command` with its amount set to the credit balance (refunds) or what is outstanding (the
/// rest) plus `edge`, so exact settlements and rejections by one cent are both exercised.
fn at_edge(state: &PaymentState, command: &PaymentCommand, edge: Option<i64>) -> PaymentCommand {
    let (PaymentState::Opened(receivable), Some(edge)) = (state, edge) else {
        return command.clone();
    };
    let mut command = command.clone();
    let (amount, balance) = match &mut command {
        PaymentCommand::RefundCredit { amount, .. } => (amount, receivable.credit_balance),
        PaymentCommand::ReceivePayment { amount, .. }
        | PaymentCommand::IssueCreditNote { amount, .. }
        | PaymentCommand::WriteOff { amount, .. } => (amount, receivable.outstanding()),
        PaymentCommand::OpenReceivable { .. } => return command,
    };
    *amount = eur(balance.amount_minor + edge);
    command
}

/// Sums of the accepted events, kept apart from the state so the two can be compared.
#[derive(Debug, Default)]
struct Ledger {
    received: i64,
    allocated: i64,
    credit_arisen: i64,
    refunded: i64,
    credited: i64,
    written_off: i64,
    n_adjustments: usize,
    n_settled: u32,
}

fn total_of(allocations: &[Allocation]) -> i64 {
    allocations.iter().map(|allocation| allocation.amount.amount_minor).sum()
}

impl Ledger {
    fn record(&mut self, event: &PaymentEvent) -> Result<(), TestCaseError> {
        match event {
            PaymentEvent::ReceivableOpened { .. } => {}
            PaymentEvent::PaymentReceived { amount, allocations, credit, .. } => {
                prop_assert_eq!(total_of(allocations) + credit.amount_minor, amount.amount_minor);
                self.received += amount.amount_minor;
                self.allocated += total_of(allocations);
                self.credit_arisen += credit.amount_minor;
            }
            PaymentEvent::CreditRefunded { amount, .. } => {
                self.refunded += amount.amount_minor;
                self.n_adjustments += 1;
            }
            PaymentEvent::CreditNoteIssued { amount, allocations, .. } => {
                prop_assert_eq!(total_of(allocations), amount.amount_minor);
                self.credited += amount.amount_minor;
                self.n_adjustments += 1;
            }
            PaymentEvent::WrittenOff { amount, allocations, .. } => {
                prop_assert_eq!(total_of(allocations), amount.amount_minor);
                self.written_off += amount.amount_minor;
                self.n_adjustments += 1;
            }
            PaymentEvent::ReceivableSettled { .. } => self.n_settled += 1,
        }
        Ok(())
    }
}

fn open_with(schedule: Vec<InstalmentDue>) -> PaymentEvent {
    let total_minor = schedule.iter().map(|due| due.amount.amount_minor).sum();
    PaymentEvent::ReceivableOpened {
        receivable_id: RECEIVABLE,
        invoice_reference: "INV-P".into(),
        order_id: ORDER,
        customer_id: ACME,
        total: eur(total_minor),
        schedule,
        at: t(0),
    }
}

proptest! {
    #[test]
    fn money_is_never_lost_or_created_whatever_is_sent(
        schedule in any_schedule(),
        commands in prop::collection::vec((any_command(), any_role(), any_edge()), 0..40),
    ) {
        let opened = open_with(schedule);
        let mut ledger = Ledger::default();
        let mut state = PaymentDecider::replay([&opened]);
        for (minute, (command, role, edge)) in (1..).zip(&commands) {
            let command = &at_edge(&state, command, *edge);
            let context = Context { actor: with_role(*role), occurred_at: t(minute) };
            let Ok(events) = PaymentDecider::decide(&state, command, &context) else { continue };
            for event in &events {
                ledger.record(event)?;
            }
            state = events.iter().fold(state, PaymentDecider::evolve);
            if !events.is_empty() {
                // Every accepted document, sent again, is recognised as a repeat.
                let again = PaymentDecider::decide(&state, command, &context);
                prop_assert_eq!(again, Ok(vec![]));
            }
            let PaymentState::Opened(receivable) = &state else { unreachable!("opened above") };
            let invoiced = receivable.total.amount_minor;
            let outstanding = receivable.outstanding().amount_minor;
            let credit_balance = receivable.credit_balance.amount_minor;
            prop_assert_eq!(ledger.received, ledger.allocated + credit_balance + ledger.refunded);
            prop_assert_eq!(credit_balance, ledger.credit_arisen - ledger.refunded);
            prop_assert_eq!(outstanding, invoiced - ledger.allocated - ledger.credited - ledger.written_off);
            prop_assert!(outstanding >= 0);
            prop_assert!(credit_balance >= 0);
            let instalments_within_bounds = receivable.instalments.iter().all(|instalment| {
                (0..=instalment.amount.amount_minor).contains(&instalment.open().amount_minor)
            });
            prop_assert!(instalments_within_bounds);
            // Credit arises only once nothing is owed.
            prop_assert!(ledger.credit_arisen == 0 || outstanding == 0);
            // Settled exactly once, exactly when nothing is outstanding.
            prop_assert_eq!(ledger.n_settled, u32::from(outstanding == 0));
            prop_assert_eq!(receivable.is_settled(), outstanding == 0);
            prop_assert_eq!(
                (receivable.received(), receivable.allocated(), receivable.refunded),
                (eur(ledger.received), eur(ledger.allocated), eur(ledger.refunded))
            );
            prop_assert_eq!(
                (receivable.credited, receivable.written_off),
                (eur(ledger.credited), eur(ledger.written_off))
            );
            // Each document id is recorded once, however often it was sent.
            prop_assert_eq!(receivable.n_adjustments(), ledger.n_adjustments);
            let at_most = |n_recorded: usize, n_ids: u128| n_recorded as u128 <= n_ids;
            prop_assert!(at_most(receivable.receipts.len(), RECEIPT_IDS));
            prop_assert!(at_most(receivable.refunds.len(), DOCUMENT_IDS));
            prop_assert!(at_most(receivable.credit_notes.len(), DOCUMENT_IDS));
            prop_assert!(at_most(receivable.write_offs.len(), DOCUMENT_IDS));
        }
    }

    #[test]
    fn as_of_figures_never_rise_with_time_and_the_aging_buckets_add_up(
        schedule in any_schedule(),
        commands in prop::collection::vec(any_command(), 0..30),
        as_of_days in prop::collection::vec(any_date(), 1..8),
    ) {
        let mut state = PaymentDecider::replay([&open_with(schedule)]);
        for (minute, command) in (1..).zip(&commands) {
            let context = Context { actor: finance(), occurred_at: t(minute) };
            if let Ok(events) = PaymentDecider::decide(&state, command, &context) {
                state = events.iter().fold(state, PaymentDecider::evolve);
            }
        }
        let PaymentState::Opened(receivable) = &state else { unreachable!("opened above") };
        let mut as_of_days = as_of_days;
        as_of_days.sort_unstable();
        let mut previous = receivable.total;
        for as_of in as_of_days {
            let outstanding = outstanding_as_of(receivable, as_of);
            prop_assert!(outstanding.amount_minor <= previous.amount_minor);
            prop_assert!(outstanding.amount_minor >= 0);
            let overdue = overdue_as_of(receivable, as_of);
            prop_assert!((0..=outstanding.amount_minor).contains(&overdue.amount_minor));
            let aging = aging_as_of(receivable, as_of);
            prop_assert_eq!(aging.current.amount_minor + overdue.amount_minor, outstanding.amount_minor);
            let buckets = [
                AgingBucket::Current,
                AgingBucket::Days1To30,
                AgingBucket::Days31To60,
                AgingBucket::Days61To90,
                AgingBucket::Over90Days,
            ];
            let bucket_sum: i64 = buckets.iter().map(|bucket| aging.bucket(*bucket).amount_minor).sum();
            prop_assert_eq!(bucket_sum, outstanding.amount_minor);
            previous = outstanding;
        }
        prop_assert_eq!(outstanding_as_of(receivable, NaiveDate::MAX), receivable.outstanding());
    }
}
