//! `ltc backtest --as-of 2026-02-01,2026-03-01 [--period quarter]`: for each past day, rebuild
//! the forecast from what the log held at its end (no leakage from later), forecast the period
//! the day falls in, and compare with what actually closed; the error per point and MAPE per
//! period.

use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use ltc_projections::models::forecast::{self, BacktestRequest};
use ltc_projections::models::period::Period;

use super::DataArgs;
use super::query_models::period;
use super::rebuild::open_read_models;

#[derive(Debug, clap::Args)]
pub(super) struct BacktestArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The days to forecast from, comma-separated (`YYYY-MM-DD`).
    #[arg(long, value_delimiter = ',', required = true)]
    as_of: Vec<NaiveDate>,
    /// month or quarter: the kind of period each day forecasts.
    #[arg(long, default_value = "quarter", value_parser = period)]
    period: Period,
    /// Simulated outcomes per day.
    #[arg(long, default_value_t = 2_000)]
    runs: u32,
    /// The simulation's seed: the same seed gives the same answer.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &BacktestArgs) -> anyhow::Result<ExitCode> {
    let models = open_read_models(&args.data.dir())?;
    let request = BacktestRequest {
        as_of: args.as_of.clone(),
        period: args.period,
        runs: args.runs,
        seed: args.seed,
    };
    let backtest = forecast::backtest(models.store(), models.read_models(), &request)
        .context("backtesting the forecast")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&backtest)?);
    } else {
        print!("{}", forecast::render_backtest(&backtest));
    }
    Ok(ExitCode::SUCCESS)
}
