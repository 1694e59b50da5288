//! The sales side of a deal: the customer and its contact, the opportunity moving through the
//! pipeline, and its quote priced, approved (or rejected and revised), sent, and accepted or
//! declined; then the deal is won or lost.

use chrono::TimeDelta;
use ltc_domain::customer::{Contact, ContactId, CustomerCommand, CustomerProfile, Origin, Tier};
use ltc_domain::ids::{OpportunityId, QuoteId};
use ltc_domain::money::Bps;
use ltc_domain::opportunity::StageKey;
use ltc_domain::quote::{LineInput, QuoteState, Sku};
use rand::Rng;

use super::GeneratorError;
use super::catalog::{ANALYTICS, ONBOARDING, SEAT, SUPPORT, euros};
use super::plan::{Action, Deal, Outcome, Step, draw_loss, draw_outcome, draw_rep_records_win};
use super::simulation::Simulation;
use crate::engine::{Command, OpportunityRequest, QuoteRequest};

/// Days a quote stays valid after it is priced.
const QUOTE_VALID_DAYS: i64 = 75;

impl Simulation {
    pub(super) async fn create_customer(&mut self, index: usize) -> Result<(), GeneratorError> {
        let customer = &self.customers[index];
        let rep = self.people.reps[customer.rep].clone();
        let (id, name, tier) = (customer.id, customer.name.clone(), customer.tier);
        let region = customer.region.to_owned();
        let credit_minor = match tier {
            Tier::Strategic => 50_000_000,
            Tier::Key => 15_000_000,
            Tier::Normal => 5_000_000,
        };
        let profile = CustomerProfile {
            name: name.clone(),
            industry: self.industry().into(),
            region,
            tier,
            owner: rep.actor.user,
            team: rep.actor.team,
            credit_limit: euros(credit_minor),
        };
        let command = CustomerCommand::Create { customer_id: id, profile, origin: Origin::Direct };
        self.send(Command::Customer { customer_id: id, command }, &rep.actor, id.0).await?;
        let slug: String = name.to_lowercase().split_whitespace().collect::<Vec<_>>().join("-");
        let contact = Contact {
            name: "Purchasing lead".into(),
            email: format!("buyer@{slug}.example"),
            phone: None,
            role: "buyer".into(),
        };
        let command = CustomerCommand::AddContact {
            contact_id: ContactId(self.ids.next("contact")),
            contact,
        };
        self.send(Command::Customer { customer_id: id, command }, &rep.actor, id.0).await?;
        self.customers[index].created = true;
        self.counts.customers += 1;
        // Half the customers come with a first deal already in sight.
        if self.rng.random_bool(0.5) {
            let deal = self.new_deal(index);
            self.schedule_in(1, Action::Deal(deal));
        }
        Ok(())
    }

    /// Draws a new deal for customer `index`; its first step opens the opportunity.
    pub(super) fn new_deal(&mut self, customer: usize) -> usize {
        let outcome = draw_outcome(&mut self.rng);
        let reject_first = self.rng.random_ratio(1, 3);
        self.customers[customer].deals += 1;
        self.deals.push(Deal {
            customer,
            number: self.customers[customer].deals,
            rep: self.customers[customer].rep,
            opportunity: OpportunityId(self.ids.next("opportunity")),
            outcome,
            next: Step::Open,
            quote: None,
            lines: Vec::new(),
            reject_first,
            quote_sent: false,
            order: None,
            quantities: Vec::new(),
            invoices_planned: 0,
            invoices_issued: 0,
            after_confirm: Default::default(),
            receivables: Vec::new(),
        });
        self.deals.len() - 1
    }

    /// Does deal `n`'s next step and schedules the one after.
    pub(super) async fn deal_step(&mut self, n: usize) -> Result<(), GeneratorError> {
        let step = self.deals[n].next;
        match step {
            Step::Open => self.open(n).await,
            Step::NeedsAnalysis => {
                self.move_stage(n, "needs_analysis").await?;
                let next = if self.deals[n].outcome == Outcome::LostEarly {
                    Step::Close
                } else {
                    Step::Proposal
                };
                self.then(n, next, 3, 10)
            }
            Step::Proposal => {
                self.move_stage(n, "proposal").await?;
                self.create_quote(n).await?;
                self.then(n, Step::Submit, 0, 0)
            }
            Step::Submit => self.submit(n).await,
            Step::Review => self.review(n).await,
            Step::Revise => self.revise(n).await,
            Step::Send => {
                self.quote_command(n, QuoteRequest::Send, false).await?;
                self.deals[n].quote_sent = true;
                let negotiate = self.deals[n].outcome == Outcome::Won || self.rng.random_bool(0.5);
                if negotiate {
                    self.then(n, Step::Negotiation, 2, 8)
                } else {
                    self.then(n, Step::Close, 3, 12)
                }
            }
            Step::Negotiation => {
                self.move_stage(n, "negotiation").await?;
                self.then(n, Step::Close, 3, 12)
            }
            Step::Close => self.close(n).await,
            Step::Confirm | Step::FulfilPart | Step::FulfilRest | Step::Invoice => {
                self.delivery_step(n, step).await
            }
            Step::Done => Ok(()),
        }
    }

