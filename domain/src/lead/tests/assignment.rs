//! Auto-assignment: rule matching, round robin, and the per-rep cap.

use proptest::prelude::*;

use super::*;
use crate::lead::assignment::*;

const CARL: UserId = UserId(Uuid::from_u128(0xca41));

/// Captured and scored 60, in region `emea` and industry `software`, unassigned.
fn lead() -> Lead {
    lead_after(&[captured(), scored()])
}

fn rule(
    name: &str,
    region: Option<&str>,
    score_min: Option<u32>,
    reps: &[UserId],
) -> AssignmentRule {
    AssignmentRule {
        name: name.into(),
        region: region.map(Into::into),
        industry: None,
        score_min,
        reps: reps.to_vec(),
    }
}

fn candidate(rep: UserId, open_leads: u32, open_leads_max: u32) -> Candidate {
    Candidate { rep, team: Some(EAST), open_leads, open_leads_max }
}

/// A cursor at which `rule` last chose `rep`.
fn after(rule: &str, rep: UserId) -> RotationCursor {
    RotationCursor { last_assigned: [(rule.to_owned(), rep)].into() }
}

/// The owner `assign` picks, or its non-assignment decision.
fn owner(decision: AssignmentDecision) -> Result<(UserId, String), AssignmentDecision> {
    match decision {
        AssignmentDecision::Assign { owner, rule, next_cursor, .. } => {
            assert_eq!(next_cursor.last_assigned.get(&rule), Some(&owner), "the rule's turn moves");
            Ok((owner, rule))
        }
        other => Err(other),
    }
}

#[test]
fn the_first_rule_matching_region_industry_and_score_wins() {
    let candidates = [candidate(ALICE, 0, 5), candidate(BOB, 0, 5), candidate(CARL, 0, 5)];
    let mut software = rule("software", None, None, &[CARL]);
    software.industry = Some("software".into());
    let rules = [
        rule("apac", Some("apac"), None, &[ALICE]),
        rule("hot", Some(" EMEA "), Some(61), &[ALICE]),
        software,
        rule("emea", Some("emea"), None, &[BOB]),
    ];
    let decision = assign(&lead(), &rules, &candidates, &RotationCursor::default());
    assert_eq!(owner(decision), Ok((CARL, "software".into())));
    let decision = assign(&lead(), &rules[..2], &candidates, &RotationCursor::default());
    assert_eq!(owner(decision), Err(AssignmentDecision::NoMatchingRule));
    // The score threshold is the only thing keeping "hot" from matching, and rule keys are
    // compared normalised.
    let mut hot = lead();
    hot.score.total = 61;
    let decision = assign(&hot, &rules, &candidates, &RotationCursor::default());
    assert_eq!(owner(decision), Ok((ALICE, "hot".into())));
}

#[test]
fn reps_take_turns_after_the_cursor_and_an_unknown_cursor_starts_at_the_top() {
    let candidates = [candidate(ALICE, 0, 5), candidate(BOB, 0, 5), candidate(CARL, 0, 5)];
    let rules = [rule("all", None, None, &[ALICE, BOB, CARL])];
    let pick = |cursor| owner(assign(&lead(), &rules, &candidates, &cursor)).map(|(rep, _)| rep);
    assert_eq!(pick(RotationCursor::default()), Ok(ALICE));
    assert_eq!(pick(after("all", ALICE)), Ok(BOB));
    assert_eq!(pick(after("all", CARL)), Ok(ALICE));
    assert_eq!(pick(after("all", MARA)), Ok(ALICE));
    // Another rule's turn does not move this one's.
    assert_eq!(pick(after("apac", BOB)), Ok(ALICE));
}

#[test]
fn each_rule_keeps_its_own_turn_and_the_cursor_forgets_rules_no_longer_configured() {
    let candidates = [candidate(ALICE, 0, 5), candidate(BOB, 0, 5), candidate(CARL, 0, 5)];
    let rules =
        [rule("emea", Some("emea"), None, &[ALICE, BOB]), rule("rest", None, None, &[CARL])];
    let cursor = RotationCursor {
        last_assigned: [("emea".into(), ALICE), ("rest".into(), CARL), ("gone".into(), BOB)].into(),
    };
    let AssignmentDecision::Assign { owner, next_cursor, .. } =
        assign(&lead(), &rules, &candidates, &cursor)
    else {
        panic!("Bob has room");
    };
    assert_eq!(owner, BOB);
    let expected =
        RotationCursor { last_assigned: [("emea".into(), BOB), ("rest".into(), CARL)].into() };
    assert_eq!(next_cursor, expected);
}

