//! `ltc query <model> …`: one read model's answer, as an aligned table by default and JSON with
//! `--json`; `--as-of DATE` answers as of the end of that day (UTC).
//!
//! Every query first catches the read models up with the log, so the answer is current. Each
//! model is one variant of [`Model`] and one [`ModelQuery`] impl on its arguments; the shared
//! runner [`answer`] does the rest (catch-up, `--as-of`, the header, text or JSON). Adding the
//! funnel, for instance, is:
//!
//! ```text
//! // In `enum Model`:
//!     /// Leads and opportunities per stage, per period and dimension.
//!     Funnel(FunnelQuery),
//! // In `Model::run`:
//!     Model::Funnel(query) => answer(query, common),
//! // And the query itself:
//! #[derive(Debug, clap::Args)]
//! pub(super) struct FunnelQuery {
//!     #[arg(long, value_enum, default_value = "region")] by: funnel::Dimension,
//!     #[arg(long, value_enum, default_value = "quarter")] period: Period,
//! }
//! impl ModelQuery for FunnelQuery {
//!     const NAME: &'static str = "funnel";
//!     type Answer = Vec<funnel::Row>;
//!     fn projections(&self) -> Vec<Box<dyn Projection>> { vec![Box::new(funnel::Funnel::default())] }
//!     fn query(&self, conn: &Connection, _as_of: Option<NaiveDate>) -> anyhow::Result<Self::Answer> {
//!         Ok(funnel::query(conn, self.by, self.period)?)
//!     }
//!     fn render(&self, answer: &Self::Answer) -> String { funnel::render(answer) }
//! }
//! ```
//!
//! A model whose tables keep dated facts (aging, days in stage) answers `--as-of` itself: it sets
//! `const AS_OF: AsOf = AsOf::AtQueryTime` and reads the date in `query`. Every other model gets
//! `--as-of` by a throw-away rebuild of its projections up to the end of that day.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use ltc_projections::{EventCounts, Projection};
use rusqlite::Connection;
use serde::Serialize;

use super::query_models::{
    ArAgingQuery, CollectionsQuery, Customer360Query, CustomersQuery, DsoQuery, ForecastQuery,
    FunnelQuery, LeadsQuery, RepsQuery, StalledQuery, WinProbabilitiesQuery,
};
use super::rebuild::{ProgressDisplay, open_read_models};
use crate::data_dir::{DEFAULT_DATA_DIR, DataDir};
use crate::read_models::{EventCountsRow, query_event_counts, render_event_counts, thousands};

#[derive(Debug, clap::Args)]
pub(super) struct QueryArgs {
    #[command(subcommand)]
    model: Model,
    #[command(flatten)]
    common: CommonArgs,
}

/// The options every model's query takes, before or after the model's name.
#[derive(Debug, clap::Args)]
pub(super) struct CommonArgs {
    /// Where the event store and read models live.
    #[arg(long = "data", value_name = "DIR", default_value = DEFAULT_DATA_DIR, global = true)]
    data: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    /// Answer as of the end of this day, UTC (`YYYY-MM-DD`): from the events recorded by then.
    #[arg(long, value_name = "DATE", global = true)]
    as_of: Option<NaiveDate>,
}

#[derive(Debug, clap::Subcommand)]
enum Model {
    /// Streams, events and payload bytes per stream kind: the shape of the log.
    Events(EventsQuery),
    /// One customer, whole: profile, deals, quotes, orders, receivables, credits, figures and
    /// the latest lines of their timeline.
    Customer360(Customer360Query),
    /// Every customer, with open pipeline and open AR.
    Customers(CustomersQuery),
    /// A period's closed won, commit, best case, pipeline, weighted pipeline, quotas, and the
    /// Monte-Carlo P10 / P50 / P90 of its revenue.
    Forecast(ForecastQuery),
    /// The learned (naive-Bayes) chance of winning each open deal.
    WinProbabilities(WinProbabilitiesQuery),
    /// Leads and opportunities per period and dimension: cohort stage conversion, win rate,
    /// deal size, cycle, days in stage, velocity.
    Funnel(FunnelQuery),
    /// Leads by channel, score band or owner: conversion and time to first touch.
    Leads(LeadsQuery),
    /// Open opportunities past their stage's stall threshold, with their last activity.
    Stalled(StalledQuery),
    /// Receivables by days past due (1–30, 31–60, 61–90, 91–120, over 120).
    ArAging(ArAgingQuery),
    /// Invoiced, collected and outstanding per period (and customer).
    Collections(CollectionsQuery),
    /// Days sales outstanding.
    Dso(DsoQuery),
    /// Targets against wins, commission and activities per rep for a period.
    Reps(RepsQuery),
}

