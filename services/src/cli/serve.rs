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
use crate::data_dir::DataDir;
use crate::engine::Engine;
use crate::nats::commands::{CommandService, CommandServiceOptions};
use crate::nats::projector::{NatsProjectorError, NatsProjectorTotals, run_nats_projector};
use crate::nats::queries::{QueryService, QueryServiceOptions};
use crate::nats::relay::{Relay, RelayHandle, RelayOptions};
use crate::nats::{NatsOptions, connect};
use crate::process::{ProcessManagers, checkpoint_path};
use crate::queries::QuerySource;
use crate::read_models::EmbeddedReadModels;
use crate::users::UserDirectory;

/// How long in-flight work may take to finish at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long a shutdown step that needs nats-server (unsubscribing a service, the relay's last
/// acks, flushing the last replies) may wait for it. With nats-server down such a step would
/// wait for a reconnection that may never come, and SIGTERM would not stop `serve`; what it
/// gives up is safe to give up: the log holds every acknowledged command, and the relay and the
/// projectors resume from their checkpoints.
const NATS_STOP_GRACE: Duration = Duration::from_secs(5);

/// The same wait when the connection is already down: enough for a step that can end without
/// the server (the relay settling acks that have failed), not for a reconnection.
const NATS_DOWN_GRACE: Duration = Duration::from_millis(500);

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
    /// With the projector role: only this read model (repeat for several; all by default).
    #[arg(long = "projection", value_name = "NAME")]
    projections: Vec<String>,
    /// Commands in flight at once in this process.
    #[arg(long, default_value_t = CommandServiceOptions::default().concurrency)]
    concurrency: usize,
    /// Log JSON lines instead of text (filter with RUST_LOG, default `info`).
    #[arg(long)]
    log_json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Role {
    /// The command service: `ltc.cmd.<aggregate>.<command>`, with the process managers (one
    /// writer per data directory).
    Command,
    /// The outbox relay: the log to the JetStream stream `LTC_EVENTS`, in position order.
    Relay,
    /// The read models, fed from `LTC_EVENTS` (one projector per read-model directory).
    Projector,
    /// The query service: `ltc.qry.<read model>` over the read models.
    Query,
}

impl Role {
    const ALL: [Role; 4] = [Role::Command, Role::Relay, Role::Projector, Role::Query];
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
    // Readers without a memory map: under a writer that commits all the time, SQLite unmaps a
    // reader's whole map at the first read after each commit and faults the pages in again, which
    // cost ≈ 10 % of the command role's CPU at saturation (BENCHMARKS.md, "The floor under a
    // command over NATS"). Reads go through the OS page cache instead (SQLite drops a reader's own
    // page cache after another connection's commit anyway).
    let options = StoreOptions { read_mmap_bytes: 0, ..StoreOptions::default() };
    let store = EventStore::open(data.event_store(), options)
        .with_context(|| format!("opening {}", data.event_store().display()))?;
    let mut nats = args.nats.clone();
    nats.name = Some(format!("ltc serve {}", std::process::id()));
    let client = connect(&nats).await.with_context(|| format!("connecting to {}", nats.url))?;

