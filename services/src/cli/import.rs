//! `ltc import leads|customers|opportunities FILE.csv`: a spreadsheet's rows through the engine,
//! with a report of every row that did not go in (see `crate::import`). Exits 0 when every row
//! went in or was already in, 1 when some rows failed (the others went in), 2 when the file,
//! the mapping or the user could not be used at all (nothing went in).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ltc_eventstore::{EventStore, StoreOptions, SystemClock};

use super::DataArgs;
use crate::engine::Engine;
use crate::import::mapping::MappingFile;
use crate::import::{ImportKind, ImportOptions, ImportReport, import, with_scratch_copy};
use crate::users::UserDirectory;

#[derive(Debug, clap::Args)]
pub(super) struct ImportArgs {
    #[command(flatten)]
    data: DataArgs,
    /// What each row of the file is.
    #[arg(value_enum)]
    kind: ImportKind,
    /// The CSV file; its first row names the columns.
    file: PathBuf,
    /// Check every row as a real import would (parse, dedupe, authorise, decide) and append
    /// nothing.
    #[arg(long)]
    dry_run: bool,
    /// A JSON file mapping the file's column headers to ltc's fields (see docs/import.md).
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// The user (name or id in the user table) the rows are imported as; their role decides
    /// what they may create.
    #[arg(long, env = "LTC_ACTOR", value_name = "NAME")]
    actor: Option<String>,
    /// The user table (default: `<data>/users.json`).
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// Recorded in every event's metadata.
    #[arg(long, default_value = "default")]
    tenant: String,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let data = args.data.dir();
    let actor = args
        .actor
        .clone()
        .context("name the user the rows are imported as with --actor NAME (or LTC_ACTOR)")?;
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let mapping = match &args.mapping {
        Some(path) => MappingFile::load(path)?,
        None => MappingFile::default(),
    };
    let users_path = args.users.clone().unwrap_or_else(|| data.users());
    let users = UserDirectory::load(&users_path)?;
    anyhow::ensure!(
        !users.is_empty(),
        "no user table at {} (ltc demo writes one; --users names another)",
        users_path.display()
    );
    let options = ImportOptions {
        kind: args.kind,
        mapping,
        actor,
        tenant: args.tenant.clone(),
        dry_run: args.dry_run,
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let run_on = |store: EventStore| -> anyhow::Result<ImportReport> {
        // The catalog, policies and assignment rules are the demo's until settings files exist,
        // as for `ltc serve`.
        let engine = Engine::open(store, Arc::new(SystemClock), crate::generator::demo_settings())
            .context("opening the engine")?;
        let bar = progress_bar();
        let report =
            runtime.block_on(import(&engine, &users, &bytes, &options, &mut |done, all| {
                bar.set_length(all);
                bar.set_position(done);
            }));
        bar.finish_and_clear();
        Ok(report?)
    };
    let report = if args.dry_run {
        with_scratch_copy(&data.event_store(), run_on)?
    } else {
        std::fs::create_dir_all(data.root())
            .with_context(|| format!("creating {}", data.root().display()))?;
        let path = data.event_store();
        let store = EventStore::open(&path, StoreOptions::default())
            .with_context(|| format!("opening {}", path.display()))?;
        run_on(store)?
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report.to_json())?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(if report.summary().failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Rows done of all, on stderr; drawn only when stderr is a terminal.
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let style =
        ProgressStyle::with_template("importing [{bar:32}] {pos}/{len} rows  {per_sec}  ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
    bar.set_style(style);
    bar
}
