//! New business, the simulation's part for deals not yet in the pipeline: learned only from what
//! was known on the forecast's day, from the analog windows the module states (worked by hand
//! below), none for a period that is over or a history shorter than the days ahead, and drawn
//! the same way for the same seed.

use crate::models::forecast::{
    BacktestRequest, DayRange, backtest, render_simulation, simulate, simulate_made_on,
};
use crate::models::period::Period;

use super::support::{ALICE, Book, day, eur, usd};

/// The forecast's day in these tests: March has 31 days ahead of it.
const FEBRUARY_28: (i32, u32, u32) = (2026, 2, 28);

fn february_28() -> chrono::NaiveDate {
    day(FEBRUARY_28.0, FEBRUARY_28.1, FEBRUARY_28.2)
}

/// The history up to Feb 28 (each deal opened and won on the days shown):
///
/// | deal | amount | opened | won | in windows (below) |
/// |---|---|---|---|---|
/// | 4 | 30,000 EUR | Jan 5 | Feb 20 | none: it was in the pipeline at the start of each |
/// | 1 | 10,000 EUR | Jan 8 | Jan 12 | W3 |
/// | 2 | 20,000 EUR | Feb 2 | Feb 6 | W0, W1, W2, W3 |
/// | 3 | 5,000 USD | Feb 16 | Feb 19 | W0, W1 |
/// | 5 | 9,000 EUR | Feb 25 | lost Feb 27 | none: lost |
///
/// A forecast of March made on Feb 28 has 31 days ahead, so its windows are the 31 days ending
/// Feb 28 (W0, from Jan 29), Feb 21 (W1, from Jan 22), Feb 14 (W2, from Jan 15) and Feb 7 (W3,
/// from Jan 8); the next, ending Jan 31, would start on Jan 1, before deal 4 opened the history.
/// New business per window: EUR 20,000, 20,000, 20,000, 30,000 (mean 22,500); USD 5,000, 5,000,
/// 0, 0 (mean 2,500).
pub(super) fn to_february_28() -> Book {
    let mut book = Book::new();
    book.on(day(2026, 1, 5));
    book.customer(1, "software", "north");
    book.open(4, 1, ALICE, eur(3_000_000), day(2026, 2, 20));
    book.on(day(2026, 1, 8)).open(1, 1, ALICE, eur(1_000_000), day(2026, 1, 20));
    book.on(day(2026, 1, 12)).win(1, ALICE);
    book.on(day(2026, 2, 2)).open(2, 1, ALICE, eur(2_000_000), day(2026, 2, 10));
    book.on(day(2026, 2, 6)).win(2, ALICE);
    book.on(day(2026, 2, 16)).open(3, 1, ALICE, usd(500_000), day(2026, 2, 25));
    book.on(day(2026, 2, 19)).win(3, ALICE);
    book.on(day(2026, 2, 20)).win(4, ALICE);
    book.on(day(2026, 2, 25)).open(5, 1, ALICE, eur(900_000), day(2026, 3, 10));
    book.on(day(2026, 2, 27)).lose(5, ALICE);
    book.on(february_28()).customer(2, "retail", "south");
    book
}

/// [`to_february_28`], then March: deal 6 (70,000 EUR) opened on Mar 2 and won on Mar 5, and
/// deal 7 opened on Mar 3 and still open. Neither was known on Feb 28.
fn into_march() -> Book {
    let mut book = to_february_28();
    book.on(day(2026, 3, 2)).open(6, 1, ALICE, eur(7_000_000), day(2026, 3, 20));
    book.on(day(2026, 3, 3)).open(7, 2, ALICE, eur(400_000), day(2026, 3, 25));
    book.on(day(2026, 3, 5)).win(6, ALICE);
    book
}

fn windows_ending(lasts: [(u32, u32); 4]) -> Vec<DayRange> {
    lasts
        .into_iter()
        .map(|(month, last)| {
            let last = day(2026, month, last);
            DayRange { first: last - chrono::TimeDelta::days(30), last }
        })
        .collect()
}

#[test]
fn the_analog_windows_are_the_stated_ones_and_each_sums_the_deals_opened_and_won_within_it() {
    let book = to_february_28();
    let simulation = simulate(&book.project(), "2026-03", 1_000, 9).unwrap();
    let basis = &simulation.new_business;
    assert_eq!(basis.days_ahead, Some(DayRange { first: day(2026, 3, 1), last: day(2026, 3, 31) }));
    assert_eq!(basis.windows, windows_ending([(2, 28), (2, 21), (2, 14), (2, 7)]));
    assert_eq!(basis.windows[3].first, day(2026, 1, 8));
    let new_business: Vec<(&str, i64, u32)> = simulation
        .rows
        .iter()
        .map(|row| (row.currency.as_str(), row.new_business_minor, row.n_open))
        .collect();
    // Dollars have no deal in March, but new business of their own.
    assert_eq!(new_business, vec![("EUR", 2_250_000, 0), ("USD", 250_000, 0)]);
    let eur = &simulation.rows[0];
    assert_eq!(eur.expected_minor, 2_250_000, "nothing won or open in March yet");
    // A rebuild writes the same opening days, win days and won amounts as the live build.
    assert_eq!(simulate(&book.rebuilt(3), "2026-03", 1_000, 9).unwrap(), simulation);
}

