//! The lead's rules as given / when / then: given these past events, when this command arrives
//! from this actor, then exactly these events (or this rejection). Shared fixtures live here; each
//! file tests one concern.

mod assignment;
mod capture;
mod lifecycle;
mod merge;
mod normalize;
mod scoring;

use crate::testing::*;
use uuid::Uuid;

use super::scoring::{IndustryFit, Score, ScoreLine, ScoreRule, ScoringInputs, ScoringModel};
use super::*;
use crate::actor::{Actor, Ownership, Role};
use crate::decider::{Context, Decider};
use crate::ids::{LeadId, TeamId, UserId};

const LEAD: LeadId = LeadId(Uuid::from_u128(0x1ead));
const SURVIVOR: LeadId = LeadId(Uuid::from_u128(0x5a4e));

fn model() -> ScoringModel {
    ScoringModel::default_model(vec!["software".into()], vec!["consulting".into()])
}

/// A capture from a web form with messy but valid data, unassigned, not a duplicate.
fn capture_command() -> LeadCommand {
    LeadCommand::Capture {
        lead_id: LEAD,
        channel: Channel::WebForm,
        contact: Contact {
            name: " Ada Lovelace ".into(),
            email: Some(" Ada@Example.COM ".into()),
            phone: Some("+44 (0)20 7946-0958".into()),
        },
        company_name: Some("Example Ltd".into()),
        website: Some("https://www.Example.com/contact".into()),
        industry: Some(" Software ".into()),
        region: Some("EMEA".into()),
        company_size: Some(CompanySize::Medium),
        source: Source { utm_source: Some("newsletter".into()), ..Source::default() },
        owner: None,
        duplicate_of: None,
        scoring_model: model(),
    }
}

/// `capture_command` with one change.
fn capture_with(edit: impl FnOnce(&mut LeadCommand)) -> LeadCommand {
    let mut command = capture_command();
    edit(&mut command);
    command
}

/// The `Captured` event `capture_command` produces at minute 0.
fn captured() -> LeadEvent {
    LeadEvent::Captured {
        lead_id: LEAD,
        channel: Channel::WebForm,
        contact: Contact {
            name: "Ada Lovelace".into(),
            email: Some("ada@example.com".into()),
            phone: Some("+442079460958".into()),
        },
        company: Company { name: Some("Example Ltd".into()), domain: Some("example.com".into()) },
        industry: Some("software".into()),
        region: Some("emea".into()),
        company_size: Some(CompanySize::Medium),
        source: Source { utm_source: Some("newsletter".into()), ..Source::default() },
        ownership: None,
        scoring_model: model(),
        at: t(0),
    }
}

/// The captured lead's score: web form 15, target industry 20, medium 10, all 7 fields known 15,
/// and `engagement` points for its activities.
fn score_with(engagement: u32, activities: ActivityTally, minute: i64) -> LeadEvent {
    let lines = [
        (ScoreRule::Channel, 15),
        (ScoreRule::IndustryFit, 20),
        (ScoreRule::CompanySize, 10),
        (ScoreRule::Completeness, 15),
        (ScoreRule::Engagement, engagement),
    ]
    .map(|(rule, points)| ScoreLine { rule, points })
    .to_vec();
    LeadEvent::Scored {
        score: Score { lines, total: 60 + engagement },
        inputs: ScoringInputs {
            channel: Channel::WebForm,
            industry_fit: IndustryFit::Target,
            company_size: Some(CompanySize::Medium),
            fields_known: 7,
            activities,
        },
        at: t(minute),
    }
}

fn scored() -> LeadEvent {
    score_with(0, ActivityTally::default(), 0)
}

fn assigned(owner: UserId, team: TeamId, minute: i64) -> LeadEvent {
    LeadEvent::Assigned {
        ownership: Ownership { owner, team: Some(team) },
        previous: None,
        rule: None,
        at: t(minute),
    }
}

/// Captured, scored and assigned to Alice of the east team.
fn alices_lead() -> Vec<LeadEvent> {
    vec![captured(), scored(), assigned(ALICE, EAST, 1)]
}

fn qualified(minute: i64) -> LeadEvent {
    LeadEvent::Qualified { at: t(minute) }
}

/// Given `history`, when `actor` sends `command` at minute 10, then `expected`.
#[track_caller]
fn check(
    history: &[LeadEvent],
    command: LeadCommand,
    actor: Actor,
    expected: Result<Vec<LeadEvent>, LeadError>,
) {
    let state = LeadDecider::replay(history);
    let context = Context { actor, occurred_at: t(10) };
    assert_eq!(LeadDecider::decide(&state, &command, &context), expected);
}

/// The lead after `history`.
#[track_caller]
fn lead_after(history: &[LeadEvent]) -> Lead {
    match LeadDecider::replay(history) {
        LeadState::Captured(lead) => *lead,
        LeadState::NotCaptured => panic!("the history captures the lead"),
    }
}
