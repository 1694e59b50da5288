//! `ltc query <model> …`: one read model's answer, as an aligned table by default and JSON with
//! `--json`. Two times can be asked about (`crate::queries` `as_of.rs`):
//!
//! - `--as-of DATE`, business time: what was true at the end of that day (UTC), as known now. A
//!   payment recorded in April but received in March counts in March.
//! - `--recorded-as-of DATE`, recorded time: what the read models showed at the end of that
//!   day, rebuilt from the log recorded by then. The April payment is not in it.
//!
//! Both together: what was true on `--as-of`, as known on `--recorded-as-of`. How each model
//! answers a business date is its `BusinessTime` (docs/read-models.md has the table): from dated
//! facts at query time, or, for models whose facts cannot be back-dated, by the same rebuild as
//! recorded time.
//!
//! Every query first catches the read models up with the log, so the answer is current. The
//! queries themselves live in `crate::queries`, shared with the NATS query service: each model
//! is one [`Query`] impl whose request type is also its subcommand's arguments
//! (`query_models.rs` lists them). This file is the command line's runner: catch up (or rebuild
//! as of a date), query, print. `--replay DIR` answers from a database `ltc replay` wrote
//! instead, as it stands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use ltc_eventstore::{Clock, SystemClock};
use ltc_projections::Projection;
use rusqlite::Connection;
use serde::Serialize;

use super::query_models::{Answer, Model};
use super::rebuild::{ProgressDisplay, open_read_models};
use super::replay::REPLAY_DATABASE;
use crate::data_dir::{DEFAULT_DATA_DIR, DataDir};
use crate::queries::{
    Answered as QueryAnswered, Dates, Plan, Query, QueryError, QuerySource, ReadModelSources,
    answer_in_transaction, answer_planned, last_recorded_at, open_reader,
};
use crate::read_models::{AsOfSnapshot, DirectoryLock, EmbeddedReadModels, thousands};

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
    /// Business time: what was true at the end of this day, UTC (YYYY-MM-DD), as known now. A
    /// payment received by then counts even if recorded later. Aging, DSO, collections, stalled
    /// deals and a customer's money compute it from dated facts; other models are rebuilt from
    /// the log recorded by then (their facts cannot be back-dated).
    #[arg(long, value_name = "DATE", global = true, value_parser = strict_date)]
    as_of: Option<NaiveDate>,
    /// Recorded time: what the read models showed at the end of this day, UTC (YYYY-MM-DD),
    /// rebuilt from the events recorded by then; later corrections do not appear. With --as-of,
    /// what was true on that date as known on this one.
    #[arg(long, value_name = "DATE", global = true, value_parser = strict_date)]
    recorded_as_of: Option<NaiveDate>,
    /// Answer from the read models `ltc replay` wrote into DIR, as they stand (no catch-up, no
    /// event store needed). Takes --as-of only for models that answer it from dated facts.
    #[arg(long, value_name = "DIR", global = true)]
    replay: Option<PathBuf>,
}

impl CommonArgs {
    fn dates(&self) -> Dates {
        Dates { as_of: self.as_of, recorded_as_of: self.recorded_as_of }
    }
}

pub(super) fn run(args: &QueryArgs) -> anyhow::Result<ExitCode> {
    args.model.dispatch(&mut Runner { common: &args.common })?;
    Ok(ExitCode::SUCCESS)
}

/// The JSON answer: what was asked, the log position it reflects, and the model's answer.
#[derive(Debug, Serialize)]
struct Answered<'a, T: Serialize> {
    query: &'static str,
    /// The last log position the answer includes.
    position: u64,
    as_of: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recorded_as_of: Option<NaiveDate>,
    result: &'a T,
}

struct Runner<'a> {
    common: &'a CommonArgs,
}

