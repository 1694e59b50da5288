//! The lead-to-cash read models behind `ltc query`: one [`ModelQuery`] per question, each a thin
//! bridge from command-line arguments to the model's typed query and its text rendering in
//! `ltc_projections::models`.

use chrono::{NaiveDate, Utc};
use ltc_projections::Projection;
use ltc_projections::models::funnel::{self, DateRange, Dimension, FunnelRow};
use ltc_projections::models::leads::{self, LeadDimension, LeadRow};
use ltc_projections::models::period::Period;
use ltc_projections::models::stalled::{self, StalledRow};
use ltc_projections::models::{collections, customer360, forecast, reps};
use rusqlite::Connection;

use super::query::{AsOf, ModelQuery};

/// `month` or `quarter`, as the period options take it.
pub(super) fn period(text: &str) -> Result<Period, String> {
    match text {
        "month" => Ok(Period::Month),
        "quarter" => Ok(Period::Quarter),
        other => Err(format!("{other:?} is not a period: use month or quarter")),
    }
}

fn dimension(text: &str) -> Result<Dimension, String> {
    Dimension::parse(text).ok_or_else(|| {
        let names: Vec<_> = Dimension::ALL.iter().map(|dimension| dimension.name()).collect();
        format!("{text:?} is not a dimension: use one of {}", names.join(", "))
    })
}

fn lead_dimension(text: &str) -> Result<LeadDimension, String> {
    LeadDimension::parse(text).ok_or_else(|| {
        let names: Vec<_> = LeadDimension::ALL.iter().map(|dimension| dimension.name()).collect();
        format!("{text:?} is not a lead dimension: use one of {}", names.join(", "))
    })
}

/// An answer computed for one date: the date is part of the answer, since it may be today's.
#[derive(Debug, serde::Serialize)]
pub(super) struct Dated<T> {
    as_of: NaiveDate,
    rows: Vec<T>,
}

/// The date a dated-facts model answers for: `--as-of`, else today (UTC).
fn date_or_today(as_of: Option<NaiveDate>) -> NaiveDate {
    as_of.unwrap_or_else(|| Utc::now().date_naive())
}

/// `ltc query funnel --by region --period quarter`.
#[derive(Debug, clap::Args)]
pub(super) struct FunnelQuery {
    /// rep, team, region, industry, product or channel.
    #[arg(long, value_parser = dimension, default_value = "region")]
    by: Dimension,
    /// month or quarter.
    #[arg(long, value_parser = period, default_value = "quarter")]
    period: Period,
}

impl ModelQuery for FunnelQuery {
    const NAME: &'static str = "funnel";
    type Answer = Vec<FunnelRow>;

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(funnel::Funnel)]
    }

    fn query(&self, conn: &Connection, _as_of: Option<NaiveDate>) -> anyhow::Result<Self::Answer> {
        Ok(funnel::funnel(conn, self.period, self.by, DateRange::ALL)?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        funnel::render(self.by, answer)
    }
}

/// `ltc query leads --by channel`.
#[derive(Debug, clap::Args)]
pub(super) struct LeadsQuery {
    /// channel, score_band or owner.
    #[arg(long, value_parser = lead_dimension, default_value = "channel")]
    by: LeadDimension,
}

impl ModelQuery for LeadsQuery {
    const NAME: &'static str = "leads";
    type Answer = Vec<LeadRow>;

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(leads::Leads)]
    }

    fn query(&self, conn: &Connection, _as_of: Option<NaiveDate>) -> anyhow::Result<Self::Answer> {
        Ok(leads::leads(conn, self.by, DateRange::ALL)?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        leads::render(self.by, answer)
    }
}

/// `ltc query stalled [--as-of DATE]`: open deals past their stage's stall threshold.
#[derive(Debug, clap::Args)]
pub(super) struct StalledQuery {}

