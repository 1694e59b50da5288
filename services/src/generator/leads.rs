//! Leads in the simulation: every working day a few arrive from the channels (web forms and email
//! most, referrals fewest but converting best) and go through lead intake, which records the
//! resubmissions of someone already open as duplicates and assigns the rest by territory, score
//! and the reps' caps. Reps log calls, emails and meetings (each re-scores the lead), then qualify
//! or disqualify with a reason; a manager merges most duplicates into their survivors; and the
//! qualified leads meant to buy are converted, after which the conversion process manager creates
//! the customer, contact and opportunity, and that opportunity joins the normal deal flow.
//! Arrival, capture and assignment are here; the work after capture is in `lead_work.rs`.

use std::sync::Arc;

use ltc_domain::actor::{Actor, Ownership, Role};
use ltc_domain::ids::LeadId;
use ltc_domain::lead::assignment::AssignmentRule;
use ltc_domain::lead::scoring::ScoringModel;
use ltc_domain::lead::{Channel, Contact, LeadDecider};
use ltc_domain::opportunity::Pipeline;
use ltc_eventstore::EventStore;
use rand::Rng;

use super::catalog::{REGIONS, eur};
use super::people::{
    LeadPerson, People, REPS_PER_TEAM, draw_person, draw_size, resubmission, source_of,
};
use super::plan::Action;
use super::simulation::Simulation;
use super::{GeneratorError, Scale};
use crate::command::CommandPath;
use crate::engine::Engine;
use crate::engine::LeadRequest;
use crate::leads::{
    Assignment, AssignmentSettings, CaptureRequest, IntakeError, LeadIntake, RepCapacity,
};
use crate::process::{Conversion, ConversionDefaults, SYSTEM_USER};

/// Each channel with its share of arrivals and the chance, in percent, that one of its leads is
/// meant to buy. Referrals are rare and convert best; imports and social the other way round.
pub(super) const CHANNELS: [(Channel, u32, u32); 8] = [
    (Channel::WebForm, 34, 20),
    (Channel::Email, 24, 14),
    (Channel::Event, 10, 32),
    (Channel::Social, 10, 9),
    (Channel::Phone, 8, 24),
    (Channel::Import, 6, 5),
    (Channel::Api, 5, 14),
    (Channel::Referral, 3, 52),
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
pub(super) enum LeadStep {
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
pub(super) struct LeadFile {
    pub id: LeadId,
    pub channel: Channel,
    pub person: LeadPerson,
    pub fate: Fate,
    pub next: LeadStep,
    pub activities_left: u32,
    /// The owner, as an index into the reps.
    pub owner: Option<usize>,
    /// The survivor intake found, when the lead was captured as a duplicate.
    pub survivor: Option<LeadId>,
    pub queue_tries: u32,
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
    pub path: Arc<CommandPath<LeadDecider>>,
    pub intake: Arc<LeadIntake>,
    pub conversion: Conversion,
    pub files: Vec<LeadFile>,
    /// The fewest and most leads a working day brings.
    arrivals: (u32, u32),
    pub summary: LeadSummary,
}

impl LeadFlow {
    /// The lead side of a simulation whose commands go through `commands`, which was set up
    /// with [`scoring_model`] and [`assignment_settings`].
    pub fn new(store: &EventStore, commands: &Engine, scale: Scale) -> LeadFlow {
        let paths = commands.paths();
        let path = paths.leads.clone();
        let intake = commands.intake().clone();
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

    pub fn channel_count(&mut self, channel: Channel) -> &mut ChannelCount {
        let index = CHANNELS.iter().position(|&(listed, ..)| listed == channel);
        &mut self.summary.by_channel[index.expect("every channel is listed")]
    }
}

/// How the simulated company scores leads: manufacturing and logistics are its target industries.
pub(super) fn scoring_model() -> ScoringModel {
    ScoringModel::default_model(
        vec!["manufacturing".into(), "logistics".into()],
        vec!["retail".into(), "healthcare".into()],
    )
}

/// Hot leads to the senior rep of each team; then each team its territory; the rest to everyone.
pub(super) fn assignment_settings(people: &People) -> AssignmentSettings {
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

pub(super) fn system() -> Actor {
    Actor { user: SYSTEM_USER, role: Role::Admin, team: None }
}

impl Simulation {
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
                self.lead_command(n, LeadRequest::Qualify).await?;
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
                let command = LeadRequest::Disqualify { reason: reason.into() };
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

    pub(super) fn lead_then(&mut self, n: usize, next: LeadStep, min: i64, max: i64) {
        self.lead_flow.files[n].next = next;
        let days = self.rng.random_range(min..=max);
        self.schedule_in(days, Action::Lead(n));
    }

    pub(super) fn intake_error(&self, error: IntakeError) -> GeneratorError {
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

    pub(super) fn after_assignment(&mut self, n: usize, assignment: &Assignment) {
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
    pub(super) fn work_lead(&mut self, n: usize) {
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
}
