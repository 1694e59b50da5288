//! `ltc serve`: ltc on NATS. One process runs every part by default; `--role` runs only some,
//! so parts scale out separately (command and query instances share their queue groups).
//! SIGTERM or Ctrl-C stops it cleanly: no new requests are taken, those in flight finish, and
//! every part flushes what it must before the process exits.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use ltc_eventstore::{EventStore, StoreOptions, SystemClock};
use tracing_subscriber::EnvFilter;

use super::DataArgs;
use crate::engine::Engine;
use crate::nats::commands::{CommandService, CommandServiceOptions};
use crate::nats::{NatsOptions, connect};
use crate::users::UserDirectory;

/// How long in-flight work may take to finish at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, clap::Args)]
pub(super) struct ServeArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    nats: NatsOptions,
    /// A part to run; repeat for several. Every part when none is given.
    #[arg(long = "role", value_enum, value_name = "ROLE")]
    roles: Vec<Role>,
    /// The user table commands are authorised against (default: `<data>/users.json`).
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// Recorded in every event's metadata.
    #[arg(long, default_value = "default")]
    tenant: String,
    /// Commands in flight at once in this process.
    #[arg(long, default_value_t = CommandServiceOptions::default().concurrency)]
    concurrency: usize,
    /// Log JSON lines instead of text (filter with RUST_LOG, default `info`).
    #[arg(long)]
    log_json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Role {
    /// The command service: `ltc.cmd.<aggregate>.<command>`.
    Command,
}

impl Role {
    const ALL: [Role; 1] = [Role::Command];
}

pub(super) fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    init_logs(args.log_json);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(serve(args))?;
    Ok(ExitCode::SUCCESS)
}

fn init_logs(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second `serve` in one process (tests) keeps the first subscriber.
    let _ = if json { logs.json().try_init() } else { logs.try_init() };
}

async fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let roles = if args.roles.is_empty() { Role::ALL.to_vec() } else { args.roles.clone() };
    // Listening first: a SIGTERM that arrives while the parts start still stops them cleanly.
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let data = args.data.dir();
    std::fs::create_dir_all(data.root())
        .with_context(|| format!("creating {}", data.root().display()))?;
    let store = EventStore::open(data.event_store(), StoreOptions::default())
        .with_context(|| format!("opening {}", data.event_store().display()))?;
    let mut nats = args.nats.clone();
    nats.name = Some(format!("ltc serve {}", std::process::id()));
    let client = connect(&nats).await.with_context(|| format!("connecting to {}", nats.url))?;

    let mut commands = None;
    if roles.contains(&Role::Command) {
        let users_path = args.users.clone().unwrap_or_else(|| data.users());
        let users = UserDirectory::load(&users_path)?;
        if users.is_empty() {
            tracing::warn!(
                path = %users_path.display(),
                "the user table is empty: every command will be refused as unknown_actor"
            );
        }
        // The catalog, price books and policies are the demo's until settings files exist.
        let settings = crate::generator::demo_settings();
        let engine = Engine::open(store.clone(), Arc::new(SystemClock), settings)
            .context("opening the engine")?;
        let options =
            CommandServiceOptions { tenant: args.tenant.clone(), concurrency: args.concurrency };
        let service =
            CommandService::start(client.clone(), Arc::new(engine), Arc::new(users), options)
                .await
                .map_err(|error| anyhow::anyhow!("starting the command service: {error}"))?;
        commands = Some(service);
    }
    tracing::info!(
        nats = %nats.url,
        data = %data.root().display(),
        roles = ?roles,
        head = store.head().position,
        "ltc serve is ready"
    );

    tokio::select! {
        interrupted = tokio::signal::ctrl_c() => interrupted?,
        _ = terminate.recv() => {}
    }
    tracing::info!("stopping: draining requests in flight");
    if let Some(commands) = commands {
        commands.shutdown(SHUTDOWN_GRACE).await;
    }
    client.flush().await.context("flushing the last replies")?;
    tracing::info!("ltc serve stopped");
    Ok(())
}
