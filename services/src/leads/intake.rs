//! Lead intake: the shell's half of capturing a lead. Before a capture it looks the new lead's
//! normalised keys up in the [`LeadDirectory`] and names the survivor it duplicates; after it,
//! a lead that is not a duplicate and has no owner is given one by
//! [`assignment::assign`](ltc_domain::lead::assignment::assign) from the reps' loads and each
//! rule's rotation, all read from the log. It also merges a duplicate into its survivor.
//!
//! Intake is serialised by one lock around the directory. A capture to be assigned holds it from
//! the lookup until its assignment is in the log, so two assignments cannot both take a rep's
//! last free slot. A capture with nothing to assign (it names its owner, or duplicates a
//! survivor) holds it only for the lookup and claims its duplicate keys while its events are
//! made durable (`claims.rs`), so such captures share the store's group commit, and two
//! captures of the same person in one process still cannot both become survivors.
//!
//! **Limitation: one intake per log.** The lock is per process. Two processes capturing the same
//! person at the same moment each miss the other's lead, and both leads survive: they are
//! different streams, so the store's expected-version check does not see the race. The same
//! holds for a rep's cap and a rule's turn. Run one intake per tenant (other processes send it
//! their captures); a duplicate that slips through is still merged by hand with
//! [`LeadIntake::merge_at`]. Closing the gap in the store would take a stream per normalised key
//! that a capture claims with an expected version of "no stream".

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ltc_domain::actor::{Actor, Ownership, Role};
use ltc_domain::ids::{LeadId, TeamId, UserId};
use ltc_domain::lead::assignment::{AssignmentDecision, assign};
use ltc_domain::lead::normalize::duplicate_keys;
use ltc_domain::lead::scoring::ScoringModel;
use ltc_domain::lead::{
    Channel, CompanySize, Contact, DuplicateData, Lead, LeadCommand, LeadDecider, LeadError,
    LeadState, Source, Status,
};
use ltc_eventstore::{Clock, EventStore};
use tokio::sync::Mutex;

use super::claims::Claims;
use super::directory::{DirectoryError, LeadDirectory};
use super::settings::AssignmentSettings;
use crate::command::{CommandMeta, CommandPath, ExecuteError, Executed};
use crate::derived_id::derived_id;
use crate::process::SYSTEM_USER;

/// A lead as it arrives: everything of `LeadCommand::Capture` except what intake decides (the
/// survivor it duplicates) and configures (the scoring model).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureRequest {
    pub lead_id: LeadId,
    pub channel: Channel,
    pub contact: Contact,
    pub company_name: Option<String>,
    pub website: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub company_size: Option<CompanySize>,
    pub source: Source,
    /// An owner from the start, such as the rep who met the lead at an event.
    pub owner: Option<Ownership>,
}

/// Whether, and to whom, a captured lead went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// A duplicate is not worked: it waits to be merged into its survivor.
    Duplicate { survivor: LeadId },
    /// The lead already had an owner (given on capture, or assigned before).
    AlreadyOwned(Ownership),
    /// Assigned now by the named rule.
    Assigned { owner: UserId, team: Option<TeamId>, rule: String },
    /// No rule matches: the lead waits in the unassigned queue for a manager.
    NoMatchingRule,
    /// Every rep of every matching rule is at their cap or away: the lead waits in the queue.
    AllAtCapacity,
    /// The lead is closed (converted, disqualified, merged): nothing to assign.
    Closed(Status),
}

/// What a capture did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    pub lead_id: LeadId,
    /// The survivor the lead was recorded as duplicating, read back from the log (so a retried
    /// capture reports what the first one recorded).
    pub duplicate_of: Option<LeadId>,
    /// What the capture command itself did.
    pub capture: Executed,
    pub assignment: Assignment,
}

/// What a merge did: false where the step had already been done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub absorbed_now: bool,
    pub merged_now: bool,
    /// What the command that closed the duplicate did.
    pub merge_into: Executed,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// A lead command was refused or failed; see the inner error for what the caller does.
    #[error(transparent)]
    Lead(#[from] ExecuteError<LeadError>),
    /// The directory could not read the log: retry once the store is healthy.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// The command names a lead that was never captured.
    #[error("lead {0} has not been captured")]
    UnknownLead(LeadId),
}

#[derive(Debug)]
pub struct LeadIntake {
    store: EventStore,
    leads: Arc<CommandPath<LeadDecider>>,
    clock: Arc<dyn Clock>,
    settings: AssignmentSettings,
    scoring_model: ScoringModel,
    directory: Mutex<LeadDirectory>,
    claims: Claims,
}

impl LeadIntake {
    /// An intake over `store`. Its directory starts empty and reads the log on first use, so
    /// building one does no I/O; the first capture after a restart reads every event once.
    pub fn new(
        store: EventStore,
        leads: Arc<CommandPath<LeadDecider>>,
        clock: Arc<dyn Clock>,
        settings: AssignmentSettings,
        scoring_model: ScoringModel,
    ) -> LeadIntake {
        LeadIntake {
            store,
            leads,
            clock,
            settings,
            scoring_model,
            directory: Mutex::new(LeadDirectory::new()),
            claims: Claims::default(),
        }
    }

