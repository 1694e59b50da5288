//! The generator against a real SQLite store in a temporary directory: the same seed gives the
//! same log, every stream replays through its decider, money is conserved, the summary agrees
//! with the log, the process managers do their part, and leads arrive, duplicate and convert as a
//! sales team sees them do.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::TimeZone;
use ltc_domain::customer::{CustomerDecider, CustomerEvent, Origin};
use ltc_domain::decider::Decider;
use ltc_domain::lead::normalize::normalize_company_name;
use ltc_domain::lead::{Channel, LeadDecider, LeadEvent, LeadState};
use ltc_domain::opportunity::{OpportunityDecider, OpportunityEvent, OpportunityState};
use ltc_domain::order::{OrderDecider, OrderEvent, OrderState};
use ltc_domain::payment::{PaymentDecider, PaymentEvent, PaymentState};
use ltc_domain::quota::{QuotaDecider, QuotaEvent, QuotaState};
use ltc_domain::quote::{QuoteDecider, QuoteEvent, QuoteState};
use ltc_eventstore::{
    EventStore, ManualClock, Position, RecordedEvent, StoreOptions, StreamId, codec,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{Scale, Summary, generate_with_ids};
use crate::client_ids::ClientIds;

async fn generated(seed: u64) -> (tempfile::TempDir, EventStore, Summary) {
    generated_with(seed, ClientIds::Random).await
}

async fn generated_with(seed: u64, ids: ClientIds) -> (tempfile::TempDir, EventStore, Summary) {
    let dir = tempfile::tempdir().unwrap();
    let start = chrono::Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
    let store = EventStore::open(dir.path().join("events.db"), options).unwrap();
    let summary = generate_with_ids(&store, clock, seed, Scale::Small, ids).await.unwrap();
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
async fn uuidv7_ids_tell_the_same_story_with_each_id_drawn_at_its_simulated_moment() {
    let (_a, random, _) = generated_with(7, ClientIds::Random).await;
    let (_b, v7, _) = generated_with(7, ClientIds::V7).await;
    let story = |events: &[RecordedEvent]| -> Vec<(String, String, u64)> {
        let types = events
            .iter()
            .map(|e| (e.stream.kind.as_str().to_owned(), e.event_type.clone(), e.version));
        types.collect()
    };
    let (random, v7) = (all_events(&random), all_events(&v7));
    assert_eq!(story(&random), story(&v7), "the same events, in the same order");

    // Each record a client names (orders, receivables and quotas are named by ltc from their
    // causes) is a UUIDv7 of the simulated moment its id was drawn: at or before its first
    // event, and spread over the history rather than all at its start.
    let named_by_clients = ["lead", "customer", "opportunity", "quote"];
    let first_events: Vec<&RecordedEvent> = v7
        .iter()
        .filter(|e| e.version == 1 && named_by_clients.contains(&e.stream.kind.as_str()))
        .collect();
    assert!(first_events.len() > 100, "{} records", first_events.len());
    let version = |e: &RecordedEvent| e.stream.id.get_version();
    assert!(first_events.iter().all(|e| version(e) == Some(uuid::Version::SortRand)));
    let drawn_at_ms = |e: &RecordedEvent| {
        let (seconds, nanos) = e.stream.id.get_timestamp().unwrap().to_unix();
        seconds as i64 * 1000 + i64::from(nanos / 1_000_000)
    };
    assert!(first_events.iter().all(|e| drawn_at_ms(e) <= e.recorded_at.timestamp_millis()));
    let days: HashSet<i64> = first_events.iter().map(|e| drawn_at_ms(e) / 86_400_000).collect();
    assert!(days.len() > 30, "ids drawn on {} days", days.len());

    // The people keep the ids the user table is written with (the process managers act as
    // the system user, which is in no table).
    let mut users: HashSet<_> = super::users(7).into_iter().map(|user| user.id.0).collect();
    users.insert(crate::process::SYSTEM_USER.0);
    let user_of = |actor: &str| actor.rsplit(':').next()?.parse::<uuid::Uuid>().ok();
    let actors: HashSet<_> = v7.iter().filter_map(|e| user_of(&e.metadata.actor)).collect();
    assert!(!actors.is_empty() && actors.is_subset(&users), "{actors:?} not all in {users:?}");
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
            "lead" => {
                let events: Vec<LeadEvent> = events.iter().map(decode).collect();
                assert!(matches!(LeadDecider::replay(&events), LeadState::Captured(_)));
            }
            "quota" => {
                let events: Vec<QuotaEvent> = events.iter().map(decode).collect();
                assert!(matches!(QuotaDecider::replay(&events), QuotaState::Set(_)));
            }
            other => panic!("unexpected stream kind {other}"),
        }
    }
    let expected = ["lead", "customer", "opportunity", "quote", "order", "payment", "quota"];
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
    let leads = &summary.leads;
    assert_eq!(leads.captured, count("LeadCaptured"));
    assert_eq!(leads.duplicates, count("LeadCapturedAsDuplicate"));
    assert_eq!(leads.merged, count("LeadMergedInto"));
    assert_eq!(leads.qualified, count("LeadQualified"));
    assert_eq!(leads.disqualified, count("LeadDisqualified"));
    assert_eq!(leads.converted, count("LeadConverted"));
    let by_channel =
        |field: fn(&super::ChannelCount) -> u64| leads.by_channel.iter().map(field).sum::<u64>();
    assert_eq!(by_channel(|count| count.captured), leads.captured);
    assert_eq!(by_channel(|count| count.converted), leads.converted);
}

