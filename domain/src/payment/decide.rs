//! The receivable's rules: who may move money, what a schedule must look like, where a receipt
//! goes, what a refund, credit note or write-off may not exceed, and how a repeated document is
//! told from a reused id.

use chrono::NaiveDate;

use crate::actor::Role;
use crate::decider::Context;
use crate::money::Money;

use super::allocation::{Split, oldest_first};
use super::{
    ADJUSTMENTS_MAX, AMOUNT_MINOR_MAX, CreditNote, INSTALMENTS_MAX, InstalmentDue, PaymentCommand,
    PaymentError, PaymentEvent, PaymentState, RECEIPTS_MAX, Receipt, Receivable, Refund,
    TEXT_BYTES_MAX, WriteOff,
};

pub(super) fn decide(
    state: &PaymentState,
    command: &PaymentCommand,
    context: &Context,
) -> Result<Vec<PaymentEvent>, PaymentError> {
    // Every command here moves money, so the role alone decides who may send it.
    let role = context.actor.role;
    if !matches!(role, Role::Finance | Role::Admin) {
        return Err(PaymentError::Forbidden { role });
    }
    let receivable = match (state, command) {
        (PaymentState::NotOpened, PaymentCommand::OpenReceivable { .. }) => {
            return open(command, context);
        }
        (PaymentState::Opened(receivable), PaymentCommand::OpenReceivable { .. }) => {
            return if opened_by(receivable, command) {
                // A repeat of the command that opened it: nothing new to record.
                Ok(vec![])
            } else {
                Err(PaymentError::AlreadyOpened(receivable.id))
            };
        }
        (PaymentState::NotOpened, _) => return Err(PaymentError::NotOpened),
        (PaymentState::Opened(receivable), _) => receivable,
    };
    let at = context.occurred_at;
    match command {
        PaymentCommand::OpenReceivable { .. } => unreachable!("handled above"),
        PaymentCommand::ReceivePayment { receipt_id, amount, method, reference, received_on } => {
            let receipt = Receipt {
                receipt_id: *receipt_id,
                amount: *amount,
                method: *method,
                reference: reference.clone(),
                received_on: *received_on,
                // Not compared: the split follows from the state at the time.
                credit: Money::zero(amount.currency),
            };
            if let Some(recorded) = receivable.receipt(*receipt_id) {
                let recorded = Receipt { credit: receipt.credit, ..recorded.clone() };
                return repeat(recorded == receipt, PaymentError::ReceiptIdReused(*receipt_id));
            }
            check_amount(receivable, *amount)?;
            check_text("reference", reference, false)?;
            if receivable.receipts.len() >= RECEIPTS_MAX {
                return Err(PaymentError::TooManyReceipts);
            }
            let Split { allocations, remainder } = oldest_first(receivable, *amount);
            let received = PaymentEvent::PaymentReceived {
                receipt_id: *receipt_id,
                amount: *amount,
                method: *method,
                reference: reference.clone(),
                received_on: *received_on,
                allocations,
                credit: remainder,
                at,
            };
            // The remainder is credit only once nothing is owed, so the receipt settles exactly
            // when it covers all that was outstanding.
            let settles = amount.amount_minor >= receivable.outstanding().amount_minor;
            Ok(settling(receivable, received, settles, *received_on, context))
        }
        PaymentCommand::RefundCredit { refund_id, amount, reference, refunded_on } => {
            let refund = Refund {
                refund_id: *refund_id,
                amount: *amount,
                reference: reference.clone(),
                refunded_on: *refunded_on,
            };
            if let Some(recorded) = receivable.refund(*refund_id) {
                return repeat(recorded == &refund, PaymentError::RefundIdReused(*refund_id));
            }
            check_amount(receivable, *amount)?;
            check_text("reference", reference, false)?;
            check_adjustments(receivable)?;
            if amount.amount_minor > receivable.credit_balance.amount_minor {
                return Err(PaymentError::RefundExceedsCredit {
                    credit: receivable.credit_balance,
                });
            }
            Ok(vec![PaymentEvent::CreditRefunded {
                refund_id: *refund_id,
                amount: *amount,
                reference: reference.clone(),
                refunded_on: *refunded_on,
                at,
            }])
        }
        PaymentCommand::IssueCreditNote { credit_note_id, amount, reason, issued_on } => {
            let credit_note = CreditNote {
                credit_note_id: *credit_note_id,
                amount: *amount,
                reason: reason.clone(),
                issued_on: *issued_on,
            };
            if let Some(recorded) = receivable.credit_note(*credit_note_id) {
                let reused = PaymentError::CreditNoteIdReused(*credit_note_id);
                return repeat(recorded == &credit_note, reused);
            }
            let allocations = reduce(receivable, *amount, reason)?;
            let issued = PaymentEvent::CreditNoteIssued {
                credit_note_id: *credit_note_id,
                amount: *amount,
                reason: reason.clone(),
                issued_on: *issued_on,
                allocations,
                at,
            };
            let settles = amount.amount_minor == receivable.outstanding().amount_minor;
            Ok(settling(receivable, issued, settles, *issued_on, context))
        }
        PaymentCommand::WriteOff { write_off_id, amount, reason, written_off_on } => {
            let write_off = WriteOff {
                write_off_id: *write_off_id,
                amount: *amount,
                reason: reason.clone(),
                written_off_on: *written_off_on,
            };
            if let Some(recorded) = receivable.write_off(*write_off_id) {
                return repeat(
                    recorded == &write_off,
                    PaymentError::WriteOffIdReused(*write_off_id),
                );
            }
            let allocations = reduce(receivable, *amount, reason)?;
            let written_off = PaymentEvent::WrittenOff {
                write_off_id: *write_off_id,
                amount: *amount,
                reason: reason.clone(),
                written_off_on: *written_off_on,
                allocations,
                at,
            };
            let settles = amount.amount_minor == receivable.outstanding().amount_minor;
            Ok(settling(receivable, written_off, settles, *written_off_on, context))
        }
    }
}

