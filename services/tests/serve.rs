//! `ltc serve` as an operator runs it: against a private nats-server, it answers commands, and
//! SIGTERM stops it cleanly with what it acknowledged on disk. (SIGKILLs under load are the
//! reliability suite's, services/tests/reliability/kills.rs.)

mod support;

use std::time::Duration;

use ltc_domain::actor::Role;
use ltc_tests::nats_server::NatsServer;
use serde_json::{Value, json};
use support::{Serving, data_dir_with, user, wait_until_answering};
use uuid::Uuid;

/// `ltc serve` with JSON logs over a data directory whose one user is the rep alice, answering.
async fn serve_for_alice(
    server: &NatsServer,
) -> (tempfile::TempDir, std::path::PathBuf, Serving, async_nats::Client) {
    let (dir, data) = data_dir_with(&[alice()]);
    let serving = Serving::start(&data, &server.url(), &["--log-json"]);
    let client = async_nats::connect(server.url()).await.unwrap();
    wait_until_answering(&client, &serving).await;
    (dir, data, serving, client)
}

fn alice() -> ltc_services::users::User {
    user(0xa11ce, "alice", Role::SalesRep)
}

/// The log's head as a store opened on the data directory after `serve` has stopped sees it.
fn head_on_disk(data: &std::path::Path) -> u64 {
    ltc_eventstore::EventStore::open(data.join("events.db"), Default::default())
        .unwrap()
        .head()
        .position
}

/// Captures one lead over NATS as alice, who owns it; the log position of the reply.
async fn capture_a_lead(client: &async_nats::Client) -> u64 {
    let owner = alice();
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Ltc-Actor", owner.name.as_str());
    let capture = json!({"lead_id": Uuid::from_u128(0x1ead), "channel": "api",
        "contact": {"name": "Ada", "email": "ada@example.com", "phone": null}, "source": {},
        "owner": {"owner": owner.id.0, "team": null}});
    let reply = client
        .request_with_headers("ltc.cmd.lead.capture", headers, capture.to_string().into())
        .await
        .unwrap();
    let reply: Value = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(reply["ok"], true, "{reply}");
    reply["position"].as_u64().unwrap()
}

#[tokio::test]
async fn serve_answers_commands_and_stops_cleanly_on_sigterm() {
    let server = NatsServer::start();
    let (_dir, data, mut serving, client) = serve_for_alice(&server).await;

    let position = capture_a_lead(&client).await;

    // While serve keeps the read models, `ltc query` answers from them at once rather than
    // waiting for serve to let go of their directory.
    let (leads, note) = support::ltc_within(
        &["query", "leads", "--json", "--data", data.to_str().unwrap()],
        Duration::from_secs(20),
    );
    assert!(note.contains("another ltc process keeps these read models current"), "{note}");
    let leads: Value = serde_json::from_str(&leads).unwrap();
    assert_eq!(leads["query"], "leads");

    let status = serving.terminate(Duration::from_secs(15));
    assert!(status.success(), "exit {status}: {}", serving.log());
    let log = serving.log();
    for line in ["ltc serve is ready", "ltc serve stopped"] {
        assert!(log.contains(line), "{line:?} not in the log: {log}");
    }
    assert!(
        log.lines().all(|line| serde_json::from_str::<Value>(line).is_ok()),
        "JSON lines: {log}"
    );
    assert_eq!(head_on_disk(&data), position, "the acknowledged command is on disk");
}

#[tokio::test]
async fn serve_stops_on_sigterm_while_nats_server_is_down_and_keeps_what_it_acknowledged() {
    let mut server = NatsServer::start();
    let (_dir, data, mut serving, client) = serve_for_alice(&server).await;
    let position = capture_a_lead(&client).await;

    server.stop();
    std::thread::sleep(Duration::from_millis(500));
    // Nothing is in flight and nats-server cannot answer: nothing is worth waiting long for.
    serving.terminate(Duration::from_secs(10));

    let log = serving.log();
    assert!(log.contains("ltc serve stopped"), "no clean stop in the log: {log}");
    assert_eq!(head_on_disk(&data), position, "the acknowledged command is on disk");
}

#[tokio::test]
async fn ltc_load_drives_serve_and_reports_latency_and_projection_lag() {
    let server = NatsServer::start();
    let (_dir, data) = data_dir_with(&[user(0xad, "admin", Role::Admin)]);
    let mut serving = Serving::start(&data, &server.url(), &[]);
    let client = async_nats::connect(server.url()).await.unwrap();
    wait_until_answering(&client, &serving).await;

    let url = server.url();
    let args = [
        "load",
        "--nats",
        &url,
        "--rate",
        "300",
        "--duration",
        "2",
        "--concurrency",
        "16",
        "--lag",
        "--json",
    ];
    let report: Value = serde_json::from_str(&support::ltc(&args)).unwrap();
    assert_eq!(
        (report["sent"].as_u64(), report["ok"].as_u64()),
        (Some(600), Some(600)),
        "{report:#}"
    );
    assert_eq!(report["errors"], json!({}));
    assert_eq!(report["ids"], "random", "the default ids are those of a client minting UUIDv4");
    assert!(report["latency"]["p50_ms"].as_f64().unwrap() > 0.0);
    // How late the generator itself sent each request is on record, for every request.
    assert_eq!(report["pacing_late"]["count"], report["sent"], "{report:#}");
    // Every command that appended (a few change nothing, e.g. a capture that is a duplicate)
    // was seen in the read models.
    assert_eq!(report["projection_lag"]["count"], report["appended"], "{report:#}");
    assert_eq!(report["projection_unseen"], 0);
    assert!(serving.terminate(Duration::from_secs(15)).success(), "{}", serving.log());
}
