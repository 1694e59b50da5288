//! `ltc audit` on the seeded demo (seed 42, small): its text is compared with snapshots in
//! `snapshots/` (refresh with `UPDATE_EXPECT=1` and review the diff), its JSON is checked for
//! what the text is built from, and mistakes get a clear message and exit code.
//!
//! What is audited is found in the log the way an auditor would find it (the first revised
//! quote, the first customer converted from a lead whose invoice was paid), so a change to the
//! generator changes the snapshots, not the test.

mod support;

use std::path::Path;
use std::sync::OnceLock;

use expect_test::expect_file;
use rusqlite::Connection;
use serde_json::Value;
use support::{output_text as text, run_ltc as ltc};
use tempfile::TempDir;
use uuid::Uuid;

fn demo() -> &'static Path {
    static DEMO: OnceLock<TempDir> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap();
        let output = ltc(&["demo", "--data", data, "--seed", "42", "--scale", "small"]);
        assert!(output.status.success(), "{}", text(&output));
        dir
    })
    .path()
}

/// `ltc audit --data <demo> ARGS`, which must succeed: its stdout.
fn audit(args: &[&str]) -> String {
    let mut all = vec!["audit", "--data", demo().to_str().unwrap()];
    all.extend_from_slice(args);
    let output = ltc(&all);
    assert!(output.status.success(), "ltc {all:?}: {}", text(&output));
    String::from_utf8(output.stdout).unwrap()
}

fn audit_json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    serde_json::from_str(&audit(&all)).unwrap()
}

/// The stream (`kind-uuid`) of the first event of type `event_type` in the demo's log.
fn first_stream_with(event_type: &str) -> String {
    let conn = Connection::open(demo().join("events.db")).unwrap();
    let sql = "SELECT stream_kind, stream_id FROM events WHERE event_type = ?1 \
               ORDER BY position LIMIT 1";
    let (kind, id): (String, Vec<u8>) =
        conn.query_row(sql, [event_type], |row| Ok((row.get(0)?, row.get(1)?))).unwrap();
    format!("{kind}-{}", Uuid::from_slice(&id).unwrap())
}

