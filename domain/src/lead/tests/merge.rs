//! Merging a duplicate into its survivor: `AbsorbDuplicate` on the survivor's stream,
//! `MergeInto` on the duplicate's.

use super::*;

const DUPLICATE: LeadId = LeadId(Uuid::from_u128(0xd0b));

/// A survivor with gaps: no phone and no company size.
fn survivor_history() -> Vec<LeadEvent> {
    let command = capture_with(|c| {
        if let LeadCommand::Capture { contact, company_size, .. } = c {
            contact.phone = None;
            *company_size = None;
        }
    });
    let context = Context { actor: manager(EAST), occurred_at: t(0) };
    let mut history = LeadDecider::decide(&LeadState::NotCaptured, &command, &context).unwrap();
    history.push(assigned(ALICE, EAST, 1));
    history
}

fn duplicate_data() -> DuplicateData {
    DuplicateData {
        contact: Contact {
            name: "A. Lovelace".into(),
            email: Some("ada@example.com".into()),
            phone: Some("+442079460958".into()),
        },
        company: Company { name: Some("Other Name".into()), domain: Some("example.com".into()) },
        industry: Some("consulting".into()),
        region: None,
        company_size: Some(CompanySize::Large),
        activities: ActivityTally { calls: 1, ..ActivityTally::default() },
    }
}

fn absorb() -> LeadCommand {
    LeadCommand::AbsorbDuplicate { duplicate: DUPLICATE, data: duplicate_data() }
}

fn merged(minute: i64) -> LeadEvent {
    LeadEvent::DuplicateMerged {
        duplicate: DUPLICATE,
        adopted: AdoptedFields {
            phone: Some("+442079460958".into()),
            company_size: Some(CompanySize::Large),
            activities: ActivityTally { calls: 1, ..ActivityTally::default() },
            ..AdoptedFields::default()
        },
        at: t(minute),
    }
}

/// The duplicate's own stream: captured as a duplicate of `SURVIVOR`.
fn duplicate_history() -> Vec<LeadEvent> {
    vec![captured(), LeadEvent::CapturedAsDuplicate { survivor: SURVIVOR }]
}

#[test]
fn the_survivor_adopts_only_the_fields_it_lacks_and_is_rescored() {
    let state = LeadDecider::replay(&survivor_history());
    let context = Context { actor: rep(ALICE), occurred_at: t(10) };
    let events = LeadDecider::decide(&state, &absorb(), &context).unwrap();
    assert_eq!(events[0], merged(10));
    // Before: web form 15, target industry 20, no size 0, 5 of 7 fields 10, no engagement: 45.
    // After: a large company 15, all 7 fields 15 and a call 5 make it 70.
    let [_, LeadEvent::Scored { score, .. }] = events.as_slice() else {
        panic!("absorbing records the merge and a new score, not {events:?}");
    };
    assert_eq!(lead_after(&survivor_history()).score.total, 45);
    assert_eq!(score.total, 70);
}

#[test]
fn replaying_a_merge_fills_the_survivors_gaps_and_keeps_its_own_data() {
    let mut history = survivor_history();
    history.push(merged(5));
    let lead = lead_after(&history);
    assert_eq!(lead.contact.phone.as_deref(), Some("+442079460958"));
    assert_eq!(lead.company.name.as_deref(), Some("Example Ltd"));
    assert_eq!(lead.industry.as_deref(), Some("software"));
    assert_eq!(lead.company_size, Some(CompanySize::Large));
    assert_eq!(lead.activities.calls, 1);
    assert_eq!(lead.merged_duplicates, vec![DUPLICATE]);
}

#[test]
fn absorbing_the_same_duplicate_again_records_nothing() {
    let mut history = survivor_history();
    history.push(merged(5));
    check(&history, absorb(), rep(ALICE), Ok(vec![]));
}

