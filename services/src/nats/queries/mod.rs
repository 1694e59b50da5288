//! The query service: `ltc.qry.<model>` answers from the read models, as a NATS micro service
//! (`ltc-queries`: `$SRV.PING`, `$SRV.INFO`, `$SRV.STATS` describe it) in the queue group
//! `ltc-queries`, so instances share the load.
//!
//! Every endpoint runs a query of `crate::queries`, the same code as `ltc query … --json`, over
//! a [`QuerySource`]: read-only connections to the generation in service, never the directory's
//! lock, never a catch-up (the projector keeps the models current). SQLite reads block, so each
//! request runs on tokio's blocking pool, at most `queries_in_flight_max` at once; an endpoint
//! keeps taking requests while earlier ones run.
//!
//! - `mod.rs`: [`QueryService`]: start, the endpoints, drain on shutdown.
//! - `handler.rs`: one request: body to typed request, answer, reply with freshness or a typed
//!   error with the micro error headers.

mod handler;

use std::collections::HashMap;
use std::sync::Arc;

use async_nats::Client;
use async_nats::service::{Service, ServiceExt};
use futures::StreamExt;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::nats::subjects::{QUERY_PREFIX, QUERY_QUEUE_GROUP, QUERY_SERVICE};
use crate::queries::QuerySource;

pub use handler::{AUDIT, ENDPOINTS, Endpoint, ErrorCounts};

/// How long `start` waits for the server to confirm the subscriptions.
const SERVER_ROUND_TRIP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How the service runs.
#[derive(Debug, Clone)]
pub struct QueryServiceOptions {
    /// Queries running at once, across endpoints; more wait for a slot. Each holds a blocking
    /// thread and a read connection while it runs.
    pub queries_in_flight_max: usize,
}

impl Default for QueryServiceOptions {
    fn default() -> QueryServiceOptions {
        QueryServiceOptions { queries_in_flight_max: 32 }
    }
}

/// Why the service could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum QueryServiceError {
    /// The micro service or an endpoint's subscription could not be set up (connection lost,
    /// permission to subscribe denied).
    #[error("starting the query service: {0}")]
    Start(async_nats::Error),
    /// The replies sent while draining could not be flushed to the server.
    #[error("flushing the last replies: {0}")]
    Flush(#[from] async_nats::client::FlushError),
    #[error("stopping the micro service: {0}")]
    Stop(async_nats::Error),
}

/// A running query service. [`QueryService::shutdown`] drains and leaves the micro service;
/// dropping the handle stops the endpoints too, without waiting for them.
#[derive(Debug)]
pub struct QueryService {
    client: Client,
    service: Service,
    stop: watch::Sender<bool>,
    endpoints: JoinSet<()>,
}

impl QueryService {
    /// Registers the service and its endpoints on `client` and starts answering.
    pub async fn start(
        client: Client,
        source: QuerySource,
        options: QueryServiceOptions,
    ) -> Result<QueryService, QueryServiceError> {
        let errors = ErrorCounts::default();
        let stats_errors = errors.clone();
        let service = client
            .service_builder()
            .description("ltc read models: customer360, funnel, forecast, AR aging, audit, …")
            .queue_group(QUERY_QUEUE_GROUP)
            .stats_handler(move |endpoint, _| stats_errors.stats_data(&endpoint))
            .start(QUERY_SERVICE, env!("CARGO_PKG_VERSION"))
            .await
            .map_err(QueryServiceError::Start)?;
        let group = service.group(QUERY_PREFIX);
        let (stop, stopped) = watch::channel(false);
        let in_flight = Arc::new(Semaphore::new(options.queries_in_flight_max.max(1)));
        let mut endpoints = JoinSet::new();
        for endpoint in ENDPOINTS {
            let metadata = HashMap::from([
                ("request_schema".to_owned(), endpoint.request_schema()),
                ("reply_schema".to_owned(), endpoint.reply_schema()),
            ]);
            let requests = group
                .endpoint_builder()
                .name(endpoint.name)
                .metadata(metadata)
                .add(endpoint.name)
                .await
                .map_err(QueryServiceError::Start)?;
            let context = handler::Context {
                client: client.clone(),
                source: source.clone(),
                endpoint,
                errors: errors.clone(),
            };
            endpoints.spawn(serve(requests, context, in_flight.clone(), stopped.clone()));
        }
        server_round_trip(&client).await.map_err(QueryServiceError::Start)?;
        Ok(QueryService { client, service, stop, endpoints })
    }

    /// Stops taking requests (the server routes new ones to the other instances of the queue
    /// group), answers every request already received, flushes the replies, then leaves the
    /// micro service.
    pub async fn shutdown(mut self) -> Result<(), QueryServiceError> {
        // Nobody listening on `stopped` just means every endpoint loop has ended already.
        let _ = self.stop.send(true);
        while self.endpoints.join_next().await.is_some() {}
        self.client.flush().await?;
        self.service.stop().await.map_err(QueryServiceError::Stop)
    }
}

/// Returns once the server has processed everything this connection sent before: started
/// means subscribed, so a request sent after `start` finds a responder. (`Client::flush` only
/// empties the socket's buffer; a message to ourselves comes back after the server has taken
/// every subscription before it.)
async fn server_round_trip(client: &Client) -> Result<(), async_nats::Error> {
    let inbox = client.new_inbox();
    let mut echo = client.subscribe(inbox.clone()).await?;
    client.publish(inbox, bytes::Bytes::new()).await?;
    match tokio::time::timeout(SERVER_ROUND_TRIP_TIMEOUT, echo.next()).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err("the connection closed while subscribing".into()),
        Err(_) => Err("the server did not echo within the timeout".into()),
    }
}

/// One endpoint's loop: take each request, answer it on its own task, and on stop unsubscribe,
/// answer what was already delivered, and wait for every answer in flight.
async fn serve(
    mut requests: async_nats::service::endpoint::Endpoint,
    context: handler::Context,
    in_flight: Arc<Semaphore>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut answering = JoinSet::new();
    let mut draining = false;
    loop {
        let request = if draining {
            requests.next().await
        } else {
            tokio::select! {
                request = requests.next() => request,
                // The value only ever turns true; a dropped sender (the handle dropped without
                // a shutdown) stops the endpoint too.
                _ = stopped.changed() => {
                    draining = true;
                    // Unsubscribing closes the stream after the messages already delivered.
                    if let Err(error) = requests.stop().await {
                        tracing::warn!(%error, endpoint = context.endpoint.name, "unsubscribing");
                        break;
                    }
                    continue;
                }
            }
        };
        let Some(request) = request else { break };
        // The semaphore is never closed, so acquiring fails only if it were.
        let Ok(permit) = in_flight.clone().acquire_owned().await else { break };
        let context = context.clone();
        answering.spawn(async move {
            handler::answer(&context, request).await;
            drop(permit);
        });
        // Finished answers are collected as we go, so the set stays as small as what runs.
        while answering.try_join_next().is_some() {}
    }
    while answering.join_next().await.is_some() {}
}
