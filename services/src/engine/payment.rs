//! Payment requests. Refunds, credit notes and write-offs happen today; a payment's received date
//! may lie in the past (money often arrives before it is booked) but never in the future.
//! Receivables are opened only by the invoicing process manager from the order's own invoice,
//! so no request opens one.

use chrono::{DateTime, NaiveDate, Utc};
use ltc_domain::ids::PaymentId;
use ltc_domain::money::Money;
use ltc_domain::payment::{
    CreditNoteId, PaymentCommand, PaymentMethod, ReceiptId, RefundId, WriteOffId,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Engine, EngineError, Rejection};
use crate::command::{CommandMeta, Executed};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
// Unknown fields are refused: a client sending `pricing` or `on` learns that those are not its
// to send, instead of having them silently dropped.
#[serde(deny_unknown_fields)]
pub enum PaymentRequest {
    /// Records money received; `received_on` defaults to today.
    ReceivePayment {
        receipt_id: ReceiptId,
        amount: Money,
        method: PaymentMethod,
        reference: String,
        received_on: Option<NaiveDate>,
    },
    RefundCredit {
        refund_id: RefundId,
        amount: Money,
        reference: String,
    },
    IssueCreditNote {
        credit_note_id: CreditNoteId,
        amount: Money,
        reason: String,
    },
    WriteOff {
        write_off_id: WriteOffId,
        amount: Money,
        reason: String,
    },
}

impl Engine {
    pub(super) async fn payment(
        &self,
        receivable_id: PaymentId,
        request: PaymentRequest,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<Executed, EngineError> {
        let today = Engine::today(now);
        let command = match request {
            PaymentRequest::ReceivePayment {
                receipt_id,
                amount,
                method,
                reference,
                received_on,
            } => {
                let received_on = received_on.unwrap_or(today);
                if received_on > today {
                    return Err(EngineError::FutureDate {
                        field: "received_on",
                        date: received_on,
                        today,
                    });
                }
                PaymentCommand::ReceivePayment {
                    receipt_id,
                    amount,
                    method,
                    reference,
                    received_on,
                }
            }
            PaymentRequest::RefundCredit { refund_id, amount, reference } => {
                PaymentCommand::RefundCredit { refund_id, amount, reference, refunded_on: today }
            }
            PaymentRequest::IssueCreditNote { credit_note_id, amount, reason } => {
                PaymentCommand::IssueCreditNote { credit_note_id, amount, reason, issued_on: today }
            }
            PaymentRequest::WriteOff { write_off_id, amount, reason } => {
                PaymentCommand::WriteOff { write_off_id, amount, reason, written_off_on: today }
            }
        };
        let path = &self.paths.payments;
        self.run(path, receivable_id.0, &command, meta, now, Rejection::Payment).await
    }
}
