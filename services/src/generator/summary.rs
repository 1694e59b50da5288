//! What a sales director wants to see first about the generated history, counted as the
//! simulation sends its commands, with what is outstanding and overdue read from the
//! receivables themselves at the end date.

use chrono::{NaiveDate, TimeDelta};
use ltc_domain::ids::{CustomerId, OpportunityId, OrderId};
use ltc_domain::money::Money;
use ltc_domain::order::OrderState;
use ltc_domain::payment::{outstanding_as_of, overdue_as_of};
use ltc_eventstore::ChainHash;

use super::GeneratorError;
use super::catalog::euros;
use super::leads::LeadSummary;
use super::simulation::Simulation;

/// Running counts kept by the simulation.
#[derive(Debug, Default)]
pub(super) struct Counts {
    pub customers: u64,
    pub opportunities: u64,
    pub won: u64,
    pub lost: u64,
    pub quotes: u64,
    pub quotes_needing_approval: u64,
    pub orders: u64,
    pub orders_paid: u64,
    pub invoices: u64,
    /// Follow-up tasks the process manager scheduled, and those the reps did.
    pub follow_ups: u64,
    pub follow_ups_done: u64,
    pub invoiced_minor: i64,
    pub received_minor: i64,
    pub refunded_minor: i64,
    pub written_off_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub start: NaiveDate,
    /// The last simulated day: outstanding and overdue are as of it.
    pub end: NaiveDate,
    /// Customers created directly and converted from leads.
    pub customers: u64,
    pub leads: LeadSummary,
    pub opportunities_open: u64,
    pub opportunities_won: u64,
    pub opportunities_lost: u64,
    /// Won out of closed, in basis points.
    pub win_rate_bps: u32,
    pub quotes: u64,
    /// Quotes that went to a manager for approval at least once.
    pub quotes_needing_approval: u64,
    pub orders: u64,
    /// Orders fully invoiced and settled by the customer's money, recorded as paid.
    pub orders_paid: u64,
    pub invoices: u64,
    /// Follow-up tasks scheduled after stage changes, and how many the reps did.
    pub follow_ups: u64,
    pub follow_ups_done: u64,
    pub invoiced: Money,
    pub cash_received: Money,
    pub refunded: Money,
    pub outstanding: Money,
    pub overdue: Money,
    pub written_off: Money,
    /// A customer whose story runs from opportunity to cash, and that opportunity.
    pub story_customer: CustomerId,
    pub story_opportunity: Option<OpportunityId>,
    /// The log's head after the last command: its position is the number of events.
    pub head_position: u64,
    pub head_hash: ChainHash,
}

impl Simulation {
    fn order_paid(&self, order: OrderId) -> Result<bool, GeneratorError> {
        let state = self.paths.orders.state_of(order.0).map_err(|error| GeneratorError::Load {
            kind: "order",
            id: order.0,
            error: error.to_string(),
        })?;
        Ok(matches!(state, OrderState::Placed(order) if order.paid_on.is_some()))
    }

    pub(super) fn summary(&self) -> Result<Summary, GeneratorError> {
        let end = self.end - TimeDelta::days(1);
        let (mut outstanding, mut overdue) = (0, 0);
        // How far each deal got towards cash: 4 its order recorded paid, 3 every invoice so far
        // paid in full, 2 some cash, 1 an order.
        let mut progress: Vec<u8> =
            self.deals.iter().map(|deal| u8::from(deal.order.is_some())).collect();
        let mut paid_in_full = vec![true; self.deals.len()];
        for file in &self.receivables {
            let Some(state) = self.receivable(file.id)? else { continue };
            outstanding += outstanding_as_of(&state, end).amount_minor;
            overdue += overdue_as_of(&state, end).amount_minor;
            paid_in_full[file.deal] &=
                state.settled_on.is_some() && state.written_off.amount_minor == 0;
            if state.received().amount_minor > 0 {
                progress[file.deal] = progress[file.deal].max(2);
            }
        }
        for (n, deal) in self.deals.iter().enumerate() {
            if !deal.receivables.is_empty() && paid_in_full[n] {
                progress[n] = 3;
            }
            if let Some(order) = deal.order
                && self.order_paid(order)?
            {
                progress[n] = 4;
            }
        }
        // The first deal that got furthest.
        let story = (0..self.deals.len())
            .max_by_key(|&n| (progress[n], std::cmp::Reverse(n)))
            .map(|n| &self.deals[n]);
        let story_customer = match story {
            Some(deal) => self.customers[deal.customer].id,
            None => self.customers[0].id,
        };
        let counts = &self.counts;
        let closed = counts.won + counts.lost;
        let head = self.store.head();
        Ok(Summary {
            start: super::start_date(),
            end,
            customers: counts.customers,
            leads: self.lead_flow.summary(),
            opportunities_open: counts.opportunities - closed,
            opportunities_won: counts.won,
            opportunities_lost: counts.lost,
            win_rate_bps: (counts.won * 10_000).checked_div(closed).unwrap_or(0) as u32,
            quotes: counts.quotes,
            quotes_needing_approval: counts.quotes_needing_approval,
            orders: counts.orders,
            orders_paid: counts.orders_paid,
            invoices: counts.invoices,
            follow_ups: counts.follow_ups,
            follow_ups_done: counts.follow_ups_done,
            invoiced: euros(counts.invoiced_minor),
            cash_received: euros(counts.received_minor),
            refunded: euros(counts.refunded_minor),
            outstanding: euros(outstanding),
            overdue: euros(overdue),
            written_off: euros(counts.written_off_minor),
            story_customer,
            story_opportunity: story.map(|deal| deal.opportunity),
            head_position: head.position,
            head_hash: head.hash,
        })
    }
}