#[test]
fn reps_at_their_cap_or_not_available_are_skipped_then_the_next_rule_is_tried() {
    let candidates = [candidate(ALICE, 5, 5), candidate(CARL, 4, 5)];
    let rules = [rule("east", None, None, &[ALICE, BOB]), rule("overflow", None, None, &[CARL])];
    let decision = assign(&lead(), &rules, &candidates, &RotationCursor::default());
    assert_eq!(owner(decision), Ok((CARL, "overflow".into())));
    let full = [candidate(ALICE, 5, 5), candidate(CARL, 7, 5)];
    let decision = assign(&lead(), &rules, &full, &RotationCursor::default());
    assert_eq!(owner(decision), Err(AssignmentDecision::AllAtCapacity));
}

#[test]
fn the_decision_becomes_an_assign_command_that_names_the_rule() {
    let rules = [rule("emea", Some("emea"), None, &[ALICE])];
    let decision = assign(&lead(), &rules, &[candidate(ALICE, 0, 1)], &RotationCursor::default());
    let AssignmentDecision::Assign { owner, team, rule, .. } = decision else {
        panic!("Alice has room");
    };
    let command = LeadCommand::Assign { owner, team, rule: Some(rule) };
    let expected = LeadEvent::Assigned {
        ownership: Ownership { owner: ALICE, team: Some(EAST) },
        previous: None,
        rule: Some("emea".into()),
        at: t(10),
    };
    check(&[captured(), scored()], command, with_role(Role::Admin), Ok(vec![expected]));
}

/// Assigns `n_leads` leads in turn under one rule over `reps`, feeding back the cursor and the
/// loads as the shell would; returns each rep's final load.
fn run_rotation(reps: &[(UserId, u32, u32)], n_leads: usize) -> Vec<u32> {
    let pool: Vec<UserId> = reps.iter().map(|(rep, _, _)| *rep).collect();
    let rules = [rule("all", None, None, &pool)];
    let mut candidates: Vec<Candidate> =
        reps.iter().map(|&(rep, load, cap)| candidate(rep, load, cap)).collect();
    let mut cursor = RotationCursor::default();
    for _ in 0..n_leads {
        let AssignmentDecision::Assign { owner, next_cursor, .. } =
            assign(&lead(), &rules, &candidates, &cursor)
        else {
            continue;
        };
        let chosen = candidates.iter_mut().find(|c| c.rep == owner).expect("a candidate");
        assert!(chosen.open_leads < chosen.open_leads_max, "a rep at the cap was chosen");
        chosen.open_leads += 1;
        cursor = next_cursor;
    }
    candidates.iter().map(|c| c.open_leads).collect()
}

fn rep_id(index: usize) -> UserId {
    UserId(Uuid::from_u128(0x1000 + index as u128))
}

proptest! {
    #[test]
    fn round_robin_never_takes_a_rep_past_their_cap(
        loads in prop::collection::vec((0u32..6, 0u32..6), 1..8),
        n_leads in 0usize..40,
    ) {
        let reps: Vec<(UserId, u32, u32)> =
            loads.iter().enumerate().map(|(index, &(load, cap))| (rep_id(index), load, cap)).collect();
        let final_loads = run_rotation(&reps, n_leads);
        for (&(_, load, cap), final_load) in reps.iter().zip(final_loads) {
            prop_assert!(final_load <= cap.max(load));
        }
    }

    #[test]
    fn round_robin_spreads_leads_evenly_across_equal_reps(
        n_reps in 1usize..8,
        n_leads in 0usize..60,
    ) {
        let reps: Vec<(UserId, u32, u32)> = (0..n_reps).map(|index| (rep_id(index), 3, 1_000)).collect();
        let final_loads = run_rotation(&reps, n_leads);
        let most = final_loads.iter().max().copied().unwrap_or(0);
        let fewest = final_loads.iter().min().copied().unwrap_or(0);
        prop_assert!(most - fewest <= 1, "loads {:?}", final_loads);
        prop_assert_eq!(final_loads.iter().map(|load| load - 3).sum::<u32>() as usize, n_leads);
    }
}
