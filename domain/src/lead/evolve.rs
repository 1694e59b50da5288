//! The lead's state and how each fact changes it. Only records: every rule is in `decide`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::Ownership;
use crate::ids::LeadId;

use super::scoring::{Score, ScoringInputs, ScoringModel};
use super::{
    ActivityTally, Channel, Company, CompanySize, Contact, ContactId, ConvertTo, LeadEvent, Source,
};
use crate::ids::OpportunityId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Captured and being worked (assigned or not).
    Open,
    /// Captured as a duplicate of `Lead::duplicate_of`, waiting to be merged into it.
    Duplicate,
    Qualified,
    Disqualified,
    Converted,
    Merged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lead {
    pub id: LeadId,
    pub channel: Channel,
    /// Normalised email and phone.
    pub contact: Contact,
    /// Normalised domain.
    pub company: Company,
    /// Normalised keys.
    pub industry: Option<String>,
    pub region: Option<String>,
    pub company_size: Option<CompanySize>,
    pub source: Source,
    /// `None` while the lead waits in the unassigned queue.
    pub ownership: Option<Ownership>,
    pub status: Status,
    pub scoring_model: ScoringModel,
    pub score: Score,
    pub activities: ActivityTally,
    /// The survivor this lead duplicates or was merged into.
    pub duplicate_of: Option<LeadId>,
    /// The duplicates this lead has absorbed, in order.
    pub merged_duplicates: Vec<LeadId>,
    /// What a converted lead became.
    pub conversion: Option<Conversion>,
    /// The facts of the capture that later events may change, kept so that a repeated
    /// `Capture` can be told from another one.
    pub as_captured: AsCaptured,
    pub captured_at: DateTime<Utc>,
}

/// A lead's contact, company, owner and survivor as captured, before any assignment or merge.
/// (Channel, source and scoring model never change, so the lead's own fields serve.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsCaptured {
    pub contact: Contact,
    pub company: Company,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub company_size: Option<CompanySize>,
    pub ownership: Option<Ownership>,
    /// The survivor named at capture (`CapturedAsDuplicate`), not one merged into later.
    pub duplicate_of: Option<LeadId>,
}

/// The customer, contact and opportunity a lead was converted into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversion {
    pub customer: ConvertTo,
    pub contact_id: ContactId,
    pub opportunity_id: OpportunityId,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeadState {
    #[default]
    NotCaptured,
    /// Boxed: a lead is large, and the state is moved once per event on replay.
    Captured(Box<Lead>),
}

impl Lead {
    /// The facts the lead is scored on now.
    pub fn scoring_inputs(&self) -> ScoringInputs {
        let known = [
            self.contact.email.is_some(),
            self.contact.phone.is_some(),
            self.company.name.is_some(),
            self.company.domain.is_some(),
            self.industry.is_some(),
            self.region.is_some(),
            self.company_size.is_some(),
        ];
        ScoringInputs {
            channel: self.channel,
            industry_fit: self.scoring_model.industry_fit(self.industry.as_deref()),
            company_size: self.company_size,
            fields_known: known.iter().map(|&is_known| u32::from(is_known)).sum(),
            activities: self.activities,
        }
    }
}

pub(super) fn evolve(state: LeadState, event: &LeadEvent) -> LeadState {
    let lead = match (state, event) {
        (
            LeadState::NotCaptured,
            LeadEvent::Captured {
                lead_id,
                channel,
                contact,
                company,
                industry,
                region,
                company_size,
                source,
                ownership,
                scoring_model,
                at,
            },
        ) => {
            return LeadState::Captured(Box::new(Lead {
                id: *lead_id,
                channel: *channel,
                contact: contact.clone(),
                company: company.clone(),
                industry: industry.clone(),
                region: region.clone(),
                company_size: *company_size,
                source: source.clone(),
                ownership: *ownership,
                status: Status::Open,
                scoring_model: scoring_model.clone(),
                score: Score::default(),
                activities: ActivityTally::default(),
                duplicate_of: None,
                merged_duplicates: Vec::new(),
                conversion: None,
                as_captured: AsCaptured {
                    contact: contact.clone(),
                    company: company.clone(),
                    industry: industry.clone(),
                    region: region.clone(),
                    company_size: *company_size,
                    ownership: *ownership,
                    duplicate_of: None,
                },
                captured_at: *at,
            }));
        }
        (LeadState::Captured(lead), _) => lead,
        (LeadState::NotCaptured, _) => {
            unreachable!("every lead stream starts with Captured; decide emits nothing else first")
        }
    };
    LeadState::Captured(Box::new(record(*lead, event)))
}

fn record(mut lead: Lead, event: &LeadEvent) -> Lead {
    match event {
        LeadEvent::Captured { .. } => unreachable!("Captured is only ever the first event"),
        LeadEvent::CapturedAsDuplicate { survivor } => {
            lead.status = Status::Duplicate;
            lead.duplicate_of = Some(*survivor);
            lead.as_captured.duplicate_of = Some(*survivor);
        }
        LeadEvent::Scored { score, .. } => lead.score = score.clone(),
        LeadEvent::Assigned { ownership, .. } => lead.ownership = Some(*ownership),
        LeadEvent::ActivityLogged { kind, .. } => {
            lead.activities = lead.activities.plus(super::ActivityTally::one(*kind));
        }
        LeadEvent::Qualified { .. } => lead.status = Status::Qualified,
        LeadEvent::Disqualified { .. } => lead.status = Status::Disqualified,
        LeadEvent::Converted { customer, contact_id, opportunity_id, .. } => {
            lead.status = Status::Converted;
            lead.conversion = Some(Conversion {
                customer: *customer,
                contact_id: *contact_id,
                opportunity_id: *opportunity_id,
            });
        }
        LeadEvent::DuplicateMerged { duplicate, adopted, .. } => {
            lead.merged_duplicates.push(*duplicate);
            let fill = |field: &mut Option<String>, adopted: &Option<String>| {
                if adopted.is_some() {
                    field.clone_from(adopted);
                }
            };
            fill(&mut lead.contact.email, &adopted.email);
            fill(&mut lead.contact.phone, &adopted.phone);
            fill(&mut lead.company.name, &adopted.company_name);
            fill(&mut lead.company.domain, &adopted.company_domain);
            fill(&mut lead.industry, &adopted.industry);
            fill(&mut lead.region, &adopted.region);
            lead.company_size = adopted.company_size.or(lead.company_size);
            lead.activities = lead.activities.plus(adopted.activities);
        }
        LeadEvent::MergedInto { survivor, .. } => {
            lead.status = Status::Merged;
            lead.duplicate_of = Some(*survivor);
        }
    }
    lead
}
