//! `ltc report --out report.html`: catch the read models up, then write one self-contained
//! HTML page with pictures of them (inline SVG and CSS; it fetches nothing and runs no script).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use ltc_eventstore::{Clock, SystemClock};
use ltc_projections::EventCounts;

use super::DataArgs;
use super::rebuild::{ProgressDisplay, open_read_models};
use crate::read_models::thousands;
use crate::report::{LogState, build};

#[derive(Debug, clap::Args)]
pub(super) struct ReportArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The HTML file to write (replaced if it exists).
    #[arg(long, value_name = "FILE", default_value = "report.html")]
    out: PathBuf,
}

pub(super) fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let models = open_read_models(&args.data.dir())?;
    let progress = ProgressDisplay::new("catching up");
    let caught_up = models.catch_up(&mut |p| progress.update(p));
    progress.finish();
    let caught_up = caught_up.context("catching the read models up with the log")?;
    let recorded_at = models
        .lag()
        .context("reading the checkpoints")?
        .into_iter()
        .find(|row| row.projection == EventCounts::NAME)
        .and_then(|row| row.as_of);
    let today = SystemClock.now().date_naive();
    let log = LogState { position: caught_up.position, recorded_at, today };
    let html = build(&models.reader()?, &log).context("reading the read models")?;
    std::fs::write(&args.out, &html).with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "ltc report: wrote {} ({} bytes) from the read models at log position {}",
        args.out.display(),
        thousands(html.len() as u64),
        thousands(caught_up.position)
    );
    Ok(ExitCode::SUCCESS)
}
