//! The period's figures, each checked by hand against a small book: what counts where, the
//! rounding of the weighted pipeline, quotas, attainment and coverage, currencies kept apart, and
//! the same figures as of an earlier day.

use ltc_domain::opportunity::{OpportunityCommand, StageKey};

use super::support::{ALICE, BOB, Book, day, eur, usd};
use crate::models::forecast::{ForecastRow, QueryError, forecast, win_probabilities};

/// Seven deals and two quotas over the first quarter of 2026 (see each line).
pub(super) fn quarter() -> Book {
    let mut book = Book::new();
    book.on(day(2026, 1, 5));
    book.customer(1, "software", "north");
    book.quota(ALICE, "2026-Q1", eur(15_000_000));
    book.quota(BOB, "2026-Q1", eur(10_000_000));
    book.open(1, 1, ALICE, eur(10_000_000), day(2026, 3, 15)); // Commit by Feb 20.
    book.open(2, 1, ALICE, eur(33_333), day(2026, 3, 20)); // Best case: 50 % of an odd amount.
    book.open(3, 1, BOB, eur(5_000_000), day(2026, 2, 20)); // Stays in qualification, 10 %.
    book.open(4, 1, BOB, eur(2_000_000), day(2026, 3, 31)); // Won on Feb 10.
    book.open(5, 1, ALICE, eur(1_000_000), day(2026, 3, 1)); // Lost on Feb 10.
    book.open(6, 1, ALICE, eur(7_000_000), day(2026, 4, 10)); // Expected in Q2.
    book.open(7, 1, BOB, usd(4_000_000), day(2026, 3, 1)); // Dollars, in negotiation.
    book.on(day(2026, 1, 20));
    book.move_to(2, ALICE, "proposal");
    book.move_to(4, BOB, "proposal");
    book.move_to(7, BOB, "negotiation");
    book.on(day(2026, 2, 10));
    book.win(4, BOB);
    book.lose(5, ALICE);
    book.on(day(2026, 2, 20));
    book.move_to(1, ALICE, "negotiation");
    book.on(day(2026, 3, 1));
    book.quota(ALICE, "2026-Q1", eur(20_000_000)); // A revision.
    book
}

fn row(currency: &str) -> ForecastRow {
    ForecastRow { currency: currency.into(), ..ForecastRow::default() }
}

#[test]
fn the_quarter_sums_each_bucket_once_and_weights_each_deal_rounded_half_away_from_zero() {
    let book = quarter();
    let forecast = forecast(&book.project(), "2026-Q1", None).unwrap();
    let expected_eur = ForecastRow {
        closed_won_minor: 2_000_000,
        commit_minor: 10_000_000,
        best_case_minor: 33_333,
        // Deals 1, 2 and 3; the won, the lost and the Q2 deal are not pipeline.
        pipeline_minor: 10_000_000 + 33_333 + 5_000_000,
        // 80 % of deal 1, 50 % of 33,333 = 16,666.5 → 16,667, 10 % of deal 3.
        weighted_pipeline_minor: 8_000_000 + 16_667 + 500_000,
        n_won: 1,
        n_open: 3,
        quota_minor: Some(30_000_000),
        // 2,000,000 ÷ 30,000,000 = 666.67 bps; 15,033,333 ÷ 28,000,000 = 5,369.05 bps.
        attainment_bps: Some(667),
        coverage_bps: Some(5_369),
        ..row("EUR")
    };
    let expected_usd = ForecastRow {
        commit_minor: 4_000_000,
        pipeline_minor: 4_000_000,
        weighted_pipeline_minor: 3_200_000,
        n_open: 1,
        ..row("USD")
    };
    assert_eq!(forecast.totals, vec![expected_eur, expected_usd]);
}

#[test]
fn each_rep_has_their_own_figures_against_their_latest_quota() {
    let book = quarter();
    let forecast = forecast(&book.project(), "2026-Q1", None).unwrap();
    let reps: Vec<(String, ForecastRow)> =
        forecast.reps.into_iter().map(|rep| (rep.rep, rep.figures)).collect();
    let alice = ForecastRow {
        commit_minor: 10_000_000,
        best_case_minor: 33_333,
        pipeline_minor: 10_033_333,
        weighted_pipeline_minor: 8_016_667,
        n_open: 2,
        quota_minor: Some(20_000_000),
        attainment_bps: Some(0),
        // 10,033,333 ÷ 20,000,000 = 5,016.67 bps.
        coverage_bps: Some(5_017),
        ..row("EUR")
    };
    let bob_eur = ForecastRow {
        closed_won_minor: 2_000_000,
        pipeline_minor: 5_000_000,
        weighted_pipeline_minor: 500_000,
        n_won: 1,
        n_open: 1,
        quota_minor: Some(10_000_000),
        attainment_bps: Some(2_000),
        // 5,000,000 ÷ (10,000,000 − 2,000,000).
        coverage_bps: Some(6_250),
        ..row("EUR")
    };
    let bob_usd = ForecastRow {
        commit_minor: 4_000_000,
        pipeline_minor: 4_000_000,
        weighted_pipeline_minor: 3_200_000,
        n_open: 1,
        ..row("USD")
    };
    // Ids sort as text: Bob's 0xb0b before Alice's 0xa11ce.
    assert_eq!(
        reps,
        vec![(BOB.to_string(), bob_eur), (BOB.to_string(), bob_usd), (ALICE.to_string(), alice),]
    );
}

