//! The simulation's core: the engine its commands go through, the agenda of what happens on
//! which day, the day loop, and the one door every command goes through (which sets the
//! business time and the clock, derives the command id from the seed, and turns a refusal into
//! an error).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use chrono::{Datelike, Months, NaiveDate, TimeDelta, Weekday};
use ltc_domain::actor::Actor;
use ltc_domain::ids::CustomerId;
use ltc_eventstore::{EventStore, ManualClock, Position};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use super::automation::Automation;
use super::catalog::REGIONS;
use super::ids::IdSource;
use super::leads::{LeadFlow, assignment_settings, scoring_model};
use super::people::People;
use super::plan::{Action, CustomerFile, Deal, days_between_deals, draw_payer, draw_tier};
use super::summary::Counts;
use super::{GeneratorError, Scale, TENANT, start_date};
use crate::client_ids::ClientIds;
use crate::command::{CommandMeta, Executed};
use crate::engine::{Command, Engine, Paths};
use crate::process::Invoicing;

const NAME_FIRST: [&str; 12] = [
    "Nordwind",
    "Bergmann",
    "Azur",
    "Falk",
    "Linde",
    "Orion",
    "Vega",
    "Helio",
    "Kestrel",
    "Brightwater",
    "Ironbridge",
    "Silverline",
];
const NAME_SECOND: [&str; 8] =
    ["Logistics", "Foods", "Systems", "Pharma", "Retail", "Engineering", "Media", "Energy"];
const INDUSTRIES: [&str; 6] =
    ["manufacturing", "retail", "healthcare", "logistics", "financial services", "public sector"];

#[derive(Debug)]
pub(super) struct Simulation {
    pub store: EventStore,
    clock: Arc<ManualClock>,
    /// The engine every command goes through, as a client's would.
    pub commands: Engine,
    /// The engine's command paths, for reading aggregates back and for the process managers.
    pub paths: Paths,
    invoicing: Invoicing,
    /// Where the invoicing process manager resumes.
    checkpoint: Position,
    /// The other process managers the simulation lets work.
    pub automation: Automation,
    pub rng: StdRng,
    pub ids: IdSource,
    pub people: People,
    pub today: NaiveDate,
    pub end: NaiveDate,
    /// The business time of the last command.
    now: chrono::DateTime<chrono::Utc>,
    agenda: BTreeMap<NaiveDate, VecDeque<Action>>,
    pub customers: Vec<CustomerFile>,
    pub deals: Vec<Deal>,
    pub receivables: Vec<super::cash::ReceivableFile>,
    pub counts: Counts,
    pub lead_flow: LeadFlow,
    /// The quarter whose quotas are set (`2026-Q1`).
    pub quotas_set_for: Option<String>,
}

impl Simulation {
    pub fn new(
        store: EventStore,
        clock: Arc<ManualClock>,
        seed: u64,
        scale: Scale,
        client_ids: ClientIds,
    ) -> Simulation {
        let mut ids = IdSource::new(seed);
        let mut rng = StdRng::seed_from_u64(seed);
        // The people keep the ids `users(seed)` writes to the user table, whatever the records'.
        let people = People::new(&mut ids);
        if client_ids == ClientIds::V7 {
            ids.sort_by_time(clock.clone());
        }
        let mut settings = super::demo_settings();
        settings.scoring = scoring_model();
        settings.assignment = assignment_settings(&people);
        let commands = Engine::open(store.clone(), clock.clone(), settings)
            .expect("an engine opens on the empty store a history is generated into");
        let paths = commands.paths().clone();
        let invoicing = Invoicing::new(store.clone(), paths.payments.clone());
        let automation = Automation::new(&store, &paths);
        let lead_flow = LeadFlow::new(&store, &commands, scale);
        let start = start_date();
        let end = start + Months::new(scale.months());
        let mut engine = Simulation {
            store,
            clock,
            commands,
            paths,
            invoicing,
            checkpoint: Position::START,
            automation,
            today: start,
            end,
            now: chrono::DateTime::<chrono::Utc>::MIN_UTC,
            agenda: BTreeMap::new(),
            customers: Vec::new(),
            deals: Vec::new(),
            receivables: Vec::new(),
            counts: Counts::default(),
            lead_flow,
            quotas_set_for: None,
            people,
            ids: IdSource::new(0),
            rng: StdRng::seed_from_u64(0),
        };
        // Customers arrive over the first weeks of the period (at most two months).
        let n = scale.customers();
        let spread_days = (i64::from(scale.months()) * 5).min(60);
        for index in 0..n {
            let tier = draw_tier(&mut rng);
            let name = format!(
                "{} {} {}",
                NAME_FIRST[rng.random_range(0..NAME_FIRST.len())],
                NAME_SECOND[rng.random_range(0..NAME_SECOND.len())],
                index + 1
            );
            engine.customers.push(CustomerFile {
                id: CustomerId(ids.next("customer")),
                name,
                tier,
                region: REGIONS[rng.random_range(0..REGIONS.len())],
                rep: rng.random_range(0..engine.people.reps.len()),
                payer: draw_payer(&mut rng),
                created: false,
                deals: 0,
            });
            let offset = spread_days * i64::try_from(index).unwrap_or(0) / n.max(1) as i64;
            engine.schedule(start + TimeDelta::days(offset), Action::CreateCustomer(index));
        }
        engine.ids = ids;
        engine.rng = rng;
        engine
    }

