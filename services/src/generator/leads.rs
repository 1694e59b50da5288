//! Leads in the simulation: every working day a few arrive from the channels (web forms and email
//! most, referrals fewest but converting best) and go through lead intake, which records the
//! resubmissions of someone already open as duplicates and assigns the rest by territory, score
//! and the reps' caps. Reps log calls, emails and meetings (each re-scores the lead), then qualify
//! or disqualify with a reason; a manager merges most duplicates into their survivors; and the
//! qualified leads meant to buy are converted, after which the conversion process manager creates
//! the customer, contact and opportunity, and that opportunity joins the normal deal flow.

use std::sync::Arc;

use ltc_domain::actor::{Actor, Ownership, Role};
use ltc_domain::customer::{CustomerCommand, Tier};
use ltc_domain::ids::{ContactId, CustomerId, LeadId};
use ltc_domain::lead::assignment::AssignmentRule;
use ltc_domain::lead::scoring::ScoringModel;
use ltc_domain::lead::{
    ActivityKind, Channel, Contact, ConvertTo, Lead, LeadCommand, LeadDecider, LeadState, Status,
};
use ltc_domain::opportunity::Pipeline;
use ltc_eventstore::{Clock, EventStore, ManualClock, Position};
use rand::Rng;

use super::catalog::{REGIONS, eur, euros};
use super::engine::{Engine, Paths};
use super::people::{
    LeadPerson, People, REPS_PER_TEAM, draw_person, draw_size, resubmission, source_of,
};
use super::plan::{Action, CustomerFile, Step, draw_payer};
use super::{GeneratorError, Scale};
use crate::command::CommandPath;
use crate::leads::RepCapacity;
use crate::leads::{Assignment, AssignmentSettings, CaptureRequest, IntakeError, LeadIntake};
use crate::process::{Conversion, ConversionDefaults, SYSTEM_USER};

/// Each channel with its share of arrivals and the chance, in percent, that one of its leads is
/// meant to buy. Referrals are rare and convert best; imports and social the other way round.
pub(super) const CHANNELS: [(Channel, u32, u32); 8] = [
    (Channel::WebForm, 34, 18),
    (Channel::Email, 24, 12),
    (Channel::Event, 10, 30),
    (Channel::Social, 10, 8),
    (Channel::Phone, 8, 22),
    (Channel::Import, 5, 5),
    (Channel::Api, 4, 12),
    (Channel::Referral, 5, 50),
];
const _: () = {
    let mut share = 0;
    let mut index = 0;
    while index < CHANNELS.len() {
        share += CHANNELS[index].1;
        index += 1;
    }
    assert!(share == 100, "channel shares add up to 100 %");
};

/// Open leads a rep may own; the last rep works part time.
const OPEN_LEADS_MAX: u32 = 30;
const PART_TIME_OPEN_LEADS_MAX: u32 = 8;
/// From this score a lead goes to the senior rep of each team first.
const HOT_SCORE_MIN: u32 = 55;
/// Arrivals that are someone recently captured coming back, in percent.
const RESUBMIT_PERCENT: u32 = 15;
/// How many of the latest leads a resubmission may repeat: people come back within days.
const RESUBMIT_WINDOW: usize = 12;
/// Times a lead waiting in the queue is offered to the rules again before it is left there.
const QUEUE_TRIES_MAX: u32 = 4;
/// The credit limit finance gives a customer won from a lead, in cents.
const CONVERTED_CREDIT_LIMIT_MINOR: i64 = 5_000_000;

const QUICK_REASONS: [&str; 5] = [
    "no budget",
    "student or job seeker",
    "company too small for the product",
    "a competitor researching us",
    "spam submission",
];

