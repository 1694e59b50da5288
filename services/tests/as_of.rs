//! Business time against recorded time through the `ltc` binary, on the seeded small history
//! (2026-01-05 to early April) plus one back-dated correction: a payment recorded in mid-April
//! with `received_on` in March. `--as-of` (what was true then, as known now) counts it in March;
//! `--recorded-as-of` (what the dashboard showed then) does not, and gives exactly what a query
//! asked in March would have given.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
use ltc_domain::actor::{Actor, Role};
use ltc_domain::decider::Decider;
use ltc_domain::ids::{PaymentId, UserId};
use ltc_domain::payment::{PaymentDecider, PaymentEvent, PaymentMethod, PaymentState, ReceiptId};
use ltc_eventstore::{Clock, EventStore, ManualClock, Position, StoreOptions, codec};
use ltc_services::command::CommandMeta;
use ltc_services::engine::{Command as EngineCommand, Engine, PaymentRequest};
use ltc_services::generator::demo_settings;
use serde_json::Value;
use uuid::Uuid;

const MARCH_END: &str = "2026-03-31";

/// The day the correction says the money arrived.
fn received_on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 20).unwrap()
}

/// Runs `ltc ARGS --data DIR --json`, expects success, returns its JSON.
fn json(dir: &Path, args: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_ltc"))
        .args(args)
        .args(["--data", dir.to_str().unwrap(), "--json"])
        .output()
        .expect("run ltc");
    assert!(
        output.status.success(),
        "ltc {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("ltc printed JSON")
}

fn history() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ltc"))
        .args(["demo", "--data", dir.path().to_str().unwrap(), "--seed", "42"])
        .output()
        .expect("run ltc demo");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    dir
}

/// What the correction paid, on which receivable and for which customer.
struct Correction {
    customer_id: String,
    amount_minor: i64,
    recorded_on: NaiveDate,
}

/// Appends, through the engine, a payment recorded ten days after the history's last event
/// whose `received_on` is [`received_on`]: the whole outstanding amount of the first receivable
/// invoiced at least five days before then and still open.
async fn record_a_back_dated_payment(dir: &Path) -> Correction {
    let path = dir.join("events.db");
    let store = EventStore::open(&path, StoreOptions::default()).unwrap();
    let last = store.head().position;
    let last_recorded = store.read_all(Position(last), 1).next().unwrap().unwrap().recorded_at;
    let clock = Arc::new(ManualClock::new(last_recorded + TimeDelta::days(10)));
    let recorded_on = clock.now().date_naive();
    drop(store);
    let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
    let store = EventStore::open(&path, options).unwrap();

    let mut receivables: BTreeMap<Uuid, PaymentState> = BTreeMap::new();
    let mut order = Vec::new();
    for event in store.read_all(Position::START, u64::MAX) {
        let event = event.unwrap();
        if event.stream.kind.as_str() != "payment" {
            continue;
        }
        let decoded: PaymentEvent = codec::decode(event.codec, &event.payload).unwrap();
        let state = receivables.remove(&event.stream.id).unwrap_or_else(|| {
            order.push(event.stream.id);
            PaymentState::default()
        });
        receivables.insert(event.stream.id, PaymentDecider::evolve(state, &decoded));
    }
    let invoiced_by = received_on() - TimeDelta::days(5);
    let (id, receivable) = order
        .iter()
        .find_map(|id| match &receivables[id] {
            PaymentState::Opened(receivable)
                if receivable.opened_at.date_naive() <= invoiced_by
                    && receivable.outstanding().amount_minor > 0 =>
            {
                Some((*id, receivable.clone()))
            }
            _ => None,
        })
        .expect("an open receivable invoiced before mid-March");

    let engine = Engine::open(store.clone(), clock, demo_settings()).unwrap();
    let finance = Actor { user: UserId(Uuid::from_u128(7)), role: Role::Finance, team: None };
    let meta = CommandMeta {
        command_id: Uuid::from_u128(0xC0FFEE),
        correlation_id: Uuid::from_u128(0xC0FFEE),
        causation_id: None,
        actor: finance,
        tenant: "demo".to_owned(),
        expected_version: None,
    };
    let amount = receivable.outstanding();
    let command = EngineCommand::Payment {
        receivable_id: PaymentId(id),
        command: PaymentRequest::ReceivePayment {
            receipt_id: ReceiptId(Uuid::from_u128(0xBACD)),
            amount,
            method: PaymentMethod::BankTransfer,
            reference: "remittance found in April".to_owned(),
            received_on: Some(received_on()),
        },
    };
    engine.execute(command, &meta).await.expect("the back-dated payment is recorded");
    Correction {
        customer_id: receivable.customer_id.0.to_string(),
        amount_minor: amount.amount_minor,
        recorded_on,
    }
}

fn outstanding(aging: &Value) -> i64 {
    aging["result"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["outstanding_minor"].as_i64().unwrap())
        .sum()
}

fn collected_in(collections: &Value, period: &str) -> i64 {
    let rows = collections["result"].as_array().unwrap();
    rows.iter()
        .filter(|row| row["period"] == period)
        .map(|row| row["collected_minor"].as_i64().unwrap())
        .sum()
}

