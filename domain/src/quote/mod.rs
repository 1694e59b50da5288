//! Quote: a priced offer for an opportunity, in versions. Each version is priced by the pure
//! [`pricing`] function with a recorded waterfall, may need approval, is sent, and is accepted or
//! declined; a revision supersedes the version before it. Expiry is computed when read from the
//! validity date, never stored. Terminal once accepted or declined.
//!
//! **For the shell:** the catalog, price books, promotions and approval limits travel inside the
//! commands that need them; the accept and send commands carry the business date. "At most one
//! accepted quote per opportunity" spans aggregates: the shell passes what it knows in
//! [`QuoteCommand::Accept`]'s `opportunity_has_accepted_quote`, and must serialise accepts per
//! opportunity (or re-check after appending) for the rule to hold under concurrency.

mod approval;
mod catalog;
mod decide;
mod price_book;
pub mod pricing;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::actor::{Ownership, Role};
use crate::decider::{Context, Decider};
use crate::ids::{CustomerId, OpportunityId, QuoteId, TeamId, UserId};
use crate::money::{Currency, Money};

pub use approval::{ApprovalPolicy, ApprovalReason};
pub use catalog::{
    CATALOG_PRODUCTS_MAX, CATALOG_TEXT_BYTES_MAX, Catalog, ConfigurationError, LineInput,
    OPTION_RULES_PER_PRODUCT_MAX, OPTIONS_PER_PRODUCT_MAX, OptionKey, OptionRule, Product, Sku,
};
pub use price_book::{
    CustomerTier, ID_BYTES_MAX, PRICE_BOOK_ENTRIES_MAX, PRICE_BOOKS_MAX, PROMOTIONS_MAX, PriceBook,
    PriceBookEntry, PriceBookId, PricingData, PricingTerms, Promotion, PromotionBenefit,
    PromotionId, Region, VOLUME_TIERS_MAX, VolumeMethod, VolumeSchedule, VolumeTier,
};
pub use pricing::{
    PriceBasis, PricedLine, PricedQuote, PricingError, PricingStep, QUOTE_LINES_MAX, SlabBand,
    StepKind, StepReason, price_quote,
};

/// The longest free text (a rejection or decline reason), in bytes.
pub const TEXT_BYTES_MAX: usize = 1_024;
/// The most versions one quote may reach.
pub const QUOTE_VERSIONS_MAX: u32 = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuoteCommand {
    Create {
        quote_id: QuoteId,
        opportunity_id: OpportunityId,
        customer_id: CustomerId,
        owner: UserId,
        team: Option<TeamId>,
        terms: PricingTerms,
        valid_until: NaiveDate,
        lines: Vec<LineInput>,
        pricing: PricingData,
    },
    /// Prices a new version that supersedes the current one.
    Revise {
        terms: PricingTerms,
        valid_until: NaiveDate,
        lines: Vec<LineInput>,
        pricing: PricingData,
    },
    /// Approved at once when within the submitter's limits, else waits for approval.
    Submit {
        policy: ApprovalPolicy,
    },
    Approve,
    RejectApproval {
        reason: String,
    },
    Send {
        on: NaiveDate,
    },
    /// `on` is the business date of acceptance. `opportunity_has_accepted_quote` is the quote
    /// already accepted for the same opportunity, as the shell knows it (`None` if none).
    Accept {
        on: NaiveDate,
        opportunity_has_accepted_quote: Option<QuoteId>,
    },
    Decline {
        reason: String,
    },
}