    /// Sets deal `n`'s next step `min..=max` days from today.
    pub(super) fn then(
        &mut self,
        n: usize,
        next: Step,
        min: i64,
        max: i64,
    ) -> Result<(), GeneratorError> {
        self.deals[n].next = next;
        let days = self.rng.random_range(min..=max);
        self.schedule_in(days, Action::Deal(n));
        Ok(())
    }

    async fn open(&mut self, n: usize) -> Result<(), GeneratorError> {
        let deal = &self.deals[n];
        let customer = &self.customers[deal.customer];
        let rep = self.people.reps[deal.rep].clone();
        let estimate_minor = match customer.tier {
            Tier::Strategic => 8_000_000,
            Tier::Key => 2_500_000,
            Tier::Normal => 600_000,
        };
        let command = OpportunityRequest::Open {
            customer_id: customer.id,
            name: format!("{} — CRM deal {}", customer.name, deal.number),
            owner: rep.actor.user,
            team: rep.actor.team,
            amount: euros(estimate_minor),
            expected_close: self.today + TimeDelta::days(60),
        };
        let opportunity_id = deal.opportunity;
        let command = Command::Opportunity { opportunity_id, command };
        self.send(command, &rep.actor, opportunity_id.0).await?;
        self.counts.opportunities += 1;
        // Opened in qualification; the rep qualifies it within a week.
        self.then(n, Step::NeedsAnalysis, 2, 7)
    }

    async fn opportunity_command(
        &mut self,
        n: usize,
        command: OpportunityRequest,
    ) -> Result<(), GeneratorError> {
        let rep = self.people.reps[self.deals[n].rep].clone();
        let opportunity_id = self.deals[n].opportunity;
        let command = Command::Opportunity { opportunity_id, command };
        self.send(command, &rep.actor, opportunity_id.0).await?;
        Ok(())
    }

    async fn move_stage(&mut self, n: usize, to: &str) -> Result<(), GeneratorError> {
        self.opportunity_command(n, OpportunityRequest::MoveStage { to: StageKey::new(to) }).await
    }

    /// Sends a quote command for deal `n`, as the manager when `by_manager`, else as the rep.
    pub(super) async fn quote_command(
        &mut self,
        n: usize,
        command: QuoteRequest,
        by_manager: bool,
    ) -> Result<Vec<String>, GeneratorError> {
        let deal = &self.deals[n];
        let actor = if by_manager {
            self.people.manager_of(deal.rep).actor.clone()
        } else {
            self.people.reps[deal.rep].actor.clone()
        };
        let quote_id = deal.quote.expect("quote commands follow the quote's creation");
        let correlation = deal.opportunity.0;
        Ok(self.send(Command::Quote { quote_id, command }, &actor, correlation).await?.events)
    }

    fn draw_lines(&mut self, tier: Tier) -> Vec<LineInput> {
        let seats = match tier {
            Tier::Strategic => self.rng.random_range(100..=800),
            Tier::Key => self.rng.random_range(30..=220),
            Tier::Normal => self.rng.random_range(5..=60),
        };
        // Most quotes carry no manual discount; some a small one; a few one above the rep's
        // 10 % limit, which needs the manager's approval.
        let discount = match self.rng.random_range(0..100) {
            0..60 => 0,
            60..82 => self.rng.random_range(3..=9) * 100,
            _ => self.rng.random_range(12..=20) * 100,
        };
        let line = |sku: &str, quantity: u32, bps: u32| LineInput {
            sku: Sku::new(sku),
            quantity,
            options: vec![],
            manual_discount_bps: Bps(bps),
        };
        let mut lines = vec![line(SEAT, seats, discount)];
        if self.rng.random_bool(0.5) {
            lines.push(line(ANALYTICS, (seats / 2).max(1), 0));
        }
        if self.rng.random_bool(0.6) {
            lines.push(line(ONBOARDING, 1, 0));
        }
        if tier != Tier::Normal && self.rng.random_bool(0.7) {
            lines.push(line(SUPPORT, 1, 0));
        }
        lines
    }