    /// A copy of the directory, caught up with the log.
    pub async fn directory(&self) -> Result<LeadDirectory, IntakeError> {
        let mut directory = self.directory.lock().await;
        directory.catch_up(&self.store)?;
        Ok(directory.clone())
    }

    /// [`LeadIntake::capture_at`] now, by the intake's clock.
    pub async fn capture(
        &self,
        request: &CaptureRequest,
        meta: &CommandMeta,
    ) -> Result<Captured, IntakeError> {
        self.capture_at(request, meta, self.clock.now()).await
    }

    /// Captures the lead as a duplicate of the open lead with the same email, phone or company
    /// domain and name, if there is one; else as a new lead, then assigns it if it has no owner.
    /// The assignment is a command of its own, sent by the system user with an id derived from
    /// `meta.command_id`, so retrying the capture with the same `meta` assigns at most once.
    pub async fn capture_at(
        &self,
        request: &CaptureRequest,
        meta: &CommandMeta,
        at: DateTime<Utc>,
    ) -> Result<Captured, IntakeError> {
        let keys = duplicate_keys(
            request.contact.email.as_deref(),
            request.contact.phone.as_deref(),
            request.company_name.as_deref(),
            request.website.as_deref(),
        );
        let mut directory = loop {
            let mut directory = self.directory.lock().await;
            // The claims before the log: a capture in flight ends without the lock, so one that
            // ends between the two is either still among these claims (and waited for) or in
            // the log the catch-up reads. The other order can miss it in both.
            let in_flight = self.claims.conflict(&keys);
            directory.catch_up(&self.store)?;
            let known = directory.status_of(request.lead_id).is_some();
            match in_flight {
                // Someone else's capture of these keys is in flight: once it ends its lead is
                // in the log (or it failed), so look again then.
                Some(hold) if !known && directory.survivor_for(&keys).is_none() => {
                    drop(directory);
                    drop(hold.lock().await);
                }
                _ => break directory,
            }
        };
        // A lead already captured (a retry under a new command id) is not looked up, which would
        // find itself: the repeat names the survivor the capture named, so it matches it.
        let duplicate_of = match directory.status_of(request.lead_id) {
            Some(_) => directory.captured_as_duplicate_of(request.lead_id),
            None => directory.survivor_for(&keys),
        };
        let command = LeadCommand::Capture {
            lead_id: request.lead_id,
            channel: request.channel,
            contact: request.contact.clone(),
            company_name: request.company_name.clone(),
            website: request.website.clone(),
            industry: request.industry.clone(),
            region: request.region.clone(),
            company_size: request.company_size,
            source: request.source.clone(),
            owner: request.owner,
            duplicate_of,
            scoring_model: self.scoring_model.clone(),
        };
        if duplicate_of.is_some() || request.owner.is_some() {
            // Nothing to assign: the lock goes before the append, the keys stay claimed.
            let claim = self.claims.claim(&keys);
            drop(directory);
            let capture = self.leads.execute_at(request.lead_id.0, &command, meta, at).await;
            drop(claim);
            let capture = capture?;
            let lead = self.lead(request.lead_id)?;
            if let Some(assignment) = settled_assignment(&lead) {
                let duplicate_of = lead.duplicate_of;
                return Ok(Captured {
                    lead_id: request.lead_id,
                    duplicate_of,
                    capture,
                    assignment,
                });
            }
            // A retry of a lead captured earlier without an owner: assign it as below.
            let mut directory = self.directory.lock().await;
            directory.catch_up(&self.store)?;
            let assign_meta = system_meta(meta, "lead-intake/assign");
            let assignment =
                self.assign_locked(&mut directory, request.lead_id, &assign_meta, at).await?;
            let duplicate_of = directory.captured_as_duplicate_of(request.lead_id);
            return Ok(Captured { lead_id: request.lead_id, duplicate_of, capture, assignment });
        }
        // To be assigned: the lock is held until the assignment is in the log, so two leads
        // cannot both take a rep's last free slot or the same turn of a rule.
        let capture = self.leads.execute_at(request.lead_id.0, &command, meta, at).await?;
        directory.catch_up(&self.store)?;
        let assign_meta = system_meta(meta, "lead-intake/assign");
        let assignment =
            self.assign_locked(&mut directory, request.lead_id, &assign_meta, at).await?;
        let duplicate_of = directory.captured_as_duplicate_of(request.lead_id);
        Ok(Captured { lead_id: request.lead_id, duplicate_of, capture, assignment })
    }