/// Where a lead is headed, drawn when it arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    /// Worked, qualified and converted.
    Convert,
    /// Qualified, then lost before a deal opened.
    QualifyThenLose,
    /// Worked for a while, then disqualified when it stops answering.
    GoQuiet,
    /// Disqualified soon, for the reason given.
    Disqualify(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LeadStep {
    Capture,
    /// Offer a lead from the queue to the rules again.
    Assign,
    Activity,
    Qualify,
    Disqualify,
    Convert,
    Merge,
    Done,
}

#[derive(Debug)]
struct LeadFile {
    id: LeadId,
    channel: Channel,
    person: LeadPerson,
    fate: Fate,
    next: LeadStep,
    activities_left: u32,
    /// The owner, as an index into the reps.
    owner: Option<usize>,
    /// The survivor intake found, when the lead was captured as a duplicate.
    survivor: Option<LeadId>,
    queue_tries: u32,
}

/// Leads captured and converted through one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelCount {
    pub channel: Channel,
    pub captured: u64,
    pub converted: u64,
}

/// What became of the leads, counted as the simulation sends its commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadSummary {
    /// Every capture, duplicates included.
    pub captured: u64,
    /// Captured as a duplicate of an open lead.
    pub duplicates: u64,
    pub merged: u64,
    pub qualified: u64,
    pub disqualified: u64,
    pub converted: u64,
    pub by_channel: Vec<ChannelCount>,
}

/// The lead side of the simulation: its command path, intake, conversion process manager and the
/// leads it follows.
#[derive(Debug)]
pub(super) struct LeadFlow {
    path: Arc<CommandPath<LeadDecider>>,
    intake: LeadIntake,
    conversion: Conversion,
    files: Vec<LeadFile>,
    /// The fewest and most leads a working day brings.
    arrivals: (u32, u32),
    summary: LeadSummary,
}

impl LeadFlow {
    pub fn new(
        store: &EventStore,
        clock: Arc<ManualClock>,
        paths: &Paths,
        people: &People,
        scale: Scale,
    ) -> LeadFlow {
        let clock: Arc<dyn Clock> = clock;
        let path = Arc::new(CommandPath::new(store.clone(), clock.clone()));
        let model = ScoringModel::default_model(
            vec!["manufacturing".into(), "logistics".into()],
            vec!["retail".into(), "healthcare".into()],
        );
        let intake = LeadIntake::new(store.clone(), path.clone(), clock, settings(people), model);
        let defaults = ConversionDefaults { currency: eur(), pipeline: Pipeline::default_sales() };
        let conversion = Conversion::new(
            store.clone(),
            paths.customers.clone(),
            paths.opportunities.clone(),
            defaults,
        );
        let arrivals = match scale {
            Scale::Small => (0, 2),
            Scale::Medium => (1, 4),
            Scale::Large => (3, 9),
        };
        let by_channel = CHANNELS
            .iter()
            .map(|&(channel, ..)| ChannelCount { channel, captured: 0, converted: 0 })
            .collect();
        let summary = LeadSummary {
            captured: 0,
            duplicates: 0,
            merged: 0,
            qualified: 0,
            disqualified: 0,
            converted: 0,
            by_channel,
        };
        LeadFlow { path, intake, conversion, files: Vec::new(), arrivals, summary }
    }

    pub fn summary(&self) -> LeadSummary {
        self.summary.clone()
    }

    fn channel_count(&mut self, channel: Channel) -> &mut ChannelCount {
        let index = CHANNELS.iter().position(|&(listed, ..)| listed == channel);
        &mut self.summary.by_channel[index.expect("every channel is listed")]
    }
}

/// Hot leads to the senior rep of each team; then each team its territory; the rest to everyone.
fn settings(people: &People) -> AssignmentSettings {
    let user = |rep: usize| people.reps[rep].actor.user;
    let rule = |name: &str, region: Option<&str>, score_min, reps: Vec<_>| AssignmentRule {
        name: name.into(),
        region: region.map(str::to_owned),
        industry: None,
        score_min,
        reps,
    };
    let n_reps = people.reps.len();
    let rules = vec![
        rule("hot leads", None, Some(HOT_SCORE_MIN), vec![user(0), user(REPS_PER_TEAM)]),
        rule("north territory", Some("north"), None, (0..REPS_PER_TEAM).map(user).collect()),
        rule("south territory", Some("south"), None, (REPS_PER_TEAM..n_reps).map(user).collect()),
        rule("everyone else", None, None, (0..n_reps).map(user).collect()),
    ];
    let reps = (0..n_reps)
        .map(|rep| RepCapacity {
            rep: user(rep),
            team: people.reps[rep].actor.team,
            open_leads_max: if rep + 1 == n_reps {
                PART_TIME_OPEN_LEADS_MAX
            } else {
                OPEN_LEADS_MAX
            },
            available: true,
        })
        .collect();
    AssignmentSettings::new(rules, reps).expect("the simulation's assignment rules are valid")
}