    async fn create_quote(&mut self, n: usize) -> Result<(), GeneratorError> {
        let tier = self.customers[self.deals[n].customer].tier;
        let lines = self.draw_lines(tier);
        let quote_id = QuoteId(self.ids.next("quote"));
        // Priced by the engine from the company's books for the customer's region and tier.
        let command = QuoteRequest::Create {
            opportunity_id: self.deals[n].opportunity,
            currency: None,
            valid_until: Some(self.today + TimeDelta::days(QUOTE_VALID_DAYS)),
            lines: lines.clone(),
        };
        self.deals[n].quote = Some(quote_id);
        self.deals[n].lines = lines;
        self.quote_command(n, command, false).await?;
        self.counts.quotes += 1;
        // The opportunity's amount follows the quote.
        let total = self.quote_state(n)?.current().total;
        self.opportunity_command(n, OpportunityRequest::ChangeAmount { amount: total }).await
    }

    /// The quote of deal `n` as its stream leaves it.
    pub(super) fn quote_state(&self, n: usize) -> Result<ltc_domain::quote::Quote, GeneratorError> {
        let id = self.deals[n].quote.expect("the deal has a quote");
        let state = self.paths.quotes.state_of(id.0).map_err(|error| GeneratorError::Load {
            kind: "quote",
            id: id.0,
            error: error.to_string(),
        })?;
        match state {
            QuoteState::Created(quote) => Ok(quote),
            QuoteState::NotCreated => unreachable!("the quote was created before it is read"),
        }
    }

    async fn submit(&mut self, n: usize) -> Result<(), GeneratorError> {
        let command = QuoteRequest::Submit;
        let events = self.quote_command(n, command, false).await?;
        if events.iter().any(|event| event == "QuoteSubmittedForApproval") {
            self.counts.quotes_needing_approval += 1;
            self.then(n, Step::Review, 1, 3)
        } else {
            self.then(n, Step::Send, 0, 2)
        }
    }

    async fn review(&mut self, n: usize) -> Result<(), GeneratorError> {
        if self.deals[n].reject_first {
            self.deals[n].reject_first = false;
            let reason = "discount too deep for this deal; keep it within 10 %".to_owned();
            self.quote_command(n, QuoteRequest::RejectApproval { reason }, true).await?;
            self.then(n, Step::Revise, 1, 2)
        } else {
            self.quote_command(n, QuoteRequest::Approve, true).await?;
            self.then(n, Step::Send, 0, 2)
        }
    }

    async fn revise(&mut self, n: usize) -> Result<(), GeneratorError> {
        let mut lines = self.deals[n].lines.clone();
        for line in &mut lines {
            line.manual_discount_bps = Bps(line.manual_discount_bps.0.min(800));
        }
        let command = QuoteRequest::Revise {
            currency: None,
            valid_until: Some(self.today + TimeDelta::days(QUOTE_VALID_DAYS)),
            lines: lines.clone(),
        };
        self.deals[n].lines = lines;
        self.quote_command(n, command, false).await?;
        self.then(n, Step::Submit, 0, 0)
    }

    async fn close(&mut self, n: usize) -> Result<(), GeneratorError> {
        if self.deals[n].outcome == Outcome::Won {
            // The engine knows whether the opportunity already accepted another quote.
            self.quote_command(n, QuoteRequest::Accept, false).await?;
            self.place_order(n).await?;
            if draw_rep_records_win(&mut self.rng) {
                self.opportunity_command(n, OpportunityRequest::Win).await?;
                self.counts.won += 1;
            }
            return Ok(());
        }
        if self.deals[n].quote_sent && self.rng.random_bool(0.7) {
            let reason = "the customer declined the offer".to_owned();
            self.quote_command(n, QuoteRequest::Decline { reason }, false).await?;
        }
        let (reason, competitor) = draw_loss(&mut self.rng);
        self.opportunity_command(n, OpportunityRequest::Lose { reason, competitor }).await?;
        self.counts.lost += 1;
        self.deals[n].next = Step::Done;
        Ok(())
    }
}
