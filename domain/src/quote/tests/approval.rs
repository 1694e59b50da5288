//! Submitting: approved at once within the submitter's discount limit and the total threshold,
//! otherwise `QuoteSubmittedForApproval` with every reason.

use super::*;

fn created() -> Vec<QuoteEvent> {
    given(&[(create(), rep(ALICE))])
}

fn approved_within(by: UserId, policy: ApprovalPolicy) -> QuoteEvent {
    QuoteEvent::Approved {
        version: 1,
        by,
        basis: ApprovalBasis::WithinLimits { policy },
        at: t(10),
    }
}

#[test]
fn a_rep_within_the_default_limit_is_approved_at_once() {
    let history = given(&[(create_with(vec![line("SEAT", 20, 1_000)]), rep(ALICE))]);
    check(
        &history,
        submit(),
        rep(ALICE),
        Ok(vec![approved_within(ALICE, ApprovalPolicy::default())]),
    );
}

#[test]
fn a_discount_above_the_reps_limit_waits_for_approval_with_the_line_and_limit() {
    let expected = QuoteEvent::SubmittedForApproval {
        version: 1,
        by: ALICE,
        reasons: vec![ApprovalReason::DiscountAboveLimit {
            line_no: 1,
            discount_bps: Bps(1_200),
            discount_bps_max: Bps(1_000),
        }],
        policy: ApprovalPolicy::default(),
        at: t(10),
    };
    check(&created(), submit(), rep(ALICE), Ok(vec![expected]));
}

#[test]
fn managers_have_a_higher_limit_and_admins_none() {
    check(
        &created(),
        submit(),
        manager(EAST),
        Ok(vec![approved_within(MARA, ApprovalPolicy::default())]),
    );
    let history = given(&[(create_with(vec![line("SEAT", 20, 9_000)]), rep(ALICE))]);
    let result = QuoteDecider::decide(
        &QuoteDecider::replay(&history),
        &submit(),
        &Context { actor: manager(EAST), occurred_at: t(10) },
    );
    assert!(
        matches!(result.as_deref(), Ok([QuoteEvent::SubmittedForApproval { .. }])),
        "{result:?}"
    );
    check(
        &history,
        submit(),
        with_role(Role::Admin),
        Ok(vec![approved_within(MARA, ApprovalPolicy::default())]),
    );
}

#[test]
fn the_limits_in_the_command_replace_the_default_table() {
    let strict =
        ApprovalPolicy { sales_manager_discount_bps_max: Bps(500), ..ApprovalPolicy::default() };
    let result = QuoteDecider::decide(
        &QuoteDecider::replay(&created()),
        &QuoteCommand::Submit { policy: strict },
        &Context { actor: manager(EAST), occurred_at: t(10) },
    );
    assert!(
        matches!(result.as_deref(), Ok([QuoteEvent::SubmittedForApproval { .. }])),
        "{result:?}"
    );
}

#[test]
fn a_total_above_the_threshold_waits_for_approval_even_for_an_admin() {
    let policy = ApprovalPolicy { total_max: Some(eur(100_000)), ..ApprovalPolicy::default() };
    let expected = QuoteEvent::SubmittedForApproval {
        version: 1,
        by: MARA,
        reasons: vec![ApprovalReason::TotalAboveThreshold {
            total: eur(175_014),
            total_max: eur(100_000),
        }],
        policy: policy.clone(),
        at: t(10),
    };
    check(&created(), QuoteCommand::Submit { policy }, with_role(Role::Admin), Ok(vec![expected]));
    let at_threshold =
        ApprovalPolicy { total_max: Some(eur(175_014)), ..ApprovalPolicy::default() };
    check(
        &created(),
        QuoteCommand::Submit { policy: at_threshold.clone() },
        with_role(Role::Admin),
        Ok(vec![approved_within(MARA, at_threshold)]),
    );
}

#[test]
fn a_threshold_in_another_currency_is_rejected() {
    let policy = ApprovalPolicy { total_max: Some(usd(100_000)), ..ApprovalPolicy::default() };
    check(
        &created(),
        QuoteCommand::Submit { policy },
        rep(ALICE),
        Err(QuoteError::CurrencyMismatch {
            expected: Currency::new("EUR").unwrap(),
            got: Currency::new("USD").unwrap(),
        }),
    );
}

