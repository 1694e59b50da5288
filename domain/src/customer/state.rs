//! The customer as its events leave it.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::Ownership;
use crate::ids::CustomerId;
use crate::money::Money;

use super::{Contact, ContactId, CustomerEvent, CustomerProfile, Origin, Tier};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomerState {
    #[default]
    NotCreated,
    /// Boxed: a customer is large and the state is mostly moved whole through `evolve`.
    Created(Box<Customer>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    pub industry: String,
    pub region: String,
    pub tier: Tier,
    pub ownership: Ownership,
    pub credit_limit: Money,
    pub origin: Origin,
    /// The profile as created, kept so that a repeated `Create` can be told from another one:
    /// tier, owner and credit limit may have changed since.
    pub created_with: CustomerProfile,
    pub created_at: DateTime<Utc>,
    /// In the order they were added.
    pub contacts: Vec<(ContactId, Contact)>,
    pub tags: BTreeSet<String>,
}

impl Customer {
    pub fn contact(&self, contact_id: ContactId) -> Option<&Contact> {
        self.contacts.iter().find(|(id, _)| *id == contact_id).map(|(_, contact)| contact)
    }

    /// The contact other than `except` that has this email, compared without regard to case.
    pub fn contact_with_email(&self, email: &str, except: ContactId) -> Option<ContactId> {
        self.contacts
            .iter()
            .find(|(id, contact)| *id != except && contact.email.eq_ignore_ascii_case(email))
            .map(|(id, _)| *id)
    }
}

pub(super) fn evolve(state: CustomerState, event: &CustomerEvent) -> CustomerState {
    let mut customer = match (state, event) {
        (
            CustomerState::NotCreated,
            CustomerEvent::Created { customer_id, profile, origin, at },
        ) => {
            return CustomerState::Created(Box::new(Customer {
                id: *customer_id,
                name: profile.name.clone(),
                industry: profile.industry.clone(),
                region: profile.region.clone(),
                tier: profile.tier,
                ownership: Ownership { owner: profile.owner, team: profile.team },
                credit_limit: profile.credit_limit,
                origin: *origin,
                created_with: profile.clone(),
                created_at: *at,
                contacts: vec![],
                tags: BTreeSet::new(),
            }));
        }
        (CustomerState::Created(customer), _) => customer,
        (CustomerState::NotCreated, _) => {
            unreachable!(
                "every customer stream starts with Created; decide emits nothing else first"
            )
        }
    };
    match event {
        CustomerEvent::Created { .. } => unreachable!("Created is only ever the first event"),
        CustomerEvent::ContactAdded { contact_id, contact } => {
            customer.contacts.push((*contact_id, contact.clone()));
        }
        CustomerEvent::ContactUpdated { contact_id, contact } => {
            let entry = customer
                .contacts
                .iter_mut()
                .find(|(id, _)| id == contact_id)
                .expect("decide only updates contacts the customer has");
            entry.1 = contact.clone();
        }
        CustomerEvent::TagAdded { tag } => {
            customer.tags.insert(tag.clone());
        }
        CustomerEvent::TagRemoved { tag } => {
            customer.tags.remove(tag);
        }
        CustomerEvent::TierChanged { to, .. } => customer.tier = *to,
        CustomerEvent::OwnerChanged { to, .. } => customer.ownership = *to,
        CustomerEvent::CreditLimitChanged { to, .. } => customer.credit_limit = *to,
    }
    CustomerState::Created(customer)
}