    /// Assigns an open lead that has no owner by the rules, as the system user with `meta`'s
    /// command id: for leads that waited in the queue while every rep was at their cap.
    pub async fn assign_at(
        &self,
        lead_id: LeadId,
        meta: &CommandMeta,
        at: DateTime<Utc>,
    ) -> Result<Assignment, IntakeError> {
        let mut directory = self.directory.lock().await;
        directory.catch_up(&self.store)?;
        let meta = CommandMeta { actor: system_actor(), ..meta.clone() };
        self.assign_locked(&mut directory, lead_id, &meta, at).await
    }

    /// Merges `duplicate` into `survivor` as `meta.actor`: first the survivor absorbs the
    /// duplicate's data (read from the duplicate's stream), then the duplicate is closed as merged.
    /// The two commands' ids derive from `meta.command_id`, and both steps are idempotent, so a
    /// merge that failed between them is completed by retrying it with the same `meta`.
    pub async fn merge_at(
        &self,
        duplicate: LeadId,
        survivor: LeadId,
        meta: &CommandMeta,
        at: DateTime<Utc>,
    ) -> Result<Merged, IntakeError> {
        let mut directory = self.directory.lock().await;
        let lead = self.lead(duplicate)?;
        let data = DuplicateData {
            contact: lead.contact.clone(),
            company: lead.company.clone(),
            industry: lead.industry.clone(),
            region: lead.region.clone(),
            company_size: lead.company_size,
            activities: lead.activities,
        };
        let absorb = LeadCommand::AbsorbDuplicate { duplicate, data };
        let absorb_meta = derived_meta(meta, "lead-intake/absorb");
        let absorbed = self.leads.execute_at(survivor.0, &absorb, &absorb_meta, at).await?;
        let merge = LeadCommand::MergeInto { survivor };
        let merge_meta = derived_meta(meta, "lead-intake/merge-into");
        let merged = self.leads.execute_at(duplicate.0, &merge, &merge_meta, at).await?;
        directory.catch_up(&self.store)?;
        Ok(Merged {
            absorbed_now: absorbed.appended_now(),
            merged_now: merged.appended_now(),
            merge_into: merged,
        })
    }

    async fn assign_locked(
        &self,
        directory: &mut LeadDirectory,
        lead_id: LeadId,
        meta: &CommandMeta,
        at: DateTime<Utc>,
    ) -> Result<Assignment, IntakeError> {
        let lead = self.lead(lead_id)?;
        if let Some(settled) = settled_assignment(&lead) {
            return Ok(settled);
        }
        let candidates = directory.candidates(&self.settings);
        // The decision's `next_cursor` is not kept: the `LeadAssigned` event this sends records
        // the rule and the rep, and the directory reads the cursor back from it.
        match assign(&lead, self.settings.rules(), &candidates, directory.cursor()) {
            AssignmentDecision::Assign { owner, team, rule, .. } => {
                let command = LeadCommand::Assign { owner, team, rule: Some(rule.clone()) };
                self.leads.execute_at(lead_id.0, &command, meta, at).await?;
                directory.catch_up(&self.store)?;
                Ok(Assignment::Assigned { owner, team, rule })
            }
            AssignmentDecision::NoMatchingRule => Ok(Assignment::NoMatchingRule),
            AssignmentDecision::AllAtCapacity => Ok(Assignment::AllAtCapacity),
        }
    }

    fn lead(&self, lead_id: LeadId) -> Result<Box<Lead>, IntakeError> {
        match self.leads.state_of(lead_id.0)? {
            LeadState::Captured(lead) => Ok(lead),
            LeadState::NotCaptured => Err(IntakeError::UnknownLead(lead_id)),
        }
    }
}

/// What a lead's assignment already is, if nothing is left to decide: a duplicate or a closed
/// lead is not assigned, an owned one keeps its owner.
fn settled_assignment(lead: &Lead) -> Option<Assignment> {
    match lead.status {
        Status::Duplicate => {
            let survivor = lead.duplicate_of.expect("a duplicate records its survivor");
            return Some(Assignment::Duplicate { survivor });
        }
        Status::Open | Status::Qualified => {}
        closed @ (Status::Disqualified | Status::Converted | Status::Merged) => {
            return Some(Assignment::Closed(closed));
        }
    }
    lead.ownership.map(Assignment::AlreadyOwned)
}

/// Automation assigns as an admin: it carries out the configured rules, which no rep may do and
/// which reach beyond any one manager's team.
fn system_actor() -> Actor {
    Actor { user: SYSTEM_USER, role: Role::Admin, team: None }
}

/// The meta of a command that `meta`'s command causes, as `meta`'s actor.
fn derived_meta(meta: &CommandMeta, step: &str) -> CommandMeta {
    CommandMeta {
        command_id: derived_id(meta.command_id, step.as_bytes()),
        causation_id: Some(meta.command_id),
        // The client's optimistic check is about the stream it named, never a derived one.
        expected_version: None,
        ..meta.clone()
    }
}

/// [`derived_meta`], sent by the system user.
fn system_meta(meta: &CommandMeta, step: &str) -> CommandMeta {
    CommandMeta { actor: system_actor(), ..derived_meta(meta, step) }
}