#[test]
fn submitting_again_records_nothing_and_a_rejected_quote_must_be_revised_first() {
    let pending = given(&[(create(), rep(ALICE)), (submit(), rep(ALICE))]);
    check(&pending, submit(), rep(ALICE), Ok(vec![]));
    let approved = given(&[(create(), rep(ALICE)), (submit(), manager(EAST))]);
    check(&approved, submit(), rep(ALICE), Ok(vec![]));
    let rejected = given(&[
        (create(), rep(ALICE)),
        (submit(), rep(ALICE)),
        (QuoteCommand::RejectApproval { reason: "too deep".into() }, manager(EAST)),
    ]);
    check(&rejected, submit(), rep(ALICE), Err(QuoteError::NotDraft(Status::ApprovalRejected)));
    check(&sent_history(), submit(), rep(ALICE), Err(QuoteError::NotDraft(Status::Sent)));
}

#[test]
fn a_manager_or_admin_approves_or_rejects_a_pending_quote() {
    let pending = given(&[(create(), rep(ALICE)), (submit(), rep(ALICE))]);
    let approved =
        QuoteEvent::Approved { version: 1, by: MARA, basis: ApprovalBasis::ByApprover, at: t(10) };
    check(&pending, QuoteCommand::Approve, manager(EAST), Ok(vec![approved.clone()]));
    check(&pending, QuoteCommand::Approve, with_role(Role::Admin), Ok(vec![approved.clone()]));
    let mut history = pending.clone();
    history.push(approved);
    check(&history, QuoteCommand::Approve, manager(EAST), Ok(vec![]));

    let reject = QuoteCommand::RejectApproval { reason: "margin too thin".into() };
    let rejected = QuoteEvent::ApprovalRejected {
        version: 1,
        by: MARA,
        reason: "margin too thin".into(),
        at: t(10),
    };
    check(&pending, reject.clone(), manager(EAST), Ok(vec![rejected.clone()]));
    let mut history = pending.clone();
    history.push(rejected);
    check(&history, reject, manager(EAST), Ok(vec![]));
    let no_reason = QuoteCommand::RejectApproval { reason: " ".into() };
    check(&pending, no_reason, manager(EAST), Err(QuoteError::Text { field: "reason" }));
}

#[test]
fn only_a_pending_quote_is_approved_or_rejected_and_never_by_a_rep() {
    let draft = created();
    check(
        &draft,
        QuoteCommand::Approve,
        manager(EAST),
        Err(QuoteError::NotPendingApproval(Status::Draft)),
    );
    let reject = QuoteCommand::RejectApproval { reason: "no".into() };
    check(&draft, reject, manager(EAST), Err(QuoteError::NotPendingApproval(Status::Draft)));
    let pending = given(&[(create(), rep(ALICE)), (submit(), rep(ALICE))]);
    check(
        &pending,
        QuoteCommand::Approve,
        rep(ALICE),
        Err(QuoteError::Forbidden { role: Role::SalesRep }),
    );
    let other_team = Err(QuoteError::Forbidden { role: Role::SalesManager });
    check(&pending, QuoteCommand::Approve, manager(WEST), other_team);
    for role in [Role::Finance, Role::Auditor] {
        check(
            &pending,
            QuoteCommand::Approve,
            with_role(role),
            Err(QuoteError::Forbidden { role }),
        );
    }
}

#[test]
fn whoever_submitted_a_quote_for_approval_cannot_approve_or_reject_it() {
    // A 90 % discount is over a manager's 25 % limit: Mara's own submission waits for approval.
    let history = given(&[
        (create_with(vec![line("SEAT", 20, 9_000)]), rep(ALICE)),
        (submit(), manager(EAST)),
    ]);
    check(&history, QuoteCommand::Approve, manager(EAST), Err(QuoteError::SelfApproval));
    let reject = QuoteCommand::RejectApproval { reason: "too deep".into() };
    check(&history, reject, manager(EAST), Err(QuoteError::SelfApproval));

    let admin = with_role(Role::Admin);
    let admin = Actor { user: UserId(uuid::Uuid::from_u128(0xad31)), ..admin };
    let approved = QuoteDecider::decide(
        &QuoteDecider::replay(&history),
        &QuoteCommand::Approve,
        &Context { actor: admin, occurred_at: t(10) },
    );
    assert!(matches!(approved.as_deref(), Ok([QuoteEvent::Approved { .. }])), "{approved:?}");
}