/// A channel, drawn by the channels' shares of arrivals.
pub(super) fn draw_channel(rng: &mut impl Rng) -> Channel {
    let mut roll = rng.random_range(0..100);
    for &(channel, share, _) in &CHANNELS {
        if roll < share {
            return channel;
        }
        roll -= share;
    }
    unreachable!("the shares add up to 100")
}

/// A fate for a lead from `channel`: conversion by the channel's chance, else mostly
/// disqualified soon or after going quiet.
pub(super) fn draw_fate(rng: &mut impl Rng, channel: Channel) -> Fate {
    let (_, _, convert) =
        CHANNELS.iter().find(|(listed, ..)| *listed == channel).expect("every channel is listed");
    match rng.random_range(0..100) {
        roll if roll < *convert => Fate::Convert,
        roll if roll < convert + 8 => Fate::QualifyThenLose,
        roll if roll < convert + 40 => Fate::GoQuiet,
        _ => Fate::Disqualify(QUICK_REASONS[rng.random_range(0..QUICK_REASONS.len())]),
    }
}

fn system() -> Actor {
    Actor { user: SYSTEM_USER, role: Role::Admin, team: None }
}

impl Engine {
    /// Today's new leads, each captured later today.
    pub(super) fn leads_arrive(&mut self) {
        let (fewest, most) = self.lead_flow.arrivals;
        for _ in 0..self.rng.random_range(fewest..=most) {
            let file = self.draw_lead();
            self.lead_flow.files.push(file);
            let n = self.lead_flow.files.len() - 1;
            self.schedule(self.today, Action::Lead(n));
        }
    }

    fn draw_lead(&mut self) -> LeadFile {
        let id = LeadId(self.ids.next("lead"));
        let channel = draw_channel(&mut self.rng);
        let fate = draw_fate(&mut self.rng, channel);
        let n_files = self.lead_flow.files.len();
        let mut person = if n_files > 0 && self.rng.random_ratio(RESUBMIT_PERCENT, 100) {
            let earlier = self.rng.random_range(n_files.saturating_sub(RESUBMIT_WINDOW)..n_files);
            resubmission(&mut self.rng, &self.lead_flow.files[earlier].person, n_files)
        } else {
            let mut person = draw_person(&mut self.rng, n_files);
            if self.rng.random_ratio(85, 100) {
                person.region = Some(REGIONS[self.rng.random_range(0..REGIONS.len())]);
            }
            if self.rng.random_ratio(8, 10) {
                person.industry = Some(self.industry());
            }
            person.size = self.rng.random_ratio(7, 10).then(|| draw_size(&mut self.rng));
            person
        };
        // A lead that will buy says where it is: the price books are per region.
        if fate == Fate::Convert && person.region.is_none() {
            person.region = Some(REGIONS[self.rng.random_range(0..REGIONS.len())]);
        }
        let activities_left = match fate {
            Fate::Convert => self.rng.random_range(2..=3),
            Fate::QualifyThenLose | Fate::GoQuiet => self.rng.random_range(1..=3),
            Fate::Disqualify(_) => self.rng.random_range(0..=1),
        };
        LeadFile {
            id,
            channel,
            person,
            fate,
            next: LeadStep::Capture,
            activities_left,
            owner: None,
            survivor: None,
            queue_tries: 0,
        }
    }

