//! nats-server restarted again and again while `ltc serve` takes commands: `LTC_EVENTS` ends
//! holding every position of the log exactly once, in order, and the NATS-fed read models equal
//! a rebuild (nothing applied twice, nothing skipped).

use std::path::Path;
use std::time::{Duration, Instant};

use async_nats::jetstream;
use ltc_domain::actor::Role;
use ltc_eventstore::EventStore;
use ltc_services::nats::headers::POSITION;
use ltc_services::nats::subjects::EVENTS_STREAM;
use ltc_tests::nats_server::NatsServer;
use rand::{Rng, SeedableRng};

use crate::Sizes;
use crate::kills::read_models_unlike_a_rebuild;
use crate::support::{Serving, capture_until, data_dir_with, user, wait_until_answering};
use crate::table::{Row, thousands};

const SENDERS: u128 = 4;

pub async fn nats_server_restarted_under_load(sizes: &Sizes) -> Row {
    let mut server = NatsServer::start();
    let (_dir, data) = data_dir_with(&[user(0xa11ce, "alice", Role::SalesRep)]);
    let client = async_nats::connect(server.url()).await.unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(sizes.seed ^ 0x4e47);
    let mut serving = Serving::start(&data, &server.url(), &[]);
    wait_until_answering(&client, &serving).await;

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let senders: Vec<_> = (0..SENDERS)
        .map(|sender| {
            tokio::spawn(capture_until(
                client.clone(),
                "alice",
                sender * 1_000_000,
                stopped.clone(),
            ))
        })
        .collect();
    for _ in 0..sizes.nats_restarts {
        tokio::time::sleep(Duration::from_millis(rng.random_range(200..700))).await;
        server.restart();
    }
    // Some load after the last restart too, so the relay is mid-flight when the server returns.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.send(true).unwrap();
    let mut acknowledged = Vec::new();
    for sender in senders {
        acknowledged.extend(sender.await.unwrap().0);
    }
    assert!(!acknowledged.is_empty(), "the load did get through");
    assert!(serving.child.try_wait().unwrap().is_none(), "serve survived: {}", serving.log());

    let head = log_head(&data);
    let stream = stream_against_log(&client, head).await;
    assert!(serving.terminate(Duration::from_secs(15)).success(), "{}", serving.log());
    let store = EventStore::open(data.join("events.db"), Default::default()).unwrap();
    let lost =
        acknowledged.iter().filter(|id| store.committed_command(**id).unwrap().is_none()).count();
    drop(store);
    let differing = read_models_unlike_a_rebuild(&client, &server, &data, head).await;
    Row {
        scenario: "nats-server restarts",
        tried: format!(
            "{} restarts of nats-server while {SENDERS} clients sent commands to `ltc serve`",
            sizes.nats_restarts
        ),
        checked: format!(
            "{} events relayed to {EVENTS_STREAM}; {} acknowledged commands; read models against a rebuild",
            thousands(head),
            thousands(acknowledged.len() as u64)
        ),
        broken_means: "events lost or doubled, acknowledged commands lost, read models unlike a rebuild",
        broken: stream.missing + stream.doubled + lost as u64 + differing,
    }
}

/// The log's head, read beside the running serve through a read-only connection.
fn log_head(data: &Path) -> u64 {
    let connection = rusqlite::Connection::open_with_flags(
        data.join("events.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let head: i64 = connection
        .query_row("SELECT COALESCE(MAX(position), 0) FROM events", [], |row| row.get(0))
        .unwrap();
    u64::try_from(head).expect("positions are positive")
}

struct StreamCheck {
    /// Positions of the log with no message carrying them at their sequence.
    missing: u64,
    /// Messages beyond one per position.
    doubled: u64,
}

/// Waits for the relay to reach `head`, then compares every message with its position.
async fn stream_against_log(client: &async_nats::Client, head: u64) -> StreamCheck {
    let jetstream = jetstream::new(client.clone());
    let started = Instant::now();
    let mut events = loop {
        if let Ok(mut events) = jetstream.get_stream(EVENTS_STREAM).await
            && let Ok(info) = events.info().await
            && info.state.last_sequence >= head
        {
            break events;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the relay never reached {head}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let state = events.info().await.unwrap().state.clone();
    let mut missing = 0;
    for sequence in 1..=head {
        let carries_its_position = match events.direct_get(sequence).await {
            Ok(message) => message
                .headers
                .get(POSITION)
                .is_some_and(|position| position.as_str() == sequence.to_string()),
            Err(_) => false,
        };
        if !carries_its_position {
            missing += 1;
        }
    }
    StreamCheck { missing, doubled: state.messages.saturating_sub(head) }
}
