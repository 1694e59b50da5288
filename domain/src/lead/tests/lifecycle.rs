//! Working a lead: assignment, activities and re-scoring, qualification, disqualification,
//! conversion, and who may do each.

use super::*;
use crate::ids::{CustomerId, OpportunityId};

const ACME: CustomerId = CustomerId(Uuid::from_u128(0xac3e));
const CONTACT: ContactId = ContactId(Uuid::from_u128(0xc0));
const DEAL: OpportunityId = OpportunityId(Uuid::from_u128(0xdea1));

fn assign(owner: UserId, team: TeamId) -> LeadCommand {
    LeadCommand::Assign { owner, team: Some(team), rule: None }
}

fn log(kind: ActivityKind) -> LeadCommand {
    LeadCommand::LogActivity { kind, summary: "first call".into() }
}

fn logged(kind: ActivityKind, by: UserId, minute: i64) -> LeadEvent {
    LeadEvent::ActivityLogged { kind, summary: "first call".into(), by, at: t(minute) }
}

fn convert() -> LeadCommand {
    LeadCommand::Convert {
        customer: ConvertTo::NewCustomer(ACME),
        contact_id: CONTACT,
        opportunity_id: DEAL,
    }
}

fn converted(minute: i64) -> LeadEvent {
    let LeadEvent::Captured { contact, company, .. } = captured() else { unreachable!() };
    LeadEvent::Converted {
        customer: ConvertTo::NewCustomer(ACME),
        contact_id: CONTACT,
        opportunity_id: DEAL,
        contact,
        company,
        ownership: Ownership { owner: ALICE, team: Some(EAST) },
        at: t(minute),
    }
}

fn disqualified(minute: i64) -> LeadEvent {
    LeadEvent::Disqualified { reason: "no budget".into(), at: t(minute) }
}

fn history(extra: &[LeadEvent]) -> Vec<LeadEvent> {
    alices_lead().into_iter().chain(extra.iter().cloned()).collect()
}

#[test]
fn every_command_but_capture_needs_a_captured_lead() {
    for command in [assign(ALICE, EAST), log(ActivityKind::Call), LeadCommand::Qualify, convert()] {
        check(&[], command, with_role(Role::Admin), Err(LeadError::NotCaptured));
    }
}

#[test]
fn a_manager_assigns_an_unassigned_lead_within_the_team_and_a_repeat_records_nothing() {
    let expected = assigned(ALICE, EAST, 10);
    check(&[captured(), scored()], assign(ALICE, EAST), manager(EAST), Ok(vec![expected]));
    check(&alices_lead(), assign(ALICE, EAST), manager(EAST), Ok(vec![]));
}

#[test]
fn reassigning_records_the_previous_owner_and_the_rule_that_chose_the_new_one() {
    let command = LeadCommand::Assign { owner: BOB, team: Some(WEST), rule: Some("west".into()) };
    let expected = LeadEvent::Assigned {
        ownership: Ownership { owner: BOB, team: Some(WEST) },
        previous: Some(Ownership { owner: ALICE, team: Some(EAST) }),
        rule: Some("west".into()),
        at: t(10),
    };
    check(&alices_lead(), command, with_role(Role::Admin), Ok(vec![expected]));
    let blank_rule = LeadCommand::Assign { owner: BOB, team: Some(EAST), rule: Some(" ".into()) };
    check(&alices_lead(), blank_rule, manager(EAST), Err(LeadError::Text { field: "rule" }));
}

#[test]
fn reps_finance_auditors_and_other_teams_managers_may_not_assign() {
    let forbidden = |role| Err(LeadError::Forbidden { role });
    check(&alices_lead(), assign(BOB, EAST), rep(ALICE), forbidden(Role::SalesRep));
    check(&alices_lead(), assign(BOB, WEST), manager(WEST), forbidden(Role::SalesManager));
    // A manager may not hand the team's lead to another team.
    check(&alices_lead(), assign(BOB, WEST), manager(EAST), forbidden(Role::SalesManager));
    for role in [Role::Finance, Role::Auditor] {
        check(&alices_lead(), assign(BOB, EAST), with_role(role), forbidden(role));
    }
}

