//! The report's sections, each drawn from one read model through the chart primitives. A
//! section whose read model has not landed is a slot that says so ([`Body::NotBuilt`]); filling
//! one is a query and a chart call in its function below, e.g. for the funnel:
//!
//! ```text
//! fn funnel_section(conn: &Connection) -> Result<Section, rusqlite::Error> {
//!     let rows = ltc_projections::models::funnel::query(conn, ..)?;
//!     let stages: Vec<Stage> = rows.iter().map(|row| Stage { label: .., value: .. }).collect();
//!     Ok(Section { body: Body::Html(funnel("Lead-to-cash funnel", &stages, &Unit::Count)), .. })
//! }
//! ```

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Connection;

use super::page::{Body, Section};
use super::svg::{Bar, Unit, bar_chart, escape};
use crate::read_models::{EventCountsRow, query_event_counts, thousands};

/// The state of the log the read models show: what the page says it reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogState {
    pub position: u64,
    /// The last applied event's `recorded_at`; `None` for an empty log.
    pub recorded_at: Option<DateTime<Utc>>,
}

impl LogState {
    pub fn describe(&self) -> String {
        match self.recorded_at {
            Some(at) => format!(
                "The read models at log position {}, the last event recorded at {}.",
                thousands(self.position),
                at.to_rfc3339_opts(SecondsFormat::Secs, true)
            ),
            None => "The read models of an empty log.".to_owned(),
        }
    }
}

/// Every section, in page order.
pub fn sections(conn: &Connection, log: &LogState) -> Result<Vec<Section>, rusqlite::Error> {
    Ok(vec![
        log_section(conn, log)?,
        funnel_section(),
        forecast_section(),
        aging_section(),
        customer_section(),
    ])
}

/// Events per stream kind ([`ltc_projections::EventCounts`]): the bars, then the figures.
fn log_section(conn: &Connection, log: &LogState) -> Result<Section, rusqlite::Error> {
    let rows = query_event_counts(conn)?;
    let mut by_events: Vec<&EventCountsRow> = rows.iter().collect();
    by_events.sort_by(|a, b| b.n_events.cmp(&a.n_events).then(a.stream_kind.cmp(&b.stream_kind)));
    let bars: Vec<Bar> = by_events
        .iter()
        .map(|row| Bar {
            label: row.stream_kind.clone(),
            value: i64::try_from(row.n_events).unwrap_or(i64::MAX),
        })
        .collect();
    let mut html = bar_chart("Events per stream kind", &bars, &Unit::Count);
    html.push_str(
        "<table class=\"figures\">\n<tr><th>stream kind</th><th>streams</th><th>events</th>\
         <th>payload bytes</th></tr>\n",
    );
    for row in &by_events {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&row.stream_kind),
            thousands(row.n_streams),
            thousands(row.n_events),
            thousands(row.payload_bytes)
        ));
    }
    html.push_str("</table>\n");
    Ok(Section {
        id: "log",
        title: "The event log",
        intro: format!(
            "Every fact the read models are derived from: {} events in {} streams, by stream kind.",
            thousands(rows.iter().map(|row| row.n_events).sum()),
            thousands(rows.iter().map(|row| row.n_streams).sum()),
        ) + if log.position == 0 { " The log is empty." } else { "" },
        body: Body::Html(html),
    })
}

/// Leads → qualified → converted and opportunities per stage, as a `funnel` chart, from the
/// funnel read model.
fn funnel_section() -> Section {
    Section {
        id: "funnel",
        title: "Funnel",
        intro: "Leads to qualified to converted, and opportunities reaching each stage.".into(),
        body: Body::NotBuilt { model: "funnel" },
    }
}

/// Each period's revenue: the P10–P90 band over what closed, as a `fan_chart`, from the
/// forecast read model.
fn forecast_section() -> Section {
    Section {
        id: "forecast",
        title: "Forecast",
        intro: "Each period's revenue: the P10–P90 band of the forecast over what actually closed."
            .into(),
        body: Body::NotBuilt { model: "forecast" },
    }
}

/// Outstanding receivables per aging bucket (0–30, 31–60, 61–90, 91–120, >120 days), as a
/// `bar_chart` in money, from the collections read model.
fn aging_section() -> Section {
    Section {
        id: "ar-aging",
        title: "Receivables aging",
        intro: "What customers owe, by how many days past due.".into(),
        body: Body::NotBuilt { model: "collections" },
    }
}

/// One customer's story from first contact to cash, as a `timeline`, from the customer360
/// read model.
fn customer_section() -> Section {
    Section {
        id: "customer",
        title: "One customer's timeline",
        intro: "Everything that happened to one customer, in order.".into(),
        body: Body::NotBuilt { model: "customer360" },
    }
}
