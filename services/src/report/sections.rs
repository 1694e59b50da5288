//! The report's sections, each drawn from one read model through the chart primitives. A
//! section whose read model has not landed is a slot that says so ([`Body::NotBuilt`]); filling
//! one is a query and a chart call in its function below, e.g. for the funnel:
//!
//! ```text
//! fn funnel_section(conn: &Connection) -> Result<Section, SectionError> {
//!     let rows = ltc_projections::models::funnel::query(conn, ..)?;
//!     let stages: Vec<Stage> = rows.iter().map(|row| Stage { label: .., value: .. }).collect();
//!     Ok(Section { body: Body::Html(funnel("Lead-to-cash funnel", &stages, &Unit::Count)), .. })
//! }
//! ```

use chrono::{DateTime, Datelike, Months, NaiveDate, SecondsFormat, Utc};
use rusqlite::Connection;

use ltc_projections::models::funnel::{self, DateRange, Dimension, FunnelRow};
use ltc_projections::models::period::Period;
use ltc_projections::models::{collections, customer360, forecast};

use super::page::{Body, Section};
use super::svg::{
    Band, Bar, FanPoint, Stage, TimelineEntry, Unit, bar_chart, escape, fan_chart,
    funnel as funnel_chart, timeline,
};
use crate::queries::default_business_date;
use crate::read_models::{EventCountsRow, query_event_counts, thousands};

/// The state of the log the read models show: what the page says it reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogState {
    pub position: u64,
    /// The last applied event's `recorded_at`; `None` for an empty log.
    pub recorded_at: Option<DateTime<Utc>>,
    /// Today by the caller's clock.
    pub today: NaiveDate,
}