impl Answer for Runner<'_> {
    /// Runs `query` with the common options: plan, catch up or rebuild, query, print.
    fn answer<Q: Query>(&mut self, query: &Q) -> anyhow::Result<()> {
        let common = self.common;
        let answered = match &common.replay {
            Some(dir) => answer_from_replay(common, dir, query)?,
            None => answer_from_data(common, query)?,
        };
        print_answer(common, query, &answered.result, answered.freshness.position)
    }
}

fn answer_from_data<Q: Query>(
    common: &CommonArgs,
    query: &Q,
) -> anyhow::Result<QueryAnswered<Q::Answer>> {
    let data = DataDir::new(&common.data);
    if DirectoryLock::is_held_elsewhere(&data.read_models())? {
        return answer_beside_serve(common, &data, query);
    }
    let models = open_read_models(&data)?;
    let sources = Embedded { models: &models, clock: &SystemClock };
    let plan = Plan::new(Q::BUSINESS_TIME, common.dates()).settled(sources.last_recorded_at()?);
    // The read models in service answer only once current; a plan of rebuilds alone skips it.
    if plan.facts.is_none() {
        let progress = ProgressDisplay::new("catching up");
        let caught_up = models.catch_up(&mut |p| progress.update(p));
        progress.finish();
        caught_up.context("catching the read models up with the log")?;
    }
    let answered = answer_planned(&sources, query, common.dates());
    answered.with_context(|| describe_failure(common))
}

/// Another process (a running `ltc serve`) keeps the read models current and holds their
/// directory: answer from them as they stand, without waiting for it or catching up; dates that
/// need a rebuild get one in a temporary directory, which needs no lock.
fn answer_beside_serve<Q: Query>(
    common: &CommonArgs,
    data: &DataDir,
    query: &Q,
) -> anyhow::Result<QueryAnswered<Q::Answer>> {
    let store = super::open_store::open_existing(data)?;
    let source = QuerySource::new(data, store, Arc::new(SystemClock));
    let answered =
        source.answer_at(query, common.dates()).with_context(|| describe_failure(common))?;
    eprintln!(
        "ltc: another ltc process keeps these read models current; answering from them as they \
         stand (log position {})",
        thousands(answered.freshness.position)
    );
    Ok(answered)
}

/// Answers from `DIR/read-models.db` as `ltc replay` left it. A date that would need a rebuild
/// cannot be had from it: replay again up to that date instead.
fn answer_from_replay<Q: Query>(
    common: &CommonArgs,
    dir: &Path,
    query: &Q,
) -> anyhow::Result<QueryAnswered<Q::Answer>> {
    let plan = Plan::new(Q::BUSINESS_TIME, common.dates());
    anyhow::ensure!(
        !plan.rebuilds(),
        "{} answers {} by replaying the log; a replay answers as it stands: run `ltc replay \
         --until DATE --into DIR` for that date instead",
        Q::NAME,
        if common.recorded_as_of.is_some() { "--recorded-as-of" } else { "--as-of" }
    );
    let path = dir.join(REPLAY_DATABASE);
    anyhow::ensure!(
        path.is_file(),
        "no replay at {} (run `ltc replay --into DIR`)",
        path.display()
    );
    let conn = open_reader(&path).with_context(|| format!("opening {}", path.display()))?;
    // A replay is the read models as they stood at its cut-off: that day is their "today". A
    // replay of an empty log, or read models copied from elsewhere, have none: today, then.
    let business_date = match plan.business_date {
        Some(date) => date,
        None => replay_day(&conn)
            .with_context(|| format!("reading {}", path.display()))?
            .unwrap_or_else(|| SystemClock.now().date_naive()),
    };
    let answered = answer_in_transaction(&conn, None, query, business_date);
    answered.map_err(|error| match error {
        QueryError::NotReady(name) => anyhow::anyhow!(
            "the replay in {} holds no {name}: run `ltc replay --projection {name}`",
            dir.display()
        ),
        other => other.into(),
    })
}

