//! The process managers the simulation lets work besides invoicing: placement right after a
//! quote is accepted (the simulation then carries on with the order it placed), and after each
//! action of the day the follow-ups and the settlement, so what they record follows its cause
//! in the log as it would in a running system. Each resumes where it stopped. The reps work
//! through most of the follow-up tasks they are given, some before the due date and some a
//! little after; the rest they let slide.

use ltc_domain::ids::{OpportunityId, QuoteId};
use ltc_domain::opportunity::{OpportunityEvent, OpportunityState, TaskId};
use ltc_domain::order::{OrderState, PaymentTerms};
use ltc_domain::quote::Quote;
use ltc_eventstore::{EventStore, Position, RecordedEvent};
use rand::Rng;

use super::GeneratorError;
use super::delivery::draw_terms;
use super::plan::Action;
use super::simulation::Simulation;
use crate::engine::{Command, OpportunityRequest, Paths};
use crate::process::{
    FollowUpError, FollowUpSettings, FollowUps, PaymentTermsPolicy, Placement, PlacementError,
    PlacementSettings, Settlement, SettlementError,
};

/// One in this many follow-up tasks is never done.
const FOLLOW_UPS_LET_SLIDE_ONE_IN: u32 = 4;

#[derive(Debug)]
pub(super) struct Automation {
    placement: Placement,
    follow_ups: FollowUps,
    settlement: Settlement,
    /// Where each process manager resumes.
    placement_from: Position,
    follow_ups_from: Position,
    settlement_from: Position,
}

