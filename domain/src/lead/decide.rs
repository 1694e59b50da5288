//! The lead's rules: who may do what, and which facts each command establishes.

use crate::actor::{Actor, Ownership, Role};
use crate::decider::Context;

use super::normalize::{
    company_domain, is_valid_email, is_valid_phone, normalize_email, normalize_key, normalize_phone,
};
use super::scoring::score;
use super::{
    ACTIVITIES_MAX, AdoptedFields, Company, Contact, Conversion, DuplicateData, Lead, LeadCommand,
    LeadError, LeadEvent, LeadState, MERGED_DUPLICATES_MAX, Source, Status, TEXT_BYTES_MAX,
};

pub(super) fn decide(
    state: &LeadState,
    command: &LeadCommand,
    context: &Context,
) -> Result<Vec<LeadEvent>, LeadError> {
    let lead = match (state, command) {
        (LeadState::NotCaptured, LeadCommand::Capture { .. }) => return capture(command, context),
        (LeadState::Captured(lead), LeadCommand::Capture { .. }) => {
            // A repeat of the command that captured it records nothing new.
            return if captured_by(lead, command, context) {
                Ok(vec![])
            } else {
                Err(LeadError::AlreadyCaptured(lead.id))
            };
        }
        (LeadState::NotCaptured, _) => return Err(LeadError::NotCaptured),
        (LeadState::Captured(lead), _) => lead,
    };
    let at = context.occurred_at;
    match command {
        LeadCommand::Capture { .. } => unreachable!("handled above"),
        LeadCommand::Assign { owner, team, rule } => {
            let ownership = Ownership { owner: *owner, team: *team };
            if !may_assign(&context.actor, lead.ownership, ownership) {
                return Err(LeadError::Forbidden { role: context.actor.role });
            }
            require_workable(lead)?;
            if let Some(rule) = rule {
                check_text("rule", rule)?;
            }
            if lead.ownership == Some(ownership) {
                return Ok(vec![]);
            }
            Ok(vec![LeadEvent::Assigned {
                ownership,
                previous: lead.ownership,
                rule: rule.clone(),
                at,
            }])
        }
        LeadCommand::LogActivity { kind, summary } => {
            authorize(&context.actor, lead)?;
            require_workable(lead)?;
            check_text("summary", summary)?;
            if lead.activities.total() >= ACTIVITIES_MAX {
                return Err(LeadError::Full("activities"));
            }
            let logged = LeadEvent::ActivityLogged {
                kind: *kind,
                summary: summary.clone(),
                by: context.actor.user,
                at,
            };
            Ok(with_rescore(state, logged, context))
        }
        LeadCommand::Qualify => {
            authorize(&context.actor, lead)?;
            if lead.status == Status::Qualified {
                return Ok(vec![]);
            }
            require_workable(lead)?;
            Ok(vec![LeadEvent::Qualified { at }])
        }
        LeadCommand::Disqualify { reason } => {
            authorize(&context.actor, lead)?;
            if lead.status == Status::Disqualified {
                return Ok(vec![]);
            }
            require_workable(lead)?;
            check_text("reason", reason)?;
            Ok(vec![LeadEvent::Disqualified { reason: reason.clone(), at }])
        }
        LeadCommand::Convert { customer, contact_id, opportunity_id } => {
            authorize(&context.actor, lead)?;
            let conversion = Conversion {
                customer: *customer,
                contact_id: *contact_id,
                opportunity_id: *opportunity_id,
            };
            if lead.conversion == Some(conversion) {
                // A repeat: the process manager already has these ids.
                return Ok(vec![]);
            }
            require_workable(lead)?;
            if lead.status != Status::Qualified {
                return Err(LeadError::NotQualified);
            }
            let ownership = lead.ownership.ok_or(LeadError::Unassigned)?;
            Ok(vec![LeadEvent::Converted {
                customer: *customer,
                contact_id: *contact_id,
                opportunity_id: *opportunity_id,
                contact: lead.contact.clone(),
                company: lead.company.clone(),
                ownership,
                at,
            }])
        }
        LeadCommand::AbsorbDuplicate { duplicate, data } => {
            authorize(&context.actor, lead)?;
            if *duplicate == lead.id {
                return Err(LeadError::SelfDuplicate);
            }
            if lead.merged_duplicates.contains(duplicate) {
                return Ok(vec![]);
            }
            require_workable(lead)?;
            if lead.merged_duplicates.len() >= MERGED_DUPLICATES_MAX {
                return Err(LeadError::Full("merged duplicates"));
            }
            let adopted = adopt(lead, data);
            if lead.activities.plus(adopted.activities).total() > ACTIVITIES_MAX {
                return Err(LeadError::Full("activities"));
            }
            let merged = LeadEvent::DuplicateMerged { duplicate: *duplicate, adopted, at };
            Ok(with_rescore(state, merged, context))
        }
        LeadCommand::MergeInto { survivor } => {
            authorize(&context.actor, lead)?;
            if *survivor == lead.id {
                return Err(LeadError::SelfDuplicate);
            }
            match lead.status {
                Status::Merged if lead.duplicate_of == Some(*survivor) => Ok(vec![]),
                Status::Merged | Status::Converted => Err(LeadError::Closed(lead.status)),
                Status::Open | Status::Duplicate | Status::Qualified | Status::Disqualified => {
                    Ok(vec![LeadEvent::MergedInto { survivor: *survivor, at }])
                }
            }
        }
    }
}

