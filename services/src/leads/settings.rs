//! How leads are assigned: the rules, tried in order, and each rep's team, cap and availability.
//! Checked once when built, so intake never meets a rule it cannot record or a rep it does not
//! know.

use std::collections::HashSet;

use ltc_domain::ids::{TeamId, UserId};
use ltc_domain::lead::TEXT_BYTES_MAX;
use ltc_domain::lead::assignment::{ASSIGNMENT_RULES_MAX, AssignmentRule, RULE_REPS_MAX};

/// The most reps one intake knows.
pub const REPS_MAX: usize = 10_000;

/// A rep who may receive leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepCapacity {
    pub rep: UserId,
    pub team: Option<TeamId>,
    /// The most open and qualified leads the rep may own before the rotation passes them over.
    pub open_leads_max: u32,
    /// False while the rep is away: the rotation passes them over.
    pub available: bool,
}

/// The assignment rules and the reps they draw from.
/// The default has no rules and no reps: every new lead waits unassigned for a manager.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssignmentSettings {
    rules: Vec<AssignmentRule>,
    reps: Vec<RepCapacity>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// Fewer rules or reps, or a smaller pool, are needed.
    #[error("more than {max} {what}")]
    TooMany { what: &'static str, max: usize },
    /// The name is recorded in every `LeadAssigned` event it explains: fix it.
    #[error("rule name {0:?} must be 1 to {TEXT_BYTES_MAX} bytes")]
    RuleName(String),
    /// Each rule keeps its own rotation by name, so names must differ.
    #[error("two rules are named {0:?}")]
    DuplicateRule(String),
    /// A rep is listed twice among the reps, or twice in one rule's pool.
    #[error("rep {0} is listed twice")]
    DuplicateRep(UserId),
    /// A rule's pool names a rep without a capacity: add the rep or drop them from the pool.
    #[error("rule {rule:?} names rep {rep}, who is not among the reps")]
    UnknownRep { rule: String, rep: UserId },
}

impl AssignmentSettings {
    pub fn new(
        rules: Vec<AssignmentRule>,
        reps: Vec<RepCapacity>,
    ) -> Result<AssignmentSettings, SettingsError> {
        if rules.len() > ASSIGNMENT_RULES_MAX {
            return Err(SettingsError::TooMany { what: "rules", max: ASSIGNMENT_RULES_MAX });
        }
        if reps.len() > REPS_MAX {
            return Err(SettingsError::TooMany { what: "reps", max: REPS_MAX });
        }
        let mut known = HashSet::new();
        for rep in &reps {
            if !known.insert(rep.rep) {
                return Err(SettingsError::DuplicateRep(rep.rep));
            }
        }
        let mut names = HashSet::new();
        for rule in &rules {
            if rule.name.trim().is_empty() || rule.name.len() > TEXT_BYTES_MAX {
                return Err(SettingsError::RuleName(rule.name.chars().take(64).collect()));
            }
            if !names.insert(rule.name.as_str()) {
                return Err(SettingsError::DuplicateRule(rule.name.clone()));
            }
            if rule.reps.len() > RULE_REPS_MAX {
                return Err(SettingsError::TooMany { what: "reps in a rule", max: RULE_REPS_MAX });
            }
            let mut pool = HashSet::new();
            for rep in &rule.reps {
                if !pool.insert(*rep) {
                    return Err(SettingsError::DuplicateRep(*rep));
                }
                if !known.contains(rep) {
                    return Err(SettingsError::UnknownRep { rule: rule.name.clone(), rep: *rep });
                }
            }
        }
        Ok(AssignmentSettings { rules, reps })
    }

    pub fn rules(&self) -> &[AssignmentRule] {
        &self.rules
    }

    pub fn reps(&self) -> &[RepCapacity] {
        &self.reps
    }
}
