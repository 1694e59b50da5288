//! Who issues a command, and what their role lets them do. Every command is decided with its
//! actor; one outside the role is a typed `Forbidden` rejection and appends nothing.

use schemars::JsonSchema;
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
#[derive(JsonSchema)]
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

    /// May this actor act as the record's manager: a manager of the record's team who does not
    /// own it (separation of duties: nobody supervises their own record), or an admin.
    pub fn may_supervise_sales_record(&self, ownership: Ownership) -> bool {
        match self.role {
            Role::SalesManager => {
                ownership.owner != self.user && self.team.is_some() && ownership.team == self.team
            }
            Role::Admin => true,
            Role::SalesRep | Role::Finance | Role::Auditor => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    const EAST: TeamId = TeamId(Uuid::from_u128(0xea57));
    const MARA: UserId = UserId(Uuid::from_u128(0x3a7a));
    const ALICE: UserId = UserId(Uuid::from_u128(0xa11ce));

    fn actor(user: UserId, role: Role) -> Actor {
        Actor { user, role, team: Some(EAST) }
    }

    #[test]
    fn a_manager_supervises_the_teams_records_but_never_their_own() {
        let alices = Ownership { owner: ALICE, team: Some(EAST) };
        let maras = Ownership { owner: MARA, team: Some(EAST) };
        let west = Ownership { owner: ALICE, team: Some(TeamId(Uuid::from_u128(0x3e57))) };
        let manager = actor(MARA, Role::SalesManager);
        assert!(manager.may_supervise_sales_record(alices));
        assert!(!manager.may_supervise_sales_record(maras), "nobody supervises their own record");
        assert!(!manager.may_supervise_sales_record(west));
        assert!(manager.may_change_sales_record(maras), "but they may work on it as its owner");
        assert!(actor(MARA, Role::Admin).may_supervise_sales_record(maras));
        for role in [Role::SalesRep, Role::Finance, Role::Auditor] {
            assert!(!actor(ALICE, role).may_supervise_sales_record(alices), "{role:?}");
        }
    }
}