impl LogState {
    /// The day the page's dated figures (aging, the fan's months) stand on: the one `ltc query`
    /// answers for when asked without a date.
    fn business_date(&self) -> NaiveDate {
        default_business_date(self.today, self.recorded_at)
    }

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

/// The fan chart's months: this many before the last recorded one, and this many after.
const FAN_MONTHS_BACK: u32 = 5;
const FAN_MONTHS_AHEAD: u32 = 2;
/// The simulation behind the fan: enough runs for stable percentiles, a fixed seed so the same
/// log gives the same page.
const FAN_RUNS: u32 = 1_000;
const FAN_SEED: u64 = 42;

/// The timeline lines the report shows of its customer: the latest ones.
const TIMELINE_SHOWN: u32 = 40;

/// Every section, in page order.
pub fn sections(conn: &Connection, log: &LogState) -> Result<Vec<Section>, SectionError> {
    Ok(vec![
        log_section(conn, log)?,
        funnel_section(conn)?,
        forecast_section(conn, log)?,
        aging_section(conn, log)?,
        customer_section(conn)?,
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

/// Leads → qualified → converted, and opportunities reaching each stage, as two `funnel`
/// charts over every cohort the funnel read model holds.
fn funnel_section(conn: &Connection) -> Result<Section, SectionError> {
    let rows = funnel::funnel(conn, Period::Quarter, Dimension::Region, DateRange::ALL)
        .map_err(query_failed)?;
    let sum = |of: fn(&FunnelRow) -> u64| rows.iter().map(of).sum::<u64>();
    let count = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
    let leads = [
        Stage { label: "leads".into(), value: count(sum(|row| row.leads)) },
        Stage { label: "qualified".into(), value: count(sum(|row| row.leads_qualified)) },
        Stage { label: "converted".into(), value: count(sum(|row| row.leads_converted)) },
    ];
    // Stages in the order the read model lists them (the pipeline's), summed over cohorts;
    // a lost deal reached "closed_lost", which is no step of the funnel.
    let mut stages: Vec<Stage> = Vec::new();
    for figures in rows.iter().flat_map(|row| &row.stages) {
        if figures.stage == "closed_lost" {
            continue;
        }
        match stages.iter_mut().find(|stage| stage.label == figures.stage) {
            Some(stage) => stage.value += count(figures.reached),
            None => {
                stages.push(Stage { label: figures.stage.clone(), value: count(figures.reached) })
            }
        }
    }
    let (won, lost) = (sum(|row| row.won), sum(|row| row.lost));
    let mut html = funnel_chart("Leads", &leads, &Unit::Count);
    html.push_str(&funnel_chart("Opportunities reaching each stage", &stages, &Unit::Count));
    Ok(Section {
        id: "funnel",
        title: "Funnel",
        intro: format!(
            "Leads to qualified to converted, and opportunities reaching each stage, over every \
             cohort: {} deals won and {} lost.",
            thousands(won),
            thousands(lost)
        ),
        body: Body::Html(html),
    })
}

/// Each month's revenue around the page's business date ([`LogState::business_date`]): what
/// closed won, and the P10–P90 band of what the open deals may still bring (the forecast read
/// model's Monte-Carlo simulation), as a `fan_chart`, in the first currency that has any.
fn forecast_section(conn: &Connection, log: &LogState) -> Result<Section, SectionError> {
    let last = log.business_date();
    let first_month = last.with_day(1).unwrap_or(last) - Months::new(FAN_MONTHS_BACK);
    let mut currency: Option<String> = None;
    let mut points = Vec::new();
    for offset in 0..FAN_MONTHS_BACK + 1 + FAN_MONTHS_AHEAD {
        let month = first_month + Months::new(offset);
        let key = Period::Month.key(month);
        // Made on the page's day, so a month that is over holds no open deal.
        let day = log.business_date();
        let figures = forecast::forecast_made_on(conn, &key, day).map_err(query_failed)?;
        let simulation = forecast::simulate_made_on(conn, &key, FAN_RUNS, FAN_SEED, day)
            .map_err(query_failed)?;
        let currency = currency.get_or_insert_with(|| {
            figures.totals.first().map_or_else(|| "EUR".to_owned(), |row| row.currency.clone())
        });
        let actual = figures.totals.iter().find(|row| &row.currency == currency);
        let band = simulation.rows.iter().find(|row| &row.currency == currency);
        points.push(FanPoint {
            period: key,
            actual: (month <= last).then(|| actual.map_or(0, |row| row.closed_won_minor)),
            band: band.filter(|row| row.n_open > 0).map(|row| Band {
                p10: row.p10_minor,
                p50: row.p50_minor,
                p90: row.p90_minor,
            }),
        });
    }
    let currency = currency.unwrap_or_else(|| "EUR".to_owned());
    let unit = Unit::Money { currency: currency.clone(), decimals: 2 };
    Ok(Section {
        id: "forecast",
        title: "Forecast",
        intro: format!(
            "Closed won per month in {currency}, and where open deals expected to close in a \
             month may take it: the P10–P90 band of {FAN_RUNS} simulated outcomes (seed \
             {FAN_SEED}) from each deal's learned win probability."
        ),
        body: Body::Html(fan_chart("Revenue per month", &points, &unit)),
    })
}

/// Outstanding receivables per aging bucket as of the page's business date, one `bar_chart` in
/// money per currency, from the collections read model.
fn aging_section(conn: &Connection, log: &LogState) -> Result<Section, SectionError> {
    let as_of = log.business_date();
    let rows = collections::aging(conn, as_of).map_err(query_failed)?;
    let mut html = String::new();
    for row in &rows {
        let bar = |label: &str, value: i64| Bar { label: label.into(), value };
        let bars = [
            bar("not due", row.current_minor),
            bar("1–30", row.days_1_30_minor),
            bar("31–60", row.days_31_60_minor),
            bar("61–90", row.days_61_90_minor),
            bar("91–120", row.days_91_120_minor),
            bar(">120", row.over_120_minor),
        ];
        let unit = Unit::Money { currency: row.currency.clone(), decimals: 2 };
        html.push_str(&bar_chart(&format!("Days past due, {}", row.currency), &bars, &unit));
    }
    if rows.is_empty() {
        html.push_str("<p>Nothing is owed.</p>\n");
    }
    Ok(Section {
        id: "ar-aging",
        title: "Receivables aging",
        intro: format!("What customers owe on {as_of}, by how many days past due."),
        body: Body::Html(html),
    })
}

/// Why a section could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum SectionError {
    /// The read-model database failed: rebuild the read models or check the disk.
    #[error(transparent)]
    Storage(#[from] rusqlite::Error),
    /// A read model's query refused or failed.
    #[error("querying a read model: {0}")]
    Query(String),
}

fn query_failed(error: impl std::fmt::Display) -> SectionError {
    SectionError::Query(error.to_string())
}

/// The customer with the fullest story (the most timeline lines; the first by name on a tie),
/// the latest of it as a `timeline`, from the customer360 read model.
fn customer_section(conn: &Connection) -> Result<Section, SectionError> {
    let fullest = customer360::fullest_timeline(conn).map_err(query_failed)?;
    let Some(fullest) = fullest else {
        return Ok(Section {
            id: "customer",
            title: "One customer's timeline",
            intro: "No customer yet.".into(),
            body: Body::Html(String::new()),
        });
    };
    let shown =
        customer360::timeline(conn, fullest.customer_id, TIMELINE_SHOWN).map_err(query_failed)?;
    let entries: Vec<TimelineEntry> = shown
        .iter()
        .map(|line| TimelineEntry {
            date: line.occurred_at.format("%Y-%m-%d").to_string(),
            title: line.text.clone(),
            detail: Some(format!("{}, {}", line.actor, line.occurred_at.format("%H:%M"))),
        })
        .collect();
    Ok(Section {
        id: "customer",
        title: "One customer's timeline",
        intro: format!(
            "{}: the latest {} of {} things that happened to this customer, in order.",
            fullest.name,
            entries.len(),
            fullest.lines
        ),
        body: Body::Html(timeline(&fullest.name, &entries)),
    })
}
