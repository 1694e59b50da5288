//! When a quote needs a manager's approval: a manual discount above the submitter's limit, or a
//! total above a threshold. The limits arrive in the submit command; [`ApprovalPolicy::default`]
//! is the documented fallback table (sales rep 1,000 bps, sales manager 2,500 bps, admin any).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::pricing::PricedLine;
use crate::actor::Role;
use crate::money::{Bps, Money};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct ApprovalPolicy {
    pub sales_rep_discount_bps_max: Bps,
    pub sales_manager_discount_bps_max: Bps,
    /// A total above this needs approval whatever the discount; `None` for no threshold.
    pub total_max: Option<Money>,
}

impl Default for ApprovalPolicy {
    fn default() -> ApprovalPolicy {
        ApprovalPolicy {
            sales_rep_discount_bps_max: Bps(1_000),
            sales_manager_discount_bps_max: Bps(2_500),
            total_max: None,
        }
    }
}

/// Why a submitted quote waits for approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub enum ApprovalReason {
    DiscountAboveLimit { line_no: u32, discount_bps: Bps, discount_bps_max: Bps },
    TotalAboveThreshold { total: Money, total_max: Money },
}

impl ApprovalPolicy {
    /// The largest manual discount this role may give without approval; `None` is no limit.
    pub fn discount_bps_max(&self, role: Role) -> Option<Bps> {
        match role {
            Role::SalesRep => Some(self.sales_rep_discount_bps_max),
            Role::SalesManager => Some(self.sales_manager_discount_bps_max),
            Role::Admin => None,
            Role::Finance | Role::Auditor => Some(Bps::ZERO),
        }
    }

    /// Every reason these lines and total need approval when `role` submits them; empty when
    /// they need none. The caller has checked that `total_max` is in the total's currency.
    pub fn reasons(&self, role: Role, lines: &[PricedLine], total: Money) -> Vec<ApprovalReason> {
        let mut reasons = Vec::new();
        if let Some(discount_bps_max) = self.discount_bps_max(role) {
            for line in lines.iter().filter(|line| line.manual_discount_bps > discount_bps_max) {
                reasons.push(ApprovalReason::DiscountAboveLimit {
                    line_no: line.line_no,
                    discount_bps: line.manual_discount_bps,
                    discount_bps_max,
                });
            }
        }
        if let Some(total_max) = self.total_max
            && total.amount_minor > total_max.amount_minor
        {
            reasons.push(ApprovalReason::TotalAboveThreshold { total, total_max });
        }
        reasons
    }
}