    let mut commands = None;
    let (stop_automation, automation_stopped) = tokio::sync::watch::channel(false);
    let mut automation = None;
    if roles.contains(&Role::Command) {
        let engine = open_engine(&store)?;
        commands = Some(start_commands(args, &data, engine.clone(), &client).await?);
        // The process managers act through the same engine, so they share its caches.
        let checkpoint = checkpoint_path(&data);
        // On a thread of its own: the process managers read the log with blocking SQLite
        // scans, which on the runtime's two workers would stall the commands in flight.
        automation = Some(tokio::task::spawn_blocking(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            let runtime = runtime.expect("a runtime for the process managers");
            runtime.block_on(async {
                let managers = ProcessManagers::new(&engine);
                managers.follow(engine.store(), &checkpoint, automation_stopped).await;
            });
        }));
    }
    let mut relay = None;
    if roles.contains(&Role::Relay) {
        let started = Relay::start(client.clone(), store.clone(), RelayOptions::default()).await;
        relay = Some(started.context("starting the relay")?);
    }
    let (stop_projector, projector_stopped) = tokio::sync::watch::channel(false);
    let mut projector = None;
    if roles.contains(&Role::Projector) {
        projector = Some(start_projector(args, &data, &store, &client, projector_stopped)?);
    }
    let mut queries = None;
    if roles.contains(&Role::Query) {
        let source = QuerySource::new(&data, store.clone(), Arc::new(SystemClock));
        let started = QueryService::start(client.clone(), source, QueryServiceOptions::default());
        queries = Some(started.await.context("starting the query service")?);
    }
    tracing::info!(
        nats = %nats.url,
        data = %data.root().display(),
        roles = ?roles,
        head = store.head().position,
        "ltc serve is ready"
    );

    // Until a signal, or until a part that must not stop alone does (the relay or projector
    // met what it cannot cure): then everything stops and the exit status says so.
    let mut failed = false;
    let mut health = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => { interrupted?; break }
            _ = terminate.recv() => break,
            _ = health.tick() => {
                let relay_ended = relay.as_ref().is_some_and(RelayHandle::is_finished);
                let projector_ended = projector.as_ref().is_some_and(|task: &ProjectorTask| task.is_finished());
                if relay_ended || projector_ended {
                    failed = true;
                    break;
                }
            }
        }
    }
    tracing::info!("stopping: draining requests in flight");
    if let Some(commands) = commands {
        commands.shutdown(SHUTDOWN_GRACE).await;
    }
    let _ = stop_automation.send(true);
    if let Some(automation) = automation
        && let Err(error) = automation.await
    {
        tracing::error!(%error, "the process managers' task failed");
    }
    if let Some(queries) = queries
        && let Some(Err(error)) =
            within_nats_grace(&client, "the query service", queries.shutdown()).await
    {
        tracing::warn!(%error, "stopping the query service");
    }
    if let Some(relay) = relay {
        match within_nats_grace(&client, "the relay", relay.shutdown()).await {
            Some(Ok(status)) => tracing::info!(position = status.position, "relay stopped"),
            Some(Err(error)) => {
                failed = true;
                tracing::error!(%error, code = error.code(), "the relay stopped on an error");
            }
            None => {}
        }
    }
    let _ = stop_projector.send(true);
    if let Some(projector) = projector {
        match projector.await {
            Ok(Ok(totals)) => tracing::info!(position = totals.position, "projector stopped"),
            Ok(Err(error)) => {
                failed = true;
                tracing::error!(%error, "the projector stopped on an error");
            }
            Err(error) => {
                failed = true;
                tracing::error!(%error, "the projector task failed");
            }
        }
    }
    if let Some(flushed) = within_nats_grace(&client, "the last replies", client.flush()).await {
        flushed.context("flushing the last replies")?;
    }
    if failed {
        anyhow::bail!("a part of ltc serve stopped on an error (see the log)");
    }
    tracing::info!("ltc serve stopped");
    Ok(())
}

/// `step`'s result, or `None` (with a warning naming `what`) when nats-server did not let it end
/// within [`NATS_STOP_GRACE`], or within a moment when the connection is already down.
async fn within_nats_grace<T>(
    client: &async_nats::Client,
    what: &str,
    step: impl Future<Output = T>,
) -> Option<T> {
    let connected = client.connection_state() == async_nats::connection::State::Connected;
    let grace = if connected { NATS_STOP_GRACE } else { NATS_DOWN_GRACE };
    match tokio::time::timeout(grace, step).await {
        Ok(done) => Some(done),
        Err(_) => {
            tracing::warn!(
                ?grace,
                "stopping {what} needs nats-server, which did not answer in time: given up (the \
                 log keeps every acknowledged command; checkpoints resume the rest)"
            );
            None
        }
    }
}

type ProjectorTask = tokio::task::JoinHandle<Result<NatsProjectorTotals, NatsProjectorError>>;

fn open_engine(store: &EventStore) -> anyhow::Result<Arc<Engine>> {
    // The catalog, price books and policies are the demo's until settings files exist.
    let settings = crate::generator::demo_settings();
    let engine = Engine::open(store.clone(), Arc::new(SystemClock), settings)
        .context("opening the engine")?;
    Ok(Arc::new(engine))
}

async fn start_commands(
    args: &ServeArgs,
    data: &DataDir,
    engine: Arc<Engine>,
    client: &async_nats::Client,
) -> anyhow::Result<CommandService> {
    let users_path = args.users.clone().unwrap_or_else(|| data.users());
    let users = UserDirectory::load(&users_path)?;
    if users.is_empty() {
        tracing::warn!(
            path = %users_path.display(),
            "the user table is empty: every command will be refused as unknown_actor"
        );
    }
    let options =
        CommandServiceOptions { tenant: args.tenant.clone(), concurrency: args.concurrency };
    CommandService::start(client.clone(), engine, Arc::new(users), options)
        .await
        .map_err(|error| anyhow::anyhow!("starting the command service: {error}"))
}

/// Catches the read models up from the local log first (rebuilding any whose schema this build
/// changed, or all of them when all are far behind), which is faster than through JetStream,
/// then follows `LTC_EVENTS`.
fn start_projector(
    args: &ServeArgs,
    data: &DataDir,
    store: &EventStore,
    client: &async_nats::Client,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<ProjectorTask> {
    for name in &args.projections {
        crate::read_models::projection_named(name)?;
    }
    let caught_up = EmbeddedReadModels::open(data, store.clone())
        .and_then(|read_models| read_models.catch_up(&mut |_| {}))
        .context("catching the read models up with the log")?;
    tracing::info!(
        position = caught_up.position,
        applied = caught_up.events_applied,
        rebuilt = caught_up.rebuilt_far_behind,
        "read models caught up from the log"
    );
    let (client, store, dir) = (client.clone(), store.clone(), data.read_models());
    let names = args.projections.clone();
    Ok(tokio::spawn(async move {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let shutdown = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        run_nats_projector(client, store, dir, &names, shutdown).await
    }))
}
