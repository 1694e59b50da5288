//! The `ltc` command line: argument parsing and dispatch to one module per subcommand.

mod audit;
mod backtest;
mod demo;
mod demo_read_models;
mod events;
mod export;
mod import;
mod lag;
mod load;
mod open_store;
mod output;
mod query;
mod query_models;
mod rebuild;
mod replay;
mod report;
mod serve;
mod verify;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::data_dir::{DEFAULT_DATA_DIR, DataDir};

#[derive(Debug, Parser)]
#[command(name = "ltc", version, about = "ltc: an event-sourced lead-to-cash engine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The data directory option every subcommand takes.
#[derive(Debug, clap::Args)]
struct DataArgs {
    /// Where the event store and read models live.
    #[arg(long = "data", value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
    data: PathBuf,
}

impl DataArgs {
    fn dir(&self) -> DataDir {
        DataDir::new(&self.data)
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a seeded lead-to-cash history through the command path into a fresh data
    /// directory, print its summary and one customer's story, then verify the log.
    Demo(demo::DemoArgs),
    /// Walk the whole log, recompute the hash chain, and report the first altered, missing or
    /// moved row. Exits 1 if the log is not intact.
    Verify(verify::VerifyArgs),
    /// Print envelopes from the log in position order.
    Events(events::EventsArgs),
    /// The audit trail from the log: one stream's events in full (a quote's price waterfall in
    /// words), or a customer's or a correlation's events across aggregates with their causes.
    Audit(audit::AuditArgs),
    /// Write the log, or a range of it, as JSON lines, CSV or CloudEvents, in constant memory.
    Export(export::ExportArgs),
    /// Ask a read model, caught up with the log first: a table, or JSON with --json.
    Query(query::QueryArgs),
    /// Per read model: its checkpoint, the log's head, and how far behind it is.
    Lag(lag::LagArgs),
    /// Forecast from past days as the log stood then, and compare with what closed.
    Backtest(backtest::BacktestArgs),
    /// Rebuild one or every read model from the log beside the one in service, then swap it in.
    Rebuild(rebuild::RebuildArgs),
    /// Rebuild read models from the log into a separate directory, up to a point in history,
    /// leaving the live ones untouched: a database for BI tools and `ltc query --replay`.
    Replay(replay::ReplayArgs),
    /// Write one self-contained HTML page with pictures of the read models.
    Report(report::ReportArgs),
    /// Import leads, customers or opportunities from a CSV file through the command path,
    /// reporting each row that fails; a re-run imports nothing twice.
    Import(import::ImportArgs),
    /// Send an open-loop mix of commands to a running `ltc serve` and report throughput and
    /// latency percentiles.
    Load(load::LoadArgs),
    /// Run ltc on NATS: the command service and the other parts, until SIGTERM or Ctrl-C.
    Serve(serve::ServeArgs),
}

/// Runs `ltc` with these arguments (the first is the program name).
pub fn run(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
) -> anyhow::Result<ExitCode> {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version are successes; bad arguments exit 2, as clap's own exit would.
            error.print()?;
            return Ok(if error.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS });
        }
    };
    match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Events(args) => events::run(&args),
        Command::Audit(args) => audit::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Query(args) => query::run(&args),
        Command::Lag(args) => lag::run(&args),
        Command::Backtest(args) => backtest::run(&args),
        Command::Rebuild(args) => rebuild::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Load(args) => load::run_load(&args),
        Command::Import(args) => import::run(&args),
    }
}
