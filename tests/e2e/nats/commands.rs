//! The command service over a real nats-server: what a service publishing commands sees.

use std::sync::Arc;
use std::time::Duration;

use async_nats::{Client, HeaderMap};
use chrono::TimeZone;
use ltc_domain::actor::Role;
use ltc_domain::ids::{TeamId, UserId};
use ltc_eventstore::{EventStore, ManualClock, StoreOptions};
use ltc_services::engine::Engine;
use ltc_services::nats::commands::{CommandService, CommandServiceOptions};
use ltc_services::users::{User, UserDirectory};
use ltc_tests::nats_server::NatsServer;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use uuid::Uuid;

const TEAM: TeamId = TeamId(Uuid::from_u128(0x7ea));
const ALICE: UserId = UserId(Uuid::from_u128(0xa11ce));
const LEAD: &str = "00000000-0000-0000-0000-00000000100a";
const CUSTOMER: &str = "00000000-0000-0000-0000-00000000c057";

pub(super) struct Fixture {
    pub server: NatsServer,
    pub store: EventStore,
    pub engine: Arc<Engine>,
    pub users: Arc<UserDirectory>,
    pub client: Client,
    pub service: Option<CommandService>,
    _dir: tempfile::TempDir,
}

pub(super) fn users() -> UserDirectory {
    let user = |n: u128, name: &str, role, team| User {
        id: UserId(Uuid::from_u128(n)),
        name: name.into(),
        role,
        team,
    };
    UserDirectory::new(vec![
        User { id: ALICE, name: "alice".into(), role: Role::SalesRep, team: Some(TEAM) },
        user(0x3a2a, "mara", Role::SalesManager, Some(TEAM)),
        user(0x62e7a, "greta", Role::Finance, None),
        user(0xad, "admin", Role::Admin, None),
        user(0xa0d, "auditor", Role::Auditor, None),
    ])
    .unwrap()
}

impl Fixture {
    pub async fn start() -> Fixture {
        let server = NatsServer::start();
        let dir = tempfile::tempdir().unwrap();
        let clock =
            Arc::new(ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()));
        let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
        let store = EventStore::open(dir.path().join("events.db"), options).unwrap();
        let settings = ltc_services::generator::demo_settings();
        let engine = Arc::new(Engine::open(store.clone(), clock, settings).unwrap());
        let users = Arc::new(users());
        let client = async_nats::connect(server.url()).await.unwrap();
        let service = CommandService::start(
            client.clone(),
            engine.clone(),
            users.clone(),
            CommandServiceOptions::default(),
        )
        .await
        .unwrap();
        Fixture { server, store, engine, users, client, service: Some(service), _dir: dir }
    }

    /// Sends a command and returns the reply's JSON and headers.
    pub async fn send(
        &self,
        subject: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (Value, HeaderMap) {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, *value);
        }
        let reply = tokio::time::timeout(
            Duration::from_secs(10),
            self.client.request_with_headers(subject.to_owned(), map, body.to_owned().into()),
        )
        .await
        .expect("a reply within 10 s")
        .expect("the request is answered");
        let json = serde_json::from_slice(&reply.payload).expect("every reply is JSON");
        (json, reply.headers.unwrap_or_default())
    }
}

fn capture_body() -> String {
    json!({
        "lead_id": LEAD,
        "channel": "web_form",
        "contact": {"name": "Ada Lovelace", "email": "ada@analytical.example", "phone": null},
        "company_name": "Analytical Engines Ltd",
        "source": {},
        "owner": {"owner": ALICE.0, "team": TEAM.0}
    })
    .to_string()
}

fn create_customer_body() -> String {
    json!({
        "customer_id": CUSTOMER,
        "origin": "direct",
        "profile": {"name": "Babbage & Co", "industry": "manufacturing", "region": "north",
                    "tier": "normal", "owner": ALICE.0, "team": TEAM.0,
                    "credit_limit": {"amount_minor": 5_000_000, "currency": "EUR"}}
    })
    .to_string()
}

#[tokio::test]
async fn a_captured_lead_is_answered_with_its_stream_version_position_and_events() {
    let fixture = Fixture::start().await;
    let id = "018f0000-0000-7000-8000-000000000001";
    let (reply, headers) = fixture
        .send(
            "ltc.cmd.lead.capture",
            &[("Ltc-Actor", "alice"), ("Ltc-Command-Id", id)],
            &capture_body(),
        )
        .await;
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(reply["command_id"], id);
    assert_eq!(reply["stream"], format!("lead-{LEAD}"));
    let events = reply["events"].as_array().unwrap().len() as u64;
    assert_eq!(
        (reply["version"].as_u64(), reply["position"].as_u64()),
        (Some(events), Some(fixture.store.head().position))
    );
    assert_eq!(reply["events"][0], "LeadCaptured", "{reply}");
    assert!(headers.get("Nats-Service-Error").is_none());

    let (qualified, _) = fixture
        .send(
            "ltc.cmd.lead.qualify",
            &[("Ltc-Actor", "alice")],
            &json!({"lead_id": LEAD}).to_string(),
        )
        .await;
    assert_eq!(
        (qualified["ok"].as_bool(), qualified["version"].as_u64()),
        (Some(true), Some(events + 1)),
        "{qualified}"
    );
    let stored = fixture.store.read_stream(&format!("lead-{LEAD}").parse().unwrap(), 1).unwrap();
    assert_eq!(stored.last().unwrap().metadata.actor, format!("SalesRep:{}", ALICE.0));
}

