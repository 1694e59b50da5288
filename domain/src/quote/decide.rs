//! The quote's rules: who may do what, in which status, and which facts each command
//! establishes. Pricing itself is the pure [`super::pricing`] function; this file decides when
//! it runs and what is recorded.

use chrono::NaiveDate;

use super::{
    ApprovalBasis, ApprovalPolicy, ID_BYTES_MAX, LineInput, PricingData, PricingTerms,
    QUOTE_VERSIONS_MAX, Quote, QuoteCommand, QuoteError, QuoteEvent, QuoteState, Status,
    TEXT_BYTES_MAX, price_quote,
};
use crate::actor::{Ownership, Role};
use crate::decider::Context;

pub(super) fn decide(
    state: &QuoteState,
    command: &QuoteCommand,
    context: &Context,
) -> Result<Vec<QuoteEvent>, QuoteError> {
    let quote = match (state, command) {
        (QuoteState::NotCreated, QuoteCommand::Create { .. }) => return create(command, context),
        (QuoteState::Created(quote), QuoteCommand::Create { .. }) => {
            return if created_by(quote, command) {
                // A repeat of the command that created it: nothing new to record.
                Ok(vec![])
            } else {
                Err(QuoteError::AlreadyCreated(quote.id))
            };
        }
        (QuoteState::NotCreated, _) => return Err(QuoteError::NotCreated),
        (QuoteState::Created(quote), _) => quote,
    };
    authorize(quote, command, context)?;
    let current = quote.current();
    let (version, status, at) = (current.number, current.status, context.occurred_at);
    match (status, command) {
        (Status::Accepted, QuoteCommand::Accept { .. })
        | (Status::Declined, QuoteCommand::Decline { .. }) => return Ok(vec![]),
        (Status::Accepted, _) => return Err(QuoteError::AlreadyAccepted(quote.id)),
        (Status::Declined, _) => return Err(QuoteError::AlreadyDeclined(quote.id)),
        _ => {}
    }
    match command {
        QuoteCommand::Create { .. } => unreachable!("handled above"),
        QuoteCommand::Revise { terms, valid_until, lines, pricing } => {
            if version >= QUOTE_VERSIONS_MAX {
                return Err(QuoteError::TooManyVersions);
            }
            let (priced, catalog_version) = price(terms, *valid_until, lines, pricing)?;
            Ok(vec![QuoteEvent::Revised {
                version: version + 1,
                supersedes: version,
                terms: terms.clone(),
                valid_until: *valid_until,
                catalog_version,
                lines: priced.lines,
                total: priced.total,
                at,
            }])
        }
        QuoteCommand::Submit { policy } => match status {
            Status::PendingApproval | Status::Approved => Ok(vec![]),
            Status::Draft => submit(quote, policy, context),
            other => Err(QuoteError::NotDraft(other)),
        },
        QuoteCommand::Approve => match status {
            Status::Approved => Ok(vec![]),
            Status::PendingApproval if current.submitted_by == Some(context.actor.user) => {
                Err(QuoteError::SelfApproval)
            }
            Status::PendingApproval => Ok(vec![QuoteEvent::Approved {
                version,
                by: context.actor.user,
                basis: ApprovalBasis::ByApprover,
                at,
            }]),
            other => Err(QuoteError::NotPendingApproval(other)),
        },
        QuoteCommand::RejectApproval { reason } => match status {
            Status::ApprovalRejected => Ok(vec![]),
            Status::PendingApproval if current.submitted_by == Some(context.actor.user) => {
                Err(QuoteError::SelfApproval)
            }
            Status::PendingApproval => {
                check_text("reason", reason)?;
                Ok(vec![QuoteEvent::ApprovalRejected {
                    version,
                    by: context.actor.user,
                    reason: reason.clone(),
                    at,
                }])
            }
            other => Err(QuoteError::NotPendingApproval(other)),
        },
        QuoteCommand::Send { on } => match status {
            Status::Sent => Ok(vec![]),
            Status::Approved => {
                check_not_expired(quote, *on)?;
                Ok(vec![QuoteEvent::Sent { version, on: *on, at }])
            }
            other => Err(QuoteError::NotApproved(other)),
        },
        QuoteCommand::Accept { on, opportunity_has_accepted_quote } => {
            if status != Status::Sent {
                return Err(QuoteError::NotSent(status));
            }
            if let Some(other) = opportunity_has_accepted_quote.filter(|other| *other != quote.id) {
                return Err(QuoteError::OpportunityHasAcceptedQuote(other));
            }
            check_not_expired(quote, *on)?;
            Ok(vec![QuoteEvent::Accepted {
                version,
                opportunity_id: quote.opportunity_id,
                total: current.total,
                on: *on,
                at,
            }])
        }
        QuoteCommand::Decline { reason } => {
            if status != Status::Sent {
                return Err(QuoteError::NotSent(status));
            }
            check_text("reason", reason)?;
            Ok(vec![QuoteEvent::Declined { version, reason: reason.clone(), at }])
        }
    }
}