#[test]
fn an_activity_that_changes_the_score_is_logged_and_rescored_in_one_decision() {
    let meeting = ActivityTally { meetings: 1, ..ActivityTally::default() };
    let expected = vec![logged(ActivityKind::Meeting, ALICE, 10), score_with(10, meeting, 10)];
    check(&alices_lead(), log(ActivityKind::Meeting), rep(ALICE), Ok(expected));
}

#[test]
fn an_activity_worth_no_points_or_past_the_engagement_cap_is_logged_without_a_new_score() {
    let note = vec![logged(ActivityKind::Note, ALICE, 10)];
    check(&alices_lead(), log(ActivityKind::Note), rep(ALICE), Ok(note));
    let two_meetings = ActivityTally { meetings: 2, ..ActivityTally::default() };
    let capped = history(&[
        logged(ActivityKind::Meeting, ALICE, 2),
        logged(ActivityKind::Meeting, ALICE, 3),
        score_with(20, two_meetings, 3),
    ]);
    let third = vec![logged(ActivityKind::Meeting, ALICE, 10)];
    check(&capped, log(ActivityKind::Meeting), rep(ALICE), Ok(third));
}

#[test]
fn an_activity_needs_a_summary_a_workable_lead_and_room_for_it() {
    let blank = LeadCommand::LogActivity { kind: ActivityKind::Call, summary: " ".into() };
    check(&alices_lead(), blank, rep(ALICE), Err(LeadError::Text { field: "summary" }));
    let closed = history(&[disqualified(5)]);
    let error = Err(LeadError::Closed(Status::Disqualified));
    check(&closed, log(ActivityKind::Call), rep(ALICE), error);
    let notes = ActivityTally { notes: ACTIVITIES_MAX, ..ActivityTally::default() };
    let adopted = AdoptedFields { activities: notes, ..AdoptedFields::default() };
    let full = history(&[LeadEvent::DuplicateMerged { duplicate: SURVIVOR, adopted, at: t(2) }]);
    check(&full, log(ActivityKind::Call), rep(ALICE), Err(LeadError::Full("activities")));
}

#[test]
fn qualifying_records_once_and_closed_leads_cannot_be_qualified() {
    check(&alices_lead(), LeadCommand::Qualify, rep(ALICE), Ok(vec![qualified(10)]));
    check(&history(&[qualified(5)]), LeadCommand::Qualify, rep(ALICE), Ok(vec![]));
    let error = Err(LeadError::Closed(Status::Disqualified));
    check(&history(&[disqualified(5)]), LeadCommand::Qualify, rep(ALICE), error);
}

#[test]
fn disqualifying_needs_a_reason_records_once_and_not_after_conversion() {
    let command = || LeadCommand::Disqualify { reason: "no budget".into() };
    check(&alices_lead(), command(), rep(ALICE), Ok(vec![disqualified(10)]));
    check(&history(&[qualified(3)]), command(), rep(ALICE), Ok(vec![disqualified(10)]));
    check(&history(&[disqualified(5)]), command(), rep(ALICE), Ok(vec![]));
    let blank = LeadCommand::Disqualify { reason: String::new() };
    check(&alices_lead(), blank, rep(ALICE), Err(LeadError::Text { field: "reason" }));
    let converted_lead = history(&[qualified(3), converted(4)]);
    check(&converted_lead, command(), rep(ALICE), Err(LeadError::Closed(Status::Converted)));
}

#[test]
fn converting_a_qualified_assigned_lead_names_the_customer_contact_and_opportunity_to_create() {
    check(&history(&[qualified(3)]), convert(), rep(ALICE), Ok(vec![converted(10)]));
    check(&history(&[qualified(3), converted(4)]), convert(), rep(ALICE), Ok(vec![]));
    let into_another_deal = LeadCommand::Convert {
        customer: ConvertTo::ExistingCustomer(ACME),
        contact_id: CONTACT,
        opportunity_id: OpportunityId(Uuid::from_u128(0x07e4)),
    };
    let converted_lead = history(&[qualified(3), converted(4)]);
    let error = Err(LeadError::Closed(Status::Converted));
    check(&converted_lead, into_another_deal, rep(ALICE), error);
    let conversion = lead_after(&converted_lead).conversion;
    let expected = Conversion {
        customer: ConvertTo::NewCustomer(ACME),
        contact_id: CONTACT,
        opportunity_id: DEAL,
    };
    assert_eq!(conversion, Some(expected));
}

