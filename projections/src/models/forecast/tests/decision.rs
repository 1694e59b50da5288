//! The win model learns each closed deal as it stood just before its decision (a quote accepted,
//! else its close), and scores a decided open deal the same way: nothing about how or when a
//! close was recorded reaches the features.

use ltc_domain::opportunity::{OpportunityCommand, StageKey};
use rusqlite::Connection;

use super::model::{counts, every_row};
use super::support::{ALICE, Book, day, deal_id, eur};
use crate::models::forecast::{WinProbability, win_probabilities, win_probabilities_on};

/// Eight deals alike in all but how they end (customer 1, EUR 5,000, expected Apr 30): deals 1–7
/// move to proposal on Jan 10. Two days later deals 1–3 have a quote accepted and deals 4–6 are
/// lost; deals 1–3 are won when their orders are paid, on Mar 20, 69 days after anyone last
/// worked them. Open: deal 7, untouched since Jan 10, and deal 8, moved to proposal on Mar 18.
fn paid_long_after() -> Book {
    let mut book = Book::new();
    book.on(day(2026, 1, 5));
    book.customer(1, "software", "north");
    for n in 1..=8 {
        book.open(n, 1, ALICE, eur(500_000), day(2026, 4, 30));
    }
    book.on(day(2026, 1, 10));
    for n in 1..=7 {
        book.move_to(n, ALICE, "proposal");
    }
    book.on(day(2026, 1, 12));
    for n in 1..=3 {
        book.quote_accepted(n, eur(500_000));
    }
    for n in 4..=6 {
        book.lose(n, ALICE);
    }
    book.on(day(2026, 3, 18)).move_to(8, ALICE, "proposal");
    book.on(day(2026, 3, 20));
    for n in 1..=3 {
        book.win(n, ALICE);
    }
    book
}

/// Deal 1 (customer 1, EUR 5,000) moves to proposal on Jan 10 and its quote is accepted on
/// Jan 12. After that, on Jan 20, it moves to negotiation and grows to EUR 20,000.
fn accepted_then_changed() -> Book {
    let mut book = Book::new();
    book.on(day(2026, 1, 5));
    book.customer(1, "software", "north");
    book.open(1, 1, ALICE, eur(500_000), day(2026, 4, 30));
    book.on(day(2026, 1, 10)).move_to(1, ALICE, "proposal");
    book.on(day(2026, 1, 12)).quote_accepted(1, eur(500_000));
    book.on(day(2026, 1, 20)).move_to(1, ALICE, "negotiation");
    book.deal(1, ALICE, OpportunityCommand::ChangeAmount { amount: eur(2_000_000) });
    book
}

fn scored(conn: &Connection, n: u128) -> WinProbability {
    let scored = win_probabilities(conn).unwrap();
    let id = deal_id(n).to_string();
    scored.deals.into_iter().find(|deal| deal.opportunity_id == id).expect("an open deal")
}

fn example(conn: &Connection, n: u128) -> String {
    let prefix = format!("forecast_model_examples: {}|", deal_id(n));
    let rows = every_row(conn, "forecast_model_examples");
    let row = rows.iter().find(|row| row.starts_with(&prefix)).expect("an example");
    row[prefix.len()..].to_owned()
}

#[test]
fn wins_recorded_when_paid_long_after_the_last_activity_do_not_make_staleness_predict_winning() {
    let book = paid_long_after();
    let conn = book.project();
    let recency: Vec<String> =
        counts(&conn).into_iter().filter(|row| row.starts_with("recency")).collect();
    // Every closed deal was decided two days after its last activity: the won ones when their
    // quote was accepted, not when the payment recorded the win.
    assert_eq!(recency, ["recency 0-7d 3 3"]);
    let (stale, fresh) = (scored(&conn, 7), scored(&conn, 8));
    assert_eq!(
        (stale.features.recency.as_str(), fresh.features.recency.as_str()),
        ("31-90d", "0-7d")
    );
    // The two are alike but for staleness, about which no example says anything.
    assert_eq!(stale.win_probability_bps, fresh.win_probability_bps);
    assert_eq!(stale.win_probability_bps, 5_000, "three won and three lost deals alike");
}

#[test]
fn an_example_is_the_deal_as_it_stood_just_before_its_quote_was_accepted() {
    let mut book = accepted_then_changed();
    book.on(day(2026, 3, 20)).win(1, ALICE);
    // Not negotiation, reached after the customer said yes; the amount and idle days of then.
    assert_eq!(
        example(&book.project(), 1),
        "won|[\"proposal\",\"qualification\"]|direct|software|north|EUR <10k|0-7d|quote_accepted"
    );
}

