//! `ltc serve` killed with SIGKILL at random moments while clients send commands: every
//! command it acknowledged is in the log, and the read models it kept through the kills equal a
//! rebuild from that log.

use std::time::Duration;

use ltc_domain::actor::Role;
use ltc_eventstore::EventStore;
use ltc_tests::nats_server::NatsServer;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::Sizes;
use crate::support::{self, Serving, capture_until, data_dir_with, user, wait_until_answering};
use crate::table::{Row, thousands};

/// Clients sending at once while serve is killed.
const SENDERS: u128 = 8;

/// Read models whose JSON answers are compared with a rebuild's.
const MODELS: [&str; 4] = ["leads", "funnel", "customers", "events"];

pub async fn engine_killed_under_load(sizes: &Sizes) -> Row {
    let server = NatsServer::start();
    let (_dir, data) = data_dir_with(&[user(0xa11ce, "alice", Role::SalesRep)]);
    let client = async_nats::connect(server.url()).await.unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(sizes.seed);
    let mut acknowledged = Vec::new();
    let mut next = 0;
    for _ in 0..sizes.kills {
        let mut serving = Serving::start(&data, &server.url(), &[]);
        wait_until_answering(&client, &serving).await;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let senders: Vec<_> = (0..SENDERS)
            .map(|sender| {
                let first = next + sender * 1_000_000;
                tokio::spawn(capture_until(client.clone(), "alice", first, stopped.clone()))
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
    let store = EventStore::open(data.join("events.db"), Default::default()).unwrap();
    let lost =
        acknowledged.iter().filter(|id| store.committed_command(**id).unwrap().is_none()).count();
    assert!(store.verify().unwrap().is_intact(), "the log's hash chain survives the kills");
    let head = store.head().position;
    drop(store);

    let differing = read_models_unlike_a_rebuild(&client, &server, &data, head).await;
    Row {
        scenario: "engine killed under load",
        tried: format!(
            "{} SIGKILLs of `ltc serve` at random moments while {SENDERS} clients sent commands",
            sizes.kills
        ),
        checked: format!(
            "{} acknowledged commands; {} read models against a rebuild",
            thousands(acknowledged.len() as u64),
            MODELS.len()
        ),
        broken_means: "acknowledged commands lost, read models unlike a rebuild",
        broken: lost as u64 + differing,
    }
}

/// Restarted once more, the projector catches up with everything the killed runs wrote; the
/// read models it kept through the kills are compared with a rebuild from the log. Returns how
/// many differ.
pub(crate) async fn read_models_unlike_a_rebuild(
    client: &async_nats::Client,
    server: &NatsServer,
    data: &std::path::Path,
    head: u64,
) -> u64 {
    let mut serving = Serving::start(data, &server.url(), &[]);
    wait_until_answering(client, &serving).await;
    let started = std::time::Instant::now();
    loop {
        let reply = client.request("ltc.qry.events", "{}".into()).await.unwrap();
        let reply: Value = serde_json::from_slice(&reply.payload).unwrap();
        if reply["position"].as_u64() >= Some(head) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "projector stuck: {reply}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(serving.terminate(Duration::from_secs(15)).success(), "{}", serving.log());
    let data = data.to_str().unwrap();
    let answers = || -> Vec<String> {
        MODELS
            .iter()
            .map(|model| support::ltc(&["query", model, "--json", "--data", data]))
            .collect()
    };
    let kept = answers();
    support::ltc(&["rebuild", "--data", data]);
    let rebuilt = answers();
    let differing = kept.iter().zip(&rebuilt).filter(|(kept, rebuilt)| kept != rebuilt).count();
    for (model, (kept, rebuilt)) in MODELS.iter().zip(kept.iter().zip(&rebuilt)) {
        if kept != rebuilt {
            eprintln!("read model {model} kept through the kills:\n{kept}\nrebuilt:\n{rebuilt}");
        }
    }
    differing as u64
}
