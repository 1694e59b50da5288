//! The generator against a real SQLite store in a temporary directory: the same seed gives the
//! same log, every stream replays through its decider, money is conserved, the summary agrees
//! with the log, and the process managers do their part.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::TimeZone;
use ltc_domain::customer::{CustomerDecider, CustomerEvent};
use ltc_domain::decider::Decider;
use ltc_domain::opportunity::{OpportunityDecider, OpportunityEvent, OpportunityState};
use ltc_domain::order::{OrderDecider, OrderEvent, OrderState};
use ltc_domain::payment::{PaymentDecider, PaymentEvent, PaymentState};
use ltc_domain::quote::{QuoteDecider, QuoteEvent, QuoteState};
use ltc_eventstore::{EventStore, ManualClock, Position, RecordedEvent, StoreOptions, codec};

use super::{Scale, Summary, generate};

async fn generated(seed: u64) -> (tempfile::TempDir, EventStore, Summary) {
    let dir = tempfile::tempdir().unwrap();
    let start = chrono::Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
    let store = EventStore::open(dir.path().join("events.db"), options).unwrap();
    let summary = generate(&store, clock, seed, Scale::Small).await.unwrap();
    (dir, store, summary)
}

fn all_events(store: &EventStore) -> Vec<RecordedEvent> {
    store.read_all(Position::START, u64::MAX).map(Result::unwrap).collect()
}

fn decode<E: serde::de::DeserializeOwned>(event: &RecordedEvent) -> E {
    codec::decode(event.codec, &event.payload).unwrap()
}

#[tokio::test]
async fn the_same_seed_gives_the_same_log_and_another_seed_another() {
    let (_a, first, summary) = generated(7).await;
    let (_b, second, again) = generated(7).await;
    assert!(summary.head_position > 200, "a small history still has substance: {summary:?}");
    assert_eq!(summary, again);
    assert_eq!(first.head(), second.head());
    let (_c, _other, different) = generated(8).await;
    assert_ne!(different.head_hash, summary.head_hash);
}

#[tokio::test]
async fn the_log_is_intact_and_every_stream_replays_through_its_decider() {
    let (_dir, store, summary) = generated(11).await;
    let report = store.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.events_checked, summary.head_position);
    let mut streams: BTreeMap<(String, uuid::Uuid), Vec<RecordedEvent>> = BTreeMap::new();
    for event in all_events(&store) {
        streams
            .entry((event.stream.kind.as_str().to_owned(), event.stream.id))
            .or_default()
            .push(event);
    }
    let mut kinds = HashSet::new();
    for ((kind, id), events) in &streams {
        kinds.insert(kind.clone());
        let versions: Vec<u64> = events.iter().map(|event| event.version).collect();
        assert_eq!(versions, (1..=events.len() as u64).collect::<Vec<_>>(), "{kind}-{id}");
        match kind.as_str() {
            "customer" => {
                let events: Vec<CustomerEvent> = events.iter().map(decode).collect();
                assert!(CustomerDecider::replay(&events) != Default::default());
            }
            "opportunity" => {
                let events: Vec<OpportunityEvent> = events.iter().map(decode).collect();
                assert!(matches!(OpportunityDecider::replay(&events), OpportunityState::Opened(_)));
            }
            "quote" => {
                let events: Vec<QuoteEvent> = events.iter().map(decode).collect();
                assert!(matches!(QuoteDecider::replay(&events), QuoteState::Created(_)));
            }
            "order" => {
                let events: Vec<OrderEvent> = events.iter().map(decode).collect();
                assert!(matches!(OrderDecider::replay(&events), OrderState::Placed(_)));
            }
            "payment" => {
                let events: Vec<PaymentEvent> = events.iter().map(decode).collect();
                assert!(matches!(PaymentDecider::replay(&events), PaymentState::Opened(_)));
            }
            other => panic!("unexpected stream kind {other}"),
        }
    }
    let expected = ["customer", "opportunity", "quote", "order", "payment"];
    assert_eq!(kinds, expected.iter().map(|kind| kind.to_string()).collect());
}

#[tokio::test]
async fn every_receipt_is_allocated_kept_as_credit_or_refunded() {
    let (_dir, store, summary) = generated(3).await;
    let mut payments: BTreeMap<uuid::Uuid, Vec<PaymentEvent>> = BTreeMap::new();
    let (mut received, mut allocated, mut refunded) = (0_i64, 0_i64, 0_i64);
    for event in all_events(&store).iter().filter(|event| event.stream.kind.as_str() == "payment") {
        let payment: PaymentEvent = decode(event);
        match &payment {
            PaymentEvent::PaymentReceived { amount, allocations, credit, .. } => {
                let parts: i64 = allocations.iter().map(|part| part.amount.amount_minor).sum();
                assert_eq!(amount.amount_minor, parts + credit.amount_minor);
                received += amount.amount_minor;
                allocated += parts;
            }
            PaymentEvent::CreditRefunded { amount, .. } => refunded += amount.amount_minor,
            _ => {}
        }
        payments.entry(event.stream.id).or_default().push(payment);
    }
    let mut credit = 0;
    for events in payments.values() {
        let PaymentState::Opened(receivable) = PaymentDecider::replay(events) else {
            panic!("every payment stream opens a receivable")
        };
        assert_eq!(
            receivable.received(),
            receivable
                .allocated()
                .checked_add(receivable.credit_balance)
                .unwrap()
                .checked_add(receivable.refunded)
                .unwrap()
        );
        credit += receivable.credit_balance.amount_minor;
    }
    assert!(received > 0, "some customers paid");
    assert_eq!(received, allocated + credit + refunded);
    assert_eq!(received, summary.cash_received.amount_minor);
    assert_eq!(refunded, summary.refunded.amount_minor);
}

