//! The funnel as text: one table of leads and deals per period and key, one of the stages the
//! cohorts reached, and one of the money figures per currency.

use super::query::{Dimension, FunnelRow};
use super::shared::{Align, format_bps, format_minor, format_number, table};

pub fn render(by: Dimension, rows: &[FunnelRow]) -> String {
    if rows.is_empty() {
        return "No leads or opportunities in this range.\n".to_owned();
    }
    let key = by.name();
    let mut text = String::from("Leads and deals (cohorts by capture and opening date)\n");
    let headers = [
        ("period", Align::Left),
        (key, Align::Left),
        ("leads", Align::Right),
        ("qualified", Align::Right),
        ("converted", Align::Right),
        ("lead conv", Align::Right),
        ("opps", Align::Right),
        ("won", Align::Right),
        ("lost", Align::Right),
        ("win rate", Align::Right),
        ("cycle days", Align::Right),
    ];
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            vec![
                row.period.clone(),
                row.key.clone(),
                row.leads.to_string(),
                row.leads_qualified.to_string(),
                row.leads_converted.to_string(),
                format_bps(row.lead_conversion_bps),
                row.opportunities.to_string(),
                row.won.to_string(),
                row.lost.to_string(),
                format_bps(row.win_rate_bps),
                format_number(row.sales_cycle_days_avg),
            ]
        })
        .collect();
    text.push_str(&table(&headers, &lines));

    text.push_str("\nStages (reached by the cohort, then reached next ÷ reached this)\n");
    let headers = [
        ("period", Align::Left),
        (key, Align::Left),
        ("stage", Align::Left),
        ("reached", Align::Right),
        ("to next", Align::Right),
        ("stays", Align::Right),
        ("avg days", Align::Right),
    ];
    let lines: Vec<Vec<String>> = rows
        .iter()
        .flat_map(|row| {
            row.stages.iter().map(|stage| {
                vec![
                    row.period.clone(),
                    row.key.clone(),
                    stage.stage.clone(),
                    stage.reached.to_string(),
                    format_bps(stage.to_next_bps),
                    stage.stays_finished.to_string(),
                    format_number(stage.days_in_stage_avg),
                ]
            })
        })
        .collect();
    text.push_str(&table(&headers, &lines));

    text.push_str("\nMoney (per currency; velocity per day)\n");
    let headers = [
        ("period", Align::Left),
        (key, Align::Left),
        ("currency", Align::Left),
        ("opps", Align::Right),
        ("won", Align::Right),
        ("won amount", Align::Right),
        ("avg deal", Align::Right),
        ("velocity", Align::Right),
    ];
    let lines: Vec<Vec<String>> = rows
        .iter()
        .flat_map(|row| {
            row.currencies.iter().map(|money| {
                vec![
                    row.period.clone(),
                    row.key.clone(),
                    money.currency.clone(),
                    money.opportunities.to_string(),
                    money.won.to_string(),
                    format_minor(Some(money.won_minor)),
                    format_minor(money.deal_size_avg_minor),
                    format_minor(money.velocity_minor_per_day),
                ]
            })
        })
        .collect();
    text.push_str(&table(&headers, &lines));
    text
}
