//! The command service: every engine command as a NATS micro endpoint
//! `ltc.cmd.<aggregate>.<command>`, in a queue group so instances share the load, discoverable
//! with `$SRV.PING`, `$SRV.INFO.ltc-commands` and `$SRV.STATS.ltc-commands`.
//!
//! - `catalog.rs`: the subjects, derived from the engine's command schema.
//! - `request.rs`: headers and body → the engine's command and metadata.
//! - `reply.rs`: the reply body and every error code.
//!
//! Requests are handled concurrently, each on its own task (an endpoint's stream is otherwise
//! sequential), up to [`CommandServiceOptions::concurrency`]; the engine's group commit turns
//! that concurrency into throughput. A retry with the same `Ltc-Command-Id` gets the same reply and appends
//! nothing: the engine answers a committed command id with its original outcome.
//!
//! A request on a subject below `ltc.cmd` that names no command gets `unknown_command` from a
//! catch-all endpoint in a queue group of its own. It also sees every known command's requests
//! and leaves those to their endpoints; one extra delivery per command is the price of a typed
//! answer instead of a bare "no responders".

pub mod catalog;
pub mod reply;
pub mod request;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::service::{Request, Service, ServiceExt};
use async_nats::{Client, HeaderMap};
use futures::StreamExt;
use futures::stream::BoxStream;
use serde::Serialize;
use tokio::task::JoinHandle;

use crate::engine::Engine;
use crate::nats::subjects::{COMMAND_PREFIX, COMMAND_QUEUE_GROUP, COMMAND_SERVICE};
use crate::users::UserDirectory;
use catalog::Route;
use reply::{Reply, WireError};

/// The queue group of the catch-all endpoint: apart from the commands' own group, so that
/// every request reaches both a command endpoint and exactly one catch-all.
const UNKNOWN_QUEUE_GROUP: &str = "ltc-commands-unknown";

#[derive(Debug, Clone)]
pub struct CommandServiceOptions {
    /// Recorded in every event's metadata.
    pub tenant: String,
    /// Commands in flight at once in this instance.
    pub concurrency: usize,
}

impl Default for CommandServiceOptions {
    fn default() -> Self {
        CommandServiceOptions { tenant: "default".into(), concurrency: 256 }
    }
}

/// Counters for `$SRV.STATS` (the micro protocol counts requests per endpoint; these say how
/// they ended).
#[derive(Debug, Default, Clone, Serialize)]
pub struct CommandCounters {
    pub done: u64,
    /// Retries answered from the log without appending.
    pub retries_answered: u64,
    /// Failed requests by error code.
    pub errors: BTreeMap<String, u64>,
}

struct Shared {
    engine: Arc<Engine>,
    users: Arc<UserDirectory>,
    options: CommandServiceOptions,
    counters: Arc<Mutex<CommandCounters>>,
    known: HashSet<String>,
}

/// A running command service. Dropping it leaves the endpoints running until the client
/// closes; call [`CommandService::shutdown`] to stop cleanly.
pub struct CommandService {
    service: Option<Service>,
    worker: JoinHandle<()>,
    /// Tells the worker to take no more requests, for when the endpoints cannot be closed.
    stop_taking: tokio::sync::watch::Sender<bool>,
    client: async_nats::Client,
    counters: Arc<Mutex<CommandCounters>>,
}

impl std::fmt::Debug for CommandService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandService").field("counters", &self.counters()).finish()
    }
}

