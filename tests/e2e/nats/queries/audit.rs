//! `ltc.qry.audit`: a stream's events from the log, page by page, with their envelope and the
//! payload in its JSON form.

use ltc_eventstore::{Position, StreamId};
use ltc_services::event_json::payload_to_json;
use serde_json::{Value, json};

use super::World;

#[tokio::test]
async fn the_audit_pages_through_a_streams_events_with_envelope_and_json_payload() {
    let world = World::new().await;
    // The longest quote stream of the history: enough events for several pages.
    let mut versions = std::collections::BTreeMap::<String, u64>::new();
    for event in world.store.read_all(Position(1), u64::MAX) {
        let event = event.expect("an event");
        if event.stream.kind.as_str() == "quote" {
            *versions.entry(event.stream.to_string()).or_default() += 1;
        }
    }
    let (stream, length) = versions.into_iter().max_by_key(|(_, n)| *n).expect("a quote stream");
    assert!(length >= 3, "{stream} has {length} events");
    let recorded = world.store.read_stream(&stream.parse::<StreamId>().unwrap(), 1).unwrap();
    let latest = recorded.last().unwrap();

    let mut seen: Vec<Value> = Vec::new();
    let mut from_version = 1;
    let page_size = 2;
    loop {
        let request = json!({"stream": stream, "from_version": from_version, "limit": page_size});
        let reply = world.ask("audit", request).await.ok();
        assert_eq!(reply["position"], json!(latest.position.0), "the stream's latest event");
        assert_eq!(reply["as_of"], json!(latest.recorded_at));
        let page = &reply["result"];
        assert_eq!(page["stream"], json!(stream));
        assert_eq!(page["version"], json!(length));
        let events = page["events"].as_array().expect("events").clone();
        assert!(events.len() <= page_size, "{page}");
        seen.extend(events);
        match page["next_version"].as_u64() {
            Some(next) => {
                assert_eq!(page["truncated"], true);
                from_version = next;
            }
            None => {
                assert_eq!(page["truncated"], false);
                break;
            }
        }
    }
    assert_eq!(seen.len(), recorded.len());
    for (shown, event) in seen.iter().zip(&recorded) {
        let expected = json!({
            "position": event.position.0,
            "version": event.version,
            "event_id": event.event_id.0,
            "event_type": event.event_type,
            "schema_version": event.schema_version,
            "occurred_at": event.occurred_at,
            "recorded_at": event.recorded_at,
            "actor": event.metadata.actor,
            "command_id": event.metadata.command_id,
            "correlation_id": event.metadata.correlation_id,
            "causation_id": event.metadata.causation_id,
            "payload": payload_to_json(event).expect("the payload as JSON"),
        });
        assert_eq!(shown, &expected);
    }
}

#[tokio::test]
async fn an_audit_page_past_the_end_is_empty_and_not_truncated() {
    let world = World::new().await;
    let customer_id = world.first_customer().await;
    let stream = format!("customer-{customer_id}");
    let reply = world.ask("audit", json!({"stream": stream, "from_version": 1000})).await.ok();
    assert_eq!(reply["result"]["events"], json!([]));
    assert_eq!(reply["result"]["truncated"], false);
    assert_eq!(reply["result"]["next_version"], Value::Null);
}
