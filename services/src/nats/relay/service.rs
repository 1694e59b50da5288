//! The `ltc-relay` NATS micro service: `$SRV.PING`, `$SRV.INFO` and `$SRV.STATS` find and
//! describe the relay, and the `data` of its one endpoint in `$SRV.STATS` is the
//! [`super::RelayStatus`] (position, head, lag, published, duplicates, retries). The endpoint
//! itself answers a request with the same status, for operators without a micro-aware client.

use std::sync::Arc;

use async_nats::Client;
use async_nats::service::{self, ServiceExt as _};
use futures::StreamExt;
use ltc_eventstore::EventStore;
use tokio::task::JoinHandle;

use super::{Counters, RelayError};
use crate::nats::subjects::RELAY_SERVICE;

/// Where the relay answers a status request (its micro endpoint `status`).
pub const RELAY_STATUS_SUBJECT: &str = "ltc.relay.status";

#[derive(Debug)]
pub(super) struct RelayService {
    service: service::Service,
    responder: JoinHandle<()>,
}

pub(super) async fn start(
    client: &Client,
    store: EventStore,
    counters: Arc<Counters>,
) -> Result<RelayService, RelayError> {
    let failed = |error: async_nats::Error| RelayError::Service(error.to_string());
    let service = client
        .service_builder()
        .description("ltc's outbox relay: the event log to the LTC_EVENTS JetStream stream")
        .stats_handler({
            let (store, counters) = (store.clone(), counters.clone());
            move |_endpoint, _stats| {
                serde_json::to_value(counters.status(&store)).unwrap_or_default()
            }
        })
        .start(RELAY_SERVICE, env!("CARGO_PKG_VERSION"))
        .await
        .map_err(failed)?;
    let mut endpoint = service
        .endpoint_builder()
        .name("status")
        .add(RELAY_STATUS_SUBJECT)
        .await
        .map_err(failed)?;
    let responder = tokio::spawn(async move {
        while let Some(request) = endpoint.next().await {
            let status = serde_json::to_vec(&counters.status(&store)).unwrap_or_default();
            if let Err(error) = request.respond(Ok(status.into())).await {
                tracing::warn!(%error, "relay status reply failed");
            }
        }
    });
    Ok(RelayService { service, responder })
}

impl RelayService {
    pub(super) async fn stop(self) {
        self.responder.abort();
        let _ = self.service.stop().await;
    }
}
