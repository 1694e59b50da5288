//! The funnel, given a history, projected, then queried: each figure checked against the history
//! worked out by hand, and the text rendering as a snapshot.

use expect_test::expect;
use ltc_domain::ids::OpportunityId;
use ltc_domain::lead::{Channel, LeadEvent};
use ltc_domain::money::Bps;
use ltc_domain::opportunity::{ForecastCategory, OpportunityEvent, StageKey};
use rusqlite::Connection;

use super::testkit::*;
use super::*;
use crate::models::period::Period;
use crate::models::query_plan::query_plan;

/// Projects the funnel over what `given` appended and queries it.
#[track_caller]
fn check(given: impl FnOnce(&mut World), period: Period, by: Dimension) -> Vec<FunnelRow> {
    let mut world = World::new();
    given(&mut world);
    let conn: Connection = world.project(Box::new(Funnel::default()));
    funnel(&conn, period, by, DateRange::ALL).expect("the funnel query")
}

fn stage<'r>(row: &'r FunnelRow, key: &str) -> &'r StageFigures {
    row.stages.iter().find(|figures| figures.stage == key).expect("the stage is listed")
}

/// Three January deals of Ana's: A skips needs analysis and is won, B is lost after needs
/// analysis, C stays in qualification.
fn three_january_deals(world: &mut World) {
    let (a, b, c) = (opportunity_id(1), opportunity_id(2), opportunity_id(3));
    world.customer(customer_id(1), customer_created(customer_id(1), "retail", "emea"));
    world.opportunity(a, opened(a, customer_id(1), owned(ANA, EAST), eur(9_000), "2026-01-05"));
    world.opportunity(b, opened(b, customer_id(1), owned(ANA, EAST), eur(5_000), "2026-01-10"));
    world.opportunity(c, opened(c, customer_id(1), owned(ANA, EAST), eur(7_000), "2026-01-12"));
    world.opportunity(a, moved("qualification", "proposal", "2026-01-15"));
    world.opportunity(b, moved("qualification", "needs_analysis", "2026-01-20"));
    world.opportunity(b, lost("2026-01-30"));
    world.opportunity(a, won(eur(10_000), "2026-02-04"));
}

#[test]
fn a_cohort_counts_the_stages_its_deals_reached_skipped_ones_included_and_converts_next_over_this()
{
    let rows = check(three_january_deals, Period::Month, Dimension::Rep);
    assert_eq!(rows.len(), 1, "one cohort, one rep: {rows:#?}");
    let row = &rows[0];
    assert_eq!((row.period.as_str(), row.key.as_str()), ("2026-01", ANA.0.to_string().as_str()));
    assert_eq!((row.opportunities, row.won, row.lost), (3, 1, 1));
    let reached: Vec<(&str, u64, Option<u32>)> = row
        .stages
        .iter()
        .map(|figures| (figures.stage.as_str(), figures.reached, figures.to_next_bps))
        .collect();
    assert_eq!(
        reached,
        [
            ("qualification", 3, Some(6_667)),
            ("needs_analysis", 2, Some(5_000)),
            ("proposal", 1, Some(10_000)),
            ("negotiation", 1, Some(10_000)),
            ("closed_won", 1, None),
            ("closed_lost", 1, None),
        ]
    );
}

#[test]
fn win_rate_ignores_open_deals_and_cycle_deal_size_and_velocity_come_from_the_won_ones() {
    let rows = check(three_january_deals, Period::Quarter, Dimension::Team);
    let row = &rows[0];
    assert_eq!((row.period.as_str(), row.key.as_str()), ("2026-Q1", EAST.0.to_string().as_str()));
    assert_eq!(row.win_rate_bps, Some(5_000), "1 won ÷ (1 won + 1 lost)");
    assert_eq!(row.sales_cycle_days_avg, Some(30), "5 January to 4 February");
    let money = &row.currencies[..];
    assert_eq!(money.len(), 1);
    assert_eq!(money[0].currency, "EUR");
    assert_eq!(money[0].won_minor, 10_000, "the amount won, not the amount opened");
    assert_eq!(money[0].deal_size_avg_minor, Some(10_000));
    // 3 deals × 50 % × 10,000 ÷ 30 days = 500 per day.
    assert_eq!(money[0].velocity_minor_per_day, Some(500));
}