#[tokio::test]
async fn the_summary_counts_what_the_log_holds() {
    let (_dir, store, summary) = generated(5).await;
    let events = all_events(&store);
    let count = |event_type: &str| {
        events.iter().filter(|event| event.event_type == event_type).count() as u64
    };
    let sum = |event_type: &str, amount: &dyn Fn(&RecordedEvent) -> i64| -> i64 {
        events.iter().filter(|event| event.event_type == event_type).map(amount).sum()
    };
    assert_eq!(summary.customers, count("CustomerCreated"));
    let opened = count("OpportunityOpened");
    assert_eq!(summary.opportunities_won, count("OpportunityWon"));
    assert_eq!(summary.opportunities_lost, count("OpportunityLost"));
    assert_eq!(
        summary.opportunities_open,
        opened - count("OpportunityWon") - count("OpportunityLost")
    );
    assert_eq!(summary.quotes, count("QuoteCreated"));
    let approvals: HashSet<uuid::Uuid> = events
        .iter()
        .filter(|event| event.event_type == "QuoteSubmittedForApproval")
        .map(|event| event.stream.id)
        .collect();
    assert_eq!(summary.quotes_needing_approval, approvals.len() as u64);
    assert_eq!(summary.orders, count("OrderPlaced"));
    assert_eq!(summary.orders_paid, count("OrderPaid"));
    assert_eq!(summary.invoices, count("OrderInvoiced"));
    assert_eq!(summary.follow_ups, count("OpportunityFollowUpScheduled"));
    assert_eq!(summary.follow_ups_done, count("OpportunityFollowUpCompleted"));
    let invoiced = sum("OrderInvoiced", &|event| match decode::<OrderEvent>(event) {
        OrderEvent::Invoiced { amount, .. } => amount.amount_minor,
        _ => 0,
    });
    assert_eq!(summary.invoiced.amount_minor, invoiced);
    let received = sum("PaymentReceived", &|event| match decode::<PaymentEvent>(event) {
        PaymentEvent::PaymentReceived { amount, .. } => amount.amount_minor,
        _ => 0,
    });
    assert_eq!(summary.cash_received.amount_minor, received);
    let written_off = sum("ReceivableWrittenOff", &|event| match decode::<PaymentEvent>(event) {
        PaymentEvent::WrittenOff { amount, .. } => amount.amount_minor,
        _ => 0,
    });
    assert_eq!(summary.written_off.amount_minor, written_off);
    assert!(summary.opportunities_won > 0 && summary.opportunities_lost > 0, "{summary:?}");
    assert!(summary.overdue.amount_minor <= summary.outstanding.amount_minor);
}

#[tokio::test]
async fn the_story_follows_one_customer_from_opportunity_to_cash() {
    let (_dir, store, summary) = generated(7).await;
    let lines =
        super::story::story(&store, summary.story_customer, summary.story_opportunity).unwrap();
    let text = lines.join("\n");
    for step in [
        "customer ",
        "opportunity \"",
        "quote v1 priced",
        "WON",
        "order placed",
        "invoiced",
        "payment of",
    ] {
        assert!(text.contains(step), "{step} missing from\n{text}");
    }
}

#[tokio::test]
async fn process_managers_place_every_order_record_payments_and_follow_up_every_stage_change() {
    let (_dir, store, summary) = generated(7).await;
    let events = all_events(&store);
    let by_id: HashMap<uuid::Uuid, &RecordedEvent> =
        events.iter().map(|event| (event.event_id.0, event)).collect();
    let cause_of = |event: &RecordedEvent| -> String {
        let cause = event.metadata.causation_id.expect("a process manager names the cause");
        by_id[&cause].event_type.clone()
    };
    let of_type = |event_type: &'static str| {
        events.iter().filter(move |event| event.event_type == event_type)
    };
    for placed in of_type("OrderPlaced") {
        assert_eq!(cause_of(placed), "QuoteAccepted");
    }
    for paid in of_type("OrderPaid") {
        let cause = cause_of(paid);
        let triggers = ["ReceivableSettled", "OrderInvoiced", "OrderLinesCancelled"];
        assert!(triggers.contains(&cause.as_str()), "an order paid on {cause}");
    }
    assert!(summary.orders_paid > 0, "three months see some orders paid: {summary:?}");
    let stage_changes =
        of_type("OpportunityStageMoved").count() + of_type("OpportunityReopened").count();
    assert_eq!(of_type("OpportunityFollowUpScheduled").count(), stage_changes);
    assert!(summary.follow_ups_done > 0 && summary.follow_ups_done < summary.follow_ups);
}
