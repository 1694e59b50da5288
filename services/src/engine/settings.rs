//! The company's configuration the shell fills into commands: what it sells and at which prices,
//! who may discount how much, its sales pipeline, lead scoring, and default payment terms. A
//! client never sends these; it names what it wants (a quote's lines, a stage) and the engine
//! adds the rules in force, so no client can price from its own price book or approve itself by
//! sending a generous policy.

use ltc_domain::lead::scoring::ScoringModel;
use ltc_domain::money::Bps;
use ltc_domain::opportunity::Pipeline;
use ltc_domain::order::{PaymentTerms, TermPart};
use ltc_domain::quote::{ApprovalPolicy, PricingData};

use crate::leads::AssignmentSettings;

/// Days a quote stays valid when the request names no validity date.
pub const QUOTE_VALID_DAYS_DEFAULT: u32 = 30;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Catalog, price books and promotions every quote is priced with.
    pub pricing: PricingData,
    /// Discount limits per role and the total above which a quote needs approval.
    pub approval: ApprovalPolicy,
    /// The stages every new opportunity moves through.
    pub pipeline: Pipeline,
    /// How new leads are scored.
    pub scoring: ScoringModel,
    /// Who gets new leads: rules tried in order, reps with their caps.
    pub assignment: AssignmentSettings,
    /// Terms for an order whose request names none.
    pub payment_terms: PaymentTerms,
    pub quote_valid_days: u32,
}

impl Settings {
    /// The documented defaults around `pricing`: the default approval table, the default sales
    /// pipeline, the default scoring model (no target industries), no assignment rules (new leads
    /// wait for a manager to assign them), and 100 % net 30.
    pub fn with_pricing(pricing: PricingData) -> Settings {
        Settings {
            pricing,
            approval: ApprovalPolicy::default(),
            pipeline: Pipeline::default_sales(),
            scoring: ScoringModel::default_model(vec![], vec![]),
            assignment: AssignmentSettings::default(),
            payment_terms: net_30(),
            quote_valid_days: QUOTE_VALID_DAYS_DEFAULT,
        }
    }
}

/// Everything due 30 days after the invoice date.
pub fn net_30() -> PaymentTerms {
    PaymentTerms { parts: vec![TermPart { share: Bps(10_000), days_after: 30 }] }
}
