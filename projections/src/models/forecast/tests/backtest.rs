//! The backtest: each as-of date sees exactly what the log held at the end of that day (its
//! stage-weighted forecast equals the query-time "as of" on the live read model, and its model
//! knows only the deals closed by then), errors are relative to what the whole log says closed,
//! and no scratch generation is left behind.

use crate::models::forecast::{BacktestRequest, backtest, forecast};
use crate::models::period::Period;

use super::support::{ALICE, BOB, Book, day, eur};

/// January and February: deal 1 won and deal 2 lost on Jan 15; deal 3 won on Feb 10; deal 5
/// opened on Feb 12 and won on Feb 20; deal 4 still open in proposal. Deal 6 opens on March 2,
/// so the log has got past February: both months are over and scored.
pub(super) fn two_months() -> Book {
    let mut book = Book::new();
    book.on(day(2026, 1, 5));
    book.customer(1, "software", "north");
    book.open(1, 1, ALICE, eur(1_000_000), day(2026, 1, 25));
    book.open(2, 1, BOB, eur(500_000), day(2026, 1, 30));
    book.open(3, 1, ALICE, eur(3_000_000), day(2026, 2, 15));
    book.open(4, 1, BOB, eur(800_000), day(2026, 2, 28));
    book.on(day(2026, 1, 15)).win(1, ALICE);
    book.lose(2, BOB);
    book.on(day(2026, 1, 22)).move_to(4, BOB, "proposal");
    book.on(day(2026, 2, 3)).move_to(3, ALICE, "negotiation");
    book.on(day(2026, 2, 10)).win(3, ALICE);
    book.on(day(2026, 2, 12)).open(5, 1, BOB, eur(2_000_000), day(2026, 2, 25));
    book.on(day(2026, 2, 20)).win(5, BOB);
    book.on(day(2026, 3, 2)).open(6, 1, ALICE, eur(600_000), day(2026, 4, 30));
    book
}

pub(super) fn request() -> BacktestRequest {
    BacktestRequest {
        as_of: vec![day(2026, 2, 15), day(2026, 1, 10), day(2026, 1, 20), day(2026, 2, 1)],
        period: Period::Month,
        runs: 500,
        seed: 11,
    }
}

#[test]
fn each_date_forecasts_from_what_the_log_held_at_its_end_and_no_later() {
    let book = two_months();
    let live = book.project();
    let result = backtest(&book.store, &book.read_models, &request()).unwrap();
    let dates: Vec<_> = result.points.iter().map(|point| (point.as_of, point.n_examples)).collect();
    // Closed by then: none; deals 1 and 2; the same; and deal 3.
    assert_eq!(
        dates,
        vec![
            (day(2026, 1, 10), 0),
            (day(2026, 1, 20), 2),
            (day(2026, 2, 1), 2),
            (day(2026, 2, 15), 3),
        ]
    );
    for point in &result.points {
        let as_of = forecast(&live, &point.period, Some(point.as_of)).unwrap();
        let row = &as_of.totals[0];
        assert_eq!(
            point.stage_weighted_minor,
            row.closed_won_minor + row.weighted_pipeline_minor,
            "the rebuild and the query-time cut agree on {}",
            point.as_of
        );
    }
}

