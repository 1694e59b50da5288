//! The opportunity's rules as given / when / then: given these past events, when this command
//! arrives from this actor, then exactly these events (or this rejection).

mod follow_up;

use crate::testing::*;
use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::actor::{Actor, Ownership, Role};
use crate::decider::{Context, Decider};
use crate::ids::{CustomerId, OpportunityId};
use crate::money::{Bps, Currency, Money};

const DEAL: OpportunityId = OpportunityId(Uuid::from_u128(0xdea1));
const ACME: CustomerId = CustomerId(Uuid::from_u128(0xac3e));

fn close_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
}

fn stage(key: &str) -> StageKey {
    StageKey::new(key)
}

fn open_command() -> OpportunityCommand {
    OpportunityCommand::Open {
        opportunity_id: DEAL,
        customer_id: ACME,
        name: "ACME renewal".into(),
        owner: ALICE,
        team: Some(EAST),
        amount: eur(1_200_000),
        expected_close: close_date(),
        pipeline: Pipeline::default_sales(),
    }
}

/// The event `open_command` produces at minute 0.
fn opened() -> OpportunityEvent {
    OpportunityEvent::Opened {
        opportunity_id: DEAL,
        customer_id: ACME,
        name: "ACME renewal".into(),
        ownership: Ownership { owner: ALICE, team: Some(EAST) },
        amount: eur(1_200_000),
        expected_close: close_date(),
        pipeline: Pipeline::default_sales(),
        stage: stage("qualification"),
        probability: Bps(1_000),
        forecast_category: ForecastCategory::Pipeline,
        at: t(0),
    }
}

fn moved(
    from: &str,
    to: &str,
    bps: u32,
    category: ForecastCategory,
    minute: i64,
) -> OpportunityEvent {
    OpportunityEvent::StageMoved {
        from: stage(from),
        to: stage(to),
        probability: Bps(bps),
        forecast_category: category,
        at: t(minute),
    }
}

fn won(minute: i64) -> OpportunityEvent {
    OpportunityEvent::Won { stage: stage("closed_won"), amount: eur(1_200_000), at: t(minute) }
}

fn lost(minute: i64) -> OpportunityEvent {
    OpportunityEvent::Lost {
        stage: stage("closed_lost"),
        reason: "price".into(),
        competitor: Some("Globex".into()),
        at: t(minute),
    }
}

/// Given `history`, when `actor` sends `command` at minute 10, then `expected`.
#[track_caller]
fn check(
    history: &[OpportunityEvent],
    command: OpportunityCommand,
    actor: Actor,
    expected: Result<Vec<OpportunityEvent>, OpportunityError>,
) {
    let state = OpportunityDecider::replay(history);
    let context = Context { actor, occurred_at: t(10) };
    assert_eq!(OpportunityDecider::decide(&state, &command, &context), expected);
}

#[test]
fn open_starts_at_the_first_stage_with_its_probability_and_forecast_category() {
    let state = OpportunityState::default();
    let context = Context { actor: rep(ALICE), occurred_at: t(0) };
    let events = OpportunityDecider::decide(&state, &open_command(), &context).unwrap();
    assert_eq!(events, vec![opened()]);
}

#[test]
fn opening_again_with_the_same_id_and_details_is_a_no_op_even_after_changes() {
    check(&[opened()], open_command(), rep(ALICE), Ok(vec![]));
    let changed = [
        opened(),
        OpportunityEvent::AmountChanged { from: eur(1_200_000), to: eur(1_500_000) },
        OpportunityEvent::ExpectedCloseChanged {
            from: close_date(),
            to: NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
        },
    ];
    check(&changed, open_command(), rep(ALICE), Ok(vec![]));
}

