//! Lead: a possible buyer from first contact until it is converted into a customer, contact and
//! opportunity, disqualified, or merged into the lead it duplicates.
//!
//! What needs facts from other streams is decided by the shell and passed in: the survivor a new
//! lead duplicates (`Capture::duplicate_of`, found with the keys of [`normalize`]), the owner
//! chosen by [`assignment::assign`] from the reps' loads and the rotation, the duplicate's data
//! when merging, and the customer, contact and opportunity ids on conversion.
//!
//! A merge is two commands on two streams. The shell sends [`LeadCommand::AbsorbDuplicate`],
//! carrying the duplicate's data, to the survivor, which records `DuplicateMerged` with the fields
//! it adopted; then [`LeadCommand::MergeInto`] to the duplicate, which records `MergedInto` and is
//! closed. Both are idempotent, so a shell that fails between the two retries both safely.

pub mod assignment;
mod decide;
mod evolve;
pub mod normalize;
pub mod scoring;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::actor::{Ownership, Role};
use crate::decider::{Context, Decider};
use crate::ids::{CustomerId, LeadId, OpportunityId, TeamId, UserId};

pub use evolve::{AsCaptured, Conversion, Lead, LeadState, Status};
use scoring::{Score, ScoringInputs, ScoringModel, ScoringModelError};

/// The longest name, reason, note, industry, region or source field, in bytes.
pub const TEXT_BYTES_MAX: usize = 256;
/// The most activities one lead may have; beyond that the lead is stale data, not a lead.
pub const ACTIVITIES_MAX: u32 = 10_000;
/// The most duplicates one survivor may absorb.
pub const MERGED_DUPLICATES_MAX: usize = 256;

pub use crate::ids::ContactId;

/// Where a lead came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    WebForm,
    Email,
    Event,
    Social,
    Referral,
    Phone,
    Import,
    Api,
}

/// Company size by employees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompanySize {
    /// 1 to 9.
    Micro,
    /// 10 to 49.
    Small,
    /// 50 to 249.
    Medium,
    /// 250 to 999.
    Large,
    /// 1,000 and more.
    Enterprise,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Call,
    Email,
    Meeting,
    Note,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 4] =
        [ActivityKind::Call, ActivityKind::Email, ActivityKind::Meeting, ActivityKind::Note];
}

/// How many activities of each kind a lead has had.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct ActivityTally {
    pub calls: u32,
    pub emails: u32,
    pub meetings: u32,
    pub notes: u32,
}

impl ActivityTally {
    pub fn of(&self, kind: ActivityKind) -> u32 {
        match kind {
            ActivityKind::Call => self.calls,
            ActivityKind::Email => self.emails,
            ActivityKind::Meeting => self.meetings,
            ActivityKind::Note => self.notes,
        }
    }

    pub fn total(&self) -> u32 {
        ActivityKind::ALL.iter().map(|&kind| self.of(kind)).fold(0, u32::saturating_add)
    }

    /// Both tallies added, saturating (decide bounds the total by [`ACTIVITIES_MAX`]).
    pub fn plus(self, other: ActivityTally) -> ActivityTally {
        ActivityTally {
            calls: self.calls.saturating_add(other.calls),
            emails: self.emails.saturating_add(other.emails),
            meetings: self.meetings.saturating_add(other.meetings),
            notes: self.notes.saturating_add(other.notes),
        }
    }

    pub fn one(kind: ActivityKind) -> ActivityTally {
        let mut tally = ActivityTally::default();
        match kind {
            ActivityKind::Call => tally.calls = 1,
            ActivityKind::Email => tally.emails = 1,
            ActivityKind::Meeting => tally.meetings = 1,
            ActivityKind::Note => tally.notes = 1,
        }
        tally
    }
}

/// The person, as captured (raw) or as recorded (normalised).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct Contact {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The company: in a command `website` may be any URL; recorded, `domain` is normalised and
/// falls back to the email's domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct Company {
    pub name: Option<String>,
    pub domain: Option<String>,
}

/// Campaign attribution, as given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct Source {
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
    pub referrer: Option<String>,
}

/// The customer a lead converts into: one the shell will create, or one that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConvertTo {
    NewCustomer(CustomerId),
    ExistingCustomer(CustomerId),
}

/// A duplicate's data, as the shell read it from the duplicate's stream for a merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct DuplicateData {
    pub contact: Contact,
    pub company: Company,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub company_size: Option<CompanySize>,
    pub activities: ActivityTally,
}

/// What a survivor took from a duplicate: only what it lacked; its own data always wins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct AdoptedFields {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    pub company_domain: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub company_size: Option<CompanySize>,
    /// The duplicate's activities, added to the survivor's.
    pub activities: ActivityTally,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
