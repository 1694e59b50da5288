//! The service as NATS sees it: described by `$SRV.INFO`, several instances sharing one queue
//! group, and a burst of concurrent requests answered.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use ltc_services::nats::queries::ENDPOINTS;
use serde_json::{Value, json};

use super::{World, start_service};

#[tokio::test]
async fn srv_info_lists_every_endpoint_with_its_subject_and_queue_group() {
    let world = World::new().await;
    let info = world.client.request("$SRV.INFO.ltc-queries", "".into()).await.expect("info");
    let info: Value = serde_json::from_slice(&info.payload).expect("JSON");
    assert_eq!(info["name"], "ltc-queries");
    let listed: BTreeSet<(String, String, String)> = info["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .map(|endpoint| {
            let text = |key: &str| endpoint[key].as_str().expect(key).to_owned();
            (text("name"), text("subject"), text("queue_group"))
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = ENDPOINTS
        .iter()
        .map(|e| (e.name.to_owned(), format!("ltc.qry.{}", e.name), "ltc-queries".to_owned()))
        .collect();
    assert_eq!(listed, expected);
    for name in ["customer360", "funnel", "forecast", "ar-aging", "stalled", "leads", "audit"] {
        assert!(listed.iter().any(|(listed, ..)| listed == name), "{name} is served");
    }
}

#[tokio::test]
async fn two_instances_in_the_queue_group_both_serve() {
    let world = World::new().await;
    let second =
        start_service(&world.server, &world.data(), &world.store, world.clock.clone()).await;
    let n_requests = 200;
    for _ in 0..n_requests {
        world.ask("events", json!({})).await.ok();
    }
    // `$SRV.STATS.ltc-queries` is answered by every instance: gather the replies.
    let inbox = world.client.new_inbox();
    let mut replies = world.client.subscribe(inbox.clone()).await.expect("subscribe");
    world
        .client
        .publish_with_reply("$SRV.STATS.ltc-queries", inbox, "".into())
        .await
        .expect("publish");
    let mut served = Vec::new();
    while served.len() < 2 {
        let reply = tokio::time::timeout(Duration::from_secs(10), replies.next())
            .await
            .expect("both instances answer")
            .expect("a reply");
        let stats: Value = serde_json::from_slice(&reply.payload).expect("JSON");
        let events = stats["endpoints"].as_array().unwrap().iter().find(|e| e["name"] == "events");
        served.push(events.expect("the events endpoint")["num_requests"].as_u64().unwrap());
    }
    assert_eq!(served.iter().sum::<u64>(), n_requests, "{served:?}");
    assert!(served.iter().all(|n| *n > 0), "each instance answered some: {served:?}");
    second.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn a_burst_of_concurrent_requests_is_answered_in_full() {
    let world = World::new().await;
    let customer_id = world.first_customer().await;
    let expected = world.ask("customer360", json!({"customer_id": customer_id})).await.ok();
    let body = json!({"customer_id": customer_id}).to_string();
    let funnel_expected = world.ask("funnel", json!({})).await.ok();
    let n_requests = 500;
    let requests = (0..n_requests).map(|idx| {
        let client = world.client.clone();
        let (subject, body) = if idx % 2 == 0 {
            ("ltc.qry.customer360", body.clone())
        } else {
            ("ltc.qry.funnel", "{}".to_owned())
        };
        async move { (idx, client.request(subject, body.into()).await) }
    });
    let replies = futures::future::join_all(requests).await;
    for (idx, reply) in replies {
        let reply = reply.unwrap_or_else(|error| panic!("request {idx}: {error}"));
        let reply: Value = serde_json::from_slice(&reply.payload).expect("JSON");
        let expected = if idx % 2 == 0 { &expected } else { &funnel_expected };
        assert_eq!(&reply, expected, "request {idx}");
    }
}
