//! `ltc query <model> …`: one read model's answer, as an aligned table by default and JSON with
//! `--json`; `--as-of DATE` answers as of the end of that day (UTC).
//!
//! Every query first catches the read models up with the log, so the answer is current. The
//! queries themselves live in `crate::queries`, shared with the NATS query service: each model
//! is one [`Query`] impl whose request type is also its subcommand's arguments
//! (`query_models.rs` lists them). This file is the command line's runner: catch up (or rebuild
//! as of a date), query, print.
//!
//! A model whose tables keep dated facts (aging, days in stage) answers `--as-of` itself
//! (`AsOf::AtQueryTime`); every other model gets `--as-of` by a throw-away rebuild of its
//! projections up to the end of that day.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use serde::Serialize;

use super::query_models::{Answer, Model};
use super::rebuild::{ProgressDisplay, open_read_models};
use crate::data_dir::{DEFAULT_DATA_DIR, DataDir};
use crate::queries::{AsOf, Query, QuerySource, end_of_day};
use crate::read_models::DirectoryLock;
use crate::read_models::thousands;

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
    result: &'a T,
}

struct Runner<'a> {
    common: &'a CommonArgs,
}

impl Answer for Runner<'_> {
    /// Runs `query` with the common options: catch up (or rebuild as of a date), query, print.
    fn answer<Q: Query>(&mut self, query: &Q) -> anyhow::Result<()> {
        let common = self.common;
        let data = DataDir::new(&common.data);
        if DirectoryLock::is_held_elsewhere(&data.read_models())?
            && !(common.as_of.is_some() && Q::AS_OF == AsOf::Rebuild)
        {
            return answer_beside_serve(common, &data, query);
        }
        let models = open_read_models(&data)?;
        let progress = ProgressDisplay::new("catching up");
        let (result, position) = match (common.as_of, Q::AS_OF) {
            (Some(date), AsOf::Rebuild) => {
                let snapshot = models
                    .as_of(query.projections(), end_of_day(date), &mut |p| progress.update(p));
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
        print_answer(common, query, &result, position)
    }
}

/// Another process (a running `ltc serve`) keeps the read models current and holds their
/// directory: answer from them as they stand, without waiting for it or catching up.
fn answer_beside_serve<Q: Query>(
    common: &CommonArgs,
    data: &DataDir,
    query: &Q,
) -> anyhow::Result<()> {
    let store = super::verify::open_existing(data)?;
    let source = QuerySource::new(data, store);
    let answered = source.answer_from_tables(query, common.as_of)?;
    eprintln!(
        "ltc: another ltc process keeps these read models current; answering from them as they \
         stand (log position {})",
        thousands(answered.freshness.position)
    );
    print_answer(common, query, &answered.result, answered.freshness.position)
}

fn print_answer<Q: Query>(
    common: &CommonArgs,
    query: &Q,
    result: &Q::Answer,
    position: u64,
) -> anyhow::Result<()> {
    if common.json {
        let answered = Answered { query: Q::NAME, position, as_of: common.as_of, result };
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
        print!("{}", query.render(result));
    }
    Ok(())
}