fn capture(command: &LeadCommand, context: &Context) -> Result<Vec<LeadEvent>, LeadError> {
    let LeadCommand::Capture { owner, duplicate_of, .. } = command else {
        unreachable!("only called with Capture")
    };
    let may_capture = match owner {
        Some(ownership) => context.actor.may_change_sales_record(*ownership),
        None => matches!(context.actor.role, Role::SalesRep | Role::SalesManager | Role::Admin),
    };
    if !may_capture {
        return Err(LeadError::Forbidden { role: context.actor.role });
    }
    let captured = captured_event(command, context)?;
    if let Some(survivor) = duplicate_of {
        // A duplicate is not scored or worked: it waits to be merged into its survivor.
        return Ok(vec![captured, LeadEvent::CapturedAsDuplicate { survivor: *survivor }]);
    }
    Ok(with_rescore(&LeadState::NotCaptured, captured, context))
}

/// Whether `command` (a `Capture`) asks for exactly the capture `lead` recorded: normalised the
/// same way, it gives the same facts, and names the same survivor if any. The lead's own fields
/// may have changed since (assignment, merges), so the facts are compared with `as_captured`.
fn captured_by(lead: &Lead, command: &LeadCommand, context: &Context) -> bool {
    let LeadCommand::Capture { duplicate_of, .. } = command else {
        unreachable!("only called with Capture")
    };
    let Ok(LeadEvent::Captured {
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
        at: _,
    }) = captured_event(command, context)
    else {
        return false;
    };
    let recorded = &lead.as_captured;
    lead_id == lead.id
        && channel == lead.channel
        && source == lead.source
        && scoring_model == lead.scoring_model
        && contact == recorded.contact
        && company == recorded.company
        && industry == recorded.industry
        && region == recorded.region
        && company_size == recorded.company_size
        && ownership == recorded.ownership
        && *duplicate_of == recorded.duplicate_of
}

/// The `Captured` event for `command`, with its contact and company data checked and
/// normalised; who may capture is checked by the caller.
fn captured_event(command: &LeadCommand, context: &Context) -> Result<LeadEvent, LeadError> {
    let LeadCommand::Capture {
        lead_id,
        channel,
        contact,
        company_name,
        website,
        industry,
        region,
        company_size,
        source,
        owner,
        duplicate_of,
        scoring_model,
    } = command
    else {
        unreachable!("only called with Capture")
    };
    if *duplicate_of == Some(*lead_id) {
        return Err(LeadError::SelfDuplicate);
    }
    check_text("name", &contact.name)?;
    let email = optional(contact.email.as_deref(), normalize_email);
    let phone = optional(contact.phone.as_deref(), normalize_phone);
    if let Some(email) = &email
        && !is_valid_email(email)
    {
        return Err(LeadError::InvalidEmail(email.chars().take(64).collect()));
    }
    if let Some(phone) = &phone
        && !is_valid_phone(phone)
    {
        return Err(LeadError::InvalidPhone(phone.chars().take(64).collect()));
    }
    if email.is_none() && phone.is_none() {
        return Err(LeadError::NoContactChannel);
    }
    check_optional("company name", company_name)?;
    check_optional("website", website)?;
    check_optional("industry", industry)?;
    check_optional("region", region)?;
    check_source(source)?;
    scoring_model.validate()?;
    let company = Company {
        name: optional(company_name.as_deref(), |name| name.trim().to_owned()),
        domain: company_domain(website.as_deref(), email.as_deref()),
    };
    Ok(LeadEvent::Captured {
        lead_id: *lead_id,
        channel: *channel,
        contact: Contact { name: contact.name.trim().to_owned(), email, phone },
        company,
        industry: optional(industry.as_deref(), normalize_key),
        region: optional(region.as_deref(), normalize_key),
        company_size: *company_size,
        source: source.clone(),
        ownership: *owner,
        scoring_model: scoring_model.clone(),
        at: context.occurred_at,
    })
}