/// The first customer converted from a lead whose trail reaches a payment: the whole chain.
fn customer_from_lead_to_cash() -> String {
    let conn = Connection::open(demo().join("events.db")).unwrap();
    let mut statement = conn
        .prepare(
            "SELECT stream_id FROM events WHERE event_type = 'LeadConverted' ORDER BY position",
        )
        .unwrap();
    let leads: Vec<Vec<u8>> =
        statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
    for lead in leads {
        let stream = format!("lead-{}", Uuid::from_slice(&lead).unwrap());
        let answer = audit_json(&[&stream]);
        let converted = answer["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|event| event["event_type"] == "LeadConverted")
            .unwrap();
        let customer = &converted["payload"]["Converted"]["customer"];
        let customer = customer["new_customer"].as_str().unwrap().to_owned();
        let trail = audit_json(&["--customer", &customer]);
        if event_types(&trail).contains(&"PaymentReceived".to_owned()) {
            return customer;
        }
    }
    panic!("the demo converts a lead into a customer who pays")
}

fn event_types(trail: &Value) -> Vec<String> {
    let events = trail["events"].as_array().unwrap();
    events.iter().map(|event| event["event_type"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn a_revised_quote_shows_every_event_and_each_versions_price_waterfall_in_words() {
    let quote = first_stream_with("QuoteRevised");
    expect_file!["snapshots/audit_quote.txt"].assert_eq(&audit(&[&quote]));
}

#[test]
fn a_customer_converted_from_a_lead_shows_lead_to_cash_as_a_tree_of_streams_and_every_event() {
    let customer = customer_from_lead_to_cash();
    expect_file!["snapshots/audit_customer.txt"].assert_eq(&audit(&["--customer", &customer]));
}

#[test]
fn a_deals_correlation_follows_quote_order_receivable_and_payment_with_their_causes() {
    let customer = customer_from_lead_to_cash();
    let trail = audit_json(&["--customer", &customer]);
    let accepted = trail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["event_type"] == "QuoteAccepted")
        .unwrap();
    let correlation = accepted["correlation_id"].as_str().unwrap();
    expect_file!["snapshots/audit_correlation.txt"]
        .assert_eq(&audit(&["--correlation", correlation]));
}

#[test]
fn a_customer_trail_in_json_holds_every_kind_from_lead_to_payment_linked_and_caused() {
    let customer = customer_from_lead_to_cash();
    let trail = audit_json(&["--customer", &customer]);
    assert_eq!(trail["scope"]["customer"], customer.as_str());

    let streams = trail["streams"].as_array().unwrap();
    let kind_of = |stream: &Value| stream.as_str().unwrap().split('-').next().unwrap().to_owned();
    let kinds: Vec<String> = streams.iter().map(|stream| kind_of(&stream["stream"])).collect();
    for kind in ["lead", "customer", "opportunity", "quote", "order", "payment"] {
        assert!(kinds.contains(&kind.to_owned()), "{kind} missing from {kinds:?}");
    }
    // Each stream but the lead grew out of the one before it in the chain.
    let parent_kind = |kind: &str| match kind {
        "customer" => "lead",
        "opportunity" => "customer",
        "quote" => "opportunity",
        "order" => "quote",
        "payment" => "order",
        other => panic!("no {other} in this trail"),
    };
    for stream in streams {
        let kind = kind_of(&stream["stream"]);
        match kind.as_str() {
            "lead" => assert_eq!(stream["from_stream"], Value::Null, "{stream}"),
            _ => assert_eq!(kind_of(&stream["from_stream"]), parent_kind(&kind), "{stream}"),
        }
    }

    // Events are in position order, and every cause named is an earlier event of the trail.
    let events = trail["events"].as_array().unwrap();
    let positions: Vec<u64> = events.iter().map(|e| e["position"].as_u64().unwrap()).collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{positions:?}");
    let mut n_caused = 0;
    for event in events {
        if let Some(cause) = event["caused_by"].as_object() {
            let at = cause["position"].as_u64().unwrap();
            assert!(at < event["position"].as_u64().unwrap(), "{event}");
            assert!(positions.contains(&at), "{event}");
            n_caused += 1;
        }
    }
    let placed = events.iter().find(|e| e["event_type"] == "OrderPlaced").unwrap();
    assert_eq!(placed["caused_by"]["event_type"], "QuoteAccepted", "{placed}");
    let opened = events.iter().find(|e| e["event_type"] == "ReceivableOpened").unwrap();
    assert_eq!(opened["caused_by"]["event_type"], "OrderInvoiced", "{opened}");
    assert!(n_caused >= 3, "automation caused at least conversion, placement and invoicing");
}

#[test]
fn a_stream_in_json_is_every_event_of_it_with_its_envelope_and_payload() {
    let quote = first_stream_with("QuoteRevised");
    let answer = audit_json(&[&quote]);
    assert_eq!(answer["stream"], quote.as_str());
    assert_eq!(answer["truncated"], false);
    let events = answer["events"].as_array().unwrap();
    assert_eq!(events.len() as u64, answer["version"].as_u64().unwrap());
    for (version, event) in (1u64..).zip(events) {
        assert_eq!(event["version"], version);
        for field in ["position", "occurred_at", "recorded_at", "actor", "command_id"] {
            assert!(!event[field].is_null(), "{field} in {event}");
        }
        assert!(event["correlation_id"].is_string() && event["payload"].is_object(), "{event}");
    }
}

#[test]
fn mistakes_exit_with_a_message_not_a_panic() {
    let data = demo().to_str().unwrap();
    let nobody = "0190aaaa-bbbb-7000-8000-00000000cafe";
    let cases: [(&[&str], i32, &str); 5] = [
        (&["audit", "--data", data, &format!("quote-{nobody}")], 2, "the log has no stream"),
        (&["audit", "--data", data, "--customer", nobody], 2, "the log has no stream customer-"),
        (&["audit", "--data", data, "--correlation", nobody], 2, "no event with correlation id"),
        (&["audit", "--data", data, "--customer", "someone"], 2, "is not a customer id"),
        (&["audit", "--data", data], 2, "required"),
    ];
    for (args, code, says) in cases {
        let output = ltc(args);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {}", text(&output));
        assert!(text(&output).contains(says), "{args:?}: {}", text(&output));
        assert!(!text(&output).contains("panicked"), "{args:?}: {}", text(&output));
    }
}

#[test]
fn finding_a_trail_reports_its_scan_of_the_log_up_to_the_head() {
    use ltc_eventstore::{EventStore, StoreOptions};
    use ltc_services::queries::{TrailScope, audit_trail};

    let customer: Uuid = customer_from_lead_to_cash().parse().unwrap();
    let store = EventStore::open(demo().join("events.db"), StoreOptions::default()).unwrap();
    let head = store.head().position;
    let mut reports = Vec::new();
    let trail = audit_trail(&store, TrailScope::Customer(customer), &mut |progress| {
        reports.push((progress.events_done, progress.events_total));
    })
    .unwrap();
    assert!(!trail.events.is_empty());
    // One report per 4,096 events scanned, and one at the end.
    assert!(reports.len() as u64 > head / 4_096, "{head} events: {reports:?}");
    assert!(reports.windows(2).all(|pair| pair[0].0 <= pair[1].0), "{reports:?}");
    assert_eq!(reports.last(), Some(&(head, head)), "the last report is the whole log");
}
