//! Snapshots of every rendered answer over the small fixed books of the other tests. Refresh
//! with `UPDATE_EXPECT=1` and review the diff.

use expect_test::expect;

use super::backtest::{request, two_months};
use super::figures::quarter;
use super::model::two_closed_two_open;
use super::new_business::to_february_28;
use crate::models::forecast::{
    backtest, forecast, render_backtest, render_forecast, render_simulation,
    render_win_probabilities, simulate, win_probabilities,
};

#[test]
fn a_quarter_renders_per_currency_then_per_rep() {
    let book = quarter();
    let forecast = forecast(&book.project(), "2026-Q1", None).unwrap();
    expect![[r#"
        Forecast 2026-Q1 as of now
        currency  closed won      commit  best case    pipeline   weighted  won  open       quota  attainment  coverage
        EUR        20,000.00  100,000.00     333.33  150,333.33  85,166.67    1     3  300,000.00      6.67 %   53.69 %
        USD             0.00   40,000.00       0.00   40,000.00  32,000.00    0     1           -           -         -
        By rep
        rep       team      currency  closed won      commit  best case    pipeline   weighted  won  open       quota  attainment  coverage
        00000b0b  0000ea57  EUR        20,000.00        0.00       0.00   50,000.00   5,000.00    1     1  100,000.00     20.00 %   62.50 %
        00000b0b  0000ea57  USD             0.00   40,000.00       0.00   40,000.00  32,000.00    0     1           -           -         -
        000a11ce  0000ea57  EUR             0.00  100,000.00     333.33  100,333.33  80,166.67    0     2  200,000.00      0.00 %   50.17 %
    "#]].assert_eq(&render_forecast(&forecast));
}

#[test]
fn a_quarter_as_of_a_past_day_renders_that_day() {
    let book = quarter();
    let forecast = forecast(&book.project(), "2026-Q1", Some(super::support::day(2026, 2, 15)));
    expect![[r#"
        Forecast 2026-Q1 as of 2026-02-15
        currency  closed won     commit  best case    pipeline   weighted  won  open       quota  attainment  coverage
        EUR        20,000.00       0.00     333.33  150,333.33  15,166.67    1     3  250,000.00      8.00 %   65.36 %
        USD             0.00  40,000.00       0.00   40,000.00  32,000.00    0     1           -           -         -
        By rep
        rep       team      currency  closed won     commit  best case    pipeline   weighted  won  open       quota  attainment  coverage
        00000b0b  0000ea57  EUR        20,000.00       0.00       0.00   50,000.00   5,000.00    1     1  100,000.00     20.00 %   62.50 %
        00000b0b  0000ea57  USD             0.00  40,000.00       0.00   40,000.00  32,000.00    0     1           -           -         -
        000a11ce  0000ea57  EUR             0.00       0.00     333.33  100,333.33  10,166.67    0     2  150,000.00      0.00 %   66.89 %
    "#]].assert_eq(&render_forecast(&forecast.unwrap()));
}

#[test]
fn win_probabilities_render_beside_the_stage_probabilities() {
    let book = two_closed_two_open();
    let scored = win_probabilities(&book.project()).unwrap();
    expect![[r#"
        Win probabilities as of 2026-01-30, learned from 1 won and 1 lost deals
        opportunity  close       stage                 amount  stage p  learned p  accepted   channel  industry  region  recency
        dea10003     2026-03-10  negotiation    30,000.00 EUR  80.00 %    98.46 %         -  referral  software   north     0-7d
        dea10004     2026-03-20  qualification   4,000.00 EUR  10.00 %     3.03 %         -    direct    retail   south    8-30d
    "#]].assert_eq(&render_win_probabilities(&scored));
}

#[test]
fn a_simulation_renders_its_percentiles() {
    let book = two_closed_two_open();
    let simulation = simulate(&book.project(), "2026-03", 1_000, 3).unwrap();
    expect![[r#"
        Revenue 2026-03 over 1000 runs (seed 3)
        currency  closed won  open  new business   expected        P10        P50        P90
        EUR             0.00     2          0.00  29,659.20  30,000.00  30,000.00  30,000.00
        New business: none, the history is shorter than the 31 days ahead (2026-03-01 to 2026-03-31)
    "#]]
    .assert_eq(&render_simulation(&simulation));
}

#[test]
fn a_simulation_with_new_business_renders_its_mean_and_windows() {
    let book = to_february_28();
    let simulation = simulate(&book.project(), "2026-03", 1_000, 3).unwrap();
    expect![[r#"
        Revenue 2026-03 over 1000 runs (seed 3)
        currency  closed won  open  new business   expected        P10        P50        P90
        EUR             0.00     0     22,500.00  22,500.00  20,000.00  20,000.00  30,000.00
        USD             0.00     0      2,500.00   2,500.00       0.00       0.00   5,000.00
        New business: deals opened and won within one of 4 past 31-day windows, drawn per run (newest 2026-01-29 to 2026-02-28, oldest 2026-01-08 to 2026-02-07)
    "#]].assert_eq(&render_simulation(&simulation));
}

#[test]
fn a_backtest_renders_each_date_and_the_mape_per_period() {
    let book = two_months();
    // And Mar 2, the log's last day: March is not over.
    let mut request = request();
    request.as_of.push(super::support::day(2026, 3, 2));
    let result = backtest(&book.store, &book.read_models, &request).unwrap();
    expect![[r#"
        Backtest (500 runs per date, seed 11)
        as of       period   currency  examples     actual  stage-weighted    error  new business        P10        P50        P90    error  in band
        2026-01-10  2026-01  EUR              0  10,000.00        1,500.00  85.00 %          0.00       0.00   5,000.00  15,000.00  50.00 %      yes
        2026-01-20  2026-01  EUR              2  10,000.00       10,000.00   0.00 %          0.00  10,000.00  10,000.00  10,000.00   0.00 %      yes
        2026-02-01  2026-02  EUR              2  50,000.00        7,000.00  86.00 %          0.00       0.00  30,000.00  38,000.00  40.00 %       no
        2026-02-15  2026-02  EUR              3  50,000.00       36,000.00  28.00 %          0.00  50,000.00  50,000.00  58,000.00   0.00 %      yes
        2026-03-02  2026-03  EUR              4       0.00        4,000.00        -     10,000.00       0.00  10,000.00  28,000.00        -        -
        Not over by the log's last day, 2026-03-02, so not scored (actual so far): 2026-03
        MAPE per period, over the scored dates
        period   currency  dates  scored  stage-weighted  learned P50  in band
        2026-01  EUR           2       2         42.50 %      25.00 %      2/2
        2026-02  EUR           2       2         57.00 %      20.00 %      1/2
        2026-03  EUR           1       0               -            -      0/0
    "#]].assert_eq(&render_backtest(&result));
}
