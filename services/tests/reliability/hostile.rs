//! Hostile requests thrown at a running `ltc serve` (malformed JSON, wrong types, forged roles
//! and headers, unknown subjects and actors, random bytes, bodies over the limit): each gets a
//! typed error reply, nothing panics, nothing is appended, and serve still takes a good command.

use std::time::Duration;

use futures::StreamExt;
use ltc_domain::actor::Role;
use ltc_tests::hostile::{CLIENT_ERROR_CODES, good_capture, hostile_request};
use ltc_tests::nats_server::NatsServer;
use rand::SeedableRng;
use serde_json::Value;
use uuid::Uuid;

use crate::Sizes;
use crate::support::{Serving, data_dir_with, user, wait_until_answering};
use crate::table::{Row, thousands};

/// Bodies just over the command service's 64 KiB limit, the largest nats-server's default
/// 1 MB `max_payload` lets through.
const OVERSIZED: usize = 65 * 1024;

/// How a hostile request was answered.
#[derive(Debug, PartialEq)]
enum Answer {
    /// A JSON reply with `ok: false` and one of the client error codes.
    TypedError,
    /// Accepted, or an error code no client input should cause (`internal`, …): wrong.
    Wrong(String),
    /// No reply within the timeout: wrong.
    Unanswered,
}

pub async fn hostile_messages(sizes: &Sizes) -> Row {
    let server = NatsServer::start();
    let (_dir, data) = data_dir_with(&[user(0xa11ce, "alice", Role::SalesRep)]);
    let mut serving = Serving::start(&data, &server.url(), &[]);
    let client = async_nats::connect(server.url()).await.unwrap();
    wait_until_answering(&client, &serving).await;

    let mut rng = rand::rngs::StdRng::seed_from_u64(sizes.seed ^ 0x0405);
    let mut requests: Vec<_> =
        (0..sizes.hostile_messages).map(|n| hostile_request(&mut rng, n)).collect();
    for request in requests.iter_mut().step_by(997) {
        request.2 = vec![b'{'; OVERSIZED];
    }
    let answers: Vec<Answer> = futures::stream::iter(requests)
        .map(|(subject, headers, body)| {
            let client = client.clone();
            async move {
                let request = client.request_with_headers(subject, headers, body.into());
                match tokio::time::timeout(Duration::from_secs(10), request).await {
                    Ok(Ok(reply)) => judge(&reply.payload),
                    _ => Answer::Unanswered,
                }
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let wrong: Vec<&Answer> =
        answers.iter().filter(|answer| **answer != Answer::TypedError).collect();
    if !wrong.is_empty() {
        eprintln!(
            "hostile requests answered wrongly (first 10): {:?}",
            &wrong[..wrong.len().min(10)]
        );
    }

    let still_answers = a_good_command_is_accepted(&client).await;
    let alive = serving.child.try_wait().unwrap().is_none();
    assert!(serving.terminate(Duration::from_secs(15)).success(), "{}", serving.log());
    let panics = serving.log().matches("panicked").count() as u64;
    let store =
        ltc_eventstore::EventStore::open(data.join("events.db"), Default::default()).unwrap();
    // The good command's events, and nothing else.
    let appended_by_hostile = store
        .read_all(ltc_eventstore::Position(1), u64::MAX)
        .filter(|event| event.as_ref().unwrap().metadata.command_id != GOOD_COMMAND)
        .count() as u64;
    Row {
        scenario: "hostile messages",
        tried: format!(
            "{} malformed requests of 10 kinds (1 in 997 over the 64 KiB limit) at a running `ltc serve`",
            thousands(answers.len() as u64)
        ),
        checked: "a typed error for each; panics in serve's log; a good command afterwards".into(),
        broken_means: "panics, wrong or missing replies, events appended, serve down",
        broken: panics
            + wrong.len() as u64
            + appended_by_hostile
            + u64::from(!alive)
            + u64::from(!still_answers),
    }
}

fn judge(payload: &[u8]) -> Answer {
    let Ok(reply) = serde_json::from_slice::<Value>(payload) else {
        return Answer::Wrong(String::from_utf8_lossy(payload).into_owned());
    };
    match reply["error"]["code"].as_str() {
        Some(code) if reply["ok"] == false && CLIENT_ERROR_CODES.contains(&code) => {
            Answer::TypedError
        }
        _ => Answer::Wrong(reply.to_string()),
    }
}

/// The command id of the one good command sent after the hostile ones.
const GOOD_COMMAND: Uuid = Uuid::from_u128(0x600d);

async fn a_good_command_is_accepted(client: &async_nats::Client) -> bool {
    good_capture(client, Some(GOOD_COMMAND)).await["ok"] == true
}
