//! Rep performance for a small quarter worked by hand: Alice with a revised quota, a win, a win
//! undone by a reopening and won again next quarter, a loss, a win in another currency, lead
//! activities and a follow-up; Bob with a win and a note but no quota.

use chrono::NaiveDate;
use expect_test::expect;
use ltc_domain::actor::{Actor, Ownership, Role};
use ltc_domain::ids::{CustomerId, LeadId, OpportunityId, TeamId, UserId};
use ltc_domain::lead::scoring::ScoringModel;
use ltc_domain::lead::{ActivityKind, Channel, Contact, LeadCommand, LeadDecider, LeadEvent};
use ltc_domain::money::{Bps, Money};
use ltc_domain::opportunity::{
    OpportunityCommand, OpportunityDecider, OpportunityEvent, Pipeline, StageKey, TaskId,
};
use ltc_domain::quota::{QuotaCommand, QuotaDecider, QuotaEvent, QuotaPeriod};
use rusqlite::Connection;
use uuid::Uuid;

use super::*;
use crate::models::collections::test_world::{TestStream, TestWorld, day, eur, noon, usd};

const ALICE: UserId = UserId(Uuid::from_u128(0xa11ce));
const BOB: UserId = UserId(Uuid::from_u128(0xb0b));
const MARA: UserId = UserId(Uuid::from_u128(0x3a7a));
const EAST: TeamId = TeamId(Uuid::from_u128(0xea57));

fn rep(user: UserId) -> Actor {
    Actor { user, role: Role::SalesRep, team: Some(EAST) }
}

fn manager() -> Actor {
    Actor { user: MARA, role: Role::SalesManager, team: Some(EAST) }
}

type Deal = TestStream<OpportunityDecider>;

fn open_deal(world: &mut TestWorld, id: u128, owner: UserId, amount: Money, on: NaiveDate) -> Deal {
    let mut deal =
        TestStream::new("opportunity", Uuid::from_u128(id), OpportunityEvent::event_type);
    let command = OpportunityCommand::Open {
        opportunity_id: OpportunityId(Uuid::from_u128(id)),
        customer_id: CustomerId(Uuid::from_u128(0xc)),
        name: format!("deal {id}"),
        owner,
        team: Some(EAST),
        amount,
        expected_close: day(2026, 6, 30),
        pipeline: Pipeline::default_sales(),
    };
    world.decide(&mut deal, command, &rep(owner), noon(on));
    deal
}

fn set_quota(
    world: &mut TestWorld,
    rep_id: UserId,
    period: &str,
    amount: Money,
    bps: u32,
    on: NaiveDate,
) {
    let period = QuotaPeriod(period.into());
    let stream_id = ltc_domain::quota::QuotaId::of(rep_id, &period).0;
    let mut quota = TestStream::<QuotaDecider>::new("quota", stream_id, QuotaEvent::event_type);
    // A fresh stream state each time is fine: a revision decides the same event either way.
    let command = QuotaCommand::Set {
        rep: rep_id,
        team: Some(EAST),
        period,
        amount,
        commission_bps: Bps(bps),
    };
    world.decide(&mut quota, command, &manager(), noon(on));
}

fn log_activities(
    world: &mut TestWorld,
    id: u128,
    owner: UserId,
    activities: &[(ActivityKind, NaiveDate)],
) {
    let mut lead =
        TestStream::<LeadDecider>::new("lead", Uuid::from_u128(id), LeadEvent::event_type);
    let capture = LeadCommand::Capture {
        lead_id: LeadId(Uuid::from_u128(id)),
        channel: Channel::WebForm,
        contact: Contact {
            name: format!("lead {id}"),
            email: None,
            phone: Some("+4930123456".into()),
        },
        company_name: None,
        website: None,
        industry: None,
        region: None,
        company_size: None,
        source: Default::default(),
        owner: Some(Ownership { owner, team: Some(EAST) }),
        duplicate_of: None,
        scoring_model: ScoringModel::default_model(vec![], vec![]),
    };
    world.decide(&mut lead, capture, &rep(owner), noon(day(2026, 1, 2)));
    for (kind, on) in activities {
        let command = LeadCommand::LogActivity { kind: *kind, summary: "talked".into() };
        world.decide(&mut lead, command, &rep(owner), noon(*on));
    }
}

