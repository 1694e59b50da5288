//! The short codes the tables store for the domain's enumerations (`strategic`, `web_form`,
//! `best_case`, …): snake_case, as the events' JSON spells them, so a BI user filters on the
//! same words the schemas in schemas/events/ show.

use ltc_domain::customer::Tier;
use ltc_domain::lead::{ActivityKind, Channel};
use ltc_domain::opportunity::ForecastCategory;
use ltc_domain::payment::PaymentMethod;

pub(super) fn tier(tier: Tier) -> &'static str {
    match tier {
        Tier::Strategic => "strategic",
        Tier::Key => "key",
        Tier::Normal => "normal",
    }
}

pub(super) fn channel(channel: Channel) -> &'static str {
    match channel {
        Channel::WebForm => "web_form",
        Channel::Email => "email",
        Channel::Event => "event",
        Channel::Social => "social",
        Channel::Referral => "referral",
        Channel::Phone => "phone",
        Channel::Import => "import",
        Channel::Api => "api",
    }
}

/// Every forecast category as the tables spell it.
pub(super) const FORECAST_CATEGORIES: [&str; 5] =
    ["pipeline", "best_case", "commit", "closed", "omitted"];

pub(super) fn forecast_category(category: ForecastCategory) -> &'static str {
    match category {
        ForecastCategory::Pipeline => "pipeline",
        ForecastCategory::BestCase => "best_case",
        ForecastCategory::Commit => "commit",
        ForecastCategory::Closed => "closed",
        ForecastCategory::Omitted => "omitted",
    }
}

pub(super) fn activity(kind: ActivityKind) -> &'static str {
    match kind {
        ActivityKind::Call => "call",
        ActivityKind::Email => "email",
        ActivityKind::Meeting => "meeting",
        ActivityKind::Note => "note",
    }
}

pub(super) fn payment_method(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::BankTransfer => "bank transfer",
        PaymentMethod::Card => "card",
        PaymentMethod::Cash => "cash",
        PaymentMethod::Cheque => "cheque",
        PaymentMethod::Other => "other means",
    }
}

/// A quote's current version's status, as `c360_quotes.status` stores it.
pub(super) mod quote_status {
    pub const DRAFT: &str = "draft";
    pub const PENDING_APPROVAL: &str = "pending_approval";
    pub const APPROVED: &str = "approved";
    pub const APPROVAL_REJECTED: &str = "approval_rejected";
    pub const SENT: &str = "sent";
    pub const ACCEPTED: &str = "accepted";
    pub const DECLINED: &str = "declined";
    /// Never stored: an open version past its validity date, as of the query's date.
    pub const EXPIRED: &str = "expired";
    /// Every status the table stores.
    pub const STORED: [&str; 7] =
        [DRAFT, PENDING_APPROVAL, APPROVED, APPROVAL_REJECTED, SENT, ACCEPTED, DECLINED];

    /// Statuses that can still expire: the customer has not answered and nobody closed it.
    pub fn is_open(status: &str) -> bool {
        matches!(status, DRAFT | PENDING_APPROVAL | APPROVED | APPROVAL_REJECTED | SENT)
    }
}

/// The kinds of money document (`c360_documents.kind`) and of application to an instalment
/// (`c360_applications.kind`).
pub(super) mod document {
    pub const RECEIPT: &str = "receipt";
    pub const REFUND: &str = "refund";
    pub const CREDIT_NOTE: &str = "credit_note";
    pub const WRITE_OFF: &str = "write_off";
}
