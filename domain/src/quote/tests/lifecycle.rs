//! Sending, accepting and declining: approval before sending, expiry computed from the business
//! date in the command, and at most one accepted quote per opportunity.

use super::commands::given_more;
use super::*;

fn approved_history() -> Vec<QuoteEvent> {
    given(&[(create(), rep(ALICE)), (submit(), manager(EAST))])
}

#[test]
fn an_approved_quote_is_sent_once_and_a_draft_or_pending_one_not() {
    let send = || QuoteCommand::Send { on: day(2026, 3, 3) };
    let sent = QuoteEvent::Sent { version: 1, on: day(2026, 3, 3), at: t(10) };
    check(&approved_history(), send(), rep(ALICE), Ok(vec![sent]));
    check(&sent_history(), send(), rep(ALICE), Ok(vec![]));
    let draft = given(&[(create(), rep(ALICE))]);
    check(&draft, send(), rep(ALICE), Err(QuoteError::NotApproved(Status::Draft)));
    let pending = given(&[(create(), rep(ALICE)), (submit(), rep(ALICE))]);
    check(&pending, send(), rep(ALICE), Err(QuoteError::NotApproved(Status::PendingApproval)));
}

#[test]
fn an_expired_quote_is_not_sent() {
    let late = QuoteCommand::Send { on: day(2026, 4, 1) };
    let expired = QuoteError::Expired { valid_until: valid_until(), on: day(2026, 4, 1) };
    check(&approved_history(), late, rep(ALICE), Err(expired));
}

#[test]
fn a_sent_quote_is_accepted_up_to_its_last_valid_day_with_its_total() {
    let accepted = QuoteEvent::Accepted {
        version: 1,
        opportunity_id: DEAL,
        total: eur(175_014),
        on: valid_until(),
        at: t(10),
    };
    check(&sent_history(), accept_on(valid_until()), rep(ALICE), Ok(vec![accepted.clone()]));
    assert_eq!(accepted.event_type(), "QuoteAccepted");
    let mut history = sent_history();
    history.push(accepted);
    check(&history, accept_on(valid_until()), rep(ALICE), Ok(vec![]));
    assert!(QuoteDecider::is_terminal(&QuoteDecider::replay(&history)));
    check(
        &history,
        QuoteCommand::Decline { reason: "late".into() },
        rep(ALICE),
        Err(QuoteError::AlreadyAccepted(QUOTE)),
    );
}

#[test]
fn accepting_the_day_after_validity_is_rejected_as_expired() {
    let on = day(2026, 4, 1);
    let expired = QuoteError::Expired { valid_until: valid_until(), on };
    check(&sent_history(), accept_on(on), rep(ALICE), Err(expired));
}

#[test]
fn a_quote_not_yet_sent_is_neither_accepted_nor_declined() {
    check(
        &approved_history(),
        accept_on(day(2026, 3, 5)),
        rep(ALICE),
        Err(QuoteError::NotSent(Status::Approved)),
    );
    let decline = QuoteCommand::Decline { reason: "budget".into() };
    check(&approved_history(), decline, rep(ALICE), Err(QuoteError::NotSent(Status::Approved)));
}

#[test]
fn an_opportunity_with_another_accepted_quote_rejects_a_second_acceptance() {
    let command = |already| QuoteCommand::Accept {
        on: day(2026, 3, 5),
        opportunity_has_accepted_quote: already,
    };
    check(
        &sent_history(),
        command(Some(OTHER_QUOTE)),
        rep(ALICE),
        Err(QuoteError::OpportunityHasAcceptedQuote(OTHER_QUOTE)),
    );
    let result = QuoteDecider::decide(
        &QuoteDecider::replay(&sent_history()),
        &command(Some(QUOTE)),
        &Context { actor: rep(ALICE), occurred_at: t(10) },
    );
    assert!(
        matches!(result.as_deref(), Ok([QuoteEvent::Accepted { .. }])),
        "this quote itself is no conflict"
    );
}

#[test]
fn a_sent_quote_is_declined_with_a_reason_and_then_changes_no_more() {
    let decline = || QuoteCommand::Decline { reason: "budget".into() };
    let declined = QuoteEvent::Declined { version: 1, reason: "budget".into(), at: t(10) };
    check(&sent_history(), decline(), rep(ALICE), Ok(vec![declined]));
    let no_reason = QuoteCommand::Decline { reason: String::new() };
    check(&sent_history(), no_reason, rep(ALICE), Err(QuoteError::Text { field: "reason" }));

    let mut history = sent_history();
    history.extend(given_more(&history, decline()));
    check(&history, decline(), rep(ALICE), Ok(vec![]));
    check(
        &history,
        accept_on(day(2026, 3, 5)),
        rep(ALICE),
        Err(QuoteError::AlreadyDeclined(QUOTE)),
    );
    assert!(QuoteDecider::is_terminal(&QuoteDecider::replay(&history)));
}

#[test]
fn expiry_is_computed_from_the_date_asked_and_never_for_a_settled_version() {
    let quote = quote_after(&sent_history());
    assert!(!quote.is_expired_on(valid_until()));
    assert!(quote.is_expired_on(day(2026, 4, 1)));
    assert!(
        !QuoteDecider::is_terminal(&QuoteDecider::replay(&sent_history())),
        "expired is not terminal"
    );

    let mut history = sent_history();
    history.extend(given_more(&history, accept_on(day(2026, 3, 5))));
    assert!(
        !quote_after(&history).is_expired_on(day(2027, 1, 1)),
        "an accepted quote does not expire"
    );
}

#[test]
fn a_revision_reopens_an_expired_quote_with_a_new_validity_date() {
    let mut history = sent_history();
    history.extend(given_more(&history, revise_with(vec![line("SEAT", 20, 0)])));
    history.extend(given_more(&history, submit()));
    history.extend(given_more(&history, QuoteCommand::Send { on: day(2026, 4, 10) }));
    let accepted = given_more(&history, accept_on(day(2026, 4, 10)));
    assert!(
        matches!(accepted.as_slice(), [QuoteEvent::Accepted { version: 2, .. }]),
        "{accepted:?}"
    );
}

#[test]
fn reps_act_on_their_own_quotes_managers_on_their_teams_and_others_not_at_all() {
    let decline = || QuoteCommand::Decline { reason: "budget".into() };
    check(
        &sent_history(),
        decline(),
        rep(BOB),
        Err(QuoteError::Forbidden { role: Role::SalesRep }),
    );
    check(
        &sent_history(),
        decline(),
        manager(WEST),
        Err(QuoteError::Forbidden { role: Role::SalesManager }),
    );
    for role in [Role::Finance, Role::Auditor] {
        check(
            &sent_history(),
            accept_on(day(2026, 3, 5)),
            with_role(role),
            Err(QuoteError::Forbidden { role }),
        );
    }
    let declined = QuoteEvent::Declined { version: 1, reason: "budget".into(), at: t(10) };
    check(&sent_history(), decline(), manager(EAST), Ok(vec![declined.clone()]));
    check(&sent_history(), decline(), with_role(Role::Admin), Ok(vec![declined]));
}

#[test]
fn every_event_has_its_stable_name() {
    let names: Vec<&str> = sent_history().iter().map(QuoteEvent::event_type).collect();
    assert_eq!(names, ["QuoteCreated", "QuoteApproved", "QuoteSent"]);
}