#[test]
fn an_open_deal_awaiting_payment_is_scored_as_it_stood_when_its_quote_was_accepted() {
    let mut book = accepted_then_changed();
    // Months later, unpaid; another deal opening moves the clock on.
    book.on(day(2026, 6, 1)).open(2, 1, ALICE, eur(500_000), day(2026, 7, 31));
    let deal = scored(&book.project(), 1);
    assert_eq!((deal.stage.as_str(), deal.amount_minor), ("negotiation", 2_000_000));
    let features = &deal.features;
    assert_eq!(
        (features.stages.as_slice(), features.amount_band.as_str(), features.recency.as_str()),
        (&["proposal".to_owned()][..], "EUR <10k", "0-7d"),
        "scored as its example will be, not as 132 days idle"
    );
}

#[test]
fn an_open_deal_awaiting_payment_wins_as_often_as_the_deals_an_accepted_quote_decided_did() {
    let mut book = paid_long_after();
    // Deal 9 has its quote accepted and is not paid yet: the customer has said yes.
    book.on(day(2026, 3, 25)).open(9, 1, ALICE, eur(500_000), day(2026, 4, 30));
    book.on(day(2026, 3, 26)).quote_accepted(9, eur(500_000));
    let conn = book.project();
    let accepted = scored(&conn, 9);
    assert!(accepted.quote_accepted);
    // Deals 1–3 were decided by an accepted quote and all three won: (3 + 1) ÷ (3 + 2).
    assert_eq!(accepted.win_probability_bps, 8_000);
    // Deal 8, undecided, is scored by its features, where the three losses count as much.
    let undecided = scored(&conn, 8);
    assert_eq!((undecided.quote_accepted, undecided.win_probability_bps), (false, 5_000));
    let by_decision: Vec<String> =
        counts(&conn).into_iter().filter(|row| row.starts_with("decided_by")).collect();
    assert_eq!(by_decision, ["decided_by close 0 3", "decided_by quote_accepted 3 0"]);
}

#[test]
fn reopening_a_decided_deal_makes_it_undecided_until_its_next_close() {
    let mut book = accepted_then_changed();
    book.on(day(2026, 3, 20)).win(1, ALICE);
    book.on(day(2026, 4, 1));
    book.deal(1, ALICE, OpportunityCommand::Reopen { to: StageKey::new("proposal") });
    book.on(day(2026, 4, 20)).lose(1, ALICE);
    // Decided by the loss, 19 days after the reopening: every stage it had reached by then,
    // the amount it had grown to.
    assert_eq!(
        example(&book.project(), 1),
        "lost|[\"negotiation\",\"proposal\",\"qualification\"]|direct|software|north|\
         EUR 10k-50k|8-30d|close"
    );
}

#[test]
fn decisions_and_examples_are_the_same_whatever_the_batches_and_in_a_rebuild() {
    // Deal 1 is decided, won, reopened, decided again by a second acceptance and lost; deals
    // 1–3 are decided in one batch and closed in a later one when batches are small.
    let mut book = paid_long_after();
    book.on(day(2026, 4, 1));
    book.deal(1, ALICE, OpportunityCommand::Reopen { to: StageKey::new("negotiation") });
    book.on(day(2026, 4, 3)).quote_accepted(1, eur(500_000));
    book.on(day(2026, 4, 20)).lose(1, ALICE);
    let dump = |conn: &Connection| -> Vec<String> {
        let tables = ["forecast_deals", "forecast_model_examples", "forecast_model_counts"];
        tables.iter().flat_map(|table| every_row(conn, table)).collect()
    };
    let rebuilt = dump(&book.rebuilt(10_000));
    for batch_events in 1..=3 {
        assert_eq!(rebuilt, dump(&book.project_afresh(batch_events)), "live, {batch_events}");
        assert_eq!(rebuilt, dump(&book.rebuilt(batch_events)), "rebuilt, {batch_events}");
    }
    // Decided by the acceptance two days after the reopening, not by the loss 19 days after.
    let conn = book.rebuilt(2);
    assert!(example(&conn, 1).starts_with("lost|"), "{}", example(&conn, 1));
    assert!(example(&conn, 1).ends_with("|0-7d|quote_accepted"), "{}", example(&conn, 1));
}

#[test]
fn on_a_day_after_the_clocks_an_undecided_deal_has_been_idle_until_that_day_ends() {
    let book = paid_long_after();
    let conn = book.project();
    // Deal 8 was last worked on Mar 18; the clock stands at the wins of Mar 20.
    let fresh = scored(&conn, 8);
    assert_eq!(fresh.features.recency, "0-7d");
    let may = day(2026, 5, 1);
    let later = win_probabilities_on(&conn, may).unwrap();
    assert_eq!(later.as_of, Some(may));
    let id = deal_id(8).to_string();
    let deal = later.deals.iter().find(|deal| deal.opportunity_id == id).unwrap();
    assert_eq!(deal.features.recency, "31-90d", "Mar 18 to the end of May 1: 44 days");
    // A day before the clock's does not turn it back: a read model knows what it has read.
    let march = win_probabilities_on(&conn, day(2026, 3, 1)).unwrap();
    let deal = march.deals.iter().find(|deal| deal.opportunity_id == id).unwrap();
    assert_eq!(deal.features.recency, "0-7d");
}
