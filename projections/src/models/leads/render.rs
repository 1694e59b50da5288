//! The leads query as a text table.

use super::query::{LeadDimension, LeadRow};
use crate::models::funnel::shared::{Align, format_bps, format_number, table};

pub fn render(by: LeadDimension, rows: &[LeadRow]) -> String {
    if rows.is_empty() {
        return "No leads captured in this range.\n".to_owned();
    }
    let headers = [
        (by.name(), Align::Left),
        ("captured", Align::Right),
        ("dups", Align::Right),
        ("leads", Align::Right),
        ("open", Align::Right),
        ("qualified", Align::Right),
        ("converted", Align::Right),
        ("disq", Align::Right),
        ("conversion", Align::Right),
        ("touched", Align::Right),
        ("first touch min", Align::Right),
        ("assign min", Align::Right),
    ];
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            vec![
                row.key.clone(),
                row.captured.to_string(),
                row.duplicates.to_string(),
                row.leads.to_string(),
                row.open.to_string(),
                row.qualified.to_string(),
                row.converted.to_string(),
                row.disqualified.to_string(),
                format_bps(row.conversion_bps),
                row.touched.to_string(),
                format_number(row.first_touch_minutes_avg),
                format_number(row.assignment_minutes_avg),
            ]
        })
        .collect();
    table(&headers, &lines)
}