#[test]
fn a_deal_opened_or_won_after_the_forecasts_day_never_counts_as_its_new_business() {
    let book = into_march();
    // The live read model knows deals 6 and 7; made on Feb 28, it learns only from before.
    let made_on_feb_28 =
        simulate_made_on(&book.project(), "2026-03", 1_000, 9, february_28()).unwrap();
    assert_eq!(made_on_feb_28.new_business.windows[0].last, february_28());
    let eur = made_on_feb_28.rows.iter().find(|row| row.currency == "EUR").unwrap();
    assert_eq!(eur.new_business_minor, 2_250_000, "deal 6 is left out");
    // A backtest as of Mar 1 forecasts March from the read model rebuilt up to then, which has
    // not seen deal 6; made on Mar 1, the live one leaves it out all the same. The 30 days
    // ahead have four windows, ending Mar 1, Feb 22, Feb 15 and Feb 8: deal 2 is in each.
    let request =
        BacktestRequest { as_of: vec![day(2026, 3, 1)], period: Period::Month, runs: 500, seed: 3 };
    let result = backtest(&book.store, &book.read_models, &request).unwrap();
    let point = result.points.iter().find(|point| point.currency == "EUR").unwrap();
    assert_eq!((point.period.as_str(), point.new_business_minor), ("2026-03", 2_000_000));
    let made_on_mar_1 =
        simulate_made_on(&book.project(), "2026-03", 1_000, 9, day(2026, 3, 1)).unwrap();
    assert_eq!(made_on_mar_1.new_business.windows.len(), 4);
    assert_eq!(made_on_mar_1.rows[0].new_business_minor, 2_000_000);
    // Made on Mar 5 (the clock's day), 26 days are ahead and deal 6 is in the newest of the
    // five windows that fit after Jan 5: EUR 70,000, 20,000, 20,000, 20,000 and 0 (the window
    // from Jan 11 to Feb 5 holds neither deal 1, opened before it, nor deal 2, won after it).
    let made_on_mar_5 = simulate(&book.project(), "2026-03", 1_000, 9).unwrap();
    let windows = &made_on_mar_5.new_business.windows;
    assert_eq!(windows[0], DayRange { first: day(2026, 2, 8), last: day(2026, 3, 5) });
    assert_eq!(windows[4], DayRange { first: day(2026, 1, 11), last: day(2026, 2, 5) });
    assert_eq!(windows.len(), 5);
    let eur = made_on_mar_5.rows.iter().find(|row| row.currency == "EUR").unwrap();
    assert_eq!(eur.new_business_minor, 2_600_000);
}

#[test]
fn a_period_that_is_over_gets_no_new_business() {
    let book = to_february_28();
    let simulation = simulate_made_on(&book.project(), "2026-01", 1_000, 9, february_28()).unwrap();
    assert_eq!(simulation.new_business.days_ahead, None);
    assert!(simulation.new_business.windows.is_empty());
    let eur = &simulation.rows[0];
    assert_eq!(eur.new_business_minor, 0);
    // Only deal 1 was won in January.
    let figures = (eur.expected_minor, eur.p10_minor, eur.p50_minor, eur.p90_minor);
    assert_eq!(figures, (1_000_000, 1_000_000, 1_000_000, 1_000_000));
    assert!(render_simulation(&simulation).contains("New business: none, the period is over"));
}

#[test]
fn the_same_seed_draws_the_same_new_business_and_every_percentile_is_a_windows() {
    let book = to_february_28();
    let conn = book.project();
    let first = simulate(&conn, "2026-03", 2_000, 17).unwrap();
    assert_eq!(simulate(&conn, "2026-03", 2_000, 17).unwrap(), first);
    // Nothing is won or open in March: each run's revenue is one window's new business.
    let [eur, usd] = [&first.rows[0], &first.rows[1]];
    for value in [eur.p10_minor, eur.p50_minor, eur.p90_minor] {
        assert!([2_000_000, 3_000_000].contains(&value), "{eur:?}");
    }
    for value in [usd.p10_minor, usd.p50_minor, usd.p90_minor] {
        assert!([0, 500_000].contains(&value), "{usd:?}");
    }
    // A quarter of the windows bring 30,000 EUR and half 5,000 USD: both above the P10.
    assert_eq!((eur.p10_minor, eur.p90_minor), (2_000_000, 3_000_000));
    assert_eq!((usd.p10_minor, usd.p90_minor), (0, 500_000));
}

#[test]
fn with_less_history_than_the_days_ahead_there_is_no_new_business_and_the_answer_says_so() {
    let mut book = Book::new();
    book.on(day(2026, 2, 10));
    book.customer(1, "software", "north");
    book.open(1, 1, ALICE, eur(1_000_000), day(2026, 2, 20));
    book.on(day(2026, 2, 12)).win(1, ALICE);
    book.on(day(2026, 2, 14)).open(2, 1, ALICE, eur(600_000), day(2026, 3, 20));
    book.on(february_28()).customer(2, "retail", "south");
    // March's 31 days ahead need history from Jan 29; the first deal opened on Feb 10.
    let simulation = simulate(&book.project(), "2026-03", 1_000, 9).unwrap();
    assert!(simulation.new_business.windows.is_empty());
    let eur = &simulation.rows[0];
    assert_eq!((eur.new_business_minor, eur.n_open), (0, 1));
    assert!(eur.p90_minor <= 600_000, "only deal 2 can add to March: {eur:?}");
    assert!(
        render_simulation(&simulation)
            .contains("New business: none, the history is shorter than the 31 days ahead"),
        "{}",
        render_simulation(&simulation)
    );
    // An empty read model has no history at all.
    let empty = simulate(&Book::new().project(), "2026-03", 100, 9).unwrap();
    assert!(empty.new_business.windows.is_empty() && empty.rows.is_empty());
}
