//! The cast every aggregate's tests share: two reps and a manager in two teams, a clock reading
//! in minutes from a fixed morning, and amounts in euros and dollars.

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use crate::actor::{Actor, Role};
use crate::ids::{TeamId, UserId};
use crate::money::{Currency, Money};

pub const ALICE: UserId = UserId(Uuid::from_u128(0xa11ce));
pub const BOB: UserId = UserId(Uuid::from_u128(0xb0b));
pub const MARA: UserId = UserId(Uuid::from_u128(0x3a7a));
pub const EAST: TeamId = TeamId(Uuid::from_u128(0xea57));
pub const WEST: TeamId = TeamId(Uuid::from_u128(0x3e57));

/// A sales rep of the east team.
pub fn rep(user: UserId) -> Actor {
    Actor { user, role: Role::SalesRep, team: Some(EAST) }
}

/// Mara, managing `team`.
pub fn manager(team: TeamId) -> Actor {
    Actor { user: MARA, role: Role::SalesManager, team: Some(team) }
}

/// Mara of the east team, in `role`.
pub fn with_role(role: Role) -> Actor {
    Actor { user: MARA, role, team: Some(EAST) }
}

/// 2026-03-02 09:00 UTC plus `minutes`.
pub fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().unwrap()
        + chrono::TimeDelta::minutes(minutes)
}

pub fn eur(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("EUR").unwrap())
}

pub fn usd(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("USD").unwrap())
}
