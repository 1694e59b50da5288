//! The forecast's answers as text tables, for `ltc query forecast` and the snapshot tests. Money
//! is shown in major units with two decimals and grouped thousands (exact: integer arithmetic),
//! rates as percentages with two decimals, ids shortened to their last eight characters (the
//! JSON output carries them whole).

use super::backtest::Backtest;
use super::model::WinProbabilities;
use super::new_business::NewBusinessBasis;
use super::query::{Forecast, ForecastRow};
use super::simulate::Simulation;
use crate::models::amount_text::amount_text;

/// A forecast: the book per currency, then each rep.
pub fn render_forecast(forecast: &Forecast) -> String {
    let as_of = forecast.as_of.map_or_else(|| "now".to_owned(), |day| day.to_string());
    let mut text = format!("Forecast {} as of {as_of}\n", forecast.period);
    let rows = forecast.totals.iter().map(|row| figures(row.currency.clone(), row)).collect();
    text.push_str(&table(&FIGURE_HEADERS, 1, rows));
    if !forecast.reps.is_empty() {
        text.push_str("By rep\n");
        let mut headers = vec!["rep", "team"];
        headers.extend_from_slice(&FIGURE_HEADERS);
        let rows = forecast
            .reps
            .iter()
            .map(|rep| {
                let mut cells =
                    vec![short(&rep.rep), rep.team.as_deref().map_or("-".into(), short)];
                cells.extend(figures(rep.figures.currency.clone(), &rep.figures));
                cells
            })
            .collect();
        text.push_str(&table(&headers, 3, rows));
    }
    text
}

/// Every open deal's learned win probability beside its stage probability.
pub fn render_win_probabilities(scored: &WinProbabilities) -> String {
    let as_of = scored.as_of.map_or_else(|| "-".to_owned(), |day| day.to_string());
    let mut text = format!(
        "Win probabilities as of {as_of}, learned from {} won and {} lost deals\n",
        scored.n_won_examples, scored.n_lost_examples
    );
    let headers = [
        "opportunity",
        "close",
        "stage",
        "amount",
        "stage p",
        "learned p",
        "accepted",
        "channel",
        "industry",
        "region",
        "recency",
    ];
    let rows = scored
        .deals
        .iter()
        .map(|deal| {
            vec![
                short(&deal.opportunity_id),
                deal.expected_close.to_string(),
                deal.stage.clone(),
                format!("{} {}", amount_text(deal.amount_minor), deal.currency),
                percent(u64::from(deal.stage_probability_bps)),
                percent(u64::from(deal.win_probability_bps)),
                if deal.quote_accepted { "yes" } else { "-" }.to_owned(),
                deal.features.channel.clone(),
                deal.features.industry.clone(),
                deal.features.region.clone(),
                deal.features.recency.clone(),
            ]
        })
        .collect();
    text.push_str(&table(&headers, 3, rows));
    text
}

/// A simulation's percentiles per currency.
pub fn render_simulation(simulation: &Simulation) -> String {
    let mut text = format!(
        "Revenue {} over {} runs (seed {})\n",
        simulation.period, simulation.runs, simulation.seed
    );
    let headers =
        ["currency", "closed won", "open", "new business", "expected", "P10", "P50", "P90"];
    let rows = simulation
        .rows
        .iter()
        .map(|row| {
            vec![
                row.currency.clone(),
                amount_text(row.closed_won_minor),
                row.n_open.to_string(),
                amount_text(row.new_business_minor),
                amount_text(row.expected_minor),
                amount_text(row.p10_minor),
                amount_text(row.p50_minor),
                amount_text(row.p90_minor),
            ]
        })
        .collect();
    text.push_str(&table(&headers, 1, rows));
    text.push_str(&new_business_basis(&simulation.new_business));
    text
}

/// Where a simulation's new business comes from, or why there is none.
fn new_business_basis(basis: &NewBusinessBasis) -> String {
    let Some(ahead) = basis.days_ahead else {
        return "New business: none, the period is over\n".to_owned();
    };
    let n_days = ahead.n_days();
    match (basis.windows.first(), basis.windows.last()) {
        (Some(newest), Some(oldest)) => format!(
            "New business: deals opened and won within one of {} past {n_days}-day windows, \
             drawn per run (newest {} to {}, oldest {} to {})\n",
            basis.windows.len(),
            newest.first,
            newest.last,
            oldest.first,
            oldest.last
        ),
        _ => format!(
            "New business: none, the history is shorter than the {n_days} days ahead \
             ({} to {})\n",
            ahead.first, ahead.last
        ),
    }
}