#[test]
fn days_in_stage_average_the_finished_stays_and_leave_out_the_one_still_running() {
    let rows = check(three_january_deals, Period::Month, Dimension::Rep);
    let row = &rows[0];
    let qualification = stage(row, "qualification");
    assert_eq!(qualification.stays_finished, 2, "A and B left it; C is still in it");
    assert_eq!(qualification.days_in_stage_avg, Some(10), "A 10 days, B 10 days");
    assert_eq!(stage(row, "needs_analysis").days_in_stage_avg, Some(10));
    assert_eq!(stage(row, "proposal").days_in_stage_avg, Some(20), "15 January to 4 February");
    assert_eq!(stage(row, "negotiation").stays_finished, 0, "reached by the win, never stayed in");
}

#[test]
fn a_deal_opened_in_one_month_and_closed_in_the_next_counts_only_in_its_opening_cohort() {
    let rows = check(
        |world| {
            let a = opportunity_id(1);
            world.opportunity(a, opened(a, customer_id(1), owned(ANA, EAST), eur(1), "2026-01-30"));
            world.opportunity(a, moved("qualification", "negotiation", "2026-02-02"));
            world.opportunity(a, won(eur(100), "2026-02-10"));
        },
        Period::Month,
        Dimension::Rep,
    );
    let periods: Vec<&str> = rows.iter().map(|row| row.period.as_str()).collect();
    assert_eq!(periods, ["2026-01"], "February has no cohort, whatever happened in it");
    assert_eq!(stage(&rows[0], "negotiation").reached, 1);
    assert_eq!(rows[0].won, 1);
}

#[test]
fn a_reopened_deal_counts_by_its_latest_outcome_and_keeps_the_stages_it_reached() {
    let rows = check(
        |world| {
            let a = opportunity_id(1);
            world.opportunity(a, opened(a, customer_id(1), owned(ANA, EAST), eur(1), "2026-01-05"));
            world.opportunity(a, won(eur(100), "2026-01-10"));
            world.opportunity(
                a,
                OpportunityEvent::Reopened {
                    to: StageKey::new("proposal"),
                    probability: Bps(5_000),
                    forecast_category: ForecastCategory::BestCase,
                    at: at("2026-01-12"),
                },
            );
        },
        Period::Month,
        Dimension::Rep,
    );
    let row = &rows[0];
    assert_eq!((row.won, row.lost, row.win_rate_bps), (0, 0, None));
    assert_eq!(row.sales_cycle_days_avg, None);
    assert_eq!(stage(row, "closed_won").reached, 1, "reaching a stage is never undone");
}

#[test]
fn money_is_kept_per_currency_and_never_added_across() {
    let rows = check(
        |world| {
            let (a, b) = (opportunity_id(1), opportunity_id(2));
            world.opportunity(a, opened(a, customer_id(1), owned(ANA, EAST), eur(1), "2026-01-05"));
            world.opportunity(b, opened(b, customer_id(1), owned(ANA, EAST), usd(1), "2026-01-05"));
            world.opportunity(a, won(eur(300), "2026-01-06"));
            world.opportunity(b, won(usd(700), "2026-01-08"));
        },
        Period::Month,
        Dimension::Rep,
    );
    let money: Vec<(&str, i64, Option<i64>)> = rows[0]
        .currencies
        .iter()
        .map(|figures| {
            (figures.currency.as_str(), figures.won_minor, figures.velocity_minor_per_day)
        })
        .collect();
    // EUR: 1 deal × 100 % × 300 ÷ 1 day; USD: 1 × 100 % × 700 ÷ 3 days = 233.33, rounded.
    assert_eq!(money, [("EUR", 300, Some(300)), ("USD", 700, Some(233))]);
    assert_eq!(rows[0].sales_cycle_days_avg, Some(2), "(1 + 3) ÷ 2 days, whatever the currency");
}

/// A deal converted from a referral lead, whose customer is created after the deal opens, and
/// whose quote is revised so that its main product changes.
fn a_deal_with_every_dimension(world: &mut World) {
    let (lead, deal, customer, quote) =
        (lead_id(1), opportunity_id(4), customer_id(2), quote_id(0));
    world.lead(lead, captured(lead, Channel::Referral, Some(owned(BEN, WEST)), "2026-02-01"));
    world.lead(lead, LeadEvent::Qualified { at: at("2026-02-02") });
    world.lead(lead, converted(deal, owned(BEN, WEST), "2026-02-03"));
    world.opportunity(deal, opened(deal, customer, owned(BEN, WEST), eur(1), "2026-02-03"));
    world.customer(customer, customer_created(customer, "retail", "apac"));
    world.quote(quote, quote_created(deal, &[("SEAT", 500), ("SUPPORT", 900)], "2026-02-04"));
}