impl Model {
    fn run(&self, common: &CommonArgs) -> anyhow::Result<ExitCode> {
        match self {
            Model::Events(query) => answer(query, common),
            Model::Customer360(query) => answer(query, common),
            Model::Customers(query) => answer(query, common),
            Model::Forecast(query) => answer(query, common),
            Model::WinProbabilities(query) => answer(query, common),
            Model::Funnel(query) => answer(query, common),
            Model::Leads(query) => answer(query, common),
            Model::Stalled(query) => answer(query, common),
            Model::ArAging(query) => answer(query, common),
            Model::Collections(query) => answer(query, common),
            Model::Dso(query) => answer(query, common),
            Model::Reps(query) => answer(query, common),
        }
    }
}

pub(super) fn run(args: &QueryArgs) -> anyhow::Result<ExitCode> {
    args.model.run(&args.common)
}

/// How a model answers `--as-of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AsOf {
    /// Rebuild the model's projections from the log up to the end of the day, in a temporary
    /// directory: right for every read model, and costs a replay.
    Rebuild,
    /// The model's query computes the state at the date from dated facts in current tables.
    AtQueryTime,
}

/// One read model's `ltc query` subcommand.
pub(super) trait ModelQuery {
    /// The model's name in `ltc query NAME` and in the JSON answer.
    const NAME: &'static str;
    /// How `--as-of` is answered.
    const AS_OF: AsOf = AsOf::Rebuild;
    type Answer: Serialize;

    /// Fresh instances of the projections the query reads: what an as-of rebuild builds.
    fn projections(&self) -> Vec<Box<dyn Projection>>;

    /// The answer from the read models behind `conn`. `as_of` is given only to a model that
    /// answers it at query time.
    fn query(&self, conn: &Connection, as_of: Option<NaiveDate>) -> anyhow::Result<Self::Answer>;

    /// The answer as readable text: aligned tables, one per line.
    fn render(&self, answer: &Self::Answer) -> String;
}

/// The JSON answer: what was asked, the log position it reflects, and the model's answer.
#[derive(Debug, Serialize)]
struct Answered<'a, T: Serialize> {
    query: &'static str,
    /// The last log position the answer includes.
    position: u64,
    as_of: Option<NaiveDate>,
    result: &'a T,
}

/// Runs `query` with the common options: catch up (or rebuild as of a date), query, print.
fn answer<Q: ModelQuery>(query: &Q, common: &CommonArgs) -> anyhow::Result<ExitCode> {
    let models = open_read_models(&DataDir::new(&common.data))?;
    let progress = ProgressDisplay::new("catching up");
    let (result, position) = match (common.as_of, Q::AS_OF) {
        (Some(date), AsOf::Rebuild) => {
            let snapshot =
                models.as_of(query.projections(), end_of_day(date)?, &mut |p| progress.update(p));
            progress.finish();
            let snapshot = snapshot.with_context(|| format!("rebuilding as of {date}"))?;
            let result = query.query(&snapshot.reader()?, None)?;
            (result, snapshot.upto())
        }
        (as_of, _) => {
            let caught_up = models.catch_up(&mut |p| progress.update(p));
            progress.finish();
            let caught_up = caught_up.context("catching the read models up with the log")?;
            (query.query(&models.reader()?, as_of)?, caught_up.position)
        }
    };
    if common.json {
        let answered = Answered { query: Q::NAME, position, as_of: common.as_of, result: &result };
        println!("{}", serde_json::to_string_pretty(&answered)?);
    } else {
        match common.as_of {
            Some(date) => println!(
                "{} as of the end of {date} (UTC): the log up to position {}",
                Q::NAME,
                thousands(position)
            ),
            None => println!("{} at log position {}", Q::NAME, thousands(position)),
        }
        println!();
        print!("{}", query.render(&result));
    }
    Ok(ExitCode::SUCCESS)
}

/// The last microsecond of `date` in UTC: every event recorded on that day is included.
fn end_of_day(date: NaiveDate) -> anyhow::Result<DateTime<Utc>> {
    let last = date.and_hms_micro_opt(23, 59, 59, 999_999).context("a day has a last instant")?;
    Ok(last.and_utc())
}

/// `ltc query events`: [`EventCounts`] per stream kind.
#[derive(Debug, clap::Args)]
pub(super) struct EventsQuery {}

impl ModelQuery for EventsQuery {
    const NAME: &'static str = "events";
    type Answer = Vec<EventCountsRow>;

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(EventCounts)]
    }

    fn query(&self, conn: &Connection, _as_of: Option<NaiveDate>) -> anyhow::Result<Self::Answer> {
        Ok(query_event_counts(conn)?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        render_event_counts(answer)
    }
}
