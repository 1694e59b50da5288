//! The order side of a won deal: placed by the placement process manager from the accepted
//! quote under the customer's payment terms, then confirmed, delivered in two parts, and invoiced
//! in one to three invoices.

use ltc_domain::money::Bps;
use ltc_domain::order::{FulfilmentId, InvoiceId, LineQuantity, PaymentTerms, TermPart};
use rand::Rng;

use super::GeneratorError;
use super::plan::{Step, after_confirm};
use super::simulation::Simulation;
use crate::engine::{Command, OrderRequest};

/// The payment terms the company offers: everything net 30; 30 % on order and 70 % net 30;
/// everything net 45; half up front and half net 60.
pub(super) fn draw_terms(pick: u32) -> PaymentTerms {
    let part = |share, days_after| TermPart { share: Bps(share), days_after };
    let parts = match pick {
        0 => vec![part(10_000, 30)],
        1 => vec![part(3_000, 0), part(7_000, 30)],
        2 => vec![part(10_000, 45)],
        _ => vec![part(5_000, 0), part(5_000, 60)],
    };
    PaymentTerms { parts }
}

/// Units of `quantity` in the `k`th of `n` equal chunks (1-based): the chunks add up to it.
fn chunk(quantity: u32, k: u32, n: u32) -> u32 {
    let upto = |k: u32| (u64::from(quantity) * u64::from(k) / u64::from(n)) as u32;
    upto(k) - upto(k - 1)
}

impl Simulation {
    /// Takes up the order the placement process manager placed from deal `n`'s accepted quote.
    pub(super) async fn place_order(&mut self, n: usize) -> Result<(), GeneratorError> {
        let quote = self.deals[n].quote.expect("a won deal has a quote");
        let (order_id, quantities) = self.placed_order(quote).await?;
        let invoices = match self.rng.random_range(0..100) {
            0..50 => 1,
            50..85 => 2,
            _ => 3,
        };
        let plan = after_confirm(&mut self.rng, invoices);
        let deal = &mut self.deals[n];
        deal.order = Some(order_id);
        deal.quantities = quantities;
        deal.invoices_planned = invoices;
        deal.after_confirm = plan;
        self.counts.orders += 1;
        self.then(n, Step::Confirm, 1, 3)
    }

    async fn order_command(
        &mut self,
        n: usize,
        command: OrderRequest,
        by_manager: bool,
    ) -> Result<(), GeneratorError> {
        let deal = &self.deals[n];
        let actor = if by_manager {
            self.people.manager_of(deal.rep).actor.clone()
        } else {
            self.people.reps[deal.rep].actor.clone()
        };
        let order_id = deal.order.expect("order commands follow the order's placement");
        let correlation = deal.opportunity.0;
        self.send(Command::Order { order_id, command }, &actor, correlation).await?;
        Ok(())
    }

    pub(super) async fn delivery_step(
        &mut self,
        n: usize,
        step: Step,
    ) -> Result<(), GeneratorError> {
        match step {
            Step::Confirm => self.order_command(n, OrderRequest::Confirm, false).await?,
            Step::FulfilPart => {
                let lines = self.quantities(n, |quantity| quantity / 2);
                if !lines.is_empty() {
                    let fulfilment_id = FulfilmentId(self.ids.next("fulfilment"));
                    self.order_command(n, OrderRequest::Fulfil { fulfilment_id, lines }, true)
                        .await?;
                }
            }
            Step::FulfilRest => {
                let lines = self.quantities(n, |quantity| quantity - quantity / 2);
                let fulfilment_id = FulfilmentId(self.ids.next("fulfilment"));
                self.order_command(n, OrderRequest::Fulfil { fulfilment_id, lines }, true).await?;
            }
            Step::Invoice => self.invoice(n).await?,
            _ => unreachable!("only delivery steps come here"),
        }
        match self.deals[n].after_confirm.pop_front() {
            Some((next, days)) => self.then(n, next, days, days),
            None => {
                self.deals[n].next = Step::Done;
                Ok(())
            }
        }
    }

    /// Non-zero quantities per order line, as `of` computes them from the ordered quantity.
    fn quantities(&self, n: usize, of: impl Fn(u32) -> u32) -> Vec<LineQuantity> {
        (0..)
            .zip(&self.deals[n].quantities)
            .map(|(line, &quantity)| LineQuantity { line, quantity: of(quantity) })
            .filter(|line| line.quantity > 0)
            .collect()
    }

    async fn invoice(&mut self, n: usize) -> Result<(), GeneratorError> {
        let deal = &mut self.deals[n];
        deal.invoices_issued += 1;
        let (k, of) = (deal.invoices_issued, deal.invoices_planned);
        let lines = self.quantities(n, |quantity| chunk(quantity, k, of));
        if lines.is_empty() {
            return Ok(());
        }
        let invoice_id = InvoiceId(self.ids.next("invoice"));
        let command = OrderRequest::Invoice { invoice_id, lines };
        let finance = self.people.finance.actor.clone();
        let deal = &self.deals[n];
        let (order_id, correlation) =
            (deal.order.expect("an invoiced deal has an order"), deal.opportunity.0);
        self.send(Command::Order { order_id, command }, &finance, correlation).await?;
        self.counts.invoices += 1;
        self.run_invoicing().await?;
        self.plan_collection(n, invoice_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::chunk;

    #[test]
    fn chunks_add_up_to_the_quantity() {
        for quantity in [1, 2, 3, 7, 100, 801] {
            for n in 1..=3 {
                let sum: u32 = (1..=n).map(|k| chunk(quantity, k, n)).sum();
                assert_eq!(sum, quantity, "{quantity} in {n}");
            }
        }
    }
}
