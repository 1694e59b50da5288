//! The sales organisation: two teams, each with a manager and a few reps, plus the finance clerk
//! who invoices and books payments. Their ids are derived from the seed like every other id.

use ltc_domain::actor::{Actor, Role};
use ltc_domain::ids::{TeamId, UserId};

use super::ids::IdSource;

/// Reps per team.
pub(super) const REPS_PER_TEAM: usize = 3;
pub(super) const TEAMS: [&str; 2] = ["North", "South"];
const REP_NAMES: [&str; 6] = ["Alice", "Bruno", "Chen", "Dana", "Emeka", "Farah"];
const MANAGER_NAMES: [&str; 2] = ["Mara", "Nils"];

#[derive(Debug, Clone)]
pub(super) struct Person {
    pub actor: Actor,
}

#[derive(Debug)]
pub(super) struct People {
    pub reps: Vec<Person>,
    pub managers: Vec<Person>,
    pub finance: Person,
}

impl People {
    pub fn new(ids: &mut IdSource) -> People {
        let teams: Vec<TeamId> = TEAMS.iter().map(|_| TeamId(ids.next("team"))).collect();
        let person = |ids: &mut IdSource, _name: &str, role, team| Person {
            actor: Actor { user: UserId(ids.next("user")), role, team },
        };
        let managers = (0..TEAMS.len())
            .map(|team| person(ids, MANAGER_NAMES[team], Role::SalesManager, Some(teams[team])))
            .collect();
        let reps = (0..TEAMS.len() * REPS_PER_TEAM)
            .map(|rep| {
                let team = Some(teams[rep / REPS_PER_TEAM]);
                person(ids, REP_NAMES[rep], Role::SalesRep, team)
            })
            .collect();
        let finance = person(ids, "Greta (finance)", Role::Finance, None);
        People { reps, managers, finance }
    }

    /// The manager of a rep's team.
    pub fn manager_of(&self, rep: usize) -> &Person {
        &self.managers[rep / REPS_PER_TEAM]
    }
}
