//! Opportunity moved to a stage → one follow-up task, due the stage's number of days later; none
//! for a deal closed since or one whose owner already has all the open tasks it may.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use ltc_domain::opportunity::{FOLLOW_UPS_OPEN_MAX, OpportunityCommand, StageKey, TaskId};
use ltc_eventstore::{Position, StreamId};
use uuid::Uuid;

use super::world::{DEAL, World};
use crate::process::{FollowUpSettings, FollowUps};

/// Five days in proposal, where the customer reads the quote; the default three elsewhere.
fn settings() -> FollowUpSettings {
    let days_by_stage = BTreeMap::from([(StageKey::new("proposal"), 5)]);
    FollowUpSettings { days_by_stage, ..FollowUpSettings::default() }
}

fn follow_ups(world: &World) -> FollowUps {
    FollowUps::new(world.store.clone(), world.opportunities.clone(), settings())
}

fn move_to(stage: &str) -> OpportunityCommand {
    OpportunityCommand::MoveStage { to: StageKey::new(stage) }
}

#[tokio::test]
async fn each_stage_move_schedules_one_follow_up_due_the_stages_days_later() {
    let world = World::new();
    world.open_deal().await;
    world.opportunity(move_to("needs_analysis")).await;
    world.opportunity(move_to("proposal")).await;
    let process = follow_ups(&world);
    assert_eq!(process.run_from(Position::START).await.unwrap(), 2);
    let head = world.head();
    assert_eq!(process.run_from(Position::START).await.unwrap(), 0);
    assert_eq!(world.head(), head, "a rerun appends nothing");

    let deal = world.deal();
    let due: Vec<(NaiveDate, &str)> =
        deal.follow_ups.iter().map(|task| (task.due_on, task.subject.as_str())).collect();
    let day = |day| NaiveDate::from_ymd_opt(2026, 4, day).unwrap();
    assert_eq!(
        due,
        [
            (day(4), "Follow up in needs_analysis: ACME rollout"),
            (day(6), "Follow up in proposal: ACME rollout"),
        ]
    );
    let stream = StreamId::new("opportunity", DEAL.0).unwrap();
    let moved = &world.store.read_stream(&stream, 2).unwrap()[0];
    assert_eq!(moved.event_type, "OpportunityStageMoved");
    assert_eq!(deal.follow_ups[0].task_id, FollowUps::task_of(moved), "the id derives from it");
}

#[tokio::test]
async fn a_reopened_deal_gets_a_follow_up_and_closing_one_schedules_nothing() {
    let world = World::new();
    world.open_deal().await;
    let lose = OpportunityCommand::Lose { reason: "no budget".into(), competitor: None };
    world.opportunity(lose).await;
    assert_eq!(follow_ups(&world).run_from(Position::START).await.unwrap(), 0);
    world.opportunity(OpportunityCommand::Reopen { to: StageKey::new("negotiation") }).await;
    assert_eq!(follow_ups(&world).run_from(Position::START).await.unwrap(), 1);
    assert_eq!(world.deal().open_follow_ups().count(), 1);
}

#[tokio::test]
async fn a_deal_closed_since_its_stage_move_gets_no_follow_up() {
    let world = World::new();
    world.open_deal().await;
    world.opportunity(move_to("proposal")).await;
    world.opportunity(OpportunityCommand::Win).await;
    let head = world.head();
    assert_eq!(follow_ups(&world).run_from(Position::START).await.unwrap(), 0);
    assert_eq!(world.head(), head);
}

#[tokio::test]
async fn an_owner_with_every_open_follow_up_allowed_gets_no_more() {
    let world = World::new();
    world.open_deal().await;
    for n in 0..u128::from(FOLLOW_UPS_OPEN_MAX) {
        let schedule = OpportunityCommand::ScheduleFollowUp {
            task_id: TaskId(Uuid::from_u128(0x7a5c + n)),
            due_on: NaiveDate::from_ymd_opt(2026, 4, 9).unwrap(),
            subject: "Send the reference list".into(),
        };
        world.opportunity(schedule).await;
    }
    world.opportunity(move_to("proposal")).await;
    assert_eq!(follow_ups(&world).run_from(Position::START).await.unwrap(), 0);
    assert_eq!(world.deal().follow_ups.len(), FOLLOW_UPS_OPEN_MAX as usize);
}