impl ModelQuery for StalledQuery {
    const NAME: &'static str = "stalled";
    const AS_OF: AsOf = AsOf::AtQueryTime;
    type Answer = Dated<StalledRow>;

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(stalled::Stalled)]
    }

    fn query(&self, conn: &Connection, as_of: Option<NaiveDate>) -> anyhow::Result<Self::Answer> {
        let date = date_or_today(as_of);
        Ok(Dated { as_of: date, rows: stalled::stalled(conn, date)? })
    }

    fn render(&self, answer: &Self::Answer) -> String {
        stalled::render(answer.as_of, &answer.rows)
    }
}

/// `ltc query ar-aging [--as-of DATE] [--by-customer]`: what is owed, by days past due.
#[derive(Debug, clap::Args)]
pub(super) struct ArAgingQuery {
    /// One line per customer instead of one per currency.
    #[arg(long)]
    by_customer: bool,
}

impl ModelQuery for ArAgingQuery {
    const NAME: &'static str = "ar-aging";
    const AS_OF: AsOf = AsOf::AtQueryTime;
    type Answer = Dated<collections::AgingRow>;

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(collections::Collections)]
    }

    fn query(&self, conn: &Connection, as_of: Option<NaiveDate>) -> anyhow::Result<Self::Answer> {
        let date = date_or_today(as_of);
        let rows = if self.by_customer {
            collections::aging_by_customer(conn, date)?
        } else {
            collections::aging(conn, date)?
        };
        Ok(Dated { as_of: date, rows })
    }

    fn render(&self, answer: &Self::Answer) -> String {
        collections::render_aging(answer.as_of, &answer.rows)
    }
}

/// `ltc query collections --period month [--by-customer]`: invoiced, collected, outstanding.
#[derive(Debug, clap::Args)]
pub(super) struct CollectionsQuery {
    /// month or quarter.
    #[arg(long, value_parser = period, default_value = "month")]
    period: Period,
    #[arg(long)]
    by_customer: bool,
}

impl ModelQuery for CollectionsQuery {
    const NAME: &'static str = "collections";
    type Answer = Vec<collections::CollectionsRow>;

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(collections::Collections)]
    }

    fn query(&self, conn: &Connection, _as_of: Option<NaiveDate>) -> anyhow::Result<Self::Answer> {
        Ok(collections::collections(conn, self.period, self.by_customer)?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        collections::render_collections(answer)
    }
}

/// `ltc query dso [--days 90] [--as-of DATE]`: days sales outstanding.
#[derive(Debug, clap::Args)]
pub(super) struct DsoQuery {
    /// The window of sales, in days.
    #[arg(long, default_value_t = 90)]
    days: u32,
}

impl ModelQuery for DsoQuery {
    const NAME: &'static str = "dso";
    const AS_OF: AsOf = AsOf::AtQueryTime;
    type Answer = Vec<collections::DsoRow>;

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(collections::Collections)]
    }

    fn query(&self, conn: &Connection, as_of: Option<NaiveDate>) -> anyhow::Result<Self::Answer> {
        Ok(collections::dso(conn, date_or_today(as_of), self.days)?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        collections::render_dso(answer)
    }
}

/// `ltc query reps --period 2026-Q1`: targets, wins, commission and activity per rep.
#[derive(Debug, clap::Args)]
pub(super) struct RepsQuery {
    /// A month (`2026-03`) or a quarter (`2026-Q1`).
    #[arg(long)]
    period: String,
}

impl ModelQuery for RepsQuery {
    const NAME: &'static str = "reps";
    type Answer = Vec<reps::RepRow>;

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(reps::Reps)]
    }

    fn query(&self, conn: &Connection, _as_of: Option<NaiveDate>) -> anyhow::Result<Self::Answer> {
        Ok(reps::rep_performance(conn, &self.period)?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        reps::render(&self.period, answer)
    }
}

/// `ltc query customer360 <ID> [--timeline 50] [--as-of DATE]`: one customer, whole.
#[derive(Debug, clap::Args)]
pub(super) struct Customer360Query {
    /// The customer's id (`ltc query customers` lists them).
    id: uuid::Uuid,
    /// How many of the latest timeline lines to show.
    #[arg(long, default_value_t = 50)]
    timeline: u32,
}