/// `event`, followed by `Scored` when the lead's score after it differs from its score before
/// (always, on capture).
fn with_rescore(before: &LeadState, event: LeadEvent, context: &Context) -> Vec<LeadEvent> {
    let score_before = match before {
        LeadState::Captured(lead) => Some(&lead.score),
        LeadState::NotCaptured => None,
    };
    let LeadState::Captured(after) = super::evolve::evolve(before.clone(), &event) else {
        unreachable!("only Captured or an event on a captured lead is passed here")
    };
    let inputs = after.scoring_inputs();
    let score_after = score(&after.scoring_model, &inputs);
    if score_before == Some(&score_after) {
        return vec![event];
    }
    vec![event, LeadEvent::Scored { score: score_after, inputs, at: context.occurred_at }]
}

/// Only what the survivor lacks; its own data always wins.
fn adopt(lead: &Lead, data: &DuplicateData) -> AdoptedFields {
    let gap = |own: &Option<String>, theirs: &Option<String>| match own {
        Some(_) => None,
        None => theirs.clone(),
    };
    AdoptedFields {
        email: gap(&lead.contact.email, &data.contact.email),
        phone: gap(&lead.contact.phone, &data.contact.phone),
        company_name: gap(&lead.company.name, &data.company.name),
        company_domain: gap(&lead.company.domain, &data.company.domain),
        industry: gap(&lead.industry, &data.industry),
        region: gap(&lead.region, &data.region),
        company_size: if lead.company_size.is_some() { None } else { data.company_size },
        activities: data.activities,
    }
}

/// Reps act on their own leads, managers on their team's, admins on any. A lead in the
/// unassigned queue belongs to no rep or team, so only managers and admins act on it.
fn authorize(actor: &Actor, lead: &Lead) -> Result<(), LeadError> {
    let allowed = match lead.ownership {
        Some(ownership) => actor.may_change_sales_record(ownership),
        None => matches!(actor.role, Role::SalesManager | Role::Admin),
    };
    if allowed { Ok(()) } else { Err(LeadError::Forbidden { role: actor.role }) }
}

/// Managers assign their team's (or unassigned) leads within their team; admins, and the system
/// acting as admin, assign any lead to anyone. Reps do not assign.
fn may_assign(actor: &Actor, current: Option<Ownership>, next: Ownership) -> bool {
    match actor.role {
        Role::Admin => true,
        Role::SalesManager => {
            let own_team = |team| actor.team.is_some() && team == actor.team;
            current.is_none_or(|current| own_team(current.team)) && own_team(next.team)
        }
        Role::SalesRep | Role::Finance | Role::Auditor => false,
    }
}

/// Open and qualified leads are worked; the others say why not.
fn require_workable(lead: &Lead) -> Result<(), LeadError> {
    match lead.status {
        Status::Open | Status::Qualified => Ok(()),
        Status::Duplicate => Err(LeadError::AwaitingMerge {
            survivor: lead.duplicate_of.expect("a duplicate records its survivor"),
        }),
        closed => Err(LeadError::Closed(closed)),
    }
}

/// A present value, normalised; blank counts as absent.
fn optional(value: Option<&str>, normalize: fn(&str) -> String) -> Option<String> {
    value.map(normalize).filter(|value| !value.trim().is_empty())
}

fn check_text(field: &'static str, text: &str) -> Result<(), LeadError> {
    if text.trim().is_empty() || text.len() > TEXT_BYTES_MAX {
        return Err(LeadError::Text { field });
    }
    Ok(())
}

/// Absent and blank are fine (blank is recorded as absent); too long is not.
fn check_optional(field: &'static str, text: &Option<String>) -> Result<(), LeadError> {
    match text {
        Some(text) if text.len() > TEXT_BYTES_MAX => Err(LeadError::Text { field }),
        _ => Ok(()),
    }
}

fn check_source(source: &Source) -> Result<(), LeadError> {
    check_optional("utm_source", &source.utm_source)?;
    check_optional("utm_medium", &source.utm_medium)?;
    check_optional("utm_campaign", &source.utm_campaign)?;
    check_optional("utm_term", &source.utm_term)?;
    check_optional("utm_content", &source.utm_content)?;
    check_optional("referrer", &source.referrer)
}