    /// Does lead `n`'s next step.
    pub(super) async fn lead_step(&mut self, n: usize) -> Result<(), GeneratorError> {
        match self.lead_flow.files[n].next {
            LeadStep::Capture => self.capture_lead(n).await,
            LeadStep::Assign => self.assign_from_queue(n).await,
            LeadStep::Activity => self.log_activity(n).await,
            LeadStep::Qualify => {
                self.lead_command(n, LeadCommand::Qualify).await?;
                self.lead_flow.summary.qualified += 1;
                match self.lead_flow.files[n].fate {
                    Fate::Convert => self.lead_then(n, LeadStep::Convert, 1, 5),
                    _ => self.lead_then(n, LeadStep::Disqualify, 10, 30),
                }
                Ok(())
            }
            LeadStep::Disqualify => {
                let reason = match self.lead_flow.files[n].fate {
                    Fate::Disqualify(reason) => reason,
                    Fate::GoQuiet => "went quiet: no answer after repeated follow-ups",
                    Fate::QualifyThenLose | Fate::Convert => {
                        "bought from a competitor before a deal opened"
                    }
                };
                let command = LeadCommand::Disqualify { reason: reason.into() };
                self.lead_command(n, command).await?;
                self.lead_flow.summary.disqualified += 1;
                self.lead_flow.files[n].next = LeadStep::Done;
                Ok(())
            }
            LeadStep::Convert => self.convert_lead(n).await,
            LeadStep::Merge => self.merge_lead(n).await,
            LeadStep::Done => Ok(()),
        }
    }

    fn lead_then(&mut self, n: usize, next: LeadStep, min: i64, max: i64) {
        self.lead_flow.files[n].next = next;
        let days = self.rng.random_range(min..=max);
        self.schedule_in(days, Action::Lead(n));
    }

    fn intake_error(&self, error: IntakeError) -> GeneratorError {
        GeneratorError::Intake { day: self.today, error }
    }

    async fn capture_lead(&mut self, n: usize) -> Result<(), GeneratorError> {
        let channel = self.lead_flow.files[n].channel;
        // Reps capture whom they met or were referred to as their own; the phone is answered by
        // a manager; everything else arrives through the website and mailboxes, as the system.
        let (actor, owner) = match channel {
            Channel::Event | Channel::Referral => {
                let rep = self.rng.random_range(0..self.people.reps.len());
                (self.people.reps[rep].actor.clone(), Some(rep))
            }
            Channel::Phone => {
                let manager = self.rng.random_range(0..self.people.managers.len());
                (self.people.managers[manager].actor.clone(), None)
            }
            _ => (system(), None),
        };
        let source = source_of(&mut self.rng, channel, self.today);
        let file = &self.lead_flow.files[n];
        let person = &file.person;
        let request = CaptureRequest {
            lead_id: file.id,
            channel,
            contact: Contact {
                name: person.name.clone(),
                email: person.email.clone(),
                phone: person.phone.clone(),
            },
            company_name: person.company.clone(),
            website: person.website.clone(),
            industry: person.industry.map(str::to_owned),
            region: person.region.map(str::to_owned),
            company_size: person.size,
            source,
            owner: owner.map(|rep| Ownership {
                owner: self.people.reps[rep].actor.user,
                team: self.people.reps[rep].actor.team,
            }),
        };
        let (meta, at) = self.moment(&actor, request.lead_id.0);
        let captured = self.lead_flow.intake.capture_at(&request, &meta, at).await;
        let captured = captured.map_err(|error| self.intake_error(error))?;
        self.lead_flow.summary.captured += 1;
        self.lead_flow.channel_count(channel).captured += 1;
        if let Some(survivor) = captured.duplicate_of {
            self.lead_flow.summary.duplicates += 1;
            self.lead_flow.files[n].survivor = Some(survivor);
            // Most duplicates are merged by a manager within days; some are never cleaned up.
            if self.rng.random_ratio(3, 4) {
                self.lead_then(n, LeadStep::Merge, 1, 4);
            } else {
                self.lead_flow.files[n].next = LeadStep::Done;
            }
            return Ok(());
        }
        self.after_assignment(n, &captured.assignment);
        Ok(())
    }

