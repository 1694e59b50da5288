//! The work on a lead after it is captured: a lead from the queue offered to the rules again,
//! the reps' activities, a manager's merge of a duplicate into its survivor, and the conversion,
//! after which the conversion process manager creates the customer, contact and opportunity and
//! the opportunity goes through the pipeline like any other deal.

use ltc_domain::customer::{CustomerCommand, Tier};
use ltc_domain::ids::{ContactId, CustomerId, LeadId};
use ltc_domain::lead::{ActivityKind, ConvertTo, Lead, LeadState, Status};
use ltc_eventstore::Position;
use rand::Rng;

use super::GeneratorError;
use super::catalog::euros;
use super::leads::{LeadStep, system};
use super::plan::{CustomerFile, Step, draw_payer};
use super::simulation::Simulation;
use crate::engine::{Command, LeadRequest};

/// The credit limit finance gives a customer won from a lead, in cents.
const CONVERTED_CREDIT_LIMIT_MINOR: i64 = 5_000_000;

impl Simulation {
    pub(super) async fn assign_from_queue(&mut self, n: usize) -> Result<(), GeneratorError> {
        let lead = self.lead_flow.files[n].id;
        let (meta, at) = self.moment(&system(), lead.0);
        let assignment = self.lead_flow.intake.assign_at(lead, &meta, at).await;
        let assignment = assignment.map_err(|error| self.intake_error(error))?;
        self.after_assignment(n, &assignment);
        Ok(())
    }

    pub(super) async fn log_activity(&mut self, n: usize) -> Result<(), GeneratorError> {
        let (kind, summary) = match self.rng.random_range(0..100) {
            0..40 => (ActivityKind::Call, "discovery call"),
            40..75 => (ActivityKind::Email, "sent the product overview and pricing"),
            75..90 => (ActivityKind::Meeting, "product demo with the buying team"),
            _ => (ActivityKind::Note, "noted requirements and timeline"),
        };
        let command = LeadRequest::LogActivity { kind, summary: summary.into() };
        self.lead_command(n, command).await?;
        self.lead_flow.files[n].activities_left -= 1;
        self.work_lead(n);
        Ok(())
    }

    /// Sends `command` to lead `n` as its owner.
    pub(super) async fn lead_command(
        &mut self,
        n: usize,
        command: LeadRequest,
    ) -> Result<(), GeneratorError> {
        let file = &self.lead_flow.files[n];
        let rep = file.owner.expect("only owned leads are worked");
        let (actor, lead_id) = (self.people.reps[rep].actor.clone(), file.id);
        self.send(Command::Lead { lead_id, command }, &actor, lead_id.0).await?;
        Ok(())
    }

    pub(super) async fn merge_lead(&mut self, n: usize) -> Result<(), GeneratorError> {
        self.lead_flow.files[n].next = LeadStep::Done;
        let (duplicate, survivor) = (self.lead_flow.files[n].id, self.lead_flow.files[n].survivor);
        let survivor = survivor.expect("only duplicates are merged");
        let survivor_lead = self.lead(survivor)?;
        // A survivor converted or disqualified since no longer absorbs anything.
        if !matches!(survivor_lead.status, Status::Open | Status::Qualified) {
            return Ok(());
        }
        // The manager whose team holds both leads merges them; across teams, sales operations
        // (the system user) does.
        let teams = [survivor_lead.ownership, self.lead(duplicate)?.ownership]
            .map(|ownership| ownership.map(|ownership| ownership.team));
        let merger = self
            .people
            .managers
            .iter()
            .find(|manager| {
                teams.iter().all(|team| team.is_none_or(|team| team == manager.actor.team))
            })
            .map_or_else(system, |manager| manager.actor.clone());
        let (meta, at) = self.moment(&merger, survivor.0);
        let merged = self.lead_flow.intake.merge_at(duplicate, survivor, &meta, at).await;
        merged.map_err(|error| self.intake_error(error))?;
        self.lead_flow.summary.merged += 1;
        Ok(())
    }

    fn lead(&self, lead: LeadId) -> Result<Box<Lead>, GeneratorError> {
        let state = self.lead_flow.path.state_of(lead.0).map_err(|error| GeneratorError::Load {
            kind: "lead",
            id: lead.0,
            error: error.to_string(),
        })?;
        match state {
            LeadState::Captured(lead) => Ok(lead),
            LeadState::NotCaptured => unreachable!("only captured leads are read back"),
        }
    }

    /// Converts lead `n` into a new customer; the conversion process manager creates it, its
    /// contact and the opportunity, which then goes through the pipeline like any other deal.
    pub(super) async fn convert_lead(&mut self, n: usize) -> Result<(), GeneratorError> {
        let file = &self.lead_flow.files[n];
        let rep = file.owner.expect("a converted lead has an owner");
        let person = &file.person;
        let customer_id = CustomerId(self.ids.next("customer"));
        self.customers.push(CustomerFile {
            id: customer_id,
            name: person.company.clone().unwrap_or_else(|| person.name.clone()),
            tier: Tier::Normal,
            region: person.region.expect("a lead meant to buy has a region"),
            rep,
            payer: draw_payer(&mut self.rng),
            created: false,
            deals: 0,
        });
        let customer = self.customers.len() - 1;
        let deal = self.new_deal(customer);
        let command = LeadRequest::Convert {
            customer: ConvertTo::NewCustomer(customer_id),
            contact_id: ContactId(self.ids.next("contact")),
            opportunity_id: self.deals[deal].opportunity,
        };
        let (lead, channel) = (self.lead_flow.files[n].id, self.lead_flow.files[n].channel);
        let actor = self.people.reps[rep].actor.clone();
        let converted = self.send(Command::Lead { lead_id: lead, command }, &actor, lead.0).await?;
        let position = converted.position.expect("the lead was converted now");
        self.lead_flow.conversion.run_from(Position(position)).await?;
        self.lead_flow.files[n].next = LeadStep::Done;
        self.lead_flow.summary.converted += 1;
        self.lead_flow.channel_count(channel).converted += 1;
        self.customers[customer].created = true;
        self.counts.customers += 1;
        self.counts.opportunities += 1;
        // Finance sets a first credit limit; the process manager opened the account at zero.
        let limit = CustomerCommand::ChangeCreditLimit {
            credit_limit: euros(CONVERTED_CREDIT_LIMIT_MINOR),
        };
        let finance = self.people.finance.actor.clone();
        let command = Command::Customer { customer_id, command: limit };
        self.send(command, &finance, customer_id.0).await?;
        // The process manager opened the opportunity in qualification.
        self.then(deal, Step::NeedsAnalysis, 2, 7)
    }
}