#[test]
fn each_dimension_keys_a_deal_by_its_own_fact_whatever_order_the_facts_arrived_in() {
    let key_of = |by| check(a_deal_with_every_dimension, Period::Month, by)[0].key.clone();
    assert_eq!(key_of(Dimension::Rep), BEN.0.to_string());
    assert_eq!(key_of(Dimension::Team), WEST.0.to_string());
    assert_eq!(key_of(Dimension::Region), "apac", "the customer's region, created after the deal");
    assert_eq!(key_of(Dimension::Industry), "retail");
    assert_eq!(key_of(Dimension::Product), "SUPPORT", "the line with the largest amount");
    assert_eq!(key_of(Dimension::Channel), "referral", "converted before the deal opened");
}

#[test]
fn a_deal_without_a_quote_or_a_lead_is_keyed_none() {
    let rows = check(three_january_deals, Period::Month, Dimension::Product);
    assert_eq!(rows[0].key, NO_VALUE);
    let rows = check(three_january_deals, Period::Month, Dimension::Channel);
    assert_eq!(rows[0].key, NO_VALUE);
}

#[test]
fn leads_count_once_per_buyer_and_qualified_includes_the_converted() {
    let rows = check(
        |world| {
            let (l1, l2, l3, l4) = (lead_id(1), lead_id(2), lead_id(3), lead_id(4));
            for lead in [l1, l2, l3, l4] {
                world.lead(lead, captured(lead, Channel::WebForm, None, "2026-03-02"));
            }
            world.lead(l1, LeadEvent::Qualified { at: at("2026-03-03") });
            world.lead(l1, converted(opportunity_id(1), owned(ANA, EAST), "2026-03-04"));
            world.lead(l2, LeadEvent::Qualified { at: at("2026-03-03") });
            world.lead(l4, LeadEvent::CapturedAsDuplicate { survivor: l3 });
            world.lead(l4, LeadEvent::MergedInto { survivor: l3, at: at("2026-03-05") });
        },
        Period::Quarter,
        Dimension::Channel,
    );
    let row = &rows[0];
    assert_eq!((row.period.as_str(), row.key.as_str()), ("2026-Q1", "web_form"));
    assert_eq!((row.leads, row.leads_qualified, row.leads_converted), (3, 2, 1));
    assert_eq!(row.lead_conversion_bps, Some(3_333));
    assert_eq!(row.opportunities, 0, "the converted lead's deal was never opened here");
}

#[test]
fn a_range_keeps_only_the_cohorts_that_began_inside_it() {
    let mut world = World::new();
    three_january_deals(&mut world);
    let conn = world.project(Box::new(Funnel::default()));
    let range = DateRange::new(day("2026-01-06"), day("2026-01-31")).unwrap();
    let rows = funnel(&conn, Period::Month, Dimension::Rep, range).unwrap();
    assert_eq!(rows[0].opportunities, 2, "A opened on 5 January, before the range");
}