    fn after_assignment(&mut self, n: usize, assignment: &Assignment) {
        let owner = match assignment {
            Assignment::Assigned { owner, .. } => *owner,
            Assignment::AlreadyOwned(ownership) => ownership.owner,
            Assignment::NoMatchingRule | Assignment::AllAtCapacity => {
                let file = &mut self.lead_flow.files[n];
                file.queue_tries += 1;
                if file.queue_tries <= QUEUE_TRIES_MAX {
                    self.lead_then(n, LeadStep::Assign, 5, 7);
                } else {
                    file.next = LeadStep::Done;
                }
                return;
            }
            Assignment::Duplicate { .. } | Assignment::Closed(_) => {
                unreachable!("a lead captured new is open")
            }
        };
        let rep = self.people.reps.iter().position(|rep| rep.actor.user == owner);
        self.lead_flow.files[n].owner = Some(rep.expect("leads go to the simulation's reps"));
        self.work_lead(n);
    }

    /// The next piece of work on an owned lead: an activity, or what its fate says.
    fn work_lead(&mut self, n: usize) {
        let file = &self.lead_flow.files[n];
        match (file.activities_left, file.fate) {
            (1.., _) => self.lead_then(n, LeadStep::Activity, 0, 2),
            (0, Fate::Convert | Fate::QualifyThenLose) => {
                self.lead_then(n, LeadStep::Qualify, 0, 2)
            }
            (0, Fate::GoQuiet) => self.lead_then(n, LeadStep::Disqualify, 20, 40),
            (0, Fate::Disqualify(_)) => self.lead_then(n, LeadStep::Disqualify, 0, 2),
        }
    }

    async fn assign_from_queue(&mut self, n: usize) -> Result<(), GeneratorError> {
        let lead = self.lead_flow.files[n].id;
        let (meta, at) = self.moment(&system(), lead.0);
        let assignment = self.lead_flow.intake.assign_at(lead, &meta, at).await;
        let assignment = assignment.map_err(|error| self.intake_error(error))?;
        self.after_assignment(n, &assignment);
        Ok(())
    }

    async fn log_activity(&mut self, n: usize) -> Result<(), GeneratorError> {
        let (kind, summary) = match self.rng.random_range(0..100) {
            0..40 => (ActivityKind::Call, "discovery call"),
            40..75 => (ActivityKind::Email, "sent the product overview and pricing"),
            75..90 => (ActivityKind::Meeting, "product demo with the buying team"),
            _ => (ActivityKind::Note, "noted requirements and timeline"),
        };
        let command = LeadCommand::LogActivity { kind, summary: summary.into() };
        self.lead_command(n, command).await?;
        self.lead_flow.files[n].activities_left -= 1;
        self.work_lead(n);
        Ok(())
    }

    /// Sends `command` to lead `n` as its owner.
    async fn lead_command(&mut self, n: usize, command: LeadCommand) -> Result<(), GeneratorError> {
        let file = &self.lead_flow.files[n];
        let rep = file.owner.expect("only owned leads are worked");
        let (actor, id) = (self.people.reps[rep].actor.clone(), file.id.0);
        let path = self.lead_flow.path.clone();
        self.exec(&path, id, &command, &actor, id).await?;
        Ok(())
    }

    async fn merge_lead(&mut self, n: usize) -> Result<(), GeneratorError> {
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
    async fn convert_lead(&mut self, n: usize) -> Result<(), GeneratorError> {
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
        let command = LeadCommand::Convert {
            customer: ConvertTo::NewCustomer(customer_id),
            contact_id: ContactId(self.ids.next("contact")),
            opportunity_id: self.deals[deal].opportunity,
        };
        let (lead, channel) = (self.lead_flow.files[n].id, self.lead_flow.files[n].channel);
        let actor = self.people.reps[rep].actor.clone();
        let path = self.lead_flow.path.clone();
        let converted = self.exec(&path, lead.0, &command, &actor, lead.0).await?;
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
        let customers = self.paths.customers.clone();
        self.exec(&customers, customer_id.0, &limit, &finance, customer_id.0).await?;
        // The process manager opened the opportunity in qualification.
        self.then(deal, Step::NeedsAnalysis, 2, 7)
    }
}