/// How a version came to be approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub enum ApprovalBasis {
    /// Submitted within the submitter's limits under this policy.
    WithinLimits { policy: ApprovalPolicy },
    /// Approved by a sales manager or admin after `QuoteSubmittedForApproval`.
    ByApprover,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub enum QuoteEvent {
    Created {
        quote_id: QuoteId,
        opportunity_id: OpportunityId,
        customer_id: CustomerId,
        ownership: Ownership,
        version: u32,
        terms: PricingTerms,
        valid_until: NaiveDate,
        catalog_version: String,
        lines: Vec<PricedLine>,
        total: Money,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    Revised {
        version: u32,
        supersedes: u32,
        terms: PricingTerms,
        valid_until: NaiveDate,
        catalog_version: String,
        lines: Vec<PricedLine>,
        total: Money,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    SubmittedForApproval {
        version: u32,
        by: UserId,
        reasons: Vec<ApprovalReason>,
        policy: ApprovalPolicy,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    Approved {
        version: u32,
        by: UserId,
        basis: ApprovalBasis,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    ApprovalRejected {
        version: u32,
        by: UserId,
        reason: String,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    Sent {
        version: u32,
        on: NaiveDate,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    Accepted {
        version: u32,
        opportunity_id: OpportunityId,
        total: Money,
        on: NaiveDate,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
    Declined {
        version: u32,
        reason: String,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
}

impl QuoteEvent {
    /// The event's name in the store and on the wire.
    pub fn event_type(&self) -> &'static str {
        match self {
            QuoteEvent::Created { .. } => "QuoteCreated",
            QuoteEvent::Revised { .. } => "QuoteRevised",
            QuoteEvent::SubmittedForApproval { .. } => "QuoteSubmittedForApproval",
            QuoteEvent::Approved { .. } => "QuoteApproved",
            QuoteEvent::ApprovalRejected { .. } => "QuoteApprovalRejected",
            QuoteEvent::Sent { .. } => "QuoteSent",
            QuoteEvent::Accepted { .. } => "QuoteAccepted",
            QuoteEvent::Declined { .. } => "QuoteDeclined",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Draft,
    PendingApproval,
    Approved,
    ApprovalRejected,
    Sent,
    Accepted,
    Declined,
    /// A later version replaced this one.
    Superseded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteVersion {
    pub number: u32,
    pub status: Status,
    pub terms: PricingTerms,
    pub valid_until: NaiveDate,
    pub catalog_version: String,
    pub lines: Vec<PricedLine>,
    pub total: Money,
    pub priced_at: DateTime<Utc>,
    /// Who submitted this version for approval, while it waits; an approver must be someone else.
    pub submitted_by: Option<UserId>,
}

impl QuoteVersion {
    /// A freshly priced version, as `QuoteCreated` and `QuoteRevised` record it.
    fn draft(
        number: u32,
        terms: &PricingTerms,
        valid_until: NaiveDate,
        catalog_version: &str,
        lines: &[PricedLine],
        total: Money,
        priced_at: DateTime<Utc>,
    ) -> QuoteVersion {
        QuoteVersion {
            number,
            status: Status::Draft,
            terms: terms.clone(),
            valid_until,
            catalog_version: catalog_version.to_owned(),
            lines: lines.to_vec(),
            total,
            priced_at,
            submitted_by: None,
        }
    }

    /// Past its validity date and still open: accepted, declined and superseded versions never
    /// expire. Computed on read from the caller's business date.
    pub fn is_expired_on(&self, on: NaiveDate) -> bool {
        let open = matches!(
            self.status,
            Status::Draft
                | Status::PendingApproval
                | Status::Approved
                | Status::ApprovalRejected
                | Status::Sent
        );
        open && on > self.valid_until
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub id: QuoteId,
    pub opportunity_id: OpportunityId,
    pub customer_id: CustomerId,
    pub ownership: Ownership,
    /// Every version in order; the last is the current one, the others are superseded.
    pub versions: Vec<QuoteVersion>,
}

impl Quote {
    pub fn current(&self) -> &QuoteVersion {
        self.versions.last().expect("a created quote has its first version")
    }

    fn current_mut(&mut self) -> &mut QuoteVersion {
        self.versions.last_mut().expect("a created quote has its first version")
    }

    /// Whether the current version is expired on the business date `on`.
    pub fn is_expired_on(&self, on: NaiveDate) -> bool {
        self.current().is_expired_on(on)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuoteState {
    #[default]
    NotCreated,
    Created(Quote),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum QuoteError {
    /// Whoever submitted a quote for approval cannot approve or reject it: ask another manager.
    #[error("the submitter of a quote cannot approve or reject it")]
    SelfApproval,
    /// The command needs a created quote.
    #[error("the quote has not been created")]
    NotCreated,
    /// A free text, region or tier is empty or too long.
    #[error("{field} is empty or too long")]
    Text { field: &'static str },
    /// Another id, or other details than the quote was created with, were sent to an existing
    /// stream: create a new quote under its own id, or resend the original exactly.
    #[error("quote {0} already exists")]
    AlreadyCreated(QuoteId),
    /// Nothing changes an accepted quote; start a new quote for further business.
    #[error("quote {0} is already accepted")]
    AlreadyAccepted(QuoteId),
    /// The customer declined; start a new quote.
    #[error("quote {0} is already declined")]
    AlreadyDeclined(QuoteId),
    /// Only a draft is submitted; revise a rejected quote first.
    #[error("the quote is {0:?}, not a draft")]
    NotDraft(Status),
    #[error("the quote is {0:?}, not waiting for approval")]
    NotPendingApproval(Status),
    /// Submit it (and have it approved) before sending.
    #[error("the quote is {0:?}, not approved")]
    NotApproved(Status),
    /// Only a sent quote is accepted or declined.
    #[error("the quote is {0:?}, not sent")]
    NotSent(Status),
    /// Revise with a new validity date, then submit and send again.
    #[error("the quote was valid until {valid_until}, and it is {on}")]
    Expired { valid_until: NaiveDate, on: NaiveDate },
    /// The opportunity already has this other quote accepted; at most one per opportunity.
    #[error("the opportunity already accepted quote {0}")]
    OpportunityHasAcceptedQuote(QuoteId),
    #[error("the validity date {valid_until} is before the pricing date {pricing_date}")]
    ValidUntilBeforePricingDate { valid_until: NaiveDate, pricing_date: NaiveDate },
    #[error("a quote has at most {QUOTE_VERSIONS_MAX} versions")]
    TooManyVersions,
    #[error("the threshold is in {got}, the quote in {expected}")]
    CurrencyMismatch { expected: Currency, got: Currency },
    #[error(transparent)]
    Pricing(#[from] PricingError),
    #[error("a {role:?} may not do this to this quote")]
    Forbidden { role: Role },
}

/// The quote decider.
#[derive(Debug)]
pub enum QuoteDecider {}

impl Decider for QuoteDecider {
    type Command = QuoteCommand;
    type Event = QuoteEvent;
    type State = QuoteState;
    type Error = QuoteError;

    fn decide(
        state: &QuoteState,
        command: &QuoteCommand,
        context: &Context,
    ) -> Result<Vec<QuoteEvent>, QuoteError> {
        decide::decide(state, command, context)
    }

    fn evolve(state: QuoteState, event: &QuoteEvent) -> QuoteState {
        evolve(state, event)
    }

    fn is_terminal(state: &QuoteState) -> bool {
        match state {
            QuoteState::NotCreated => false,
            QuoteState::Created(quote) => {
                matches!(quote.current().status, Status::Accepted | Status::Declined)
            }
        }
    }
}

fn evolve(state: QuoteState, event: &QuoteEvent) -> QuoteState {
    let mut quote = match (state, event) {
        (
            QuoteState::NotCreated,
            QuoteEvent::Created {
                quote_id,
                opportunity_id,
                customer_id,
                ownership,
                version,
                terms,
                valid_until,
                catalog_version,
                lines,
                total,
                at,
            },
        ) => {
            return QuoteState::Created(Quote {
                id: *quote_id,
                opportunity_id: *opportunity_id,
                customer_id: *customer_id,
                ownership: *ownership,
                versions: vec![QuoteVersion::draft(
                    *version,
                    terms,
                    *valid_until,
                    catalog_version,
                    lines,
                    *total,
                    *at,
                )],
            });
        }
        (QuoteState::Created(quote), _) => quote,
        (QuoteState::NotCreated, _) => {
            unreachable!("every stream starts with Created; decide emits nothing else first")
        }
    };
    match event {
        QuoteEvent::Created { .. } => unreachable!("Created is only ever the first event"),
        QuoteEvent::Revised {
            version,
            terms,
            valid_until,
            catalog_version,
            lines,
            total,
            at,
            ..
        } => {
            quote.current_mut().status = Status::Superseded;
            let revision = QuoteVersion::draft(
                *version,
                terms,
                *valid_until,
                catalog_version,
                lines,
                *total,
                *at,
            );
            quote.versions.push(revision);
        }
        QuoteEvent::SubmittedForApproval { by, .. } => {
            quote.current_mut().status = Status::PendingApproval;
            quote.current_mut().submitted_by = Some(*by);
        }
        QuoteEvent::Approved { .. } => quote.current_mut().status = Status::Approved,
        QuoteEvent::ApprovalRejected { .. } => {
            quote.current_mut().status = Status::ApprovalRejected;
        }
        QuoteEvent::Sent { .. } => quote.current_mut().status = Status::Sent,
        QuoteEvent::Accepted { .. } => quote.current_mut().status = Status::Accepted,
        QuoteEvent::Declined { .. } => quote.current_mut().status = Status::Declined,
    }
    QuoteState::Created(quote)
}