#[tokio::test]
async fn a_retried_command_id_gets_the_same_reply_and_appends_once() {
    let fixture = Fixture::start().await;
    let headers =
        [("Ltc-Actor", "admin"), ("Ltc-Command-Id", "018f0000-0000-7000-8000-0000000000c1")];
    let (first, _) =
        fixture.send("ltc.cmd.customer.create", &headers, &create_customer_body()).await;
    let head = fixture.store.head().position;
    let (retry, _) =
        fixture.send("ltc.cmd.customer.create", &headers, &create_customer_body()).await;
    assert_eq!(first["ok"], true, "{first}");
    assert_eq!(retry, first);
    assert_eq!(fixture.store.head().position, head, "the retry appended nothing");
    let counters = fixture.service.as_ref().unwrap().counters();
    assert_eq!((counters.done, counters.retries_answered), (2, 1));
}

#[tokio::test]
async fn every_failure_a_client_can_cause_has_a_stable_code_and_the_micro_error_headers() {
    let fixture = Fixture::start().await;
    let alice = ("Ltc-Actor", "alice");
    let qualify = json!({"lead_id": LEAD}).to_string();
    let too_large = format!("{{\"lead_id\": \"{LEAD}\", \"x\": \"{}\"}}", "a".repeat(70_000));
    // Subject, headers, body, the error code, the micro error status.
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, String, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        ("ltc.cmd.lead.capture", vec![alice], "{not json".into(), "malformed_json", "400"),
        ("ltc.cmd.lead.frobnicate", vec![alice], qualify.clone(), "unknown_command", "404"),
        (
            "ltc.cmd.lead.qualify",
            vec![alice],
            json!({"lead_id": LEAD, "pricing": {}}).to_string(),
            "invalid_command",
            "400",
        ),
        (
            "ltc.cmd.lead.capture",
            vec![alice],
            json!({"lead_id": LEAD}).to_string(),
            "invalid_command",
            "400",
        ),
        ("ltc.cmd.lead.qualify", vec![], qualify.clone(), "missing_actor", "401"),
        (
            "ltc.cmd.lead.qualify",
            vec![("Ltc-Actor", "mallory")],
            qualify.clone(),
            "unknown_actor",
            "403",
        ),
        (
            "ltc.cmd.lead.qualify",
            vec![alice, ("Ltc-Command-Id", "42")],
            qualify.clone(),
            "invalid_header",
            "400",
        ),
        (
            "ltc.cmd.lead.qualify",
            vec![alice, ("Ltc-Expected-Version", "-1")],
            qualify.clone(),
            "invalid_header",
            "400",
        ),
        ("ltc.cmd.lead.qualify", vec![alice], too_large, "payload_too_large", "413"),
        ("ltc.cmd.lead.qualify", vec![alice], qualify.clone(), "lead.not_captured", "422"),
        (
            "ltc.cmd.customer.create",
            vec![("Ltc-Actor", "auditor")],
            create_customer_body(),
            "customer.forbidden",
            "403",
        ),
    ];
    for (subject, headers, body, code, status) in cases {
        let (reply, reply_headers) = fixture.send(subject, &headers, &body).await;
        assert_eq!(
            (reply["ok"].as_bool(), reply["error"]["code"].as_str()),
            (Some(false), Some(code)),
            "{subject} {headers:?}: {reply}"
        );
        assert!(!reply["error"]["message"].as_str().unwrap().is_empty());
        assert_eq!(
            reply_headers.get("Nats-Service-Error-Code").map(|v| v.as_str()),
            Some(status),
            "{code}"
        );
        assert!(reply_headers.get("Nats-Service-Error").is_some(), "{code}");
    }
    assert_eq!(fixture.store.head().position, 0, "no failed request appended anything");

    // The client's optimistic check: it decided on the version the capture left, not on 50.
    let (captured, _) = fixture.send("ltc.cmd.lead.capture", &[alice], &capture_body()).await;
    let version = captured["version"].to_string();
    let (reply, _) = fixture
        .send("ltc.cmd.lead.qualify", &[alice, ("Ltc-Expected-Version", "50")], &qualify)
        .await;
    assert_eq!(reply["error"]["code"], "wrong_expected_version", "{reply}");
    let (reply, _) = fixture
        .send("ltc.cmd.lead.qualify", &[alice, ("Ltc-Expected-Version", &version)], &qualify)
        .await;
    assert_eq!(reply["ok"], true, "{reply}");
}