/// Given the quarter, the read model built from it.
///
/// - Alice's 2026-Q1 quota: 1,000.00 EUR at 5 %, revised to 2,000.00 EUR at 12.5 %.
/// - Alice wins deal 1 on 02-10 at 600.04 EUR (raised from 500.00); wins deal 2 (900.00 EUR)
///   on 03-05, reopens it on 03-20 and wins it again on 04-02; loses deal 3 on 03-01 after
///   completing a follow-up on it on 02-15; wins deal 5, 100.00 USD, on 03-30.
/// - Alice calls on 01-15, emails on 02-01 and meets on 04-01; Bob notes on 03-03.
/// - Bob wins deal 4, 300.00 EUR, on 01-20, without a quota.
fn given_the_quarter() -> (TestWorld, Connection) {
    let world = &mut TestWorld::new();
    set_quota(world, ALICE, "2026-Q1", eur(100_000), 500, day(2026, 1, 2));
    set_quota(world, ALICE, "2026-Q1", eur(200_000), 1_250, day(2026, 1, 9));
    let alice = rep(ALICE);

    let mut deal_1 = open_deal(world, 1, ALICE, eur(50_000), day(2026, 1, 5));
    world.decide(
        &mut deal_1,
        OpportunityCommand::ChangeAmount { amount: eur(60_004) },
        &alice,
        noon(day(2026, 2, 1)),
    );
    world.decide(&mut deal_1, OpportunityCommand::Win, &alice, noon(day(2026, 2, 10)));

    let mut deal_2 = open_deal(world, 2, ALICE, eur(90_000), day(2026, 1, 6));
    world.decide(&mut deal_2, OpportunityCommand::Win, &alice, noon(day(2026, 3, 5)));
    let reopen = OpportunityCommand::Reopen { to: StageKey::new("negotiation") };
    world.decide(&mut deal_2, reopen, &alice, noon(day(2026, 3, 20)));
    world.decide(&mut deal_2, OpportunityCommand::Win, &alice, noon(day(2026, 4, 2)));

    let mut deal_3 = open_deal(world, 3, ALICE, eur(40_000), day(2026, 1, 7));
    let task_id = TaskId(Uuid::from_u128(0x7a5c));
    let schedule = OpportunityCommand::ScheduleFollowUp {
        task_id,
        due_on: day(2026, 2, 14),
        subject: "call back".into(),
    };
    world.decide(&mut deal_3, schedule, &alice, noon(day(2026, 2, 7)));
    world.decide(
        &mut deal_3,
        OpportunityCommand::CompleteFollowUp { task_id },
        &alice,
        noon(day(2026, 2, 15)),
    );
    let lose = OpportunityCommand::Lose { reason: "price".into(), competitor: None };
    world.decide(&mut deal_3, lose, &alice, noon(day(2026, 3, 1)));

    let mut deal_4 = open_deal(world, 4, BOB, eur(30_000), day(2026, 1, 8));
    world.decide(&mut deal_4, OpportunityCommand::Win, &rep(BOB), noon(day(2026, 1, 20)));

    let mut deal_5 = open_deal(world, 5, ALICE, usd(10_000), day(2026, 1, 9));
    world.decide(&mut deal_5, OpportunityCommand::Win, &alice, noon(day(2026, 3, 30)));

    log_activities(
        world,
        10,
        ALICE,
        &[
            (ActivityKind::Call, day(2026, 1, 15)),
            (ActivityKind::Email, day(2026, 2, 1)),
            (ActivityKind::Meeting, day(2026, 4, 1)),
        ],
    );
    log_activities(world, 11, BOB, &[(ActivityKind::Note, day(2026, 3, 3))]);

    let conn = world.project(Box::new(Reps::default()));
    let world = std::mem::replace(world, TestWorld::new());
    (world, conn)
}

