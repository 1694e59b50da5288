//! The NATS floor answers what `ltc load` sends, as `ltc serve` would, so the two compare: every
//! request is stored once and answered with its position, or (without a store) answered at once.

use std::time::Duration;

use ltc_benches::nats_floor::{FLOOR_EVENT_TYPE, FLOOR_STREAM_KIND, start};
use ltc_eventstore::{EventStore, Position, StoreOptions, codec};
use ltc_services::client_ids::ClientIds;
use ltc_services::load::{LoadPlan, LoadReport, Mix, run};
use ltc_services::nats::connect::{NatsOptions, connect};
use ltc_tests::nats_server::NatsServer;

fn plan() -> LoadPlan {
    LoadPlan {
        rate: 300,
        duration: Duration::from_secs(1),
        concurrency: 8,
        actor: "admin@acme.example".to_owned(),
        timeout: Duration::from_secs(10),
        lag: false,
        mix: Mix::Full,
        ids: ClientIds::Random,
    }
}

fn assert_every_request_answered(report: &LoadReport) {
    assert_eq!(report.sent, 300);
    assert_eq!(report.ok, report.sent, "{report:#?}");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.timeouts, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_floor_stores_each_request_body_once_and_answers_with_its_position() {
    let server = NatsServer::start();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = EventStore::open(dir.path().join("events.db"), StoreOptions::default())
        .expect("a new store opens");
    let client = connect(&NatsOptions::at(server.url())).await.expect("nats-server is up");
    let _floor = start(client.clone(), Some(store.clone())).await.expect("the floor starts");

    let report = run(&client, &plan()).await.expect("the load runs");

    assert_every_request_answered(&report);
    assert_eq!(report.appended, report.sent, "every reply names a position");
    assert_eq!(store.head().position, report.sent, "one event per request, no more");
    let mut subjects_seen = std::collections::BTreeSet::new();
    for event in store.read_all(Position::START, u64::MAX) {
        let event = event.expect("the log reads back");
        assert_eq!((event.stream.kind.as_str(), event.version), (FLOOR_STREAM_KIND, 1));
        assert_eq!(event.event_type, FLOOR_EVENT_TYPE);
        let body: Vec<u8> = codec::decode(event.codec, &event.payload).expect("the body decodes");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("a request's JSON");
        let named = ["lead_id", "customer_id", "opportunity_id"];
        let record = named.iter().find(|key| body.get(**key).is_some());
        assert!(record.is_some(), "a command names its record: {body}");
        subjects_seen.insert(*record.expect("checked"));
    }
    assert_eq!(subjects_seen.len(), 3, "the full mix reaches leads, customers and deals");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_store_the_floor_answers_every_request_and_names_no_position() {
    let server = NatsServer::start();
    let client = connect(&NatsOptions::at(server.url())).await.expect("nats-server is up");
    let _floor = start(client.clone(), None).await.expect("the floor starts");

    let report = run(&client, &plan()).await.expect("the load runs");

    assert_every_request_answered(&report);
    assert_eq!(report.appended, 0);
}