#[tokio::test]
async fn hostile_bodies_and_headers_never_stop_the_service() {
    let fixture = Fixture::start().await;
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let subjects = [
        "ltc.cmd.lead.capture",
        "ltc.cmd.quote.create",
        "ltc.cmd.payment.receive_payment",
        "ltc.cmd.customer.create",
        "ltc.cmd.x",
    ];
    let valid = capture_body().into_bytes();
    for round in 0..300 {
        let body: Vec<u8> = match round % 3 {
            // Random bytes.
            0 => (0..rng.random_range(0..200)).map(|_| rng.random()).collect(),
            // A valid body with bytes flipped.
            1 => {
                let mut body = valid.clone();
                for _ in 0..rng.random_range(1..6) {
                    let at = rng.random_range(0..body.len());
                    body[at] = rng.random();
                }
                body
            }
            // Deeply nested JSON.
            _ => format!("{}{}", "[".repeat(rng.random_range(100..5_000)), "]".repeat(10))
                .into_bytes(),
        };
        let subject = subjects[round % subjects.len()];
        let mut headers = HeaderMap::new();
        headers.insert("Ltc-Actor", if round % 2 == 0 { "alice" } else { "admin" });
        let reply = fixture
            .client
            .request_with_headers(subject.to_owned(), headers, body.into())
            .await
            .expect("answered");
        let reply: Value = serde_json::from_slice(&reply.payload).expect("a JSON reply");
        assert!(reply["ok"].is_boolean(), "round {round}: {reply}");
    }
    let (reply, _) =
        fixture.send("ltc.cmd.lead.capture", &[("Ltc-Actor", "alice")], &capture_body()).await;
    assert_eq!(reply["ok"], true, "still answering after 300 hostile requests: {reply}");
}

#[tokio::test]
async fn the_service_is_discoverable_and_its_stats_count_how_commands_ended() {
    let fixture = Fixture::start().await;
    fixture.send("ltc.cmd.lead.capture", &[("Ltc-Actor", "alice")], &capture_body()).await;
    fixture.send("ltc.cmd.lead.capture", &[("Ltc-Actor", "alice")], "nope").await;

    let ping = fixture.client.request("$SRV.PING.ltc-commands", "".into()).await.unwrap();
    let ping: Value = serde_json::from_slice(&ping.payload).unwrap();
    assert_eq!(ping["name"], "ltc-commands");

    let info = fixture.client.request("$SRV.INFO.ltc-commands", "".into()).await.unwrap();
    let info: Value = serde_json::from_slice(&info.payload).unwrap();
    let subjects: Vec<&str> = info["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    for subject in [
        "ltc.cmd.lead.capture",
        "ltc.cmd.quote.accept",
        "ltc.cmd.payment.write_off",
        "ltc.cmd.quota.set",
    ] {
        assert!(subjects.contains(&subject), "{subject} not in {subjects:?}");
    }
    let capture = info["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["subject"] == "ltc.cmd.lead.capture")
        .unwrap();
    assert_eq!(capture["metadata"]["schema"], "schemas/commands/lead.capture.json");
    assert_eq!(capture["queue_group"], "ltc-commands");

    let stats = fixture.client.request("$SRV.STATS.ltc-commands", "".into()).await.unwrap();
    let stats: Value = serde_json::from_slice(&stats.payload).unwrap();
    let capture = stats["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["subject"] == "ltc.cmd.lead.capture")
        .unwrap();
    assert_eq!(capture["num_requests"], 2, "{capture}");
    assert_eq!(capture["data"]["done"], 1, "{capture}");
    assert_eq!(capture["data"]["errors"]["malformed_json"], 1, "{capture}");
}

#[tokio::test]
async fn two_instances_in_the_queue_group_share_the_commands_and_each_is_answered_once() {
    let mut fixture = Fixture::start().await;
    let second_client = async_nats::connect(fixture.server.url()).await.unwrap();
    let second = CommandService::start(
        second_client,
        fixture.engine.clone(),
        fixture.users.clone(),
        CommandServiceOptions::default(),
    )
    .await
    .unwrap();
    let sends = (0..60u128).map(|n| {
        let body = json!({"lead_id": Uuid::from_u128(0x1ead_0000 + n), "channel": "api",
            "contact": {"name": format!("Lead {n}"), "email": format!("lead{n}@example.com"), "phone": null},
            "source": {}, "owner": {"owner": ALICE.0, "team": TEAM.0}}).to_string();
        let client = fixture.client.clone();
        async move {
            let mut headers = HeaderMap::new();
            headers.insert("Ltc-Actor", "alice");
            client.request_with_headers("ltc.cmd.lead.capture", headers, body.into()).await.unwrap()
        }
    });
    let replies = futures::future::join_all(sends).await;
    assert!(
        replies
            .iter()
            .all(|reply| serde_json::from_slice::<Value>(&reply.payload).unwrap()["ok"] == true)
    );
    let (first, other) =
        (fixture.service.as_ref().unwrap().counters().done, second.counters().done);
    assert_eq!(first + other, 60, "each command answered once");
    assert!(first > 0 && other > 0, "both instances served: {first} and {other}");
    second.shutdown(Duration::from_secs(5)).await;
    fixture.service.take().unwrap().shutdown(Duration::from_secs(5)).await;
    let reply = fixture.client.request("ltc.cmd.lead.qualify", "{}".into()).await;
    assert!(reply.is_err(), "after shutdown nobody answers: {reply:?}");
}