/// A backtest: each as-of date's forecasts and errors, which periods are not over (and so not
/// scored), then the MAPE per period over the scored dates.
pub fn render_backtest(backtest: &Backtest) -> String {
    let mut text = format!("Backtest ({} runs per date, seed {})\n", backtest.runs, backtest.seed);
    let headers = [
        "as of",
        "period",
        "currency",
        "examples",
        "actual",
        "stage-weighted",
        "error",
        "new business",
        "P10",
        "P50",
        "P90",
        "error",
        "in band",
    ];
    let rows = backtest
        .points
        .iter()
        .map(|point| {
            vec![
                point.as_of.to_string(),
                point.period.clone(),
                point.currency.clone(),
                point.n_examples.to_string(),
                amount_text(point.actual_minor),
                amount_text(point.stage_weighted_minor),
                optional_percent(point.stage_weighted_error_bps),
                amount_text(point.new_business_minor),
                amount_text(point.p10_minor),
                amount_text(point.p50_minor),
                amount_text(point.p90_minor),
                optional_percent(point.learned_error_bps),
                match point.in_band {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "-",
                }
                .to_owned(),
            ]
        })
        .collect();
    text.push_str(&table(&headers, 3, rows));
    let mut not_over: Vec<&str> = backtest
        .points
        .iter()
        .filter(|point| !point.period_over)
        .map(|point| point.period.as_str())
        .collect();
    not_over.dedup();
    if !not_over.is_empty() {
        let log_end = backtest.log_ends_on.map_or_else(|| "-".to_owned(), |day| day.to_string());
        text.push_str(&format!(
            "Not over by the log's last day, {log_end}, so not scored (actual so far): {}\n",
            not_over.join(", ")
        ));
    }
    if !backtest.dates_without_deals.is_empty() {
        let dates: Vec<String> =
            backtest.dates_without_deals.iter().map(ToString::to_string).collect();
        text.push_str(&format!(
            "Nothing to forecast (no deal won, open or learned in the period then, none won in it \
             later): {}\n",
            dates.join(", ")
        ));
    }
    text.push_str("MAPE per period, over the scored dates\n");
    let headers =
        ["period", "currency", "dates", "scored", "stage-weighted", "learned P50", "in band"];
    let rows = backtest
        .periods
        .iter()
        .map(|period| {
            vec![
                period.period.clone(),
                period.currency.clone(),
                period.n_dates.to_string(),
                period.n_scored.to_string(),
                optional_percent(period.stage_weighted_mape_bps),
                optional_percent(period.learned_mape_bps),
                format!("{}/{}", period.n_in_band, period.n_scored),
            ]
        })
        .collect();
    text.push_str(&table(&headers, 2, rows));
    text
}

/// The columns of a forecast row, after the rep and team of a rep's row.
const FIGURE_HEADERS: [&str; 11] = [
    "currency",
    "closed won",
    "commit",
    "best case",
    "pipeline",
    "weighted",
    "won",
    "open",
    "quota",
    "attainment",
    "coverage",
];

fn figures(currency: String, row: &ForecastRow) -> Vec<String> {
    vec![
        currency,
        amount_text(row.closed_won_minor),
        amount_text(row.commit_minor),
        amount_text(row.best_case_minor),
        amount_text(row.pipeline_minor),
        amount_text(row.weighted_pipeline_minor),
        row.n_won.to_string(),
        row.n_open.to_string(),
        row.quota_minor.map_or_else(|| "-".to_owned(), amount_text),
        optional_percent(row.attainment_bps),
        optional_percent(row.coverage_bps),
    ]
}

fn percent(bps: u64) -> String {
    format!("{}.{:02} %", bps / 100, bps % 100)
}

fn optional_percent(bps: Option<u64>) -> String {
    bps.map_or_else(|| "-".to_owned(), percent)
}

/// The last eight characters of an id: in a time-ordered (v7) UUID the first ones are the
/// creation time, shared by ids made together; the last ones are random in every version.
fn short(id: &str) -> String {
    let n_chars = id.chars().count();
    id.chars().skip(n_chars.saturating_sub(8)).collect()
}

/// Columns padded to their widest cell: the first `n_text` left-aligned, the rest (numbers)
/// right-aligned. Trailing spaces are trimmed so snapshots do not depend on them.
fn table(headers: &[&str], n_text: usize, rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|header| header.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> =
            cells
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(idx, (cell, width))| {
                    if idx < n_text { format!("{cell:<width$}") } else { format!("{cell:>width$}") }
                })
                .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut text = line(headers.iter().map(|header| (*header).to_owned()).collect());
    if rows.is_empty() {
        text.push_str("(none)\n");
    }
    for row in rows {
        text.push_str(&line(row));
    }
    text
}