fn money_sum(amounts: &Value) -> i64 {
    amounts.as_array().unwrap().iter().map(|money| money["amount_minor"].as_i64().unwrap()).sum()
}

#[tokio::test]
async fn a_payment_back_dated_to_march_counts_as_of_march_but_not_as_recorded_in_march() {
    let dir = history();
    let data = dir.path();
    let asked_in_march = json(data, &["query", "ar-aging", "--as-of", MARCH_END]);
    let collections_in_march = json(data, &["query", "collections", "--as-of", MARCH_END]);

    let correction = record_a_back_dated_payment(data).await;
    assert!(correction.recorded_on > NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());

    let as_of = json(data, &["query", "ar-aging", "--as-of", MARCH_END]);
    let recorded = json(data, &["query", "ar-aging", "--recorded-as-of", MARCH_END]);
    assert_eq!(outstanding(&as_of), outstanding(&asked_in_march) - correction.amount_minor);
    assert_eq!(recorded["result"], asked_in_march["result"], "the dashboard of March 31, again");
    assert!(recorded["position"].as_u64() < as_of["position"].as_u64());
    assert_eq!(recorded["recorded_as_of"], MARCH_END);

    let recorded_on = correction.recorded_on.to_string();
    let both = ["query", "ar-aging", "--as-of", MARCH_END, "--recorded-as-of", &recorded_on];
    assert_eq!(json(data, &both)["result"], as_of["result"], "known by then, true in March");

    let collections = json(data, &["query", "collections", "--as-of", MARCH_END]);
    let collections_recorded = json(data, &["query", "collections", "--recorded-as-of", MARCH_END]);
    assert_eq!(
        collected_in(&collections, "2026-03"),
        collected_in(&collections_in_march, "2026-03") + correction.amount_minor
    );
    assert_eq!(collections_recorded["result"], collections_in_march["result"]);
}

#[tokio::test]
async fn a_customers_money_as_of_march_includes_the_correction_and_its_deals_are_as_they_stood() {
    let dir = history();
    let data = dir.path();
    let correction = record_a_back_dated_payment(data).await;
    let customer = correction.customer_id.as_str();

    let as_of = json(data, &["query", "customer360", customer, "--as-of", MARCH_END]);
    let recorded = json(data, &["query", "customer360", customer, "--recorded-as-of", MARCH_END]);
    let figures =
        |answer: &Value, name: &str| money_sum(&answer["result"]["customer"]["figures"][name]);
    assert_eq!(figures(&as_of, "open_ar"), figures(&recorded, "open_ar") - correction.amount_minor);
    assert_eq!(
        figures(&as_of, "lifetime_value"),
        figures(&recorded, "lifetime_value") + correction.amount_minor
    );
    // Deals and quotes have no business date of their own: as of March they are as recorded by
    // then, in both answers.
    for part in ["opportunities", "quotes", "orders", "profile"] {
        assert_eq!(
            as_of["result"]["customer"][part], recorded["result"]["customer"][part],
            "{part}"
        );
    }

    let list = |args: &[&str]| {
        let answer = json(data, args);
        let rows = answer["result"].as_array().unwrap().clone();
        let row = rows.into_iter().find(|row| row["customer_id"] == customer).expect("listed");
        money_sum(&row["open_ar"])
    };
    assert_eq!(
        list(&["query", "customers", "--as-of", MARCH_END]),
        list(&["query", "customers", "--recorded-as-of", MARCH_END]) - correction.amount_minor
    );
}

#[test]
fn a_model_without_back_datable_facts_answers_both_times_alike_and_in_the_past_it_rebuilds() {
    let dir = history();
    let data = dir.path();
    let day = "2026-02-15";
    for model in
        [&["query", "funnel", "--by", "rep"][..], &["query", "leads"], &["query", "events"]]
    {
        let as_of = json(data, &[model, &["--as-of", day]].concat());
        let recorded = json(data, &[model, &["--recorded-as-of", day]].concat());
        assert_eq!(as_of["result"], recorded["result"], "{model:?}");
        assert_eq!(as_of["position"], recorded["position"], "{model:?}");
        let now = json(data, model);
        assert!(as_of["position"].as_u64() < now["position"].as_u64(), "{model:?}: a past day");
    }
    let end = Utc.with_ymd_and_hms(2026, 2, 15, 23, 59, 59).unwrap();
    let store = EventStore::open(data.join("events.db"), StoreOptions::default()).unwrap();
    let counted = store
        .read_all(Position::START, u64::MAX)
        .filter(|event| event.as_ref().unwrap().recorded_at <= end)
        .count();
    let events = json(data, &["query", "events", "--as-of", day]);
    assert_eq!(events["position"].as_u64(), Some(counted as u64));
}

#[test]
fn a_business_date_after_the_last_event_gives_todays_answer_and_leaves_no_rebuild_behind() {
    let dir = history();
    let data = dir.path();
    let now = json(data, &["query", "funnel"]);
    let future = json(data, &["query", "funnel", "--as-of", "2030-01-01"]);
    assert_eq!(future["result"], now["result"]);
    assert_eq!(future["position"], now["position"]);
    let leftovers: Vec<_> = std::fs::read_dir(data)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".as-of-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