impl CommandService {
    /// Registers every command endpoint on `client` and starts answering.
    pub async fn start(
        client: Client,
        engine: Arc<Engine>,
        users: Arc<UserDirectory>,
        options: CommandServiceOptions,
    ) -> Result<CommandService, async_nats::Error> {
        let counters = Arc::new(Mutex::new(CommandCounters::default()));
        let flush_client = client.clone();
        let stats_counters = counters.clone();
        let service = client
            .service_builder()
            .description("ltc commands: one endpoint per command, JSON in and out")
            .queue_group(COMMAND_QUEUE_GROUP)
            .stats_handler(move |_endpoint, _stats| {
                let counters = stats_counters.lock().expect("counters lock").clone();
                serde_json::to_value(counters).expect("counters serialize")
            })
            .start(COMMAND_SERVICE, env!("CARGO_PKG_VERSION"))
            .await?;
        let routes = catalog::routes();
        let group = service.group(COMMAND_PREFIX);
        let mut streams: Vec<BoxStream<'static, (Option<Arc<Route>>, Request)>> = Vec::new();
        for route in &routes {
            let schema = format!("schemas/commands/{}.json", route.name());
            let endpoint = group
                .endpoint_builder()
                .name(route.name().replace('.', "-"))
                .metadata(HashMap::from([("schema".to_owned(), schema)]))
                .add(route.name())
                .await?;
            let route = Arc::new(route.clone());
            streams.push(endpoint.map(move |request| (Some(route.clone()), request)).boxed());
        }
        let unknown = service
            .endpoint_builder()
            .name("unknown-command")
            .queue_group(UNKNOWN_QUEUE_GROUP)
            .add(format!("{COMMAND_PREFIX}.>"))
            .await?;
        streams.push(unknown.map(|request| (None, request)).boxed());

        let known =
            routes.iter().map(|route| format!("{COMMAND_PREFIX}.{}", route.name())).collect();
        let shared = Arc::new(Shared { engine, users, options, counters: counters.clone(), known });
        let concurrency = shared.options.concurrency.max(1);
        let (stop_taking, stop_requested) = tokio::sync::watch::channel(false);
        let requests = futures::stream::select_all(streams);
        let worker = tokio::spawn(dispatch(requests, shared, concurrency, stop_requested));
        // Once the server has every subscription, a request sent after `start` returns is
        // served here (a queue group would otherwise leave it to the other instances).
        flush_client.flush().await?;
        tracing::info!(commands = routes.len(), "command service started");
        Ok(CommandService {
            service: Some(service),
            worker,
            stop_taking,
            client: flush_client,
            counters,
        })
    }

    pub fn counters(&self) -> CommandCounters {
        self.counters.lock().expect("counters lock").clone()
    }

    /// Stops taking requests, lets those in flight finish (up to `grace`) and returns.
    pub async fn shutdown(mut self, grace: Duration) {
        if let Some(service) = self.service.take() {
            // Unsubscribing needs nats-server; while it is down, the grace below still bounds
            // the stop.
            let closed = match tokio::time::timeout(grace, service.stop()).await {
                Ok(Ok(())) => true,
                Ok(Err(error)) => {
                    tracing::warn!(%error, "stopping the command service");
                    false
                }
                Err(_) => {
                    tracing::warn!(?grace, "nats-server did not confirm the service's stop");
                    false
                }
            };
            // Closed endpoints end the worker's streams once it has taken what they hold.
            // Without a connection (nats-server down) no unsubscribe reaches the server, the
            // streams never end, and no request can arrive either: the worker then stops
            // taking and only finishes what it has taken.
            let connected =
                self.client.connection_state() == async_nats::connection::State::Connected;
            if !closed || !connected {
                let _ = self.stop_taking.send(true);
            }
        }
        if tokio::time::timeout(grace, &mut self.worker).await.is_err() {
            tracing::warn!(?grace, "commands still in flight at shutdown were abandoned");
            self.worker.abort();
        }
        tracing::info!("command service stopped");
    }
}

