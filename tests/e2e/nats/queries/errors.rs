//! Bad requests get typed error replies with the micro error headers, and the service goes on
//! answering good ones.

use serde_json::{Value, json};

use super::{World, ask_raw};

#[tokio::test]
async fn bad_requests_get_their_codes_and_error_headers_and_the_service_keeps_answering() {
    let world = World::new().await;
    let customer_id = world.first_customer().await;
    let nobody = "00000000-0000-4000-8000-000000000000";
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        ("funnel", b"{not json".to_vec(), "query.malformed_json", "400"),
        ("funnel", b"\xff\xfe".to_vec(), "query.malformed_json", "400"),
        ("funnel", json!({"by": "planet"}).to_string().into(), "query.invalid_request", "400"),
        ("funnel", json!({"colour": "red"}).to_string().into(), "query.invalid_request", "400"),
        ("funnel", json!([1, 2]).to_string().into(), "query.invalid_request", "400"),
        ("customer360", json!({}).to_string().into(), "query.invalid_request", "400"),
        (
            "customer360",
            json!({"customer_id": 7}).to_string().into(),
            "query.invalid_request",
            "400",
        ),
        (
            "customer360",
            json!({"customer_id": customer_id, "as_of": "2026-02-30"}).to_string().into(),
            "query.bad_date",
            "400",
        ),
        ("stalled", json!({"as_of": "yesterday"}).to_string().into(), "query.bad_date", "400"),
        ("funnel", json!({"as_of": "2026-1-5"}).to_string().into(), "query.bad_date", "400"),
        ("reps", json!({"period": "2026-Q5"}).to_string().into(), "query.bad_period", "400"),
        ("forecast", json!({"period": "soon"}).to_string().into(), "query.bad_period", "400"),
        (
            "forecast",
            json!({"period": "2026-Q1", "runs": 0}).to_string().into(),
            "query.out_of_range",
            "400",
        ),
        ("dso", json!({"days": 0}).to_string().into(), "query.out_of_range", "400"),
        (
            "customer360",
            json!({"customer_id": nobody}).to_string().into(),
            "query.unknown_customer",
            "404",
        ),
        ("audit", json!({"stream": "quote"}).to_string().into(), "query.bad_stream_id", "400"),
        (
            "audit",
            json!({"stream": format!("quote-{nobody}")}).to_string().into(),
            "query.unknown_stream",
            "404",
        ),
        (
            "audit",
            json!({"stream": format!("customer-{customer_id}"), "limit": 0}).to_string().into(),
            "query.out_of_range",
            "400",
        ),
    ];
    for (model, body, code, status) in cases {
        let shown = String::from_utf8_lossy(&body).into_owned();
        let answer = ask_raw(&world.client, model, body).await;
        assert_eq!(answer.body["ok"], false, "{model} {shown}: {}", answer.body);
        assert_eq!(answer.body["error"]["code"], code, "{model} {shown}: {}", answer.body);
        let message = answer.body["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{model} {shown}: a message for people");
        assert_eq!(answer.header("Nats-Service-Error"), Some(code), "{model} {shown}");
        assert_eq!(answer.header("Nats-Service-Error-Code"), Some(status), "{model} {shown}");
        assert_answers(&world, &customer_id).await;
    }
}

#[tokio::test]
async fn the_errors_show_in_the_service_stats_per_endpoint_and_code() {
    let world = World::new().await;
    for _ in 0..3 {
        ask_raw(&world.client, "stalled", b"{".to_vec()).await;
    }
    ask_raw(&world.client, "stalled", json!({"as_of": "never"}).to_string().into()).await;
    ask_raw(&world.client, "stalled", json!({}).to_string().into()).await.ok();
    let stats = world.client.request("$SRV.STATS.ltc-queries", "".into()).await.expect("stats");
    let stats: Value = serde_json::from_slice(&stats.payload).expect("JSON");
    let endpoints = stats["endpoints"].as_array().expect("endpoints");
    let stalled = endpoints.iter().find(|e| e["name"] == "stalled").expect("the stalled endpoint");
    assert_eq!(stalled["num_requests"], 5);
    assert_eq!(
        stalled["data"],
        json!({"errors": 4, "errors_by_code": {"query.malformed_json": 3, "query.bad_date": 1}})
    );
}

/// A good request still gets a good answer.
async fn assert_answers(world: &World, customer_id: &str) {
    let answer = world.ask("customer360", json!({"customer_id": customer_id})).await;
    assert_eq!(answer.body["ok"], true, "{}", answer.body);
}
