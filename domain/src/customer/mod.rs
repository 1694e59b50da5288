//! Customer: the subject of the 360° view. Created directly or by converting a lead, it holds the
//! profile (name, industry, region, tier, owner and team, credit limit), the contacts and the
//! tags. Orders, invoices and payments refer to it by id; they are not kept here.

mod decide;
mod state;
#[cfg(test)]
mod tests;
mod text;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::actor::{Ownership, Role};
use crate::decider::{Context, Decider};
use crate::ids::{CustomerId, LeadId, TeamId, UserId};
use crate::money::{Currency, Money};

pub use state::{Customer, CustomerState};
pub use text::{EMAIL_BYTES_MAX, PHONE_BYTES_MAX, TAG_BYTES_MAX, TEXT_BYTES_MAX};

/// The most contacts one customer may have.
pub const CONTACTS_MAX: u32 = 100;
/// The most tags one customer may carry.
pub const TAGS_MAX: u32 = 32;

pub use crate::ids::ContactId;

/// How much attention the account gets: it drives service levels and discount policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Strategic,
    Key,
    Normal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct CustomerProfile {
    pub name: String,
    pub industry: String,
    pub region: String,
    pub tier: Tier,
    pub owner: UserId,
    pub team: Option<TeamId>,
    /// How much may be owed at once; orders beyond it are held for finance.
    pub credit_limit: Money,
}

/// Where the customer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Direct,
    ConvertedLead(LeadId),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    /// The contact's part in buying, such as "CFO" or "technical evaluator".
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub enum CustomerCommand {
    Create { customer_id: CustomerId, profile: CustomerProfile, origin: Origin },
    AddContact { contact_id: ContactId, contact: Contact },
    UpdateContact { contact_id: ContactId, contact: Contact },
    AddTag { tag: String },
    RemoveTag { tag: String },
    ChangeTier { tier: Tier },
    ChangeOwner { owner: UserId, team: Option<TeamId> },
    ChangeCreditLimit { credit_limit: Money },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub enum CustomerEvent {
    Created {
        customer_id: CustomerId,
        profile: CustomerProfile,
        origin: Origin,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    ContactAdded {
        contact_id: ContactId,
        contact: Contact,
    },
    ContactUpdated {
        contact_id: ContactId,
        contact: Contact,
    },
    TagAdded {
        tag: String,
    },
    TagRemoved {
        tag: String,
    },
    TierChanged {
        from: Tier,
        to: Tier,
    },
    OwnerChanged {
        from: Ownership,
        to: Ownership,
    },
    CreditLimitChanged {
        from: Money,
        to: Money,
    },
}

impl CustomerEvent {
    /// The event's name in the store and on the wire.
    pub fn event_type(&self) -> &'static str {
        match self {
            CustomerEvent::Created { .. } => "CustomerCreated",
            CustomerEvent::ContactAdded { .. } => "CustomerContactAdded",
            CustomerEvent::ContactUpdated { .. } => "CustomerContactUpdated",
            CustomerEvent::TagAdded { .. } => "CustomerTagAdded",
            CustomerEvent::TagRemoved { .. } => "CustomerTagRemoved",
            CustomerEvent::TierChanged { .. } => "CustomerTierChanged",
            CustomerEvent::OwnerChanged { .. } => "CustomerOwnerChanged",
            CustomerEvent::CreditLimitChanged { .. } => "CustomerCreditLimitChanged",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum CustomerError {
    /// The command needs a created customer.
    #[error("the customer has not been created")]
    NotCreated,
    /// This stream already holds a customer, under another id or created with another profile
    /// or origin: create a new customer under its own id, or resend the original exactly.
    #[error("customer {0} already exists")]
    AlreadyCreated(CustomerId),
    /// A text field is blank or too long; `bytes_max` is its limit.
    #[error("{field} must be 1 to {bytes_max} bytes")]
    Text { field: &'static str, bytes_max: u32 },
    /// Send an address of the form `name@domain.tld`, without spaces.
    #[error("{0:?} is not an email address")]
    InvalidEmail(String),
    /// Send digits, spaces and `+-()./` only.
    #[error("{0:?} is not a phone number")]
    InvalidPhone(String),
    /// A tag is one word-like label: no surrounding spaces, no control characters.
    #[error("{0:?} is not a tag")]
    InvalidTag(String),
    #[error("a customer has at most {TAGS_MAX} tags")]
    TooManyTags,
    #[error("a customer has at most {CONTACTS_MAX} contacts")]
    TooManyContacts,
    /// The id is taken by a different contact: update that one, or add under a new id.
    #[error("contact {0:?} already exists with other details")]
    ContactExists(ContactId),
    /// Add the contact first.
    #[error("the customer has no contact {0:?}")]
    UnknownContact(ContactId),
    /// One email names one contact: update the contact that has it.
    #[error("contact {0:?} already has this email")]
    DuplicateEmail(ContactId),
    #[error("a credit limit cannot be negative")]
    NegativeCreditLimit,
    /// The credit limit keeps the currency it was set in; convert it before sending.
    #[error("the credit limit is in {expected}, not {got}")]
    CurrencyMismatch { expected: Currency, got: Currency },
    #[error("a {role:?} may not do this to this customer")]
    Forbidden { role: Role },
}

/// The customer decider.
#[derive(Debug)]
pub enum CustomerDecider {}

impl Decider for CustomerDecider {
    type Command = CustomerCommand;
    type Event = CustomerEvent;
    type State = CustomerState;
    type Error = CustomerError;

    fn decide(
        state: &CustomerState,
        command: &CustomerCommand,
        context: &Context,
    ) -> Result<Vec<CustomerEvent>, CustomerError> {
        decide::decide(state, command, context)
    }

    fn evolve(state: CustomerState, event: &CustomerEvent) -> CustomerState {
        state::evolve(state, event)
    }

    /// A customer is never done: it can always buy again.
    fn is_terminal(_state: &CustomerState) -> bool {
        false
    }
}