/// Runs each request on its own task, at most `concurrency` at once. Own tasks, not one task
/// polling them all: the engine's reads are short blocking SQLite calls, and on a
/// multi-threaded runtime one of them stalls only its own worker, not every command in flight.
/// Returns once the endpoints are closed, or it is told to stop taking requests, and every
/// request taken has been answered.
async fn dispatch(
    mut requests: impl futures::Stream<Item = (Option<Arc<Route>>, Request)> + Unpin,
    shared: Arc<Shared>,
    concurrency: usize,
    mut stop_requested: tokio::sync::watch::Receiver<bool>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(concurrency));
    loop {
        let next = tokio::select! {
            next = requests.next() => next,
            // Told to stop, or the service handle is gone: either way, take nothing more.
            _ = stop_requested.changed() => None,
        };
        let Some((route, request)) = next else { break };
        // The catch-all's copy of a known command: its own endpoint answers it. Dropped here,
        // before it costs a slot and a task.
        if route.is_none() && shared.known.contains(request.message.subject.as_str()) {
            continue;
        }
        let slot = slots.clone().acquire_owned().await.expect("the semaphore is never closed");
        let shared = shared.clone();
        tokio::spawn(async move {
            answer(&shared, route.as_deref(), request).await;
            drop(slot);
        });
    }
    let all = u32::try_from(concurrency).unwrap_or(u32::MAX);
    let _answered = slots.acquire_many(all).await.expect("the semaphore is never closed");
}

async fn answer(shared: &Shared, route: Option<&Route>, request: Request) {
    let subject = request.message.subject.to_string();
    let route = match route {
        Some(route) => route,
        None => {
            let name = subject.strip_prefix(COMMAND_PREFIX).unwrap_or(&subject);
            let error = WireError::UnknownCommand(name.trim_start_matches('.').to_owned());
            respond(shared, &request, None, Err(error)).await;
            return;
        }
    };
    let started = Instant::now();
    let headers = request.message.headers.as_ref();
    let command_id = match request::command_id(headers) {
        Ok(command_id) => command_id,
        Err(error) => return respond(shared, &request, None, Err(error)).await,
    };
    let outcome = async {
        let meta = request::meta(headers, command_id, &shared.users, &shared.options.tenant)?;
        let command = request::command(route, &request.message.payload)?;
        Ok::<_, WireError>(shared.engine.execute(command, &meta).await?)
    }
    .await;
    match &outcome {
        // One line per command at debug: at info, formatting and writing it cost half the
        // command service's throughput (BENCHMARKS.md). Refusals stay at info.
        Ok(executed) => tracing::debug!(
            %subject, %command_id, stream = %executed.stream, events = executed.events.len(),
            retry = executed.duplicate, micros = started.elapsed().as_micros() as u64, "command"
        ),
        Err(error) => tracing::info!(
            %subject, %command_id, code = %error.code(), %error,
            micros = started.elapsed().as_micros() as u64, "command refused"
        ),
    }
    respond(shared, &request, Some(command_id), outcome).await;
}

async fn respond(
    shared: &Shared,
    request: &Request,
    command_id: Option<uuid::Uuid>,
    outcome: Result<crate::command::Executed, WireError>,
) {
    let mut headers = HeaderMap::new();
    headers.insert("Content-Type", "application/json");
    let reply = match &outcome {
        Ok(executed) => {
            let mut counters = shared.counters.lock().expect("counters lock");
            counters.done += 1;
            counters.retries_answered += u64::from(executed.duplicate);
            let command_id = command_id.expect("a command that ran has an id");
            Reply::done(command_id, executed)
        }
        Err(error) => {
            *shared
                .counters
                .lock()
                .expect("counters lock")
                .errors
                .entry(error.code())
                .or_default() += 1;
            // Header values are one line.
            let message: String = error.to_string().replace(['\r', '\n'], " ");
            headers.insert(async_nats::service::NATS_SERVICE_ERROR, message.as_str());
            headers.insert(
                async_nats::service::NATS_SERVICE_ERROR_CODE,
                error.status().to_string().as_str(),
            );
            Reply::failed(command_id, error)
        }
    };
    // The JSON body goes with the error headers too, so the reply is sent as a success as far
    // as the micro library is concerned; `CommandCounters` counts the errors.
    if let Err(error) = request.respond_with_headers(Ok(reply.to_bytes()), headers).await {
        tracing::warn!(%error, "could not send a command reply");
    }
}
