//! The customer's rules: who may do what, and which facts each command establishes.

use crate::actor::{Ownership, Role};
use crate::decider::Context;
use crate::ids::CustomerId;
use crate::money::Money;

use super::text::{check_email, check_phone, check_tag, check_text};
use super::{
    CONTACTS_MAX, Contact, ContactId, Customer, CustomerCommand, CustomerError, CustomerEvent,
    CustomerProfile, CustomerState, Origin, TAGS_MAX,
};

pub(super) fn decide(
    state: &CustomerState,
    command: &CustomerCommand,
    context: &Context,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    let customer = match (state, command) {
        (CustomerState::NotCreated, CustomerCommand::Create { customer_id, profile, origin }) => {
            return create(*customer_id, profile, *origin, context);
        }
        (
            CustomerState::Created(customer),
            CustomerCommand::Create { customer_id, profile, origin },
        ) => {
            let repeat = *customer_id == customer.id
                && *profile == customer.created_with
                && *origin == customer.origin;
            return if repeat {
                // A repeat of the command that created it: nothing new to record.
                Ok(vec![])
            } else {
                Err(CustomerError::AlreadyCreated(customer.id))
            };
        }
        (CustomerState::NotCreated, _) => return Err(CustomerError::NotCreated),
        (CustomerState::Created(customer), _) => customer,
    };
    match command {
        CustomerCommand::Create { .. } => unreachable!("handled above"),
        CustomerCommand::AddContact { contact_id, contact } => {
            require_sales(customer, context)?;
            match customer.contact(*contact_id) {
                Some(existing) if existing == contact => return Ok(vec![]),
                Some(_) => return Err(CustomerError::ContactExists(*contact_id)),
                None => {}
            }
            if customer.contacts.len() >= CONTACTS_MAX as usize {
                return Err(CustomerError::TooManyContacts);
            }
            check_contact(customer, *contact_id, contact)?;
            Ok(vec![CustomerEvent::ContactAdded {
                contact_id: *contact_id,
                contact: contact.clone(),
            }])
        }
        CustomerCommand::UpdateContact { contact_id, contact } => {
            require_sales(customer, context)?;
            let existing =
                customer.contact(*contact_id).ok_or(CustomerError::UnknownContact(*contact_id))?;
            if existing == contact {
                return Ok(vec![]);
            }
            check_contact(customer, *contact_id, contact)?;
            Ok(vec![CustomerEvent::ContactUpdated {
                contact_id: *contact_id,
                contact: contact.clone(),
            }])
        }
        CustomerCommand::AddTag { tag } => {
            require_sales(customer, context)?;
            check_tag(tag)?;
            if customer.tags.contains(tag) {
                return Ok(vec![]);
            }
            if customer.tags.len() >= TAGS_MAX as usize {
                return Err(CustomerError::TooManyTags);
            }
            Ok(vec![CustomerEvent::TagAdded { tag: tag.clone() }])
        }
        CustomerCommand::RemoveTag { tag } => {
            require_sales(customer, context)?;
            if !customer.tags.contains(tag) {
                return Ok(vec![]);
            }
            Ok(vec![CustomerEvent::TagRemoved { tag: tag.clone() }])
        }
        CustomerCommand::ChangeTier { tier } => {
            require_manager(customer, context)?;
            if *tier == customer.tier {
                return Ok(vec![]);
            }
            Ok(vec![CustomerEvent::TierChanged { from: customer.tier, to: *tier }])
        }
        CustomerCommand::ChangeOwner { owner, team } => {
            require_manager(customer, context)?;
            let to = Ownership { owner: *owner, team: *team };
            if to == customer.ownership {
                return Ok(vec![]);
            }
            Ok(vec![CustomerEvent::OwnerChanged { from: customer.ownership, to }])
        }
        CustomerCommand::ChangeCreditLimit { credit_limit } => {
            if !matches!(context.actor.role, Role::Finance | Role::Admin) {
                return Err(CustomerError::Forbidden { role: context.actor.role });
            }
            check_credit_limit(*credit_limit)?;
            if credit_limit.currency != customer.credit_limit.currency {
                return Err(CustomerError::CurrencyMismatch {
                    expected: customer.credit_limit.currency,
                    got: credit_limit.currency,
                });
            }
            if *credit_limit == customer.credit_limit {
                return Ok(vec![]);
            }
            Ok(vec![CustomerEvent::CreditLimitChanged {
                from: customer.credit_limit,
                to: *credit_limit,
            }])
        }
    }
}

/// A rep creates customers they own, a manager their team's, an admin any: the same rule as for
/// every sales record. Converting a lead is creating with the lead named as origin.
fn create(
    customer_id: CustomerId,
    profile: &CustomerProfile,
    origin: Origin,
    context: &Context,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    let ownership = Ownership { owner: profile.owner, team: profile.team };
    if !context.actor.may_change_sales_record(ownership) {
        return Err(CustomerError::Forbidden { role: context.actor.role });
    }
    check_text("name", &profile.name)?;
    check_text("industry", &profile.industry)?;
    check_text("region", &profile.region)?;
    check_credit_limit(profile.credit_limit)?;
    Ok(vec![CustomerEvent::Created {
        customer_id,
        profile: profile.clone(),
        origin,
        at: context.occurred_at,
    }])
}

fn check_contact(
    customer: &Customer,
    contact_id: ContactId,
    contact: &Contact,
) -> Result<(), CustomerError> {
    check_text("contact name", &contact.name)?;
    check_text("contact role", &contact.role)?;
    check_email(&contact.email)?;
    if let Some(phone) = &contact.phone {
        check_phone(phone)?;
    }
    if let Some(holder) = customer.contact_with_email(&contact.email, contact_id) {
        return Err(CustomerError::DuplicateEmail(holder));
    }
    Ok(())
}

fn check_credit_limit(credit_limit: Money) -> Result<(), CustomerError> {
    if credit_limit.is_negative() {
        return Err(CustomerError::NegativeCreditLimit);
    }
    Ok(())
}

/// Contacts and tags are the account team's daily work: the owner, their manager, or an admin.
fn require_sales(customer: &Customer, context: &Context) -> Result<(), CustomerError> {
    if context.actor.may_change_sales_record(customer.ownership) {
        return Ok(());
    }
    Err(CustomerError::Forbidden { role: context.actor.role })
}

/// Tier and owner decide who serves the account and on what terms, so they are a manager's call
/// (for their team's customers) or an admin's, never the owner's own.
fn require_manager(customer: &Customer, context: &Context) -> Result<(), CustomerError> {
    let allowed = match context.actor.role {
        Role::SalesManager => context.actor.may_supervise_sales_record(customer.ownership),
        Role::Admin => true,
        Role::SalesRep | Role::Finance | Role::Auditor => false,
    };
    if allowed {
        return Ok(());
    }
    Err(CustomerError::Forbidden { role: context.actor.role })
}
