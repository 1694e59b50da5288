//! The outbox relay against a private nats-server: the `LTC_EVENTS` stream ends up equal to the
//! log (sequence = position, every envelope decodes back), a restarted relay publishes nothing
//! twice, a server restart mid-relay loses and doubles nothing, a history past the client's
//! 5,000 ack permits does not block, and `$SRV.STATS.ltc-relay` shows the lag.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, stream};
use chrono::TimeZone;
use ltc_eventstore::{
    AppendRequest, Durability, EventId, EventStore, ExpectedVersion, ManualClock, Metadata,
    NewEvent, Position, RecordedEvent, StoreOptions, StreamId,
};
use ltc_services::generator::{Scale, generate};
use ltc_services::nats::event_message::{self, from_message};
use ltc_services::nats::relay::{Relay, RelayHandle, RelayOptions, events_stream_config};
use ltc_services::nats::subjects::{EVENTS_STREAM, RELAY_SERVICE};
use ltc_services::nats::{NatsOptions, connect};
use ltc_tests::nats_server::NatsServer;
use uuid::Uuid;

/// A store holding the small generated history (a few hundred events).
pub(super) async fn small_history() -> (tempfile::TempDir, EventStore) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let start = chrono::Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let options =
        StoreOptions { clock: clock.clone(), durability: Durability::Normal, ..Default::default() };
    let store = EventStore::open(dir.path().join("events.db"), options).expect("the store opens");
    generate(&store, clock, 42, Scale::Small).await.expect("the history generates");
    (dir, store)
}

/// Appends copies of the store's first `source_upto` positions, stream by stream under new
/// stream and event ids, until the log holds at least `n_events`: valid events of every kind,
/// as many as a test needs, without generating a bigger history.
pub(super) async fn grow_to(store: &EventStore, source_upto: u64, n_events: u64) {
    let mut streams: BTreeMap<StreamId, Vec<RecordedEvent>> = BTreeMap::new();
    for event in store.read_all(Position::START, source_upto) {
        let event = event.expect("a stored event");
        streams.entry(event.stream.clone()).or_default().push(event);
    }
    let mut copy = 0u128;
    while store.head().position < n_events {
        for (stream, events) in &streams {
            copy += 1;
            let new_stream = StreamId::new(stream.kind.as_str(), Uuid::from_u128(copy << 64))
                .expect("a stream id");
            let events = events
                .iter()
                .take(ltc_eventstore::limits::EVENTS_PER_APPEND_MAX)
                .enumerate()
                .map(|(index, event)| NewEvent {
                    event_id: EventId(Uuid::from_u128((copy << 64) + 1 + index as u128)),
                    event_type: event.event_type.clone(),
                    schema_version: event.schema_version,
                    occurred_at: event.occurred_at,
                    codec: event.codec,
                    payload: event.payload.clone(),
                })
                .collect();
            let request = AppendRequest {
                stream: new_stream,
                expected: ExpectedVersion::NoStream,
                events,
                metadata: Metadata {
                    command_id: Uuid::from_u128((copy << 64) + 0xffff),
                    correlation_id: Uuid::from_u128(copy),
                    causation_id: None,
                    actor: "copier".into(),
                    tenant: "default".into(),
                },
            };
            store.append(request).await.expect("a copy appends");
            if store.head().position >= n_events {
                break;
            }
        }
    }
}

/// Appends the events of `source` after `to`'s head up to position `upto` to `to`, append by
/// append as they were written (the same streams, ids and metadata; new recorded times): a log
/// that grows in real steps, valid for every read model.
pub(super) async fn copy_log(source: &EventStore, to: &EventStore, upto: u64) {
    let from = to.head().position + 1;
    let mut pending: Option<AppendRequest> = None;
    for event in source.read_all(Position(from), (upto + 1).saturating_sub(from)) {
        let event = event.expect("a stored event");
        let same_append = pending.as_ref().is_some_and(|request| {
            request.stream == event.stream && request.metadata == event.metadata
        });
        if !same_append && let Some(request) = pending.take() {
            to.append(request).await.expect("the copy appends");
        }
        let request = pending.get_or_insert_with(|| AppendRequest {
            stream: event.stream.clone(),
            expected: ExpectedVersion::Exact(event.version - 1),
            events: Vec::new(),
            metadata: event.metadata.clone(),
        });
        request.events.push(NewEvent {
            event_id: event.event_id,
            event_type: event.event_type.clone(),
            schema_version: event.schema_version,
            occurred_at: event.occurred_at,
            codec: event.codec,
            payload: event.payload.clone(),
        });
    }
    if let Some(request) = pending {
        to.append(request).await.expect("the copy appends");
    }
}