#[test]
fn conversion_needs_a_qualified_lead_with_an_owner() {
    check(&alices_lead(), convert(), rep(ALICE), Err(LeadError::NotQualified));
    let unassigned = [captured(), scored(), qualified(3)];
    check(&unassigned, convert(), manager(EAST), Err(LeadError::Unassigned));
    let error = Err(LeadError::Closed(Status::Disqualified));
    check(&history(&[disqualified(3)]), convert(), rep(ALICE), error);
}

#[test]
fn reps_work_their_own_leads_managers_their_teams_and_admins_any() {
    let accepted = || Ok(vec![qualified(10)]);
    check(&alices_lead(), LeadCommand::Qualify, rep(ALICE), accepted());
    check(&alices_lead(), LeadCommand::Qualify, manager(EAST), accepted());
    check(&alices_lead(), LeadCommand::Qualify, with_role(Role::Admin), accepted());
    let forbidden = |role| Err(LeadError::Forbidden { role });
    check(&alices_lead(), LeadCommand::Qualify, rep(BOB), forbidden(Role::SalesRep));
    check(&alices_lead(), LeadCommand::Qualify, manager(WEST), forbidden(Role::SalesManager));
    for role in [Role::Finance, Role::Auditor] {
        check(&alices_lead(), LeadCommand::Qualify, with_role(role), forbidden(role));
    }
}

#[test]
fn only_managers_and_admins_work_a_lead_in_the_unassigned_queue() {
    let queue = [captured(), scored()];
    let note = Ok(vec![logged(ActivityKind::Note, MARA, 10)]);
    check(&queue, log(ActivityKind::Note), manager(WEST), note);
    let forbidden = Err(LeadError::Forbidden { role: Role::SalesRep });
    check(&queue, log(ActivityKind::Note), rep(ALICE), forbidden);
}

#[test]
fn converted_and_merged_leads_are_terminal_and_disqualified_ones_are_not() {
    let terminal =
        |extra: &[LeadEvent]| LeadDecider::is_terminal(&LeadDecider::replay(&history(extra)));
    assert!(!terminal(&[]));
    assert!(!terminal(&[disqualified(3)]));
    assert!(terminal(&[qualified(3), converted(4)]));
    assert!(terminal(&[LeadEvent::MergedInto { survivor: SURVIVOR, at: t(3) }]));
}

#[test]
fn replay_records_owner_activities_score_and_status() {
    let meeting = ActivityTally { meetings: 1, ..ActivityTally::default() };
    let lead = lead_after(&history(&[
        logged(ActivityKind::Meeting, ALICE, 2),
        score_with(10, meeting, 2),
        qualified(3),
    ]));
    assert_eq!(lead.ownership, Some(Ownership { owner: ALICE, team: Some(EAST) }));
    assert_eq!(lead.activities, meeting);
    assert_eq!(lead.score.total, 70);
    assert_eq!(lead.status, Status::Qualified);
}

#[test]
fn a_duplicate_awaiting_merge_or_a_converted_lead_is_neither_assigned_nor_worked() {
    let duplicate = [captured(), LeadEvent::CapturedAsDuplicate { survivor: SURVIVOR }];
    let awaiting = || Err(LeadError::AwaitingMerge { survivor: SURVIVOR });
    check(&duplicate, assign(ALICE, EAST), manager(EAST), awaiting());
    check(&duplicate, log(ActivityKind::Call), manager(EAST), awaiting());
    let converted_lead = history(&[qualified(3), converted(4)]);
    let closed = || Err(LeadError::Closed(Status::Converted));
    check(&converted_lead, assign(BOB, EAST), manager(EAST), closed());
    check(&converted_lead, log(ActivityKind::Call), rep(ALICE), closed());
}
