//! Creating and revising: the priced event records the waterfall, totals and data used; a
//! revision supersedes the version before it in the same stream.

use super::*;

#[test]
fn create_records_version_1_priced_with_its_waterfall_and_the_catalog_used() {
    let state = QuoteState::default();
    let context = Context { actor: rep(ALICE), occurred_at: t(0) };
    let events = QuoteDecider::decide(&state, &create(), &context).unwrap();
    let priced =
        price_quote(&[line("SEAT", 20, 1_200), line("SUPPORT", 1, 0)], &pricing_data(), &terms())
            .unwrap();
    assert_eq!(
        events,
        vec![QuoteEvent::Created {
            quote_id: QUOTE,
            opportunity_id: DEAL,
            customer_id: ACME,
            ownership: crate::actor::Ownership { owner: ALICE, team: Some(EAST) },
            version: 1,
            terms: terms(),
            valid_until: valid_until(),
            catalog_version: "2026.03".into(),
            lines: priced.lines,
            total: eur(175_014),
            at: t(0),
        }]
    );
    assert_eq!(events[0].event_type(), "QuoteCreated");
    let quote = quote_after(&events);
    assert_eq!((quote.current().number, quote.current().status), (1, Status::Draft));
}

#[test]
fn creating_again_with_the_same_id_and_details_is_a_no_op_even_after_a_revision() {
    let history = given(&[(create(), rep(ALICE))]);
    check(&history, create(), rep(ALICE), Ok(vec![]));
    let revised =
        given(&[(create(), rep(ALICE)), (revise_with(vec![line("SEAT", 5, 0)]), rep(ALICE))]);
    check(&revised, create(), rep(ALICE), Ok(vec![]));
}

#[test]
fn creating_again_with_another_id_or_other_details_is_rejected() {
    let history = given(&[(create(), rep(ALICE))]);
    let already = Err(QuoteError::AlreadyCreated(QUOTE));
    let mut other_id = create();
    if let QuoteCommand::Create { quote_id, .. } = &mut other_id {
        *quote_id = OTHER_QUOTE;
    }
    check(&history, other_id, rep(ALICE), already.clone());
    let other_lines = create_with(vec![line("SEAT", 21, 1_200), line("SUPPORT", 1, 0)]);
    check(&history, other_lines, rep(ALICE), already.clone());
    let mut other_validity = create();
    if let QuoteCommand::Create { valid_until, .. } = &mut other_validity {
        *valid_until = day(2026, 6, 30);
    }
    check(&history, other_validity, rep(ALICE), already.clone());
    let mut other_owner = create();
    if let QuoteCommand::Create { team, .. } = &mut other_owner {
        *team = None;
    }
    check(&history, other_owner, rep(ALICE), already.clone());
    let unpriceable = create_with(vec![line("GADGET", 1, 0)]);
    check(&history, unpriceable, rep(ALICE), already);
}

#[test]
fn create_rejects_unpriceable_lines_a_validity_before_the_pricing_date_and_strangers() {
    let unknown = create_with(vec![line("GADGET", 1, 0)]);
    let expected = PricingError::Configuration(ConfigurationError::UnknownSku(sku("GADGET")));
    check(&[], unknown, rep(ALICE), Err(expected.into()));
    let mut early = create();
    if let QuoteCommand::Create { valid_until, .. } = &mut early {
        *valid_until = day(2026, 3, 1);
    }
    let expected = QuoteError::ValidUntilBeforePricingDate {
        valid_until: day(2026, 3, 1),
        pricing_date: day(2026, 3, 2),
    };
    check(&[], early, rep(ALICE), Err(expected));
    let mut no_region = create();
    if let QuoteCommand::Create { terms, .. } = &mut no_region {
        terms.region = Region(String::new());
    }
    check(&[], no_region, rep(ALICE), Err(QuoteError::Text { field: "region" }));
    check(&[], create(), rep(BOB), Err(QuoteError::Forbidden { role: Role::SalesRep }));
    check(
        &[],
        create(),
        with_role(Role::Finance),
        Err(QuoteError::Forbidden { role: Role::Finance }),
    );
}

