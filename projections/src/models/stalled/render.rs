//! The stalled opportunities as a text table.

use chrono::NaiveDate;

use super::query::StalledRow;
use crate::models::funnel::shared::{Align, format_minor, format_number, short_id, table};

pub fn render(as_of: NaiveDate, rows: &[StalledRow]) -> String {
    if rows.is_empty() {
        return format!("No opportunity is stalled on {as_of}.\n");
    }
    let headers = [
        ("opportunity", Align::Left),
        ("name", Align::Left),
        ("owner", Align::Left),
        ("stage", Align::Left),
        ("since", Align::Left),
        ("days", Align::Right),
        ("limit", Align::Right),
        ("over", Align::Right),
        ("amount", Align::Right),
        ("cur", Align::Left),
        ("last activity", Align::Left),
        ("days ago", Align::Right),
    ];
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let activity = match (&row.last_activity_at, &row.last_activity) {
                (Some(at), Some(what)) => format!("{} {what}", at.get(..10).unwrap_or(at)),
                _ => "-".to_owned(),
            };
            vec![
                short_id(&row.opportunity_id).to_owned(),
                row.name.clone(),
                short_id(&row.owner_id).to_owned(),
                row.stage.clone(),
                row.entered_on.to_string(),
                row.days_in_stage.to_string(),
                row.stall_after_days.to_string(),
                row.days_over.to_string(),
                format_minor(Some(row.amount_minor)),
                row.currency.clone(),
                activity,
                format_number(row.days_since_activity),
            ]
        })
        .collect();
    format!("Stalled on {as_of}: {} opportunities\n{}", rows.len(), table(&headers, &lines))
}