/// The day of the recorded time a replay stands at (`ltc replay` writes it in its `replay`
/// table); `None` for a replay of an empty log, or a copy of read models from elsewhere.
fn replay_day(conn: &Connection) -> anyhow::Result<Option<NaiveDate>> {
    let described: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'replay')",
        [],
        |row| row.get(0),
    )?;
    if !described {
        return Ok(None);
    }
    let until_us: Option<i64> =
        conn.query_row("SELECT until_us FROM replay", [], |row| row.get(0))?;
    Ok(until_us.and_then(DateTime::from_timestamp_micros).map(|at| at.date_naive()))
}

/// A date on the command line is read as the wire reads one (`YYYY-MM-DD` exactly), so `ltc
/// query` and `ltc.qry.*` accept and refuse the same texts.
fn strict_date(text: &str) -> Result<NaiveDate, String> {
    crate::queries::parse_date("date", text).map_err(|error| error.to_string())
}

fn describe_failure(common: &CommonArgs) -> String {
    match (common.as_of, common.recorded_as_of) {
        (None, None) => "answering from the read models".to_owned(),
        (as_of, recorded) => format!(
            "answering{}{}",
            as_of.map(|date| format!(" as of {date}")).unwrap_or_default(),
            recorded.map(|date| format!(" as recorded by {date}")).unwrap_or_default()
        ),
    }
}

/// The embedded read models, caught up by the runner, and their throw-away rebuilds with a
/// progress bar.
struct Embedded<'a> {
    models: &'a EmbeddedReadModels,
    clock: &'a dyn Clock,
}

impl ReadModelSources for Embedded<'_> {
    fn with_live<R>(
        &self,
        read: impl FnOnce(&Connection) -> Result<R, QueryError>,
    ) -> Result<R, QueryError> {
        read(&self.models.reader()?)
    }

    fn recorded_by(
        &self,
        projections: Vec<Box<dyn Projection>>,
        at: DateTime<Utc>,
    ) -> Result<AsOfSnapshot, QueryError> {
        let progress = ProgressDisplay::new("replaying");
        let snapshot = self.models.as_of(projections, at, &mut |p| progress.update(p));
        progress.finish();
        Ok(snapshot?)
    }

    fn last_recorded_at(&self) -> Result<Option<DateTime<Utc>>, QueryError> {
        last_recorded_at(self.models.store())
    }

    fn today(&self) -> NaiveDate {
        self.clock.now().date_naive()
    }
}

fn print_answer<Q: Query>(
    common: &CommonArgs,
    query: &Q,
    result: &Q::Answer,
    position: u64,
) -> anyhow::Result<()> {
    if common.json {
        let answered = Answered {
            query: Q::NAME,
            position,
            as_of: common.as_of,
            recorded_as_of: common.recorded_as_of,
            result,
        };
        println!("{}", serde_json::to_string_pretty(&answered)?);
    } else {
        let position = thousands(position);
        match (common.as_of, common.recorded_as_of) {
            _ if let Some(dir) = &common.replay => println!(
                "{} from the replay in {}{}: the log up to position {position}",
                Q::NAME,
                dir.display(),
                common
                    .as_of
                    .map(|date| format!(", as of the end of {date} (UTC)"))
                    .unwrap_or_default()
            ),
            (None, None) => println!("{} at log position {position}", Q::NAME),
            (Some(date), None) => println!(
                "{} as of the end of {date} (UTC): the log up to position {position}",
                Q::NAME
            ),
            (None, Some(recorded)) => println!(
                "{} as recorded by the end of {recorded} (UTC): the log up to position \
                 {position}",
                Q::NAME
            ),
            (Some(date), Some(recorded)) => println!(
                "{} as of the end of {date}, as recorded by the end of {recorded} (UTC): the \
                 log up to position {position}",
                Q::NAME
            ),
        }
        println!();
        print!("{}", query.render(result));
    }
    Ok(())
}
