//! Given/when/then: setting and revising a rep's quota.

use crate::actor::{Actor, Role};
use crate::decider::{Context, Decider};
use crate::ids::UserId;
use crate::money::Bps;
use crate::testing::{ALICE, EAST, MARA, WEST, eur, manager, t, with_role};

use super::*;

fn period(key: &str) -> QuotaPeriod {
    QuotaPeriod(key.into())
}

fn set(amount_minor: i64, commission_bps: u32) -> QuotaCommand {
    QuotaCommand::Set {
        rep: ALICE,
        team: Some(EAST),
        period: period("2026-Q2"),
        amount: eur(amount_minor),
        commission_bps: Bps(commission_bps),
    }
}

fn quota_set(amount_minor: i64, commission_bps: u32, minutes: i64) -> QuotaEvent {
    QuotaEvent::Set {
        rep: ALICE,
        team: Some(EAST),
        period: period("2026-Q2"),
        amount: eur(amount_minor),
        commission_bps: Bps(commission_bps),
        by: MARA,
        at: t(minutes),
    }
}

#[track_caller]
fn check(
    given: &[QuotaEvent],
    when: QuotaCommand,
    by: Actor,
    then: Result<Vec<QuotaEvent>, QuotaError>,
) {
    let state = QuotaDecider::replay(given.iter());
    let context = Context { actor: by, occurred_at: t(10) };
    assert_eq!(QuotaDecider::decide(&state, &when, &context), then);
}

#[test]
fn a_manager_sets_a_quota_for_a_rep_of_their_team_and_revises_it_later() {
    check(&[], set(50_000_000, 500), manager(EAST), Ok(vec![quota_set(50_000_000, 500, 10)]));
    let given = [quota_set(50_000_000, 500, 0)];
    check(&given, set(60_000_000, 500), manager(EAST), Ok(vec![quota_set(60_000_000, 500, 10)]));
}

#[test]
fn setting_the_same_quota_again_records_nothing() {
    check(&[quota_set(50_000_000, 500, 0)], set(50_000_000, 500), manager(EAST), Ok(vec![]));
}

#[test]
fn only_a_manager_of_the_reps_team_or_an_admin_sets_it_and_never_for_themselves() {
    for role in [Role::SalesRep, Role::Finance, Role::Auditor] {
        check(&[], set(1, 0), with_role(role), Err(QuotaError::Forbidden { role }));
    }
    let forbidden = Err(QuotaError::Forbidden { role: Role::SalesManager });
    check(&[], set(1, 0), manager(WEST), forbidden.clone());
    let own = QuotaCommand::Set {
        rep: MARA,
        team: Some(EAST),
        period: period("2026-Q2"),
        amount: eur(1),
        commission_bps: Bps(0),
    };
    check(&[], own, manager(EAST), forbidden);
    check(&[], set(1, 0), with_role(Role::Admin), Ok(vec![quota_set(1, 0, 10)]));
}

#[test]
fn a_malformed_period_a_negative_amount_or_a_rate_above_the_whole_is_rejected() {
    for bad in ["2026-Q5", "2026-13", "26-Q1", "2026", "2026-3"] {
        let command = QuotaCommand::Set {
            rep: ALICE,
            team: Some(EAST),
            period: period(bad),
            amount: eur(1),
            commission_bps: Bps(0),
        };
        check(&[], command, manager(EAST), Err(QuotaError::InvalidPeriod(bad.into())));
    }
    check(&[], set(-1, 0), manager(EAST), Err(QuotaError::NegativeAmount));
    check(&[], set(1, 10_001), manager(EAST), Err(QuotaError::CommissionAboveWhole(Bps(10_001))));
}

#[test]
fn a_stream_holding_another_reps_or_periods_quota_refuses_the_command() {
    let other_period = QuotaCommand::Set {
        rep: ALICE,
        team: Some(EAST),
        period: period("2026-Q3"),
        amount: eur(1),
        commission_bps: Bps(0),
    };
    check(&[quota_set(1, 0, 0)], other_period, manager(EAST), Err(QuotaError::OtherQuota));
    let other_rep = QuotaCommand::Set {
        rep: UserId(uuid::Uuid::from_u128(0xb0b)),
        team: Some(EAST),
        period: period("2026-Q2"),
        amount: eur(1),
        commission_bps: Bps(0),
    };
    check(&[quota_set(1, 0, 0)], other_rep, manager(EAST), Err(QuotaError::OtherQuota));
}

#[test]
fn the_stream_of_a_rep_and_period_is_always_the_same_and_differs_from_any_other() {
    let q2 = QuotaId::of(ALICE, &period("2026-Q2"));
    assert_eq!(q2, QuotaId::of(ALICE, &period("2026-Q2")));
    assert_ne!(q2, QuotaId::of(ALICE, &period("2026-Q3")));
    assert_ne!(q2, QuotaId::of(MARA, &period("2026-Q2")));
}