fn create(command: &QuoteCommand, context: &Context) -> Result<Vec<QuoteEvent>, QuoteError> {
    let QuoteCommand::Create {
        quote_id,
        opportunity_id,
        customer_id,
        owner,
        team,
        terms,
        valid_until,
        lines,
        pricing,
    } = command
    else {
        unreachable!("only called with Create")
    };
    let ownership = Ownership { owner: *owner, team: *team };
    if !context.actor.may_change_sales_record(ownership) {
        return Err(QuoteError::Forbidden { role: context.actor.role });
    }
    let (priced, catalog_version) = price(terms, *valid_until, lines, pricing)?;
    Ok(vec![QuoteEvent::Created {
        quote_id: *quote_id,
        opportunity_id: *opportunity_id,
        customer_id: *customer_id,
        ownership,
        version: 1,
        terms: terms.clone(),
        valid_until: *valid_until,
        catalog_version,
        lines: priced.lines,
        total: priced.total,
        at: context.occurred_at,
    }])
}

/// Whether `command` (a `Create`) asks for exactly the quote's first version as recorded: the
/// same id, opportunity, customer and owner, and the same terms priced to the same lines and
/// total from the same catalog. Pricing is a pure function, so pricing the command again tells
/// whether it is a repeat; pricing data that would price differently makes it another quote.
fn created_by(quote: &Quote, command: &QuoteCommand) -> bool {
    let QuoteCommand::Create {
        quote_id,
        opportunity_id,
        customer_id,
        owner,
        team,
        terms,
        valid_until,
        lines,
        pricing,
    } = command
    else {
        unreachable!("only called with Create")
    };
    let header =
        (*quote_id, *opportunity_id, *customer_id, Ownership { owner: *owner, team: *team });
    if header != (quote.id, quote.opportunity_id, quote.customer_id, quote.ownership) {
        return false;
    }
    // Revisions only push versions: the first one is always the one created.
    let first = &quote.versions[0];
    match price(terms, *valid_until, lines, pricing) {
        Ok((priced, catalog_version)) => {
            (terms, *valid_until, catalog_version.as_str(), priced.lines.as_slice(), priced.total)
                == (
                    &first.terms,
                    first.valid_until,
                    first.catalog_version.as_str(),
                    first.lines.as_slice(),
                    first.total,
                )
        }
        Err(_) => false,
    }
}

/// Sales records follow the owner and team rules; approving and rejecting also need a sales
/// manager or an admin.
fn authorize(quote: &Quote, command: &QuoteCommand, context: &Context) -> Result<(), QuoteError> {
    let actor = &context.actor;
    let approver_only =
        matches!(command, QuoteCommand::Approve | QuoteCommand::RejectApproval { .. });
    let is_approver = matches!(actor.role, Role::SalesManager | Role::Admin);
    if !actor.may_change_sales_record(quote.ownership) || (approver_only && !is_approver) {
        return Err(QuoteError::Forbidden { role: actor.role });
    }
    Ok(())
}

fn price(
    terms: &PricingTerms,
    valid_until: NaiveDate,
    lines: &[LineInput],
    pricing: &PricingData,
) -> Result<(super::PricedQuote, String), QuoteError> {
    for (field, text) in [("region", &terms.region.0), ("tier", &terms.tier.0)] {
        if text.is_empty() || text.len() > ID_BYTES_MAX {
            return Err(QuoteError::Text { field });
        }
    }
    if valid_until < terms.pricing_date {
        return Err(QuoteError::ValidUntilBeforePricingDate {
            valid_until,
            pricing_date: terms.pricing_date,
        });
    }
    let priced = price_quote(lines, pricing, terms)?;
    Ok((priced, pricing.catalog.version.clone()))
}

fn submit(
    quote: &Quote,
    policy: &ApprovalPolicy,
    context: &Context,
) -> Result<Vec<QuoteEvent>, QuoteError> {
    let current = quote.current();
    if let Some(total_max) = policy.total_max
        && total_max.currency != current.total.currency
    {
        return Err(QuoteError::CurrencyMismatch {
            expected: current.total.currency,
            got: total_max.currency,
        });
    }
    let reasons = policy.reasons(context.actor.role, &current.lines, current.total);
    let (version, by, at) = (current.number, context.actor.user, context.occurred_at);
    if reasons.is_empty() {
        let basis = ApprovalBasis::WithinLimits { policy: policy.clone() };
        return Ok(vec![QuoteEvent::Approved { version, by, basis, at }]);
    }
    Ok(vec![QuoteEvent::SubmittedForApproval { version, by, reasons, policy: policy.clone(), at }])
}

fn check_not_expired(quote: &Quote, on: NaiveDate) -> Result<(), QuoteError> {
    if quote.is_expired_on(on) {
        return Err(QuoteError::Expired { valid_until: quote.current().valid_until, on });
    }
    Ok(())
}

fn check_text(field: &'static str, text: &str) -> Result<(), QuoteError> {
    if text.trim().is_empty() || text.len() > TEXT_BYTES_MAX {
        return Err(QuoteError::Text { field });
    }
    Ok(())
}
