//! Who issues a command, and what their role lets them do. Every command is decided with its
//! actor; one outside the role is a typed `Forbidden` rejection and appends nothing.

use serde::{Deserialize, Serialize};

use crate::ids::{TeamId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Works their own leads, opportunities and quotes.
    SalesRep,
    /// Acts on the team's records and approves discounts.
    SalesManager,
    /// Invoices, payments, credit notes and write-offs.
    Finance,
    Admin,
    /// Reads everything, changes nothing.
    Auditor,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user: UserId,
    pub role: Role,
    pub team: Option<TeamId>,
}

/// The owner and team of a sales record, which sales roles are checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ownership {
    pub owner: UserId,
    pub team: Option<TeamId>,
}

impl Actor {
    /// May this actor change a sales record (lead, opportunity, quote) with this ownership?
    /// A rep only their own; a manager their team's; an admin any. Finance and auditors do not
    /// change sales records.
    pub fn may_change_sales_record(&self, ownership: Ownership) -> bool {
        match self.role {
            Role::SalesRep => ownership.owner == self.user,
            Role::SalesManager => {
                ownership.owner == self.user || (self.team.is_some() && ownership.team == self.team)
            }
            Role::Admin => true,
            Role::Finance | Role::Auditor => false,
        }
    }
}