#[test]
fn opening_again_with_another_id_or_other_details_is_rejected() {
    let already = Err(OpportunityError::AlreadyOpened(DEAL));
    let with = |edit: fn(&mut OpportunityCommand)| {
        let mut command = open_command();
        edit(&mut command);
        command
    };
    let other_id = with(|c| {
        if let OpportunityCommand::Open { opportunity_id, .. } = c {
            *opportunity_id = OpportunityId(Uuid::from_u128(0x07e4));
        }
    });
    check(&[opened()], other_id, rep(ALICE), already.clone());
    let other_name = with(|c| {
        if let OpportunityCommand::Open { name, .. } = c {
            *name = "ACME expansion".into();
        }
    });
    check(&[opened()], other_name, rep(ALICE), already.clone());
    let other_amount = with(|c| {
        if let OpportunityCommand::Open { amount, .. } = c {
            *amount = eur(1_500_000);
        }
    });
    // Also after the amount was changed to exactly that: the opening asked for another one.
    let raised =
        [opened(), OpportunityEvent::AmountChanged { from: eur(1_200_000), to: eur(1_500_000) }];
    check(&raised, other_amount.clone(), rep(ALICE), already.clone());
    check(&[opened()], other_amount, rep(ALICE), already);
}

#[test]
fn open_rejects_a_bad_name_a_negative_amount_and_an_invalid_pipeline() {
    let with = |edit: fn(&mut OpportunityCommand)| {
        let mut command = open_command();
        edit(&mut command);
        command
    };
    let no_name = with(|c| {
        if let OpportunityCommand::Open { name, .. } = c {
            *name = "  ".into();
        }
    });
    check(&[], no_name, rep(ALICE), Err(OpportunityError::Text { field: "name" }));
    let negative = with(|c| {
        if let OpportunityCommand::Open { amount, .. } = c {
            *amount = eur(-1);
        }
    });
    check(&[], negative, rep(ALICE), Err(OpportunityError::NegativeAmount));
    let no_lost_stage = with(|c| {
        if let OpportunityCommand::Open { pipeline, .. } = c {
            pipeline.stages.pop();
        }
    });
    check(&[], no_lost_stage, rep(ALICE), Err(PipelineError::ClosingStages.into()));
}

#[test]
fn every_command_but_open_needs_an_opened_opportunity() {
    for command in [
        OpportunityCommand::MoveStage { to: stage("proposal") },
        OpportunityCommand::Win,
        OpportunityCommand::ChangeAmount { amount: eur(1) },
    ] {
        check(&[], command, rep(ALICE), Err(OpportunityError::NotOpened));
    }
}

#[test]
fn a_stage_move_forward_or_back_records_the_probability_and_category_of_that_moment() {
    let forward = OpportunityCommand::MoveStage { to: stage("negotiation") };
    let expected = moved("qualification", "negotiation", 8_000, ForecastCategory::Commit, 10);
    check(&[opened()], forward, rep(ALICE), Ok(vec![expected.clone()]));

    let back = OpportunityCommand::MoveStage { to: stage("needs_analysis") };
    let expected_back =
        moved("negotiation", "needs_analysis", 2_000, ForecastCategory::Pipeline, 10);
    check(&[opened(), expected], back, rep(ALICE), Ok(vec![expected_back]));
}

#[test]
fn moving_to_the_current_stage_records_nothing() {
    let same = OpportunityCommand::MoveStage { to: stage("qualification") };
    check(&[opened()], same, rep(ALICE), Ok(vec![]));
}

#[test]
fn moving_to_an_unknown_or_closing_stage_is_rejected() {
    let unknown = OpportunityCommand::MoveStage { to: stage("celebration") };
    check(
        &[opened()],
        unknown,
        rep(ALICE),
        Err(OpportunityError::UnknownStage(stage("celebration"))),
    );
    let closing = OpportunityCommand::MoveStage { to: stage("closed_won") };
    check(
        &[opened()],
        closing,
        rep(ALICE),
        Err(OpportunityError::ClosingStage(stage("closed_won"))),
    );
}

