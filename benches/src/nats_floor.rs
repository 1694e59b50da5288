//! The floor under the NATS command benchmark: the least any service that answers a command
//! only once it is durable must do on this machine. `benches/nats_floor.rs` runs it against the
//! same `ltc load` as `ltc serve --role command`, in the same hour, so the two compare.
//!
//! For every request on `ltc.cmd.>` it appends one event holding the request's body (as bytes,
//! bincode's length prefix and all) to a new
//! stream (rising UUIDv7 ids, the store's cheapest append), waits for the group commit, and
//! replies `{"ok":true,"position":N}`. It parses no JSON, runs no domain, keeps no command
//! record beyond the store's own, and has one endpoint where `ltc serve` has one per command
//! plus a catch-all. Everything else is what `ltc serve` uses: the NATS micro service API in a
//! queue group, the same connection options, the event store with group commit, a task per
//! request. Two lower rungs say where a floor's time goes: the same store without the fsync
//! ([`FloorMode::Normal`]), and no store at all ([`FloorMode::NoStore`], NATS and the
//! generator alone).

use std::sync::Arc;

use async_nats::Client;
use async_nats::service::{Request, ServiceExt};
use futures::StreamExt;
use ltc_eventstore::{
    AppendRequest, EventId, EventStore, ExpectedVersion, Metadata, NewEvent, StreamId, codec,
};
use ltc_services::nats::headers;
use ltc_services::nats::subjects::{COMMAND_PREFIX, COMMAND_QUEUE_GROUP};
use tokio::task::JoinHandle;
use uuid::Uuid;

/// Requests in flight at once, as `ltc serve`'s command service allows.
const CONCURRENCY: usize = 256;

/// The stream kind and event type of what the floor stores.
pub const FLOOR_STREAM_KIND: &str = "floor";
pub const FLOOR_EVENT_TYPE: &str = "CommandReceived";

/// How much of a command's work the floor does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloorMode {
    /// A durable append (`synchronous=FULL`, answered after the fsync), as `ltc serve` does.
    Full,
    /// The same append without the fsync (`synchronous=NORMAL`).
    Normal,
    /// No append: the reply goes out as soon as the request is in.
    NoStore,
}

impl FloorMode {
    pub fn parse(text: &str) -> Option<FloorMode> {
        match text {
            "full" => Some(FloorMode::Full),
            "normal" => Some(FloorMode::Normal),
            "none" => Some(FloorMode::NoStore),
            _ => None,
        }
    }
}

/// Registers the floor's endpoint on `client` and answers every command request until the
/// client closes. `store` is `None` for [`FloorMode::NoStore`].
pub async fn start(
    client: Client,
    store: Option<EventStore>,
) -> Result<JoinHandle<()>, async_nats::Error> {
    let service = client
        .service_builder()
        .description("the floor under ltc's command service: at most one append per request")
        .queue_group(COMMAND_QUEUE_GROUP)
        .start("ltc-floor", "0.0.0")
        .await?;
    let mut requests =
        service.endpoint_builder().name("any-command").add(format!("{COMMAND_PREFIX}.>")).await?;
    // Once the server has the subscription, a request sent after `start` returns is served.
    client.flush().await?;
    Ok(tokio::spawn(async move {
        let _service = service;
        let slots = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
        while let Some(request) = requests.next().await {
            let slot = slots.clone().acquire_owned().await.expect("the semaphore is never closed");
            let store = store.clone();
            tokio::spawn(async move {
                answer(store.as_ref(), &request).await;
                drop(slot);
            });
        }
    }))
}

async fn answer(store: Option<&EventStore>, request: &Request) {
    let reply = match store {
        None => r#"{"ok":true}"#.to_owned(),
        Some(store) => match store.append(append_of(request)).await {
            Ok(outcome) => format!(r#"{{"ok":true,"position":{}}}"#, outcome.last_position.0),
            Err(error) => serde_json::json!({
                "ok": false,
                "error": {"code": "floor.append", "message": error.to_string()}
            })
            .to_string(),
        },
    };
    if let Err(error) = request.respond(Ok(reply.into())).await {
        eprintln!("nats_floor: could not reply: {error}");
    }
}

/// One event on a new stream holding the request's body, under the request's command id.
fn append_of(request: &Request) -> AppendRequest {
    let command_id = request
        .message
        .headers
        .as_ref()
        .and_then(|headers| headers.get(headers::COMMAND_ID))
        .and_then(|value| Uuid::parse_str(value.as_str()).ok())
        .unwrap_or_else(Uuid::now_v7);
    let (codec, payload) =
        codec::encode(&request.message.payload.as_ref()).expect("bytes always encode");
    AppendRequest {
        stream: StreamId::new(FLOOR_STREAM_KIND, Uuid::now_v7()).expect("a valid stream kind"),
        expected: ExpectedVersion::NoStream,
        events: vec![NewEvent {
            event_id: EventId(Uuid::now_v7()),
            event_type: FLOOR_EVENT_TYPE.to_owned(),
            schema_version: 1,
            occurred_at: chrono::Utc::now(),
            codec,
            payload,
        }],
        metadata: Metadata {
            command_id,
            correlation_id: command_id,
            causation_id: None,
            actor: "floor".to_owned(),
            tenant: "default".to_owned(),
        },
    }
}
