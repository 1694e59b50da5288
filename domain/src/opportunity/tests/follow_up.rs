//! Follow-up tasks as given / when / then: scheduled while the deal is open, each id once,
//! completed once, and never more than the bounds allow.

use super::*;

fn task(n: u128) -> TaskId {
    TaskId(Uuid::from_u128(0x7a5c_0000 + n))
}

/// 2026-03-02 plus `days`: the day `check` decides on, and later.
fn day(days: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap() + chrono::Days::new(days)
}

fn schedule(n: u128, due_in_days: u64) -> OpportunityCommand {
    OpportunityCommand::ScheduleFollowUp {
        task_id: task(n),
        due_on: day(due_in_days),
        subject: "Call about the proposal".into(),
    }
}

fn scheduled(n: u128, due_in_days: u64, minute: i64) -> OpportunityEvent {
    OpportunityEvent::FollowUpScheduled {
        task_id: task(n),
        due_on: day(due_in_days),
        subject: "Call about the proposal".into(),
        at: t(minute),
    }
}

fn complete(n: u128) -> OpportunityCommand {
    OpportunityCommand::CompleteFollowUp { task_id: task(n) }
}

fn completed(n: u128, minute: i64) -> OpportunityEvent {
    OpportunityEvent::FollowUpCompleted { task_id: task(n), at: t(minute) }
}

#[test]
fn scheduling_records_the_task_with_its_due_date_and_a_repeat_records_nothing() {
    check(&[opened()], schedule(1, 3), rep(ALICE), Ok(vec![scheduled(1, 3, 10)]));
    check(&[opened(), scheduled(1, 3, 5)], schedule(1, 3), rep(ALICE), Ok(vec![]));
}

#[test]
fn a_task_id_reused_for_another_follow_up_is_refused() {
    let given = [opened(), scheduled(1, 3, 5)];
    check(&given, schedule(1, 4), rep(ALICE), Err(OpportunityError::TaskIdReused(task(1))));
}

#[test]
fn an_open_task_is_completed_once_and_a_second_completion_is_refused() {
    let given = [opened(), scheduled(1, 3, 5)];
    check(&given, complete(1), rep(ALICE), Ok(vec![completed(1, 10)]));
    let done = [opened(), scheduled(1, 3, 5), completed(1, 7)];
    let expected = OpportunityError::FollowUpAlreadyCompleted(task(1));
    check(&done, complete(1), rep(ALICE), Err(expected));
}

#[test]
fn completing_a_task_the_opportunity_does_not_have_is_refused() {
    let given = [opened(), scheduled(1, 3, 5)];
    check(&given, complete(2), rep(ALICE), Err(OpportunityError::UnknownTask(task(2))));
}

#[test]
fn a_closed_deal_schedules_no_follow_up_but_its_open_tasks_can_still_be_completed() {
    let won_deal = [opened(), scheduled(1, 3, 5), won(6)];
    check(&won_deal, schedule(2, 3), rep(ALICE), Err(OpportunityError::Closed(Status::Won)));
    check(&won_deal, complete(1), rep(ALICE), Ok(vec![completed(1, 10)]));
    let lost_deal = [opened(), lost(6)];
    check(&lost_deal, schedule(2, 3), rep(ALICE), Err(OpportunityError::Closed(Status::Lost)));
}

#[test]
fn a_follow_up_needs_a_subject_and_cannot_fall_due_before_it_is_scheduled() {
    let yesterday = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let early = OpportunityCommand::ScheduleFollowUp {
        task_id: task(1),
        due_on: yesterday,
        subject: "Call".into(),
    };
    let expected = OpportunityError::FollowUpDueInPast { due_on: yesterday, scheduled_on: day(0) };
    check(&[opened()], early, rep(ALICE), Err(expected));
    check(&[opened()], schedule(1, 0), rep(ALICE), Ok(vec![scheduled(1, 0, 10)]));
    for subject in [" ".to_owned(), "x".repeat(TEXT_BYTES_MAX + 1)] {
        let command =
            OpportunityCommand::ScheduleFollowUp { task_id: task(1), due_on: day(3), subject };
        check(&[opened()], command, rep(ALICE), Err(OpportunityError::Text { field: "subject" }));
    }
}

#[test]
fn an_opportunity_holds_a_bounded_number_of_open_follow_ups_and_of_follow_ups_in_all() {
    let mut full = vec![opened()];
    full.extend((0..u128::from(FOLLOW_UPS_OPEN_MAX)).map(|n| scheduled(n, 3, 1)));
    let next = u128::from(FOLLOW_UPS_MAX);
    check(&full, schedule(next, 3), rep(ALICE), Err(OpportunityError::TooManyOpenFollowUps));
    full.push(completed(0, 2));
    check(&full, schedule(next, 3), rep(ALICE), Ok(vec![scheduled(next, 3, 10)]));

    let mut exhausted = vec![opened()];
    for n in 0..u128::from(FOLLOW_UPS_MAX) {
        exhausted.push(scheduled(n, 3, 1));
        exhausted.push(completed(n, 1));
    }
    check(&exhausted, schedule(next, 3), rep(ALICE), Err(OpportunityError::FollowUpsExhausted));
}

#[test]
fn only_those_who_may_change_the_deal_schedule_or_complete_its_follow_ups() {
    let forbidden = Err(OpportunityError::Forbidden { role: Role::SalesRep });
    check(&[opened()], schedule(1, 3), rep(BOB), forbidden.clone());
    check(&[opened(), scheduled(1, 3, 5)], complete(1), rep(BOB), forbidden);
    let admin = with_role(Role::Admin);
    check(&[opened()], schedule(1, 3), admin, Ok(vec![scheduled(1, 3, 10)]));
}

#[test]
fn replay_keeps_every_follow_up_and_only_the_uncompleted_ones_open() {
    let history = [opened(), scheduled(1, 3, 1), scheduled(2, 5, 2), completed(1, 4)];
    let OpportunityState::Opened(opportunity) = OpportunityDecider::replay(&history) else {
        panic!("the history opens the opportunity");
    };
    assert_eq!(opportunity.follow_ups.len(), 2);
    assert_eq!(opportunity.follow_ups[0].completed_at, Some(t(4)));
    let open: Vec<TaskId> = opportunity.open_follow_ups().map(|task| task.task_id).collect();
    assert_eq!(open, [task(2)]);
}