#[test]
fn as_of_a_day_the_figures_are_those_the_log_held_at_its_end() {
    let book = quarter();
    let conn = book.project();
    let mid_february = forecast(&conn, "2026-Q1", Some(day(2026, 2, 15))).unwrap();
    let eur_then = ForecastRow {
        closed_won_minor: 2_000_000,
        best_case_minor: 33_333,
        pipeline_minor: 15_033_333,
        // Deal 1 was still in qualification at 10 %.
        weighted_pipeline_minor: 1_000_000 + 16_667 + 500_000,
        n_won: 1,
        n_open: 3,
        // Alice's quota was 15,000,000 before its revision.
        quota_minor: Some(25_000_000),
        attainment_bps: Some(800),
        // 15,033,333 ÷ 23,000,000 = 6,536.23 bps.
        coverage_bps: Some(6_536),
        ..row("EUR")
    };
    assert_eq!(mid_february.totals[0], eur_then);
    assert_eq!(mid_february.as_of, Some(day(2026, 2, 15)));

    let before_anything = forecast(&conn, "2026-Q1", Some(day(2026, 1, 4))).unwrap();
    assert!(before_anything.totals.is_empty() && before_anything.reps.is_empty());
}

#[test]
fn a_deal_moved_to_another_period_leaves_this_one_and_a_new_amount_replaces_the_old() {
    let mut book = quarter();
    book.on(day(2026, 3, 5));
    let command = OpportunityCommand::ChangeExpectedClose { expected_close: day(2026, 4, 2) };
    book.deal(3, BOB, command);
    book.deal(2, ALICE, OpportunityCommand::ChangeAmount { amount: eur(40_000) });
    let conn = book.project();
    let q1 = forecast(&conn, "2026-Q1", None).unwrap();
    assert_eq!(q1.totals[0].pipeline_minor, 10_000_000 + 40_000);
    assert_eq!(q1.totals[0].weighted_pipeline_minor, 8_000_000 + 20_000);
    let april = forecast(&conn, "2026-04", None).unwrap();
    assert_eq!(april.totals[0].pipeline_minor, 5_000_000 + 7_000_000);
    let before = forecast(&conn, "2026-Q1", Some(day(2026, 3, 4))).unwrap();
    assert_eq!(before.totals[0].pipeline_minor, 15_033_333, "the move is not yet known");
}

#[test]
fn a_period_that_is_not_a_month_or_quarter_is_refused() {
    let book = quarter();
    let error = forecast(&book.project(), "2026-Q5", None).unwrap_err();
    assert!(matches!(error, QueryError::InvalidPeriod(ref key) if key == "2026-Q5"), "{error}");
}

/// Without an as-of date the forecast reads each deal's own row, which holds its newest
/// version, and is made on the clock's day: the same figures as the history gives as of that
/// day, the end of which is after every event.
#[test]
fn the_forecast_now_from_the_deals_rows_equals_the_forecast_as_of_the_clocks_day() {
    // The quarter's book, then a won deal reopened and lost, an amount and a close date changed.
    let mut changed = quarter();
    changed.on(day(2026, 3, 2));
    changed.deal(4, BOB, OpportunityCommand::Reopen { to: StageKey::new("negotiation") });
    changed.deal(1, ALICE, OpportunityCommand::ChangeAmount { amount: eur(12_500_000) });
    let expected_close = day(2026, 3, 25);
    changed.deal(2, ALICE, OpportunityCommand::ChangeExpectedClose { expected_close });
    changed.on(day(2026, 3, 9)).lose(4, BOB);
    for book in [&quarter(), &super::backtest::two_months(), &changed] {
        // Live in batches of 7, and rebuilt in batches of 2 (deals kept across batches).
        for conn in [book.project(), book.rebuilt(2)] {
            let clock_day = win_probabilities(&conn).unwrap().as_of;
            for period in ["2026-01", "2026-02", "2026-03", "2026-Q1"] {
                let now = forecast(&conn, period, None).unwrap();
                let then = forecast(&conn, period, clock_day).unwrap();
                assert_eq!((&now.totals, &now.reps), (&then.totals, &then.reps), "{period}");
            }
            let quarter = forecast(&conn, "2026-Q1", None).unwrap();
            assert!(quarter.totals.iter().any(|row| row.n_open > 0), "{quarter:?}");
        }
    }
    let changed_now = forecast(&changed.rebuilt(2), "2026-Q1", None).unwrap();
    let euros = changed_now.totals.iter().find(|row| row.currency == "EUR").unwrap();
    // Deal 4's win is gone with its reopening and loss; deal 1 commits its new amount.
    assert_eq!((euros.n_won, euros.closed_won_minor, euros.commit_minor), (0, 0, 12_500_000));
}