pub(super) async fn client_of(server: &NatsServer) -> async_nats::Client {
    connect(&NatsOptions::at(server.url())).await.expect("connect to the private server")
}

/// Waits until the relay has JetStream's ack for `position`.
pub(super) async fn relayed_upto(relay: &RelayHandle, position: u64, within: Duration) {
    let started = Instant::now();
    while relay.status().position < position {
        assert!(
            started.elapsed() < within,
            "the relay is at {:?}, not {position}, after {within:?}",
            relay.status()
        );
        assert!(!relay.is_finished(), "the relay stopped: {:?}", relay.status());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Every stream message equals the log: one per position, sequence = position, and each
/// decodes back to the stored envelope.
async fn assert_stream_equals_log(client: &async_nats::Client, store: &EventStore) {
    let jetstream = jetstream::new(client.clone());
    let mut events = jetstream.get_stream(EVENTS_STREAM).await.expect("LTC_EVENTS exists");
    let head = store.head().position;
    let state = events.info().await.expect("stream info").state.clone();
    assert_eq!((state.messages, state.first_sequence, state.last_sequence), (head, 1, head));
    for stored in store.read_all(Position::START, u64::MAX) {
        let stored = stored.expect("a stored event");
        let message =
            events.direct_get(stored.position.0).await.expect("the message at the position");
        assert_eq!(message.sequence, stored.position.0);
        let decoded =
            from_message(Some(message.subject.as_str()), &message.headers, &message.payload)
                .unwrap_or_else(|error| panic!("position {}: {error}", stored.position));
        assert_eq!(decoded, stored, "position {}", stored.position);
    }
}

#[tokio::test]
async fn a_relayed_history_equals_the_log_and_a_restarted_relay_publishes_nothing_twice() {
    let server = NatsServer::start();
    let (_dir, store) = small_history().await;
    let head = store.head().position;
    let client = client_of(&server).await;

    let relay = Relay::start(client.clone(), store.clone(), RelayOptions::default()).await.unwrap();
    relayed_upto(&relay, head, Duration::from_secs(10)).await;
    let first = relay.shutdown().await.expect("a clean shutdown");
    assert_eq!((first.position, first.published, first.lag), (head, head, 0));
    assert_stream_equals_log(&client, &store).await;

    let stream_config = jetstream::new(client.clone())
        .get_stream(EVENTS_STREAM)
        .await
        .unwrap()
        .cached_info()
        .config
        .clone();
    assert_eq!(stream_config.storage, stream::StorageType::File);
    assert!(stream_config.deny_delete && stream_config.deny_purge, "the stream is append-only");

    // A second relay from scratch: the stream is its checkpoint, so it publishes nothing.
    let again = Relay::start(client.clone(), store.clone(), RelayOptions::default()).await.unwrap();
    relayed_upto(&again, head, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = again.shutdown().await.expect("a clean shutdown");
    assert_eq!((second.position, second.published, second.duplicates), (head, 0, 0));

    // And a publish repeated by hand (a relay whose ack was lost) is recognised by its
    // Nats-Msg-Id and stored nowhere new.
    let event = store.read_all(Position(head), 1).next().unwrap().unwrap();
    let message = event_message::to_message(&event).unwrap();
    let ack = jetstream::new(client.clone())
        .publish_with_headers(message.subject, message.headers, message.body)
        .await
        .unwrap()
        .await
        .expect("acknowledged");
    assert!(ack.duplicate, "the repeat is a duplicate");
    assert_eq!(ack.sequence, head);
    assert_stream_equals_log(&client, &store).await;
}

#[tokio::test]
async fn a_relay_resumes_after_nats_server_is_killed_and_the_stream_holds_each_position_once() {
    let mut server = NatsServer::start();
    let (_dir, store) = small_history().await;
    let source = store.head().position;
    grow_to(&store, source, 4_000).await;
    let head = store.head().position;
    let client = client_of(&server).await;
    // One ack at a time (~6k/s): slow enough that the kill lands mid-relay.
    let options =
        RelayOptions { window: 1, ack_timeout: Duration::from_millis(500), ..Default::default() };
    let relay = Relay::start(client.clone(), store.clone(), options).await.unwrap();
    relayed_upto(&relay, 300, Duration::from_secs(10)).await;
    server.stop();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(relay.status().position < head, "the kill landed mid-relay: {:?}", relay.status());
    server.restart();

    relayed_upto(&relay, head, Duration::from_secs(20)).await;
    let status = relay.shutdown().await.expect("a clean shutdown");
    assert!(status.retries >= 1, "the relay noticed the lost server: {status:?}");
    assert_eq!(status.lag, 0);
    assert_stream_equals_log(&client, &store).await;
}

#[tokio::test]
async fn a_history_larger_than_the_clients_5000_ack_permits_relays_without_blocking() {
    let server = NatsServer::start();
    let (_dir, store) = small_history().await;
    let source = store.head().position;
    grow_to(&store, source, 7_000).await;
    let head = store.head().position;
    let client = client_of(&server).await;
    let options =
        RelayOptions { window: ltc_services::nats::relay::WINDOW_MAX, ..Default::default() };
    let relay = Relay::start(client.clone(), store.clone(), options).await.unwrap();
    relayed_upto(&relay, head, Duration::from_secs(20)).await;
    let status = relay.shutdown().await.expect("a clean shutdown");
    assert_eq!((status.position, status.published, status.retries), (head, head, 0));
    let mut events = jetstream::new(client).get_stream(EVENTS_STREAM).await.unwrap();
    assert_eq!(events.info().await.unwrap().state.last_sequence, head);
}

/// The `data` of the relay's endpoint in `$SRV.STATS.ltc-relay`.
async fn relay_stats(client: &async_nats::Client) -> serde_json::Value {
    let reply = client
        .request(format!("$SRV.STATS.{RELAY_SERVICE}"), "".into())
        .await
        .expect("the relay service answers $SRV.STATS");
    let stats: serde_json::Value = serde_json::from_slice(&reply.payload).expect("JSON stats");
    assert_eq!(stats["name"], RELAY_SERVICE);
    stats["endpoints"][0]["data"].clone()
}

#[tokio::test]
async fn the_relays_lag_and_retries_show_in_srv_stats_while_jetstream_refuses_its_events() {
    let server = NatsServer::start();
    let (_dir, store) = small_history().await;
    let head = store.head().position;
    let client = client_of(&server).await;
    // A stream that takes 10 messages and refuses the rest holds the relay at position 10.
    let jetstream = jetstream::new(client.clone());
    let limited = stream::Config {
        max_messages: 10,
        discard: stream::DiscardPolicy::New,
        ..events_stream_config()
    };
    jetstream.create_stream(limited).await.expect("a limited LTC_EVENTS");
    let options = RelayOptions { backoff_max: Duration::from_millis(100), ..Default::default() };
    let relay = Relay::start(client.clone(), store.clone(), options).await.unwrap();
    relayed_upto(&relay, 10, Duration::from_secs(10)).await;
    let started = Instant::now();
    let stuck = loop {
        let data = relay_stats(&client).await;
        if data["retries"].as_u64().unwrap_or(0) >= 2 {
            break data;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no retries: {data}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(stuck["position"], 10);
    assert_eq!(stuck["head"], head);
    assert_eq!(stuck["lag"], head - 10);
    assert_eq!(stuck["published"], 10);

    // Lift the limit: the relay catches up and the lag goes to 0.
    jetstream.update_stream(events_stream_config()).await.expect("the limit lifted");
    relayed_upto(&relay, head, Duration::from_secs(10)).await;
    let caught_up = relay_stats(&client).await;
    assert_eq!((caught_up["position"].as_u64(), caught_up["lag"].as_u64()), (Some(head), Some(0)));
    let status: serde_json::Value = serde_json::from_slice(
        &client
            .request(ltc_services::nats::relay::RELAY_STATUS_SUBJECT, "".into())
            .await
            .expect("the status endpoint answers")
            .payload,
    )
    .unwrap();
    assert_eq!(status["lag"], 0);
    relay.shutdown().await.expect("a clean shutdown");
}