// Built once per command and then serialised: boxing the capture would only add noise.
#[allow(clippy::large_enum_variant, reason = "built once, then serialised")]
pub enum LeadCommand {
    Capture {
        lead_id: LeadId,
        channel: Channel,
        contact: Contact,
        company_name: Option<String>,
        /// A website or URL; without one, the company domain comes from the email.
        website: Option<String>,
        industry: Option<String>,
        region: Option<String>,
        company_size: Option<CompanySize>,
        source: Source,
        /// An owner from the start, such as the rep who met the lead at an event.
        owner: Option<Ownership>,
        /// The existing lead the shell found with the same normalised keys.
        duplicate_of: Option<LeadId>,
        scoring_model: ScoringModel,
    },
    /// The owner chosen by hand or by [`assignment::assign`] (then `rule` names the rule).
    Assign {
        owner: UserId,
        team: Option<TeamId>,
        rule: Option<String>,
    },
    LogActivity {
        kind: ActivityKind,
        summary: String,
    },
    Qualify,
    Disqualify {
        reason: String,
    },
    Convert {
        customer: ConvertTo,
        contact_id: ContactId,
        opportunity_id: OpportunityId,
    },
    /// To the survivor, first: fold in this duplicate's data (the shell reads it from the
    /// duplicate's stream). The survivor must be open or qualified.
    AbsorbDuplicate {
        duplicate: LeadId,
        data: DuplicateData,
    },
    /// To the duplicate: it now lives on in `survivor`. Any lead not yet converted or merged may
    /// be merged, so a manager can also merge two leads the capture lookup did not match.
    MergeInto {
        survivor: LeadId,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
// Built once per decision and then serialised: boxing the capture would only add noise.
#[allow(clippy::large_enum_variant, reason = "built once, then serialised")]
pub enum LeadEvent {
    /// Contact and company data normalised.
    Captured {
        lead_id: LeadId,
        channel: Channel,
        contact: Contact,
        company: Company,
        industry: Option<String>,
        region: Option<String>,
        company_size: Option<CompanySize>,
        source: Source,
        ownership: Option<Ownership>,
        scoring_model: ScoringModel,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    CapturedAsDuplicate {
        survivor: LeadId,
    },
    Scored {
        score: Score,
        inputs: ScoringInputs,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    Assigned {
        ownership: Ownership,
        previous: Option<Ownership>,
        rule: Option<String>,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    ActivityLogged {
        kind: ActivityKind,
        summary: String,
        by: UserId,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    Qualified {
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    Disqualified {
        reason: String,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    /// The process manager creates (or links) the customer, the contact and the opportunity.
    Converted {
        customer: ConvertTo,
        contact_id: ContactId,
        opportunity_id: OpportunityId,
        contact: Contact,
        company: Company,
        ownership: Ownership,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    DuplicateMerged {
        duplicate: LeadId,
        adopted: AdoptedFields,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    MergedInto {
        survivor: LeadId,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
}

impl LeadEvent {
    /// The event's name in the store and on the wire.
    pub fn event_type(&self) -> &'static str {
        match self {
            LeadEvent::Captured { .. } => "LeadCaptured",
            LeadEvent::CapturedAsDuplicate { .. } => "LeadCapturedAsDuplicate",
            LeadEvent::Scored { .. } => "LeadScored",
            LeadEvent::Assigned { .. } => "LeadAssigned",
            LeadEvent::ActivityLogged { .. } => "LeadActivityLogged",
            LeadEvent::Qualified { .. } => "LeadQualified",
            LeadEvent::Disqualified { .. } => "LeadDisqualified",
            LeadEvent::Converted { .. } => "LeadConverted",
            LeadEvent::DuplicateMerged { .. } => "LeadDuplicateMerged",
            LeadEvent::MergedInto { .. } => "LeadMergedInto",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum LeadError {
    /// The command needs a captured lead: capture it first.
    #[error("the lead has not been captured")]
    NotCaptured,
    /// This stream already holds a lead, under another id or captured with other details:
    /// capture a new lead under its own id, or resend the original exactly.
    #[error("lead {0} is already captured")]
    AlreadyCaptured(LeadId),
    /// Outside the actor's role: nothing is recorded.
    #[error("a {role:?} may not do this to this lead")]
    Forbidden { role: Role },
    /// Fix the field: empty, or longer than [`TEXT_BYTES_MAX`].
    #[error("{field} must be 1 to {TEXT_BYTES_MAX} bytes")]
    Text { field: &'static str },
    #[error("{0:?} is not an email address")]
    InvalidEmail(String),
    #[error("{0:?} is not a phone number")]
    InvalidPhone(String),
    /// A lead needs an email or a phone number to be worked.
    #[error("the lead has neither an email nor a phone number")]
    NoContactChannel,
    /// The shell's duplicate lookup found the lead itself: a shell bug, or a repeated id.
    #[error("a lead cannot duplicate or merge with itself")]
    SelfDuplicate,
    #[error("invalid scoring model: {0}")]
    ScoringModel(#[from] ScoringModelError),
    /// Merge this duplicate into its survivor instead of working it.
    #[error("the lead duplicates {survivor}: merge it first")]
    AwaitingMerge { survivor: LeadId },
    /// Converted, merged and disqualified leads change no more; work the customer or survivor.
    #[error("the lead is {0:?} and cannot change")]
    Closed(Status),
    /// Qualify the lead before converting it.
    #[error("only a qualified lead can be converted")]
    NotQualified,
    /// Assign the lead before converting it: the opportunity needs an owner.
    #[error("the lead has no owner")]
    Unassigned,
    /// The lead has [`ACTIVITIES_MAX`] activities, or the survivor [`MERGED_DUPLICATES_MAX`]
    /// duplicates: clean the data up instead.
    #[error("the lead has too many {0}")]
    Full(&'static str),
}

/// The lead decider.
#[derive(Debug)]
pub enum LeadDecider {}

impl Decider for LeadDecider {
    type Command = LeadCommand;
    type Event = LeadEvent;
    type State = LeadState;
    type Error = LeadError;

    fn decide(
        state: &LeadState,
        command: &LeadCommand,
        context: &Context,
    ) -> Result<Vec<LeadEvent>, LeadError> {
        decide::decide(state, command, context)
    }

    fn evolve(state: LeadState, event: &LeadEvent) -> LeadState {
        evolve::evolve(state, event)
    }

    /// Converted and merged leads live on elsewhere; nothing changes them again.
    fn is_terminal(state: &LeadState) -> bool {
        matches!(
            state,
            LeadState::Captured(lead) if matches!(lead.status, Status::Converted | Status::Merged)
        )
    }
}
