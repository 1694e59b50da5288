//! The quota's rules: who may set it, and what a valid target is.

use crate::actor::Ownership;
use crate::decider::Context;
use crate::money::Bps;

use super::{Quota, QuotaCommand, QuotaError, QuotaEvent, QuotaState};

pub(super) fn decide(
    state: &QuotaState,
    command: &QuotaCommand,
    context: &Context,
) -> Result<Vec<QuotaEvent>, QuotaError> {
    let QuotaCommand::Set { rep, team, period, amount, commission_bps } = command;
    // A manager supervises the rep's record as they would the rep's deals: their own team's,
    // never their own.
    if !context.actor.may_supervise_sales_record(Ownership { owner: *rep, team: *team }) {
        return Err(QuotaError::Forbidden { role: context.actor.role });
    }
    if !period.is_valid() {
        return Err(QuotaError::InvalidPeriod(period.0.chars().take(32).collect()));
    }
    if amount.is_negative() {
        return Err(QuotaError::NegativeAmount);
    }
    if *commission_bps > Bps(10_000) {
        return Err(QuotaError::CommissionAboveWhole(*commission_bps));
    }
    let wanted = Quota {
        rep: *rep,
        team: *team,
        period: period.clone(),
        amount: *amount,
        commission_bps: *commission_bps,
    };
    if let QuotaState::Set(current) = state {
        if current.rep != wanted.rep || current.period != wanted.period {
            return Err(QuotaError::OtherQuota);
        }
        if *current == wanted {
            return Ok(vec![]);
        }
    }
    Ok(vec![QuotaEvent::Set {
        rep: *rep,
        team: *team,
        period: period.clone(),
        amount: *amount,
        commission_bps: *commission_bps,
        by: context.actor.user,
        at: context.occurred_at,
    }])
}