#[derive(Debug, thiserror::Error)]
pub enum AutomationError {
    #[error("the placement process manager failed: {0}")]
    Placement(#[from] PlacementError),
    #[error("the follow-up process manager failed: {0}")]
    FollowUp(#[from] FollowUpError),
    #[error("the settlement process manager failed: {0}")]
    Settlement(#[from] SettlementError),
}

/// Each customer has its terms, agreed once and used for all its orders (see `draw_terms`).
#[derive(Debug)]
struct CustomerTerms;

impl PaymentTermsPolicy for CustomerTerms {
    fn terms_for(&self, quote: &Quote) -> PaymentTerms {
        // The customer id is a UUIDv5: its low bits are hash bits, as good as a draw.
        draw_terms((quote.customer_id.0.as_u128() % 4) as u32)
    }
}

impl Automation {
    pub fn new(store: &EventStore, paths: &Paths) -> Automation {
        let settings =
            PlacementSettings { enabled: true, payment_terms: std::sync::Arc::new(CustomerTerms) };
        Automation {
            placement: Placement::new(store.clone(), paths.orders.clone(), settings),
            follow_ups: FollowUps::new(
                store.clone(),
                paths.opportunities.clone(),
                FollowUpSettings::default(),
            ),
            settlement: Settlement::new(
                store.clone(),
                paths.orders.clone(),
                paths.opportunities.clone(),
            ),
            placement_from: Position::START,
            follow_ups_from: Position::START,
            settlement_from: Position::START,
        }
    }
}

impl Simulation {
    /// Lets the placement process manager place the order of every quote accepted since it last
    /// ran; returns the order of `quote` and its quantity per line.
    pub(super) async fn placed_order(
        &mut self,
        quote: QuoteId,
    ) -> Result<(ltc_domain::ids::OrderId, Vec<u32>), GeneratorError> {
        let from = self.automation.placement_from;
        self.automation.placement.run_from(from).await.map_err(AutomationError::from)?;
        self.automation.placement_from = self.next_position();
        let order_id = Placement::order_of(quote);
        let state = self.paths.orders.state_of(order_id.0).map_err(|error| {
            GeneratorError::Load { kind: "order", id: order_id.0, error: error.to_string() }
        })?;
        let OrderState::Placed(order) = state else {
            unreachable!("placement is on: an accepted quote has its order")
        };
        Ok((order_id, order.lines.iter().map(|line| line.priced.quantity).collect()))
    }

    /// Follow-ups for the stage changes since the last run (which the reps then plan to do),
    /// then orders paid and deals won by the settlements since.
    pub(super) async fn run_automation(&mut self) -> Result<(), GeneratorError> {
        let from = self.automation.follow_ups_from;
        let n_scheduled =
            self.automation.follow_ups.run_from(from).await.map_err(AutomationError::from)?;
        self.automation.follow_ups_from = self.next_position();
        // Most runs follow an action that moved no deal; the log is read again only when not.
        let scheduled = if n_scheduled > 0 { self.caused_since(from)? } else { Vec::new() };
        for event in
            scheduled.iter().filter(|event| event.event_type == "OpportunityFollowUpScheduled")
        {
            let OpportunityEvent::FollowUpScheduled { task_id, due_on, .. } =
                ltc_projections::decode_event(event)?
            else {
                unreachable!("the event type names the variant")
            };
            self.counts.follow_ups += 1;
            if self.rng.random_ratio(1, FOLLOW_UPS_LET_SLIDE_ONE_IN) {
                continue;
            }
            let days = self.rng.random_range(completion_days((due_on - self.today).num_days()));
            let opportunity = OpportunityId(event.stream.id);
            self.schedule_in(days, Action::CompleteFollowUp { opportunity, task: task_id });
        }

        let from = self.automation.settlement_from;
        let n_applied =
            self.automation.settlement.run_from(from).await.map_err(AutomationError::from)?;
        self.automation.settlement_from = self.next_position();
        let caused = if n_applied > 0 { self.caused_since(from)? } else { Vec::new() };
        for event in caused {
            match event.event_type.as_str() {
                "OrderPaid" => self.counts.orders_paid += 1,
                "OpportunityWon" => self.counts.won += 1,
                _ => {}
            }
        }
        Ok(())
    }

    /// The deal's owner completes follow-up `task`, unless it is done already.
    pub(super) async fn complete_follow_up(
        &mut self,
        opportunity: OpportunityId,
        task: TaskId,
    ) -> Result<(), GeneratorError> {
        let state = self.paths.opportunities.state_of(opportunity.0).map_err(|error| {
            GeneratorError::Load {
                kind: "opportunity",
                id: opportunity.0,
                error: error.to_string(),
            }
        })?;
        let OpportunityState::Opened(deal) = state else {
            unreachable!("a follow-up belongs to an opened opportunity")
        };
        if !deal.open_follow_ups().any(|follow_up| follow_up.task_id == task) {
            return Ok(());
        }
        let owner = deal.ownership.owner;
        let rep = self.people.reps.iter().find(|rep| rep.actor.user == owner);
        let actor = rep.expect("every generated deal is owned by a rep").actor.clone();
        let complete = OpportunityRequest::CompleteFollowUp { task_id: task };
        let command = Command::Opportunity { opportunity_id: opportunity, command: complete };
        self.send(command, &actor, opportunity.0).await?;
        self.counts.follow_ups_done += 1;
        Ok(())
    }

    fn next_position(&self) -> Position {
        Position(self.store.head().position + 1)
    }

    /// The events from `from` on that a process manager caused (the simulation's own commands
    /// have no cause).
    fn caused_since(&self, from: Position) -> Result<Vec<RecordedEvent>, GeneratorError> {
        let mut caused = Vec::new();
        for event in self.store.read_all(from, u64::MAX) {
            let event = event?;
            if event.metadata.causation_id.is_some() {
                caused.push(event);
            }
        }
        Ok(caused)
    }
}

/// The days from today on which a rep may do a follow-up due in `due_in_days`: from tomorrow
/// until two days after it falls due.
fn completion_days(due_in_days: i64) -> std::ops::RangeInclusive<i64> {
    1..=due_in_days.max(0) + 2
}

#[cfg(test)]
mod tests {
    use super::completion_days;

    #[test]
    fn a_follow_up_is_done_from_tomorrow_until_two_days_after_it_falls_due() {
        assert_eq!(completion_days(3), 1..=5);
        assert_eq!(completion_days(0), 1..=2, "due today");
        assert_eq!(completion_days(-3), 1..=2, "overdue already");
    }
}
