//! Auto-assignment: which rep gets a lead. It needs facts no lead stream holds (every rep's
//! current load and where the rotation stands), so it is a pure function the shell calls with
//! those facts; the shell then sends the result as a `LeadCommand::Assign` and moves its cursor
//! to the chosen rep. Because the choice is recorded in the `Assigned` event, replay never calls
//! this again, and a change of rules or loads never rewrites an old assignment.
//!
//! Rules are tried in order. A rule matches when each criterion it sets (region, industry,
//! lowest score) matches the lead. Within the first matching rule whose pool has a rep under
//! their cap, reps take turns: the first rep after the one that rule last chose, in the pool's
//! order and wrapping around, who is under their cap. A rep not among the candidates (away, left)
//! is skipped. Each rule keeps its own place in the rotation, so leads of one territory never
//! disturb the turns of another.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{TeamId, UserId};

use super::Lead;
use super::normalize::normalize_key;

/// The most rules, and the most reps in one rule's pool.
pub const ASSIGNMENT_RULES_MAX: usize = 256;
pub const RULE_REPS_MAX: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentRule {
    /// Named in the `Assigned` event, so an assignment can be explained.
    pub name: String,
    /// A normalised region key; `None` matches any region.
    pub region: Option<String>,
    /// A normalised industry key; `None` matches any industry.
    pub industry: Option<String>,
    /// The lowest score the rule takes; `None` takes any.
    pub score_min: Option<u32>,
    /// The reps who take turns, in rotation order.
    pub reps: Vec<UserId>,
}

/// A rep who can take leads now, with their load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub rep: UserId,
    pub team: Option<TeamId>,
    /// Open leads the rep owns now.
    pub open_leads: u32,
    /// The most open leads the rep may own.
    pub open_leads_max: u32,
}

/// Where each rule's rotation stands: the rep it chose last, by rule name. The shell stores the
/// `next_cursor` of each decision and passes it to the next call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationCursor {
    pub last_assigned: BTreeMap<String, UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssignmentDecision {
    /// Send `Assign { owner, team, rule: Some(rule) }` and store `next_cursor`, which forgets
    /// rules no longer configured.
    Assign { owner: UserId, team: Option<TeamId>, rule: String, next_cursor: RotationCursor },
    /// No rule matches the lead: it stays in the unassigned queue for a manager.
    NoMatchingRule,
    /// Rules match, but every rep in their pools is at their cap or unavailable: the lead waits
    /// in the queue until a rep has room.
    AllAtCapacity,
}

/// The rep for `lead` under `rules`, given the reps' loads and the rotation.
pub fn assign(
    lead: &Lead,
    rules: &[AssignmentRule],
    candidates: &[Candidate],
    cursor: &RotationCursor,
) -> AssignmentDecision {
    let mut any_match = false;
    for rule in rules.iter().take(ASSIGNMENT_RULES_MAX).filter(|rule| matches(rule, lead)) {
        any_match = true;
        let pool = &rule.reps[..rule.reps.len().min(RULE_REPS_MAX)];
        let last = cursor.last_assigned.get(&rule.name).copied();
        if let Some(candidate) = next_in_rotation(pool, candidates, last) {
            let mut last_assigned: BTreeMap<String, UserId> = cursor
                .last_assigned
                .iter()
                .filter(|(name, _)| rules.iter().any(|rule| &rule.name == *name))
                .map(|(name, rep)| (name.clone(), *rep))
                .collect();
            last_assigned.insert(rule.name.clone(), candidate.rep);
            return AssignmentDecision::Assign {
                owner: candidate.rep,
                team: candidate.team,
                rule: rule.name.clone(),
                next_cursor: RotationCursor { last_assigned },
            };
        }
    }
    if any_match { AssignmentDecision::AllAtCapacity } else { AssignmentDecision::NoMatchingRule }
}

fn matches(rule: &AssignmentRule, lead: &Lead) -> bool {
    let criterion = |wanted: &Option<String>, actual: &Option<String>| {
        // The lead's keys were normalised on capture; the rule's may have been typed by hand.
        wanted.as_ref().is_none_or(|wanted| actual.as_ref() == Some(&normalize_key(wanted)))
    };
    criterion(&rule.region, &lead.region)
        && criterion(&rule.industry, &lead.industry)
        && rule.score_min.is_none_or(|score_min| lead.score.total >= score_min)
}

/// The first rep after `last` (wrapping; from the start if `last` is not in the pool) who is a
/// candidate under their cap.
fn next_in_rotation(
    pool: &[UserId],
    candidates: &[Candidate],
    last: Option<UserId>,
) -> Option<Candidate> {
    let start = last
        .and_then(|last| pool.iter().position(|rep| *rep == last))
        .map_or(0, |position| position + 1);
    (0..pool.len())
        .map(|offset| pool[(start + offset) % pool.len()])
        .filter_map(|rep| candidates.iter().find(|candidate| candidate.rep == rep))
        .find(|candidate| candidate.open_leads < candidate.open_leads_max)
        .copied()
}