#[test]
fn the_funnel_renders_as_three_tables() {
    let mut world = World::new();
    three_january_deals(&mut world);
    a_deal_with_every_dimension(&mut world);
    let conn = world.project(Box::new(Funnel::default()));
    let rows = funnel(&conn, Period::Quarter, Dimension::Region, DateRange::ALL).unwrap();
    expect![[r#"
        Leads and deals (cohorts by capture and opening date)
        period   region  leads  qualified  converted  lead conv  opps  won  lost  win rate  cycle days
        -------  ------  -----  ---------  ---------  ---------  ----  ---  ----  --------  ----------
        2026-Q1  apac        0          0          0          -     1    0     0         -           -
        2026-Q1  emea        1          1          1    100.00%     3    1     1    50.00%          30

        Stages (reached by the cohort, then reached next ÷ reached this)
        period   region  stage           reached  to next  stays  avg days
        -------  ------  --------------  -------  -------  -----  --------
        2026-Q1  apac    qualification         1    0.00%      0         -
        2026-Q1  apac    needs_analysis        0        -      0         -
        2026-Q1  apac    proposal              0        -      0         -
        2026-Q1  apac    negotiation           0        -      0         -
        2026-Q1  apac    closed_won            0        -      0         -
        2026-Q1  apac    closed_lost           0        -      0         -
        2026-Q1  emea    qualification         3   66.67%      2        10
        2026-Q1  emea    needs_analysis        2   50.00%      1        10
        2026-Q1  emea    proposal              1  100.00%      1        20
        2026-Q1  emea    negotiation           1  100.00%      0         -
        2026-Q1  emea    closed_won            1        -      0         -
        2026-Q1  emea    closed_lost           1        -      0         -

        Money (per currency; velocity per day)
        period   region  currency  opps  won  won amount  avg deal  velocity
        -------  ------  --------  ----  ---  ----------  --------  --------
        2026-Q1  apac    EUR          1    0        0.00         -         -
        2026-Q1  emea    EUR          3    1      100.00    100.00      5.00
    "#]]
    .assert_eq(&render(Dimension::Region, &rows));
}

/// Three deals of one pipeline: its six stages are stored once, and each deal keeps a row for
/// each stage it reached (the view adds the others, unreached).
#[test]
fn a_pipeline_is_stored_once_and_a_deal_keeps_rows_only_for_the_stages_it_reached() {
    let mut world = World::new();
    three_january_deals(&mut world);
    let conn: Connection = world.project(Box::new(Funnel::default()));
    let count = |sql: &str| conn.query_row(sql, [], |row| row.get::<_, i64>(0)).unwrap();
    assert_eq!(count("SELECT count(*) FROM funnel_pipelines"), 1, "three deals, one pipeline");
    assert_eq!(count("SELECT count(*) FROM funnel_pipeline_stages"), 6);
    assert_eq!(count("SELECT count(*) FROM funnel_stages"), 3 * 6, "the view: every stage");
    // A, won from proposal: 5 (the stages it skipped count as reached); B, lost after needs
    // analysis: 3; C, in qualification: 1. The cohort test above counts the same 9.
    assert_eq!(count("SELECT count(*) FROM funnel_stages_reached"), 5 + 3 + 1);
}

/// The later-opened deal has the smaller id, so a flush writes it first; its pipeline still gets
/// the second key, as a rebuild (which writes deals when they settle) would give it.
#[test]
fn pipelines_get_their_keys_in_the_order_deals_open_with_them() {
    let (first, second) = (opportunity_id(2), opportunity_id(1));
    let mut world = World::new();
    world.opportunity(first, opened(first, customer_id(1), owned(ANA, EAST), eur(1), "2026-01-05"));
    let mut other = opened(second, customer_id(1), owned(ANA, EAST), eur(1), "2026-01-06");
    if let OpportunityEvent::Opened { pipeline, .. } = &mut other {
        pipeline.stages[0].stall_after_days = None;
        pipeline.stages.swap(1, 2);
    }
    world.opportunity(second, other);
    let conn: Connection = world.project(Box::new(Funnel::default()));
    let key_of = |deal: OpportunityId| -> i64 {
        conn.query_row(
            "SELECT pipeline_key FROM funnel_opportunities WHERE opportunity_id = ?1",
            [deal.0.to_string()],
            |row| row.get(0),
        )
        .unwrap()
    };
    assert_eq!((key_of(first), key_of(second)), (1, 2));
}

/// A cohort's stages reached and finished stays are found deal by deal, one search of the deal's
/// id each: the cohort is the outer loop, never the stage rows (1.3M of each in a 5M-event log,
/// where SQLite had chosen to scan them and search three tables per row: BENCHMARKS.md, "The
/// funnel query, a build for deploying, …").
#[test]
fn a_cohorts_stage_rows_are_searched_deal_by_deal_not_scanned() {
    let mut world = World::new();
    three_january_deals(&mut world);
    let conn: Connection = world.project(Box::new(Funnel::default()));
    for by in Dimension::ALL {
        let cohort = super::query::cohort("o.opened_quarter", by);
        let statements = [
            (super::query::stages_reached(&cohort), "r"),
            (super::query::stays_finished(&cohort), "v"),
        ];
        for (sql, table) in statements {
            let plan = query_plan(&conn, &sql, ["2026-01-01", "2026-12-31"]);
            let step = |prefix: String| plan.iter().any(|step| step.starts_with(&prefix));
            assert!(step("SCAN o".into()), "{by:?}, {table}: {plan:?}");
            assert!(
                step(format!("SEARCH {table} USING PRIMARY KEY (opportunity_id=?)")),
                "{by:?}, {table}: {plan:?}"
            );
            assert!(!step(format!("SCAN {table}")), "{by:?}, {table}: {plan:?}");
        }
    }
}
