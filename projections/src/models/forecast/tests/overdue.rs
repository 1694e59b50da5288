//! Where a forecast puts an open deal whose expected close has passed: on the day the forecast
//! is made (the as-of day, else the clock's), so a period that ended before that day holds no
//! open deal, in the figures or in the simulation, and every open deal is in exactly one period.

use super::support::{ALICE, Book, day, eur};
use crate::models::forecast::{
    ForecastRow, forecast, forecast_made_on, simulate, simulate_made_on, win_probabilities,
};
use crate::models::period::Period;

/// Customer 1's four deals, opened on Jan 5: deal 1 (EUR 10,000) expected Jan 31 and deal 2
/// (EUR 20,000) expected Feb 27, both left open past their dates; deal 3 (EUR 30,000) expected
/// Apr 30, moved to proposal on Apr 15, the clock's day; deal 4 (EUR 5,000) expected Feb 10 and
/// won on Feb 9.
fn overdue() -> Book {
    let mut book = Book::new();
    book.on(day(2026, 1, 5));
    book.customer(1, "software", "north");
    book.open(1, 1, ALICE, eur(1_000_000), day(2026, 1, 31));
    book.open(2, 1, ALICE, eur(2_000_000), day(2026, 2, 27));
    book.open(3, 1, ALICE, eur(3_000_000), day(2026, 4, 30));
    book.open(4, 1, ALICE, eur(500_000), day(2026, 2, 10));
    book.on(day(2026, 2, 9)).win(4, ALICE);
    book.on(day(2026, 4, 15)).move_to(3, ALICE, "proposal");
    book
}

/// Whether a row holds anything of an open deal.
fn has_open(row: &ForecastRow) -> bool {
    row.n_open > 0
        || [row.commit_minor, row.best_case_minor, row.pipeline_minor, row.weighted_pipeline_minor]
            != [0; 4]
}

#[test]
fn a_forecast_never_adds_open_deal_revenue_to_a_period_that_ended_before_its_day() {
    let book = overdue();
    let conn = book.project();
    let months = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"];
    let as_of_days = [(1, 20), (2, 1), (2, 15), (2, 28), (3, 1), (4, 15), (6, 30)];
    for (month, day_of_month) in as_of_days {
        let as_of = day(2026, month, day_of_month);
        let mut n_open_in_months = 0;
        for period in months.iter().chain(&["2026-Q1", "2026-Q2"]) {
            let forecast = forecast(&conn, period, Some(as_of)).unwrap();
            let (_, _, last) = Period::bounds(period).unwrap();
            let rows = forecast.totals.iter().chain(forecast.reps.iter().map(|rep| &rep.figures));
            let open: Vec<&ForecastRow> = rows.filter(|row| has_open(row)).collect();
            if last < as_of {
                assert!(open.is_empty(), "{period} ended before {as_of}: {open:?}");
            }
            if months.contains(period) {
                n_open_in_months += forecast.totals.iter().map(|row| row.n_open).sum::<u32>();
            }
        }
        // None lost, none counted twice: deal 4 is open until its win on Feb 9.
        let n_open = if as_of < day(2026, 2, 9) { 4 } else { 3 };
        assert_eq!(n_open_in_months, n_open, "as of {as_of}");
    }
}

#[test]
fn an_overdue_deal_counts_in_the_period_of_the_day_the_forecast_is_made_on() {
    let book = overdue();
    let conn = book.project();
    let mid_february = Some(day(2026, 2, 15));
    assert!(forecast(&conn, "2026-01", mid_february).unwrap().totals.is_empty(), "deal 1 moved on");
    let february = &forecast(&conn, "2026-02", mid_february).unwrap().totals[0];
    assert_eq!(
        (february.n_open, february.pipeline_minor, february.closed_won_minor),
        (2, 1_000_000 + 2_000_000, 500_000),
        "deal 1 overdue, deal 2 still ahead, deal 4 won"
    );
    // Without a date, on the clock's day, Apr 15: deals 1 and 2 are April's, with deal 3.
    assert_eq!(win_probabilities(&conn).unwrap().as_of, Some(day(2026, 4, 15)));
    assert!(forecast(&conn, "2026-03", None).unwrap().totals.is_empty());
    let april = &forecast(&conn, "2026-04", None).unwrap().totals[0];
    assert_eq!((april.n_open, april.pipeline_minor), (3, 6_000_000));
}

#[test]
fn a_simulation_of_a_period_that_is_over_is_what_was_won_in_it() {
    let book = overdue();
    let conn = book.project();
    let q1 = simulate(&conn, "2026-Q1", 1_000, 7).unwrap().rows.remove(0);
    assert_eq!((q1.n_open, q1.closed_won_minor), (0, 500_000));
    assert_eq!([q1.expected_minor, q1.p10_minor, q1.p50_minor, q1.p90_minor], [500_000; 4]);
    let april = simulate(&conn, "2026-04", 1_000, 7).unwrap().rows.remove(0);
    assert_eq!(april.n_open, 3, "the overdue deals 1 and 2 on Apr 15, and deal 3");
}

#[test]
fn the_clock_is_the_latest_business_time_of_any_event_the_forecast_reads() {
    let mut book = overdue();
    // A quota, not a deal: the clock moves to May 4, and deal 3's Apr 30 is past too.
    book.on(day(2026, 5, 4)).quota(ALICE, "2026-Q2", eur(10_000_000));
    let conn = book.project();
    assert_eq!(win_probabilities(&conn).unwrap().as_of, Some(day(2026, 5, 4)));
    let may = &forecast(&conn, "2026-05", None).unwrap().totals[0];
    assert_eq!((may.n_open, may.pipeline_minor), (3, 6_000_000));
    assert!(forecast(&conn, "2026-04", None).unwrap().totals.is_empty());
}

#[test]
fn a_forecast_made_on_a_day_after_the_clocks_puts_overdue_deals_on_that_day() {
    // A caller whose answer stands on May 10 (a service's business date), with the log's last
    // event on Apr 15: deal 3's Apr 30 has passed too by then.
    let book = overdue();
    let conn = book.project();
    let may_10 = day(2026, 5, 10);
    assert!(forecast_made_on(&conn, "2026-04", may_10).unwrap().totals.is_empty());
    let may = &forecast_made_on(&conn, "2026-05", may_10).unwrap().totals[0];
    assert_eq!((may.n_open, may.pipeline_minor), (3, 6_000_000));
    let simulated = simulate_made_on(&conn, "2026-05", 100, 1, may_10).unwrap();
    assert_eq!(simulated.rows[0].n_open, 3);
    assert!(simulate_made_on(&conn, "2026-04", 100, 1, may_10).unwrap().rows.is_empty());
}
