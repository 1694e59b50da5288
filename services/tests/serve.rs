//! `ltc serve` as an operator runs it: against a private nats-server, it answers commands, and
//! SIGTERM stops it cleanly with what it acknowledged on disk.

mod support;

use std::time::Duration;

use ltc_domain::actor::Role;
use ltc_domain::ids::UserId;
use ltc_services::users::{User, UserDirectory};
use ltc_tests::nats_server::NatsServer;
use serde_json::{Value, json};
use support::{Serving, wait_until_answering};
use uuid::Uuid;

fn user(id: u128, name: &str, role: Role) -> User {
    User { id: UserId(Uuid::from_u128(id)), name: name.into(), role, team: None }
}

/// A fresh data directory whose user table holds `users`.
fn data_dir_with(users: &[User]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    UserDirectory::new(users.to_vec()).unwrap().save(&data.join("users.json")).unwrap();
    (dir, data)
}

#[tokio::test]
async fn serve_answers_commands_and_stops_cleanly_on_sigterm() {
    let server = NatsServer::start();
    let alice = user(0xa11ce, "alice", Role::SalesRep);
    let (_dir, data) = data_dir_with(std::slice::from_ref(&alice));
    let mut serving = Serving::start(&data, &server.url(), &["--log-json"]);
    let client = async_nats::connect(server.url()).await.unwrap();
    wait_until_answering(&client, &serving).await;

    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Ltc-Actor", "alice");
    let capture = json!({"lead_id": Uuid::from_u128(0x1ead), "channel": "api",
        "contact": {"name": "Ada", "email": "ada@example.com", "phone": null}, "source": {},
        "owner": {"owner": alice.id.0, "team": null}});
    let reply = client
        .request_with_headers("ltc.cmd.lead.capture", headers, capture.to_string().into())
        .await
        .unwrap();
    let reply: Value = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(reply["ok"], true, "{reply}");
    let position = reply["position"].as_u64().unwrap();

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
    let store =
        ltc_eventstore::EventStore::open(data.join("events.db"), Default::default()).unwrap();
    assert_eq!(store.head().position, position, "the acknowledged command is on disk");
}

/// Sends lead captures with known command ids as fast as replies come, until `stop`; returns
/// the ids whose reply said ok.
async fn capture_until(
    client: async_nats::Client,
    first: u128,
    stop: tokio::sync::watch::Receiver<bool>,
) -> (Vec<Uuid>, u128) {
    let mut acknowledged = Vec::new();
    let mut n = first;
    while !*stop.borrow() {
        let command_id = Uuid::from_u128(0xc0de_0000_0000 + n);
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Ltc-Actor", "alice");
        headers.insert("Ltc-Command-Id", command_id.to_string().as_str());
        let body = json!({"lead_id": Uuid::from_u128(0x1ead_0000_0000 + n), "channel": "api",
            "contact": {"name": format!("Lead {n}"), "email": format!("lead{n}@example.com"), "phone": null},
            "source": {}});
        n += 1;
        let request =
            client.request_with_headers("ltc.cmd.lead.capture", headers, body.to_string().into());
        // A request in flight when the process dies gets no reply: unacknowledged, not lost.
        if let Ok(Ok(reply)) = tokio::time::timeout(Duration::from_secs(2), request).await {
            let reply: Value = serde_json::from_slice(&reply.payload).unwrap();
            if reply["ok"] == true {
                acknowledged.push(command_id);
            }
        }
    }
    (acknowledged, n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_killed_at_random_moments_under_load_loses_no_acknowledged_command() {
    use rand::{Rng, SeedableRng};

    let server = NatsServer::start();
    let (_dir, data) = data_dir_with(&[user(0xa11ce, "alice", Role::SalesRep)]);
    let client = async_nats::connect(server.url()).await.unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x51c_c111);
    let mut acknowledged = Vec::new();
    let mut next = 0;
    const KILLS: usize = 4;
    for _ in 0..KILLS {
        let mut serving = Serving::start(&data, &server.url(), &[]);
        wait_until_answering(&client, &serving).await;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let senders: Vec<_> = (0..8u128)
            .map(|sender| {
                tokio::spawn(capture_until(
                    client.clone(),
                    next + sender * 1_000_000,
                    stopped.clone(),
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(rng.random_range(100..600))).await;
        serving.child.kill().expect("SIGKILL ltc serve");
        serving.child.wait().unwrap();
        stop.send(true).unwrap();
        for sender in senders {
            let (ids, _) = sender.await.unwrap();
            acknowledged.extend(ids);
        }
        next += 100_000_000;
    }
    assert!(acknowledged.len() > 50, "the load did get through: {}", acknowledged.len());
    let store =
        ltc_eventstore::EventStore::open(data.join("events.db"), Default::default()).unwrap();
    let lost: Vec<_> =
        acknowledged.iter().filter(|id| store.committed_command(**id).unwrap().is_none()).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged commands lost: {lost:?}",
        lost.len(),
        acknowledged.len()
    );
    assert!(store.verify().unwrap().is_intact());
    drop(store);

    // Restarted once more, the projector catches up with everything the killed runs wrote,
    // and the read models it kept through the kills equal a rebuild from the log.
    let mut serving = Serving::start(&data, &server.url(), &[]);
    wait_until_answering(&client, &serving).await;
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let (_, _) =
        tokio::time::timeout(Duration::from_secs(2), capture_until(client.clone(), next, stopped))
            .await
            .unwrap_or_default();
    let head = ltc_eventstore::EventStore::open(data.join("events.db"), Default::default())
        .unwrap()
        .head()
        .position;
    let started = std::time::Instant::now();
    loop {
        let reply = client.request("ltc.qry.events", "{}".into()).await.unwrap();
        let reply: Value = serde_json::from_slice(&reply.payload).unwrap();
        if reply["position"].as_u64() >= Some(head) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "projector stuck: {reply}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(serving.terminate(Duration::from_secs(15)).success(), "{}", serving.log());
    let data = data.to_str().unwrap();
    let kept: Vec<String> = MODELS
        .iter()
        .map(|model| support::ltc(&["query", model, "--json", "--data", data]))
        .collect();
    support::ltc(&["rebuild", "--data", data]);
    let rebuilt: Vec<String> = MODELS
        .iter()
        .map(|model| support::ltc(&["query", model, "--json", "--data", data]))
        .collect();
    assert_eq!(kept, rebuilt, "the read models kept through the kills differ from a rebuild");
}

/// Read models whose JSON answers are compared with a rebuild's.
const MODELS: [&str; 4] = ["leads", "funnel", "customers", "events"];

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
    assert!(report["latency"]["p50_ms"].as_f64().unwrap() > 0.0);
    // Every command that appended (a few change nothing, e.g. a capture that is a duplicate)
    // was seen in the read models.
    assert_eq!(report["projection_lag"]["count"], report["appended"], "{report:#}");
    assert_eq!(report["projection_unseen"], 0);
    assert!(serving.terminate(Duration::from_secs(15)).success(), "{}", serving.log());
}
