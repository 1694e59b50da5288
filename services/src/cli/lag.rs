//! `ltc lag`: per read model, its checkpoint against the store's head, without catching up.

use std::process::ExitCode;

use anyhow::Context;
use chrono::SecondsFormat;

use super::DataArgs;
use super::rebuild::open_read_models;
use crate::read_models::{Align, LagRow, TextTable, thousands};

#[derive(Debug, clap::Args)]
pub(super) struct LagArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Print the rows as JSON.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &LagArgs) -> anyhow::Result<ExitCode> {
    let models = open_read_models(&args.data.dir())?;
    let rows = models.lag().context("reading the checkpoints")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print!("{}", render(&rows));
    }
    Ok(ExitCode::SUCCESS)
}

fn render(rows: &[LagRow]) -> String {
    let mut table = TextTable::new(&[
        ("read model", Align::Left),
        ("checkpoint", Align::Right),
        ("head", Align::Right),
        ("behind", Align::Right),
        ("status", Align::Left),
        ("shows the log as of", Align::Left),
    ]);
    for row in rows {
        table.row(vec![
            row.projection.clone(),
            thousands(row.checkpoint),
            thousands(row.head),
            thousands(row.behind),
            row.status.to_owned(),
            row.as_of.map_or_else(String::new, |at| at.to_rfc3339_opts(SecondsFormat::Secs, true)),
        ]);
    }
    table.render()
}