#[test]
fn every_command_but_create_needs_a_created_quote() {
    for command in [
        revise_with(vec![line("SEAT", 1, 0)]),
        submit(),
        QuoteCommand::Approve,
        accept_on(day(2026, 3, 5)),
    ] {
        check(&[], command, rep(ALICE), Err(QuoteError::NotCreated));
    }
}

#[test]
fn a_revision_supersedes_the_current_version_and_numbers_the_next() {
    let history = given(&[(create(), rep(ALICE))]);
    let lines = vec![line("SEAT", 100, 0)];
    let priced = price_quote(&lines, &pricing_data(), &terms()).unwrap();
    let expected = QuoteEvent::Revised {
        version: 2,
        supersedes: 1,
        terms: terms(),
        valid_until: day(2026, 4, 30),
        catalog_version: "2026.03".into(),
        lines: priced.lines,
        total: priced.total,
        at: t(10),
    };
    check(&history, revise_with(lines), rep(ALICE), Ok(vec![expected.clone()]));

    let mut history = history;
    history.push(expected);
    let quote = quote_after(&history);
    let statuses: Vec<(u32, Status)> =
        quote.versions.iter().map(|version| (version.number, version.status)).collect();
    assert_eq!(statuses, [(1, Status::Superseded), (2, Status::Draft)]);
    assert_eq!(quote.current().valid_until, day(2026, 4, 30));
}

#[test]
fn a_sent_or_rejected_quote_may_be_revised_but_an_accepted_or_declined_one_not() {
    let revise = || revise_with(vec![line("SEAT", 5, 0)]);
    let revised_version = |history: &[QuoteEvent]| {
        let context = Context { actor: rep(ALICE), occurred_at: t(10) };
        match QuoteDecider::decide(&QuoteDecider::replay(history), &revise(), &context).as_deref() {
            Ok([QuoteEvent::Revised { version, supersedes, .. }]) => Some((*version, *supersedes)),
            _ => None,
        }
    };
    assert_eq!(revised_version(&sent_history()), Some((2, 1)));
    let rejected = given(&[
        (create(), rep(ALICE)),
        (submit(), rep(ALICE)),
        (QuoteCommand::RejectApproval { reason: "no".into() }, manager(EAST)),
    ]);
    assert_eq!(revised_version(&rejected), Some((2, 1)));

    let mut accepted = sent_history();
    accepted.extend(given_more(&accepted, accept_on(day(2026, 3, 5))));
    check(&accepted, revise(), rep(ALICE), Err(QuoteError::AlreadyAccepted(QUOTE)));
    let mut declined = sent_history();
    declined.extend(given_more(&declined, QuoteCommand::Decline { reason: "budget".into() }));
    check(&declined, revise(), rep(ALICE), Err(QuoteError::AlreadyDeclined(QUOTE)));
}

#[test]
fn a_revision_is_priced_like_a_creation_and_a_quote_stops_at_its_version_limit() {
    let history = given(&[(create(), rep(ALICE))]);
    let expected = PricingError::Configuration(ConfigurationError::UnknownSku(sku("GADGET")));
    check(&history, revise_with(vec![line("GADGET", 1, 0)]), rep(ALICE), Err(expected.into()));

    let mut history = history;
    for _ in 1..QUOTE_VERSIONS_MAX {
        history.extend(given_more(&history, revise_with(vec![line("SEAT", 1, 0)])));
    }
    assert_eq!(quote_after(&history).current().number, QUOTE_VERSIONS_MAX);
    check(
        &history,
        revise_with(vec![line("SEAT", 1, 0)]),
        rep(ALICE),
        Err(QuoteError::TooManyVersions),
    );
}

/// The events `command` adds to `history` when Alice sends it at minute 5.
#[track_caller]
pub(super) fn given_more(history: &[QuoteEvent], command: QuoteCommand) -> Vec<QuoteEvent> {
    let context = Context { actor: rep(ALICE), occurred_at: t(5) };
    QuoteDecider::decide(&QuoteDecider::replay(history), &command, &context)
        .unwrap_or_else(|error| panic!("given {command:?} was rejected: {error}"))
}