fn open(command: &PaymentCommand, context: &Context) -> Result<Vec<PaymentEvent>, PaymentError> {
    let PaymentCommand::OpenReceivable {
        receivable_id,
        invoice_reference,
        order_id,
        customer_id,
        total,
        schedule,
    } = command
    else {
        unreachable!("only called with OpenReceivable")
    };
    check_text("invoice_reference", invoice_reference, true)?;
    check_range(*total)?;
    check_schedule(*total, schedule)?;
    Ok(vec![PaymentEvent::ReceivableOpened {
        receivable_id: *receivable_id,
        invoice_reference: invoice_reference.clone(),
        order_id: *order_id,
        customer_id: *customer_id,
        total: *total,
        schedule: schedule.clone(),
        at: context.occurred_at,
    }])
}

/// Whether `command` (an `OpenReceivable`) asks for exactly the receivable that is open.
fn opened_by(receivable: &Receivable, command: &PaymentCommand) -> bool {
    let PaymentCommand::OpenReceivable {
        receivable_id,
        invoice_reference,
        order_id,
        customer_id,
        total,
        schedule,
    } = command
    else {
        unreachable!("only called with OpenReceivable")
    };
    // Nothing after the opening changes these fields or the instalments' dates and amounts.
    let same_schedule = schedule.len() == receivable.instalments.len()
        && schedule.iter().zip(&receivable.instalments).all(|(due, instalment)| {
            (due.due_on, due.amount) == (instalment.due_on, instalment.amount)
        });
    *receivable_id == receivable.id
        && *invoice_reference == receivable.invoice_reference
        && *order_id == receivable.order_id
        && *customer_id == receivable.customer_id
        && *total == receivable.total
        && same_schedule
}

