//! What `ltc demo` prints from the read models once the history is generated: the funnel, the
//! current quarter's forecast, receivables as of the last day, and one customer's story from the
//! 360° view. The same figures `ltc query` answers, so the demo shows the product's own reading
//! of the log rather than the generator's bookkeeping.

use chrono::NaiveDate;
use ltc_projections::models::period::Period;
use ltc_projections::models::{collections, customer360, forecast, funnel};
use rusqlite::Connection;
use uuid::Uuid;

use crate::report::svg::Unit;

/// The story's lines shown in full; a longer story ends with where to read the rest.
const STORY_LINES_MAX: usize = 60;

/// Runs of the forecast simulation, and its seed: the same log prints the same percentiles.
const SIMULATION_RUNS: u32 = 2_000;
const SIMULATION_SEED: u64 = 42;

pub(super) fn print(conn: &Connection, last_day: NaiveDate, customer: Uuid) -> anyhow::Result<()> {
    println!();
    // The history's last day, named: `ltc query` without a date answers for today, which is
    // this day only while the machine's clock has not passed the generated history.
    println!("From the read models (`ltc query … --as-of {last_day}` answers the same):");
    print_funnel(conn)?;
    print_forecast(conn, last_day)?;
    print_receivables(conn, last_day)?;
    print_story(conn, customer)
}

fn print_funnel(conn: &Connection) -> anyhow::Result<()> {
    let rows =
        funnel::funnel(conn, Period::Quarter, funnel::Dimension::Region, funnel::DateRange::ALL)?;
    let sum = |of: fn(&funnel::FunnelRow) -> u64| rows.iter().map(of).sum::<u64>();
    let (won, lost) = (sum(|row| row.won), sum(|row| row.lost));
    let win_rate = (won * 10_000).checked_div(won + lost).unwrap_or(0);
    println!(
        "  funnel            {} leads → {} qualified → {} converted; {} opportunities, {} won, \
         {} lost (win rate {}.{:02} %)",
        sum(|row| row.leads),
        sum(|row| row.leads_qualified),
        sum(|row| row.leads_converted),
        sum(|row| row.opportunities),
        won,
        lost,
        win_rate / 100,
        win_rate % 100
    );
    Ok(())
}

fn print_forecast(conn: &Connection, last_day: NaiveDate) -> anyhow::Result<()> {
    let quarter = Period::Quarter.key(last_day);
    let figures = forecast::forecast_made_on(conn, &quarter, last_day)?;
    let simulation =
        forecast::simulate_made_on(conn, &quarter, SIMULATION_RUNS, SIMULATION_SEED, last_day)?;
    for row in &figures.totals {
        let band = simulation.rows.iter().find(|band| band.currency == row.currency);
        println!(
            "  forecast {quarter}  closed won {}, pipeline {} (weighted {}){}",
            money(row.closed_won_minor, &row.currency),
            money(row.pipeline_minor, &row.currency),
            money(row.weighted_pipeline_minor, &row.currency),
            band.map_or_else(String::new, |band| format!(
                "; revenue P10 / P50 / P90 {} / {} / {}",
                money(band.p10_minor, &band.currency),
                money(band.p50_minor, &band.currency),
                money(band.p90_minor, &band.currency)
            )),
        );
    }
    Ok(())
}

fn print_receivables(conn: &Connection, last_day: NaiveDate) -> anyhow::Result<()> {
    let dso = collections::dso(conn, last_day, 90)?;
    for row in collections::aging(conn, last_day)? {
        let days = dso
            .iter()
            .find(|dso| dso.currency == row.currency)
            .and_then(|dso| dso.dso_days)
            .map_or_else(|| "-".to_owned(), |days| days.to_string());
        println!(
            "  receivables       {} outstanding on {last_day}, {} overdue (over 90 days: {}); \
             DSO {days} days",
            money(row.outstanding_minor, &row.currency),
            money(row.overdue_minor, &row.currency),
            money(row.days_91_120_minor + row.over_120_minor, &row.currency),
        );
    }
    Ok(())
}

fn print_story(conn: &Connection, customer: Uuid) -> anyhow::Result<()> {
    let lines = customer360::timeline(conn, customer, customer360::TIMELINE_LIMIT_MAX)?;
    let name = customer360::list(conn)?
        .into_iter()
        .find(|row| row.customer_id == customer)
        .map_or_else(|| customer.to_string(), |row| row.name);
    println!();
    println!("One customer's story, from the first contact to cash ({name}, from customer360):");
    for line in lines.iter().take(STORY_LINES_MAX) {
        println!(
            "  {}  {:<12}  {}",
            line.occurred_at.format("%Y-%m-%d %H:%M"),
            line.actor,
            line.text
        );
    }
    if lines.len() > STORY_LINES_MAX {
        println!(
            "  … and {} more: ltc query customer360 {customer} --timeline {}",
            lines.len() - STORY_LINES_MAX,
            lines.len()
        );
    }
    Ok(())
}

/// Minor units as `1,234.56 EUR`: two decimals, as every currency the demo sells in has; the
/// report's formatting, so the demo and the page print amounts alike.
fn money(amount_minor: i64, currency: &str) -> String {
    Unit::Money { currency: currency.to_owned(), decimals: 2 }.format(amount_minor)
}