#[test]
fn a_quarter_shows_the_latest_target_the_wins_that_stand_and_commission_rounded_half_up() {
    let (_world, conn) = given_the_quarter();
    let rows = rep_performance(&conn, "2026-Q1").unwrap();
    let alice = rows.iter().find(|row| row.rep_id == ALICE.0.to_string()).unwrap();
    // Deal 2's March win was undone by its reopening; deal 3 was lost.
    let eur_line = &alice.money[0];
    assert_eq!(eur_line.currency, "EUR");
    assert_eq!((eur_line.target_minor, eur_line.commission_bps), (Some(200_000), Some(1_250)));
    assert_eq!((eur_line.won_deals, eur_line.won_minor), (1, 60_004));
    // 600.04 × 12.5 % = 75.005, rounded half up to 75.01; 600.04 ÷ 2,000 = 30.002 %.
    assert_eq!(eur_line.commission_minor, Some(7_501));
    assert_eq!(eur_line.attainment_bps, Some(3_000));
    // The USD win has no quota in its currency, so no target and no commission.
    let usd_line = &alice.money[1];
    assert_eq!((usd_line.currency.as_str(), usd_line.won_minor), ("USD", 10_000));
    assert_eq!((usd_line.target_minor, usd_line.commission_minor), (None, None));
    assert_eq!(alice.won_deals, 2);
    assert_eq!((alice.calls, alice.emails, alice.meetings, alice.activities), (1, 1, 0, 2));
    assert_eq!(alice.follow_ups_completed, 1);
}

#[test]
fn a_deal_reopened_and_won_again_counts_in_the_period_of_its_latest_win() {
    let (_world, conn) = given_the_quarter();
    let rows = rep_performance(&conn, "2026-Q2").unwrap();
    let alice = rows.iter().find(|row| row.rep_id == ALICE.0.to_string()).unwrap();
    assert_eq!(alice.money.len(), 1);
    assert_eq!((alice.money[0].won_deals, alice.money[0].won_minor), (1, 90_000));
    assert_eq!(alice.money[0].target_minor, None, "the Q1 quota is not a Q2 target");
    assert_eq!(alice.meetings, 1);
    let march = rep_performance(&conn, "2026-03").unwrap();
    let alice = march.iter().find(|row| row.rep_id == ALICE.0.to_string()).unwrap();
    let won: Vec<(&str, i64)> =
        alice.money.iter().map(|line| (line.currency.as_str(), line.won_minor)).collect();
    assert_eq!(won, [("USD", 10_000)], "a quarter's quota is no month's target");
}

#[test]
fn the_quarter_renders_one_line_per_rep_and_currency() {
    let (_world, conn) = given_the_quarter();
    let mut rows = rep_performance(&conn, "2026-Q1").unwrap();
    for row in &mut rows {
        row.rep_id = if row.rep_id == ALICE.0.to_string() { "alice".into() } else { "bob".into() };
        row.team_id = row.team_id.as_ref().map(|_| "east".into());
    }
    expect![[r#"
        Rep performance 2026-Q1
        rep    team  currency    target     won  attained  deals  commission  calls  emails  meetings  notes  follow-ups
        -----  ----  --------  --------  ------  --------  -----  ----------  -----  ------  --------  -----  ----------
        bob    -     EUR              -  300.00         -      1           -      0       0         0      1           0
        alice  east  EUR       2,000.00  600.04    30.00%      1       75.01      1       1         0      0           1
                     USD              -  100.00         -      1           -
    "#]].assert_eq(&render("2026-Q1", &rows));
}

#[test]
fn a_malformed_period_is_refused() {
    let world = TestWorld::new();
    let conn = world.project(Box::new(Reps::default()));
    assert!(matches!(rep_performance(&conn, "2026-Q5"), Err(QueryError::InvalidPeriod(_))));
    assert!(rep_performance(&conn, "2026-Q1").unwrap().is_empty());
}

#[test]
fn attainment_is_rounded_half_up_to_a_basis_point_and_absent_without_a_positive_target() {
    use super::query::attainment_bps;
    assert_eq!(attainment_bps(2, 3), Some(6_667), "66.666… % shows as 66.67 %");
    assert_eq!(attainment_bps(1, 3), Some(3_333));
    assert_eq!(attainment_bps(97_965_005, 20_000_000), Some(48_983), "489.825 % up to 489.83 %");
    assert_eq!(attainment_bps(0, 5), Some(0));
    assert_eq!(attainment_bps(5, 0), None);
}