#[test]
fn errors_are_relative_to_what_closed_in_the_whole_log_and_averaged_per_period() {
    let book = two_months();
    let result = backtest(&book.store, &book.read_models, &request()).unwrap();
    let actuals: Vec<(&str, i64)> =
        result.points.iter().map(|point| (point.period.as_str(), point.actual_minor)).collect();
    let january = 1_000_000;
    let february = 3_000_000 + 2_000_000;
    assert_eq!(
        actuals,
        vec![
            ("2026-01", january),
            ("2026-01", january),
            ("2026-02", february),
            ("2026-02", february)
        ]
    );
    // On Jan 20 January is settled: deal 1 won, deal 2 lost, nothing open.
    assert_eq!(result.points[1].stage_weighted_minor, january);
    assert_eq!(result.points[1].stage_weighted_error_bps, Some(0));
    // On Feb 1: deal 3 at 10 % and deal 4 at 50 %; deal 5 does not exist yet.
    assert_eq!(result.points[2].stage_weighted_minor, 300_000 + 400_000);
    assert_eq!(result.points[2].stage_weighted_error_bps, Some(8_600));
    for (period, points) in [("2026-01", &result.points[..2]), ("2026-02", &result.points[2..])] {
        let summary = result.periods.iter().find(|summary| summary.period == period).unwrap();
        let errors: Vec<u64> =
            points.iter().map(|point| point.stage_weighted_error_bps.unwrap()).collect();
        let mean = (2 * errors.iter().sum::<u64>() + 2) / 4;
        assert_eq!(summary.stage_weighted_mape_bps, Some(mean), "{period}");
        assert_eq!(summary.n_dates, 2);
        let in_band = points.iter().filter(|point| point.in_band == Some(true)).count() as u32;
        assert_eq!(summary.n_in_band, in_band);
    }
}

#[test]
fn a_backtest_leaves_no_scratch_generation_and_the_live_one_in_service() {
    let book = two_months();
    drop(book.project());
    let live = book.read_models.current();
    let result = backtest(&book.store, &book.read_models, &request()).unwrap();
    assert_eq!(result.points.len(), 4);
    assert_eq!(book.read_models.current(), live);
    let databases: Vec<String> = std::fs::read_dir(book.read_models.dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".db"))
        .collect();
    assert_eq!(databases, vec![live.file_name()]);
}

#[test]
fn a_backtest_needs_at_least_one_date_and_at_most_the_maximum() {
    let book = two_months();
    let mut empty = request();
    empty.as_of.clear();
    assert!(backtest(&book.store, &book.read_models, &empty).is_err());
    let mut many = request();
    many.as_of = (0..61).map(|n| day(2026, 1, 1) + chrono::TimeDelta::days(n)).collect();
    assert!(backtest(&book.store, &book.read_models, &many).is_err());
}

#[test]
fn a_period_the_log_has_not_got_past_is_shown_but_not_scored() {
    // The log's last day is Mar 2: February is over, March is not (nor would a log that ended
    // on Mar 31 be past it yet).
    let book = two_months();
    let mut into_march = request();
    into_march.as_of = vec![day(2026, 2, 15), day(2026, 3, 2)];
    let result = backtest(&book.store, &book.read_models, &into_march).unwrap();
    assert_eq!(result.log_ends_on, Some(day(2026, 3, 2)));
    let february = &result.points[0];
    assert!(february.period_over);
    assert_eq!((february.learned_error_bps, february.in_band), (Some(0), Some(true)));
    let march = &result.points[1];
    assert_eq!((march.period.as_str(), march.period_over), ("2026-03", false));
    assert_eq!(march.actual_minor, 0, "nothing closed in March so far");
    let unscored = (march.stage_weighted_error_bps, march.learned_error_bps, march.in_band);
    assert_eq!(unscored, (None, None, None));
    let summaries: Vec<(&str, u32, u32, bool, u32)> = result
        .periods
        .iter()
        .map(|period| {
            let has_mape = period.stage_weighted_mape_bps.is_some();
            (period.period.as_str(), period.n_dates, period.n_scored, has_mape, period.n_in_band)
        })
        .collect();
    assert_eq!(summaries, vec![("2026-02", 1, 1, true, 1), ("2026-03", 1, 0, false, 0)]);
}

#[test]
fn each_date_forecasts_on_its_own_day_even_when_nothing_happened_on_it() {
    // Nothing happened between Feb 20 and Mar 2, so the log as of Mar 1 ends on Feb 20. Deal 4,
    // expected Feb 28, is still open on Mar 1: it can close in March, no longer in February.
    let book = two_months();
    let mut quiet_day = request();
    quiet_day.as_of = vec![day(2026, 3, 1)];
    let result = backtest(&book.store, &book.read_models, &quiet_day).unwrap();
    let march = &result.points[0];
    // Deal 4 in proposal at 50 %; deal 6 opens a day later.
    assert_eq!((march.period.as_str(), march.stage_weighted_minor), ("2026-03", 400_000));
}