/// A customer's view and the latest lines of their timeline.
#[derive(Debug, serde::Serialize)]
pub(super) struct CustomerAnswer {
    customer: customer360::Customer360,
    timeline: Vec<customer360::TimelineEntry>,
}

impl ModelQuery for Customer360Query {
    const NAME: &'static str = "customer360";
    const AS_OF: AsOf = AsOf::AtQueryTime;
    type Answer = CustomerAnswer;

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(customer360::Customer360Projection)]
    }

    fn query(&self, conn: &Connection, as_of: Option<NaiveDate>) -> anyhow::Result<Self::Answer> {
        let limit = self.timeline.min(customer360::TIMELINE_LIMIT_MAX);
        let customer = customer360::customer(conn, self.id, date_or_today(as_of))?
            .ok_or_else(|| anyhow::anyhow!("no customer {} in the read models", self.id))?;
        Ok(CustomerAnswer { customer, timeline: customer360::timeline(conn, self.id, limit)? })
    }

    fn render(&self, answer: &Self::Answer) -> String {
        customer360::render(&answer.customer, &answer.timeline)
    }
}

/// `ltc query customers`: every customer with their open pipeline and open AR.
#[derive(Debug, clap::Args)]
pub(super) struct CustomersQuery {}

impl ModelQuery for CustomersQuery {
    const NAME: &'static str = "customers";
    type Answer = Vec<customer360::CustomerListRow>;

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(customer360::Customer360Projection)]
    }

    fn query(&self, conn: &Connection, _as_of: Option<NaiveDate>) -> anyhow::Result<Self::Answer> {
        Ok(customer360::list(conn)?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        customer360::render_list(answer)
    }
}

/// `ltc query forecast --period 2026-Q1 [--runs 2000] [--seed 42] [--as-of DATE]`: the period's
/// figures and the Monte-Carlo P10 / P50 / P90 of its revenue. `--as-of` rebuilds the forecast
/// from what the log held at the end of that day, so nothing later leaks in.
#[derive(Debug, clap::Args)]
pub(super) struct ForecastQuery {
    /// A month (`2026-03`) or a quarter (`2026-Q1`).
    #[arg(long)]
    period: String,
    /// Simulated outcomes of the open deals.
    #[arg(long, default_value_t = 2_000)]
    runs: u32,
    /// The simulation's seed: the same seed gives the same percentiles.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// A period's figures with the simulation of its revenue.
#[derive(Debug, serde::Serialize)]
pub(super) struct ForecastAnswer {
    forecast: forecast::Forecast,
    simulation: forecast::Simulation,
}

impl ModelQuery for ForecastQuery {
    const NAME: &'static str = "forecast";
    type Answer = ForecastAnswer;

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(forecast::ForecastProjection)]
    }

    fn query(&self, conn: &Connection, _as_of: Option<NaiveDate>) -> anyhow::Result<Self::Answer> {
        Ok(ForecastAnswer {
            forecast: forecast::forecast(conn, &self.period, None)?,
            simulation: forecast::simulate(conn, &self.period, self.runs, self.seed)?,
        })
    }

    fn render(&self, answer: &Self::Answer) -> String {
        let mut text = forecast::render_forecast(&answer.forecast);
        text.push('\n');
        text.push_str(&forecast::render_simulation(&answer.simulation));
        text
    }
}

/// `ltc query win-probabilities`: the learned chance of winning each open deal.
#[derive(Debug, clap::Args)]
pub(super) struct WinProbabilitiesQuery {}

impl ModelQuery for WinProbabilitiesQuery {
    const NAME: &'static str = "win-probabilities";
    type Answer = forecast::WinProbabilities;

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(forecast::ForecastProjection)]
    }

    fn query(&self, conn: &Connection, _as_of: Option<NaiveDate>) -> anyhow::Result<Self::Answer> {
        Ok(forecast::win_probabilities(conn)?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        forecast::render_win_probabilities(answer)
    }
}