#[test]
fn the_amount_changes_only_within_its_currency_and_never_below_zero() {
    let raise = OpportunityCommand::ChangeAmount { amount: eur(1_500_000) };
    let expected = OpportunityEvent::AmountChanged { from: eur(1_200_000), to: eur(1_500_000) };
    check(&[opened()], raise, rep(ALICE), Ok(vec![expected]));

    let dollars = Money::new(1_500_000, Currency::new("USD").unwrap());
    let mismatch = OpportunityError::CurrencyMismatch {
        expected: Currency::new("EUR").unwrap(),
        got: Currency::new("USD").unwrap(),
    };
    check(
        &[opened()],
        OpportunityCommand::ChangeAmount { amount: dollars },
        rep(ALICE),
        Err(mismatch),
    );
    let negative = OpportunityCommand::ChangeAmount { amount: eur(-5) };
    check(&[opened()], negative, rep(ALICE), Err(OpportunityError::NegativeAmount));
    let same = OpportunityCommand::ChangeAmount { amount: eur(1_200_000) };
    check(&[opened()], same, rep(ALICE), Ok(vec![]));
}

#[test]
fn the_expected_close_date_changes_and_an_unchanged_date_records_nothing() {
    let later = NaiveDate::from_ymd_opt(2026, 9, 30).unwrap();
    let command = OpportunityCommand::ChangeExpectedClose { expected_close: later };
    let expected = OpportunityEvent::ExpectedCloseChanged { from: close_date(), to: later };
    check(&[opened()], command, rep(ALICE), Ok(vec![expected]));
    let same = OpportunityCommand::ChangeExpectedClose { expected_close: close_date() };
    check(&[opened()], same, rep(ALICE), Ok(vec![]));
}

#[test]
fn winning_closes_at_the_pipelines_won_stage_with_the_current_amount() {
    check(&[opened()], OpportunityCommand::Win, rep(ALICE), Ok(vec![won(10)]));
    check(&[opened(), won(5)], OpportunityCommand::Win, rep(ALICE), Ok(vec![]));
    let after_win = OpportunityCommand::MoveStage { to: stage("proposal") };
    check(&[opened(), won(5)], after_win, rep(ALICE), Err(OpportunityError::Closed(Status::Won)));
    check(
        &[opened(), lost(5)],
        OpportunityCommand::Win,
        rep(ALICE),
        Err(OpportunityError::Closed(Status::Lost)),
    );
}

#[test]
fn losing_records_the_reason_and_competitor_and_needs_a_reason() {
    let lose =
        OpportunityCommand::Lose { reason: "price".into(), competitor: Some("Globex".into()) };
    check(&[opened()], lose.clone(), rep(ALICE), Ok(vec![lost(10)]));
    check(&[opened(), lost(5)], lose, rep(ALICE), Ok(vec![]));
    let no_reason = OpportunityCommand::Lose { reason: String::new(), competitor: None };
    check(&[opened()], no_reason, rep(ALICE), Err(OpportunityError::Text { field: "reason" }));
}

#[test]
fn a_closed_deal_reopens_at_an_open_stage_and_an_open_one_cannot_be_reopened() {
    let reopen = OpportunityCommand::Reopen { to: stage("negotiation") };
    let expected = OpportunityEvent::Reopened {
        to: stage("negotiation"),
        probability: Bps(8_000),
        forecast_category: ForecastCategory::Commit,
        at: t(10),
    };
    check(&[opened(), lost(5)], reopen.clone(), rep(ALICE), Ok(vec![expected]));
    check(&[opened()], reopen, rep(ALICE), Err(OpportunityError::NotClosed));
    let to_closing = OpportunityCommand::Reopen { to: stage("closed_won") };
    check(
        &[opened(), lost(5)],
        to_closing,
        rep(ALICE),
        Err(OpportunityError::ClosingStage(stage("closed_won"))),
    );
}

