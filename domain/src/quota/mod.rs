//! Quota: a rep's sales target for one period, with the commission rate they earn on what they
//! win in it. A manager sets it for a rep of their team (never for themselves), an admin for
//! anyone; setting it again revises it, and every revision stays in the stream. Forecast
//! attainment, coverage and rep performance read these events.
//!
//! One stream per rep and period, its id derived from both ([`QuotaId::of`]), so "the quota of
//! Alice for 2026-Q4" has exactly one home and two managers setting it are serialised by the
//! stream's version.

mod decide;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::Role;
use crate::decider::{Context, Decider};
use crate::ids::{TeamId, UserId};
use crate::money::{Bps, Money};

/// The stream of one rep's quota for one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct QuotaId(pub Uuid);

impl QuotaId {
    /// The same rep and period always give the same stream.
    pub fn of(rep: UserId, period: &QuotaPeriod) -> QuotaId {
        QuotaId(Uuid::new_v5(&rep.0, period.0.as_bytes()))
    }
}

/// A month (`2026-03`) or a quarter (`2026-Q4`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct QuotaPeriod(pub String);

impl QuotaPeriod {
    /// Whether this is a well-formed month or quarter key.
    pub fn is_valid(&self) -> bool {
        let Some((year, rest)) = self.0.split_once('-') else { return false };
        let year_ok = year.len() == 4 && year.bytes().all(|byte| byte.is_ascii_digit());
        let rest_ok = match rest.strip_prefix('Q') {
            Some(quarter) => matches!(quarter, "1" | "2" | "3" | "4"),
            None => {
                rest.len() == 2 && rest.parse::<u32>().is_ok_and(|month| (1..=12).contains(&month))
            }
        };
        year_ok && rest_ok
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub enum QuotaCommand {
    /// Sets (or revises) `rep`'s target for `period` and their commission rate on it.
    Set {
        rep: UserId,
        team: Option<TeamId>,
        period: QuotaPeriod,
        amount: Money,
        commission_bps: Bps,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub enum QuotaEvent {
    Set {
        rep: UserId,
        team: Option<TeamId>,
        period: QuotaPeriod,
        amount: Money,
        commission_bps: Bps,
        by: UserId,
        #[serde(deserialize_with = "crate::instant_text::utc")]
        at: DateTime<Utc>,
    },
}

impl QuotaEvent {
    /// The event's name in the store and on the wire.
    pub fn event_type(&self) -> &'static str {
        match self {
            QuotaEvent::Set { .. } => "QuotaSet",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    pub rep: UserId,
    pub team: Option<TeamId>,
    pub period: QuotaPeriod,
    pub amount: Money,
    pub commission_bps: Bps,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuotaState {
    #[default]
    NotSet,
    Set(Quota),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum QuotaError {
    /// Send the period as `YYYY-MM` or `YYYY-Qn`.
    #[error("{0:?} is not a month (2026-03) or a quarter (2026-Q4)")]
    InvalidPeriod(String),
    /// A quota is zero or more.
    #[error("a quota cannot be negative")]
    NegativeAmount,
    /// A commission rate is 0 to 10,000 basis points.
    #[error("a commission rate is at most 10,000 bps, not {0:?}")]
    CommissionAboveWhole(Bps),
    /// The stream holds another rep's or period's quota: the shell derived the wrong stream.
    #[error("this stream holds the quota of another rep or period")]
    OtherQuota,
    /// Only a manager of the rep's team (not for their own quota) or an admin sets a quota.
    #[error("a {role:?} may not set this quota")]
    Forbidden { role: Role },
}

/// The quota decider.
#[derive(Debug)]
pub enum QuotaDecider {}

impl Decider for QuotaDecider {
    type Command = QuotaCommand;
    type Event = QuotaEvent;
    type State = QuotaState;
    type Error = QuotaError;

    fn decide(
        state: &QuotaState,
        command: &QuotaCommand,
        context: &Context,
    ) -> Result<Vec<QuotaEvent>, QuotaError> {
        decide::decide(state, command, context)
    }

    fn evolve(_state: QuotaState, event: &QuotaEvent) -> QuotaState {
        match event {
            QuotaEvent::Set { rep, team, period, amount, commission_bps, .. } => {
                QuotaState::Set(Quota {
                    rep: *rep,
                    team: *team,
                    period: period.clone(),
                    amount: *amount,
                    commission_bps: *commission_bps,
                })
            }
        }
    }

    fn is_terminal(_state: &QuotaState) -> bool {
        false
    }
}