#[test]
fn a_lead_cannot_absorb_itself_nor_absorb_once_converted_or_while_a_duplicate() {
    let itself = LeadCommand::AbsorbDuplicate { duplicate: LEAD, data: duplicate_data() };
    check(&survivor_history(), itself, rep(ALICE), Err(LeadError::SelfDuplicate));
    let mut converted = survivor_history();
    converted.push(qualified(2));
    converted.push(LeadEvent::Converted {
        customer: ConvertTo::ExistingCustomer(crate::ids::CustomerId(Uuid::from_u128(1))),
        contact_id: ContactId(Uuid::from_u128(2)),
        opportunity_id: crate::ids::OpportunityId(Uuid::from_u128(3)),
        contact: Contact::default(),
        company: Company::default(),
        ownership: Ownership { owner: ALICE, team: Some(EAST) },
        at: t(3),
    });
    check(&converted, absorb(), rep(ALICE), Err(LeadError::Closed(Status::Converted)));
    let awaiting = Err(LeadError::AwaitingMerge { survivor: SURVIVOR });
    check(&duplicate_history(), absorb(), manager(EAST), awaiting);
}

#[test]
fn absorbing_past_the_activity_limit_is_rejected() {
    let mut data = duplicate_data();
    data.activities.notes = ACTIVITIES_MAX;
    let command = LeadCommand::AbsorbDuplicate { duplicate: DUPLICATE, data };
    check(&survivor_history(), command, rep(ALICE), Err(LeadError::Full("activities")));
}

#[test]
fn the_duplicate_is_merged_into_its_survivor_once_and_then_closed() {
    let merge = || LeadCommand::MergeInto { survivor: SURVIVOR };
    let merged_into = LeadEvent::MergedInto { survivor: SURVIVOR, at: t(10) };
    check(&duplicate_history(), merge(), manager(EAST), Ok(vec![merged_into.clone()]));
    let mut after = duplicate_history();
    after.push(merged_into);
    check(&after, merge(), manager(EAST), Ok(vec![]));
    let elsewhere = LeadCommand::MergeInto { survivor: DUPLICATE };
    check(&after, elsewhere, manager(EAST), Err(LeadError::Closed(Status::Merged)));
    check(&after, LeadCommand::Qualify, manager(EAST), Err(LeadError::Closed(Status::Merged)));
}

#[test]
fn a_duplicate_waits_for_its_merge_and_cannot_merge_into_itself() {
    let awaiting = Err(LeadError::AwaitingMerge { survivor: SURVIVOR });
    check(&duplicate_history(), LeadCommand::Qualify, manager(EAST), awaiting);
    let itself = LeadCommand::MergeInto { survivor: LEAD };
    check(&duplicate_history(), itself, manager(EAST), Err(LeadError::SelfDuplicate));
}

#[test]
fn a_rep_may_not_merge_an_unassigned_duplicate() {
    let merge = LeadCommand::MergeInto { survivor: SURVIVOR };
    let forbidden = Err(LeadError::Forbidden { role: Role::SalesRep });
    check(&duplicate_history(), merge, rep(ALICE), forbidden);
}

#[test]
fn a_survivor_absorbs_at_most_the_duplicate_limit_and_a_converted_lead_is_not_merged_away() {
    let mut full = survivor_history();
    full.extend((0..MERGED_DUPLICATES_MAX).map(|index| LeadEvent::DuplicateMerged {
        duplicate: LeadId(Uuid::from_u128(0x10_000 + index as u128)),
        adopted: AdoptedFields::default(),
        at: t(2),
    }));
    check(&full, absorb(), rep(ALICE), Err(LeadError::Full("merged duplicates")));
    let mut converted = alices_lead();
    converted.push(qualified(2));
    converted.push(LeadEvent::Converted {
        customer: ConvertTo::NewCustomer(crate::ids::CustomerId(Uuid::from_u128(1))),
        contact_id: ContactId(Uuid::from_u128(2)),
        opportunity_id: crate::ids::OpportunityId(Uuid::from_u128(3)),
        contact: Contact::default(),
        company: Company::default(),
        ownership: Ownership { owner: ALICE, team: Some(EAST) },
        at: t(3),
    });
    let merge = LeadCommand::MergeInto { survivor: SURVIVOR };
    check(&converted, merge, rep(ALICE), Err(LeadError::Closed(Status::Converted)));
}