/// The answer to a document id already recorded: nothing new when the command repeats the
/// recorded document, else `reused`, since one id names one document.
fn repeat(same: bool, reused: PaymentError) -> Result<Vec<PaymentEvent>, PaymentError> {
    if same { Ok(vec![]) } else { Err(reused) }
}

/// The instalments: 1 to [`INSTALMENTS_MAX`], each a positive amount in the total's currency,
/// due strictly one after another, adding up to exactly the total.
fn check_schedule(total: Money, schedule: &[InstalmentDue]) -> Result<(), PaymentError> {
    if schedule.is_empty() || schedule.len() > INSTALMENTS_MAX {
        let count = u32::try_from(schedule.len()).unwrap_or(u32::MAX);
        return Err(PaymentError::InstalmentCount { count });
    }
    let mut previous: Option<NaiveDate> = None;
    let mut scheduled_minor: i64 = 0;
    for (instalment_idx, due) in (0u32..).zip(schedule) {
        check_currency(total, due.amount)?;
        check_range(due.amount)?;
        if previous.is_some_and(|previous| due.due_on <= previous) {
            return Err(PaymentError::ScheduleOutOfOrder { instalment_idx });
        }
        previous = Some(due.due_on);
        // At most INSTALMENTS_MAX amounts of at most AMOUNT_MINOR_MAX each: no overflow.
        scheduled_minor += due.amount.amount_minor;
    }
    if scheduled_minor != total.amount_minor {
        let scheduled = Money::new(scheduled_minor, total.currency);
        return Err(PaymentError::ScheduleNotWhole { total, scheduled });
    }
    Ok(())
}

/// The checks shared by credit notes and write-offs, and where the reduction goes.
fn reduce(
    receivable: &Receivable,
    amount: Money,
    reason: &str,
) -> Result<Vec<super::Allocation>, PaymentError> {
    check_amount(receivable, amount)?;
    check_text("reason", reason, true)?;
    check_adjustments(receivable)?;
    let outstanding = receivable.outstanding();
    if amount.amount_minor > outstanding.amount_minor {
        return Err(PaymentError::ExceedsOutstanding { outstanding });
    }
    let split = oldest_first(receivable, amount);
    debug_assert_eq!(split.remainder.amount_minor, 0, "the amount fits in what is outstanding");
    Ok(split.allocations)
}

/// `event`, followed by `ReceivableSettled` when it leaves nothing outstanding for the first
/// time.
fn settling(
    receivable: &Receivable,
    event: PaymentEvent,
    settles: bool,
    settled_on: NaiveDate,
    context: &Context,
) -> Vec<PaymentEvent> {
    if settles && !receivable.is_settled() {
        vec![event, PaymentEvent::ReceivableSettled { settled_on, at: context.occurred_at }]
    } else {
        vec![event]
    }
}

fn check_amount(receivable: &Receivable, amount: Money) -> Result<(), PaymentError> {
    check_currency(receivable.total, amount)?;
    check_range(amount)
}

fn check_currency(expected: Money, got: Money) -> Result<(), PaymentError> {
    if got.currency != expected.currency {
        return Err(PaymentError::CurrencyMismatch {
            expected: expected.currency,
            got: got.currency,
        });
    }
    Ok(())
}

fn check_range(amount: Money) -> Result<(), PaymentError> {
    if !(1..=AMOUNT_MINOR_MAX).contains(&amount.amount_minor) {
        return Err(PaymentError::AmountOutOfRange { amount_minor: amount.amount_minor });
    }
    Ok(())
}

fn check_adjustments(receivable: &Receivable) -> Result<(), PaymentError> {
    if receivable.n_adjustments() >= ADJUSTMENTS_MAX {
        return Err(PaymentError::TooManyAdjustments);
    }
    Ok(())
}

fn check_text(field: &'static str, text: &str, required: bool) -> Result<(), PaymentError> {
    if (required && text.trim().is_empty()) || text.len() > TEXT_BYTES_MAX {
        return Err(PaymentError::Text { field });
    }
    Ok(())
}