    pub fn industry(&mut self) -> &'static str {
        INDUSTRIES[self.rng.random_range(0..INDUSTRIES.len())]
    }

    /// Puts `action` on the agenda of `day`, moved to the Monday after if it falls on a weekend.
    pub fn schedule(&mut self, day: NaiveDate, action: Action) {
        let day = match day.weekday() {
            Weekday::Sat => day + TimeDelta::days(2),
            Weekday::Sun => day + TimeDelta::days(1),
            _ => day,
        };
        self.agenda.entry(day).or_default().push_back(action);
    }

    /// Puts `action` on the agenda `days` from today.
    pub fn schedule_in(&mut self, days: i64, action: Action) {
        self.schedule(self.today + TimeDelta::days(days), action);
    }

    pub async fn run(&mut self) -> Result<(), GeneratorError> {
        while self.today < self.end {
            if !matches!(self.today.weekday(), Weekday::Sat | Weekday::Sun) {
                self.set_quotas_for_the_quarter().await?;
                self.open_new_deals();
                self.leads_arrive();
            }
            while let Some(action) = self.agenda.get_mut(&self.today).and_then(VecDeque::pop_front)
            {
                self.act(action).await?;
                self.run_automation().await?;
            }
            self.agenda.remove(&self.today);
            self.today += TimeDelta::days(1);
        }
        Ok(())
    }

    fn open_new_deals(&mut self) {
        for index in 0..self.customers.len() {
            let customer = &self.customers[index];
            let one_in = days_between_deals(customer.tier);
            if customer.created && self.rng.random_ratio(1, one_in) {
                let deal = self.new_deal(index);
                self.schedule(self.today, Action::Deal(deal));
            }
        }
    }

    async fn act(&mut self, action: Action) -> Result<(), GeneratorError> {
        match action {
            Action::CreateCustomer(index) => self.create_customer(index).await,
            Action::Deal(deal) => self.deal_step(deal).await,
            Action::Receive { receivable, amount_minor } => {
                self.receive(receivable, amount_minor).await
            }
            Action::Refund(receivable) => self.refund(receivable).await,
            Action::WriteOff(receivable) => self.write_off(receivable).await,
            Action::CompleteFollowUp { opportunity, task } => {
                self.complete_follow_up(opportunity, task).await
            }
            Action::Lead(n) => self.lead_step(n).await,
        }
    }

    /// Sends `command` through the engine as `actor`, at the next moment of today.
    pub async fn send(
        &mut self,
        command: Command,
        actor: &Actor,
        correlation: Uuid,
    ) -> Result<Executed, GeneratorError> {
        let (meta, _at) = self.moment(actor, correlation);
        let (kind, id) = command.target();
        self.commands.execute(command, &meta).await.map_err(|error| GeneratorError::Command {
            kind,
            id,
            day: self.today,
            error: error.to_string(),
        })
    }

    /// The next moment of today, with the clock set to it, and the meta of a command sent then
    /// by `actor`.
    pub fn moment(
        &mut self,
        actor: &Actor,
        correlation: Uuid,
    ) -> (CommandMeta, chrono::DateTime<chrono::Utc>) {
        // The working day starts at 08:00 and commands come a few minutes apart; after 17:00 a
        // very busy day packs the rest seconds apart, so it still ends well before midnight.
        let opening = self.today.and_hms_opt(8, 0, 0).expect("08:00 exists").and_utc();
        let busy_after = self.today.and_hms_opt(17, 0, 0).expect("17:00 exists").and_utc();
        let now = self.now.max(opening);
        let gap = if now < busy_after { self.rng.random_range(60..=900) } else { 2 };
        let at = now + TimeDelta::seconds(gap);
        self.now = at;
        self.clock.set(at);
        let meta = CommandMeta {
            command_id: self.ids.next("command"),
            correlation_id: correlation,
            causation_id: None,
            actor: actor.clone(),
            tenant: TENANT.into(),
            expected_version: None,
        };
        (meta, at)
    }

    /// Lets the invoicing process manager handle everything recorded since it last ran.
    pub async fn run_invoicing(&mut self) -> Result<(), GeneratorError> {
        self.invoicing.run_from(self.checkpoint).await?;
        self.checkpoint = Position(self.store.head().position + 1);
        Ok(())
    }
}