#[tokio::test]
async fn a_tenth_to_a_quarter_of_new_leads_convert_into_customers_whose_deals_move_on() {
    let (_dir, store, summary) = generated(5).await;
    let events = all_events(&store);
    let new_leads = summary.leads.captured - summary.leads.duplicates;
    let share_bps = summary.leads.converted * 10_000 / new_leads;
    assert!((1_000..=2_500).contains(&share_bps), "{share_bps} bps of {new_leads} new leads");
    let mut converted = HashSet::new();
    let mut from_leads = HashSet::new();
    let mut moved = HashSet::new();
    for event in &events {
        match event.stream.kind.as_str() {
            "lead" => {
                if let LeadEvent::Converted { opportunity_id, .. } = decode(event) {
                    converted.insert((event.stream.id, opportunity_id.0));
                }
            }
            "customer" => {
                if let CustomerEvent::Created { origin: Origin::ConvertedLead(lead), .. } =
                    decode(event)
                {
                    from_leads.insert(lead.0);
                }
            }
            "opportunity" => {
                if let OpportunityEvent::StageMoved { .. } = decode(event) {
                    moved.insert(event.stream.id);
                }
            }
            _ => {}
        }
    }
    assert_eq!(converted.len() as u64, summary.leads.converted);
    for (lead, opportunity) in &converted {
        assert!(from_leads.contains(lead), "lead {lead} converted without a customer");
        let opened = StreamId::new("opportunity", *opportunity).unwrap();
        assert!(!store.read_stream(&opened, 1).unwrap().is_empty(), "no opportunity {opportunity}");
    }
    let moving = converted.iter().filter(|(_, opportunity)| moved.contains(opportunity)).count();
    assert!(moving * 2 >= converted.len(), "{moving} of {} converted deals moved", converted.len());
}

#[tokio::test]
async fn every_duplicate_shares_a_normalised_key_with_the_open_lead_it_duplicates() {
    let (_dir, store, summary) = generated(7).await;
    let mut captured = BTreeMap::new();
    let mut duplicates = Vec::new();
    for event in all_events(&store).iter().filter(|event| event.stream.kind.as_str() == "lead") {
        match decode::<LeadEvent>(event) {
            LeadEvent::Captured { contact, company, .. } => {
                let name = company.name.as_deref().map(normalize_company_name);
                captured
                    .insert(event.stream.id, (contact.email, contact.phone, company.domain, name));
            }
            LeadEvent::CapturedAsDuplicate { survivor } => {
                duplicates.push((event.stream.id, survivor.0));
            }
            _ => {}
        }
    }
    assert!(!duplicates.is_empty(), "{summary:?}");
    for (duplicate, survivor) in duplicates {
        let (dup, first) = (&captured[&duplicate], &captured[&survivor]);
        let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
        let shared = same(&dup.0, &first.0)
            || same(&dup.1, &first.1)
            || (same(&dup.2, &first.2) && same(&dup.3, &first.3));
        assert!(shared, "{dup:?} duplicates {first:?} on no key");
    }
}

#[test]
fn web_forms_and_email_bring_most_leads_and_referrals_the_fewest_but_convert_best() {
    use super::leads::{Fate, draw_channel, draw_fate};
    let mut rng = StdRng::seed_from_u64(1);
    let (mut arrivals, mut converts) = (BTreeMap::new(), BTreeMap::new());
    for _ in 0..20_000 {
        let channel = draw_channel(&mut rng);
        *arrivals.entry(format!("{channel:?}")).or_insert(0_u32) += 1;
        if draw_fate(&mut rng, channel) == Fate::Convert {
            *converts.entry(format!("{channel:?}")).or_insert(0_u32) += 1;
        }
    }
    let share = |channel: Channel| arrivals[&format!("{channel:?}")];
    let rate = |channel: Channel| {
        converts.get(&format!("{channel:?}")).copied().unwrap_or(0) * 1_000 / share(channel)
    };
    let mut by_arrivals: Vec<(u32, String)> =
        arrivals.iter().map(|(channel, n)| (*n, channel.clone())).collect();
    by_arrivals.sort();
    let top: Vec<&str> = by_arrivals.iter().rev().take(2).map(|(_, c)| c.as_str()).collect();
    assert_eq!(top, ["WebForm", "Email"]);
    assert_eq!(by_arrivals[0].1, "Referral", "{by_arrivals:?}");
    let best = [Channel::Event, Channel::WebForm, Channel::Email, Channel::Social, Channel::Import]
        .map(rate);
    assert!(best.iter().all(|&other| rate(Channel::Referral) > other), "{best:?}");
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

#[tokio::test]
async fn no_opportunity_of_any_generated_history_has_two_accepted_quotes() {
    for seed in [3, 5, 9] {
        let (_dir, store, _summary) = generated(seed).await;
        let mut accepted = std::collections::HashMap::new();
        for event in all_events(&store).iter().filter(|event| event.event_type == "QuoteAccepted") {
            let QuoteEvent::Accepted { opportunity_id, .. } = decode(event) else {
                unreachable!("a QuoteAccepted event decodes as Accepted")
            };
            let earlier = accepted.insert(opportunity_id, event.stream.id);
            assert_eq!(earlier, None, "seed {seed}: {opportunity_id} accepted a second quote");
        }
        assert!(!accepted.is_empty(), "seed {seed} accepts some quotes");
    }
}
