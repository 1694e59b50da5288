//! Hostile input at volume: 100,000 malformed requests of every kind a client can send — bad
//! JSON, wrong types, missing fields, forged fields and roles, unknown subjects and actors,
//! bodies of 10 MB — each gets a typed error reply, and the service still answers a good command
//! afterwards. And two clients racing the same command id get one append and the same reply.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_nats::HeaderMap;
use futures::StreamExt;
use ltc_services::nats::commands::{CommandService, CommandServiceOptions};
use ltc_tests::hostile::{CLIENT_ERROR_CODES, good_capture, hostile_request};
use ltc_tests::nats_server::NatsServer;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use uuid::Uuid;

use super::commands::{Fixture, users};

const REQUESTS: usize = 100_000;
const TEN_MB: usize = 10 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_malformed_requests_each_get_a_typed_error_and_the_service_still_answers()
 {
    // 10 MB bodies must reach the service to be refused by it, so the server allows them.
    let server = NatsServer::start_with_config("max_payload: 16777216\n");
    let fixture = Fixture::start().await;
    let client = async_nats::connect(server.url()).await.unwrap();
    let service = CommandService::start(
        client.clone(),
        fixture.engine.clone(),
        Arc::new(users()),
        CommandServiceOptions::default(),
    )
    .await
    .unwrap();
    let mut rng = StdRng::seed_from_u64(0x0405_711e);
    let requests: Vec<_> = (0..REQUESTS).map(|n| hostile_request(&mut rng, n)).collect();
    let codes: BTreeMap<String, usize> = futures::stream::iter(requests)
        .map(|(subject, headers, body)| {
            let client = client.clone();
            async move {
                let reply =
                    client.request_with_headers(subject.clone(), headers, body.into()).await;
                let reply = reply.unwrap_or_else(|error| panic!("{subject}: no reply: {error}"));
                let reply: Value = serde_json::from_slice(&reply.payload).expect("a JSON reply");
                assert_eq!(reply["ok"], false, "{subject}: {reply}");
                reply["error"]["code"].as_str().expect("a code").to_owned()
            }
        })
        .buffer_unordered(256)
        .fold(BTreeMap::new(), |mut codes, code| async move {
            *codes.entry(code).or_default() += 1;
            codes
        })
        .await;
    let mut too_large = 0;
    for _ in 0..5 {
        let mut headers = HeaderMap::new();
        headers.insert("Ltc-Actor", "alice");
        let reply = client
            .request_with_headers("ltc.cmd.lead.capture", headers, vec![b' '; TEN_MB].into())
            .await
            .expect("a 10 MB body is answered");
        let reply: Value = serde_json::from_slice(&reply.payload).unwrap();
        too_large += usize::from(reply["error"]["code"] == "payload_too_large");
    }
    assert_eq!(too_large, 5);
    assert_eq!(codes.values().sum::<usize>(), REQUESTS);
    for code in codes.keys() {
        assert!(CLIENT_ERROR_CODES.contains(&code.as_str()), "unexpected code {code}: {codes:?}");
    }
    assert!(codes.len() >= 6, "the mix reaches most codes: {codes:?}");
    assert_eq!(fixture.store.head().position, 0, "no malformed request appended anything");

    let reply = good_capture(&client, None).await;
    assert_eq!(reply["ok"], true, "a good command after the storm: {reply}");
    drop(service);
}

#[tokio::test]
async fn the_same_command_id_from_two_clients_at_once_appends_once_and_both_get_the_same_reply() {
    let fixture = Fixture::start().await;
    let other = async_nats::connect(fixture.server.url()).await.unwrap();
    for n in 0..20u128 {
        let command_id = Uuid::from_u128(0xc0de_0000 + n).to_string();
        let body = json!({"lead_id": Uuid::from_u128(0x1ead_0000 + n), "channel": "api",
            "contact": {"name": format!("Racer {n}"), "email": format!("racer{n}@example.com"), "phone": null},
            "source": {}})
        .to_string();
        let send = |client: async_nats::Client| {
            let (command_id, body) = (command_id.clone(), body.clone());
            async move {
                let mut headers = HeaderMap::new();
                headers.insert("Ltc-Actor", "alice");
                headers.insert("Ltc-Command-Id", command_id.as_str());
                let reply = client
                    .request_with_headers("ltc.cmd.lead.capture", headers, body.into())
                    .await
                    .unwrap();
                serde_json::from_slice::<Value>(&reply.payload).unwrap()
            }
        };
        let (first, second) = tokio::join!(send(fixture.client.clone()), send(other.clone()));
        assert_eq!(first["ok"], true, "{first}");
        assert_eq!(first, second, "both clients get the same reply");
    }
    let captures = fixture
        .store
        .read_all(ltc_eventstore::Position(1), u64::MAX)
        .filter(|event| event.as_ref().unwrap().event_type == "LeadCaptured")
        .count();
    assert_eq!(captures, 20, "each command appended once");
}