#[test]
fn reps_change_their_own_deals_managers_their_teams_and_admins_any() {
    let command = || OpportunityCommand::MoveStage { to: stage("proposal") };
    let expected =
        || Ok(vec![moved("qualification", "proposal", 5_000, ForecastCategory::BestCase, 10)]);
    check(&[opened()], command(), rep(ALICE), expected());
    check(&[opened()], command(), manager(EAST), expected());
    check(&[opened()], command(), with_role(Role::Admin), expected());

    check(
        &[opened()],
        command(),
        rep(BOB),
        Err(OpportunityError::Forbidden { role: Role::SalesRep }),
    );
    let other_team = Err(OpportunityError::Forbidden { role: Role::SalesManager });
    check(&[opened()], command(), manager(WEST), other_team);
    for role in [Role::Finance, Role::Auditor] {
        check(&[opened()], command(), with_role(role), Err(OpportunityError::Forbidden { role }));
    }
    check(&[], open_command(), rep(BOB), Err(OpportunityError::Forbidden { role: Role::SalesRep }));
}

#[test]
fn replay_keeps_every_stage_visit_in_order_with_its_time_and_probability() {
    let history = [
        opened(),
        moved("qualification", "proposal", 5_000, ForecastCategory::BestCase, 3),
        lost(7),
        OpportunityEvent::Reopened {
            to: stage("negotiation"),
            probability: Bps(8_000),
            forecast_category: ForecastCategory::Commit,
            at: t(9),
        },
    ];
    let OpportunityState::Opened(opportunity) = OpportunityDecider::replay(&history) else {
        panic!("the history opens the opportunity");
    };
    let visits: Vec<(String, u32, DateTime<Utc>)> = opportunity
        .stage_history
        .iter()
        .map(|visit| (visit.stage.0.clone(), visit.probability.0, visit.entered_at))
        .collect();
    assert_eq!(
        visits,
        [
            ("qualification".into(), 1_000, t(0)),
            ("proposal".into(), 5_000, t(3)),
            ("closed_lost".into(), 0, t(7)),
            ("negotiation".into(), 8_000, t(9)),
        ]
    );
    assert_eq!(opportunity.status, Status::Open);
}

fn any_command() -> impl Strategy<Value = OpportunityCommand> {
    let stages = prop::sample::select(vec![
        "qualification",
        "needs_analysis",
        "proposal",
        "negotiation",
        "closed_won",
        "closed_lost",
        "nowhere",
    ]);
    prop_oneof![
        stages.clone().prop_map(|key| OpportunityCommand::MoveStage { to: stage(key) }),
        stages.prop_map(|key| OpportunityCommand::Reopen { to: stage(key) }),
        (-10i64..3_000_000)
            .prop_map(|amount| OpportunityCommand::ChangeAmount { amount: eur(amount) }),
        Just(OpportunityCommand::Win),
        Just(OpportunityCommand::Lose { reason: "timing".into(), competitor: None }),
    ]
}

proptest! {
    /// Whatever is accepted, in whatever order: the status matches the outcome of the current
    /// stage, stage visits are in time order, and the amount is never negative.
    #[test]
    fn any_accepted_command_sequence_keeps_status_stage_and_time_consistent(
        commands in prop::collection::vec(any_command(), 0..40)
    ) {
        let mut state = OpportunityDecider::replay(&[opened()]);
        for (minute, command) in (1..).zip(&commands) {
            let context = Context { actor: rep(ALICE), occurred_at: t(minute) };
            if let Ok(events) = OpportunityDecider::decide(&state, command, &context) {
                state = events.iter().fold(state, OpportunityDecider::evolve);
            }
        }
        let OpportunityState::Opened(opportunity) = state else { unreachable!("opened above") };
        let current = opportunity.pipeline.stage(&opportunity.current_stage().stage).unwrap();
        let expected_status = match current.outcome {
            StageOutcome::Open => Status::Open,
            StageOutcome::Won => Status::Won,
            StageOutcome::Lost => Status::Lost,
        };
        prop_assert_eq!(opportunity.status, expected_status);
        prop_assert!(opportunity.stage_history.windows(2).all(|pair| pair[0].entered_at <= pair[1].entered_at));
        prop_assert!(!opportunity.amount.is_negative());
    }
}
