//! Collections: once the invoicing process manager has opened an invoice's receivable, the
//! customer's payer profile decides when and how much it pays; overpayments are refunded and
//! what a defaulting customer leaves unpaid is written off 120 days after its last due date.

use chrono::TimeDelta;
use ltc_domain::ids::PaymentId;
use ltc_domain::order::InvoiceId;
use ltc_domain::payment::{
    PaymentMethod, PaymentState, ReceiptId, Receivable, RefundId, WriteOffId,
};
use rand::Rng;

use super::GeneratorError;
use super::catalog::euros;
use super::plan::{Action, Payer};
use super::simulation::Simulation;
use crate::engine::{Command, PaymentRequest};
use crate::process::Invoicing;

/// Days after the last due date before an unpaid balance is written off.
pub(super) const WRITE_OFF_AFTER_DAYS: i64 = 120;

#[derive(Debug)]
pub(super) struct ReceivableFile {
    pub id: PaymentId,
    pub deal: usize,
}

impl Simulation {
    /// A receivable as its stream leaves it (`None` if it was never opened).
    pub(super) fn receivable(&self, id: PaymentId) -> Result<Option<Receivable>, GeneratorError> {
        let state = self.paths.payments.state_of(id.0).map_err(|error| GeneratorError::Load {
            kind: "payment",
            id: id.0,
            error: error.to_string(),
        })?;
        Ok(match state {
            PaymentState::Opened(receivable) => Some(receivable),
            PaymentState::NotOpened => None,
        })
    }

    /// Schedules the payments of the receivable the process manager opened for `invoice_id`.
    pub(super) async fn plan_collection(
        &mut self,
        n: usize,
        invoice_id: InvoiceId,
    ) -> Result<(), GeneratorError> {
        let id = Invoicing::receivable_of(invoice_id.0);
        let Some(opened) = self.receivable(id)? else { return Ok(()) };
        self.counts.invoiced_minor += opened.total.amount_minor;
        self.deals[n].receivables.push(id);
        self.receivables.push(ReceivableFile { id, deal: n });
        let index = self.receivables.len() - 1;
        let payer = self.customers[self.deals[n].customer].payer;
        let tomorrow = self.today + TimeDelta::days(1);
        let last = opened.instalments.len() - 1;
        for (i, instalment) in opened.instalments.iter().enumerate() {
            let (due, amount) = (instalment.due_on, instalment.amount.amount_minor);
            let days = |engine: &mut Simulation, min: i64, max: i64| {
                (due + TimeDelta::days(engine.rng.random_range(min..=max))).max(tomorrow)
            };
            match payer {
                Payer::Prompt => {
                    let on = days(self, -3, 0);
                    self.schedule(on, Action::Receive { receivable: index, amount_minor: amount });
                }
                Payer::Late => {
                    let on = days(self, 10, 60);
                    self.schedule(on, Action::Receive { receivable: index, amount_minor: amount });
                }
                Payer::Partial => {
                    let first = amount / 2;
                    let on = days(self, 3, 15);
                    self.schedule(on, Action::Receive { receivable: index, amount_minor: first });
                    let on = days(self, 30, 70);
                    let rest = amount - first;
                    self.schedule(on, Action::Receive { receivable: index, amount_minor: rest });
                }
                Payer::Overpays => {
                    let extra = if i == last { (amount / 50).max(100) } else { 0 };
                    let on = days(self, -2, 0);
                    let amount_minor = amount + extra;
                    self.schedule(on, Action::Receive { receivable: index, amount_minor });
                    if extra > 0 {
                        self.schedule(on + TimeDelta::days(10), Action::Refund(index));
                    }
                }
                Payer::Defaults => {
                    if i == 0 && last > 0 {
                        let on = days(self, 0, 5);
                        self.schedule(
                            on,
                            Action::Receive { receivable: index, amount_minor: amount },
                        );
                    }
                    if i == last {
                        let on = due + TimeDelta::days(WRITE_OFF_AFTER_DAYS);
                        self.schedule(on.max(tomorrow), Action::WriteOff(index));
                    }
                }
            }
        }
        Ok(())
    }

    async fn payment_command(
        &mut self,
        index: usize,
        command: PaymentRequest,
    ) -> Result<(), GeneratorError> {
        let ReceivableFile { id, deal } = self.receivables[index];
        let finance = self.people.finance.actor.clone();
        let correlation = self.deals[deal].opportunity.0;
        self.send(Command::Payment { receivable_id: id, command }, &finance, correlation).await?;
        Ok(())
    }

    pub(super) async fn receive(
        &mut self,
        index: usize,
        amount_minor: i64,
    ) -> Result<(), GeneratorError> {
        let method = if self.rng.random_ratio(1, 8) {
            PaymentMethod::Card
        } else {
            PaymentMethod::BankTransfer
        };
        let receipt_id = ReceiptId(self.ids.next("receipt"));
        let command = PaymentRequest::ReceivePayment {
            receipt_id,
            amount: euros(amount_minor),
            method,
            reference: format!("remittance {}", receipt_id.0.simple()),
            received_on: Some(self.today),
        };
        self.payment_command(index, command).await?;
        self.counts.received_minor += amount_minor;
        Ok(())
    }

    pub(super) async fn refund(&mut self, index: usize) -> Result<(), GeneratorError> {
        let state = self.receivable(self.receivables[index].id)?;
        let Some(credit) =
            state.map(|state| state.credit_balance).filter(|credit| credit.amount_minor > 0)
        else {
            return Ok(());
        };
        let command = PaymentRequest::RefundCredit {
            refund_id: RefundId(self.ids.next("refund")),
            amount: credit,
            reference: "refund of overpayment".into(),
        };
        self.payment_command(index, command).await?;
        self.counts.refunded_minor += credit.amount_minor;
        Ok(())
    }

    pub(super) async fn write_off(&mut self, index: usize) -> Result<(), GeneratorError> {
        let state = self.receivable(self.receivables[index].id)?;
        let Some(outstanding) =
            state.map(|state| state.outstanding()).filter(|amount| amount.amount_minor > 0)
        else {
            return Ok(());
        };
        let command = PaymentRequest::WriteOff {
            write_off_id: WriteOffId(self.ids.next("write-off")),
            amount: outstanding,
            reason: format!("uncollectable {WRITE_OFF_AFTER_DAYS} days after the last due date"),
        };
        self.payment_command(index, command).await?;
        self.counts.written_off_minor += outstanding.amount_minor;
        Ok(())
    }
}
