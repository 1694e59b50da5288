//! customer360 against a generated history: every customer's figures, records and timeline
//! agree with what the log itself says, read by replaying each stream through its decider (the
//! aggregates' own rules), never with numbers written into the test.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone};
use ltc_domain::customer::{CustomerDecider, CustomerEvent, CustomerState};
use ltc_domain::decider::Decider;
use ltc_domain::lead::{ConvertTo, LeadEvent};
use ltc_domain::money::{Currency, Money};
use ltc_domain::opportunity::{OpportunityDecider, OpportunityEvent, OpportunityState, Status};
use ltc_domain::order::{OrderDecider, OrderEvent, OrderState};
use ltc_domain::payment::{
    PaymentDecider, PaymentEvent, PaymentState, Receivable, outstanding_as_of, overdue_as_of,
};
use ltc_domain::quote::{QuoteDecider, QuoteEvent, QuoteState};
use ltc_eventstore::{EventStore, ManualClock, Position, RecordedEvent, StoreOptions, codec};
use ltc_projections::models::customer360::{self, Customer360, Customer360Projection};
use ltc_projections::{ProjectorOptions, ReadModels, RebuildOptions, RebuildScope, RebuildTarget};
use ltc_services::generator::{Scale, Summary, generate};
use rusqlite::Connection;
use uuid::Uuid;

const SEED: u64 = 42;

/// The generated log and customer360 rebuilt from it.
struct World {
    _dir: tempfile::TempDir,
    summary: Summary,
    events: Vec<RecordedEvent>,
    conn: Connection,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("a temp dir");
    let start = chrono::Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
    let store = EventStore::open(dir.path().join("events.db"), options).expect("the store opens");
    let summary = generate(&store, clock.clone(), SEED, Scale::Small).await.expect("a history");
    let read_models = ReadModels::open(dir.path().join("read_models"), clock).expect("models");
    let rebuilt = ltc_projections::rebuild(
        &store,
        &read_models,
        vec![Box::new(Customer360Projection::default())],
        RebuildOptions {
            target: RebuildTarget::Head,
            scope: RebuildScope::Everything,
            runner: ProjectorOptions { batch_events: 500, ..ProjectorOptions::default() },
            predecoding: Some(ltc_projections::models::decode::PREDECODING),
        },
        &mut |_| {},
    )
    .expect("customer360 builds from the log");
    let conn = rebuilt.reader().expect("a reader");
    let events = store.read_all(Position::START, u64::MAX).map(|event| event.unwrap()).collect();
    World { _dir: dir, summary, events, conn }
}

/// Every stream replayed through its decider, and which customer each belongs to.
#[derive(Default)]
struct Truth {
    customers: BTreeMap<Uuid, CustomerState>,
    opportunities: Vec<(Uuid, OpportunityState)>,
    quotes: Vec<(Uuid, QuoteState)>,
    orders: Vec<(Uuid, OrderState)>,
    receivables: Vec<Receivable>,
    /// Stream → the customer whose timeline its events join.
    owner_of: HashMap<Uuid, Uuid>,
    /// Converted lead → its customer; merged duplicate → its survivor.
    converted: HashMap<Uuid, Uuid>,
    merged_into: HashMap<Uuid, Uuid>,
}

fn decode<E: serde::de::DeserializeOwned>(event: &RecordedEvent) -> E {
    codec::decode(event.codec, &event.payload).expect("every event decodes")
}

fn truth(events: &[RecordedEvent]) -> Truth {
    let mut streams: BTreeMap<(String, Uuid), Vec<&RecordedEvent>> = BTreeMap::new();
    for event in events {
        streams
            .entry((event.stream.kind.as_str().to_owned(), event.stream.id))
            .or_default()
            .push(event);
    }
    let mut truth = Truth::default();
    for ((kind, id), stream) in &streams {
        let id = *id;
        match kind.as_str() {
            "customer" => {
                let decoded: Vec<CustomerEvent> = stream.iter().map(|e| decode(e)).collect();
                truth.customers.insert(id, CustomerDecider::replay(&decoded));
                truth.owner_of.insert(id, id);
            }
            "lead" => {
                for event in stream.iter().map(|e| decode::<LeadEvent>(e)) {
                    match event {
                        LeadEvent::Converted {
                            customer:
                                ConvertTo::NewCustomer(customer) | ConvertTo::ExistingCustomer(customer),
                            ..
                        } => _ = truth.converted.insert(id, customer.0),
                        LeadEvent::MergedInto { survivor, .. } => {
                            _ = truth.merged_into.insert(id, survivor.0)
                        }
                        _ => {}
                    }
                }
            }
            "opportunity" => {
                let decoded: Vec<OpportunityEvent> = stream.iter().map(|e| decode(e)).collect();
                let state = OpportunityDecider::replay(&decoded);
                if let OpportunityState::Opened(opportunity) = &state {
                    truth.owner_of.insert(id, opportunity.customer_id.0);
                }
                truth.opportunities.push((id, state));
            }
            "quote" => {
                let decoded: Vec<QuoteEvent> = stream.iter().map(|e| decode(e)).collect();
                let state = QuoteDecider::replay(&decoded);
                if let QuoteState::Created(quote) = &state {
                    truth.owner_of.insert(id, quote.customer_id.0);
                }
                truth.quotes.push((id, state));
            }
            "order" => {
                let decoded: Vec<OrderEvent> = stream.iter().map(|e| decode(e)).collect();
                let state = OrderDecider::replay(&decoded);
                if let OrderState::Placed(order) = &state {
                    truth.owner_of.insert(id, order.customer_id.0);
                }
                truth.orders.push((id, state));
            }
            "payment" => {
                let decoded: Vec<PaymentEvent> = stream.iter().map(|e| decode(e)).collect();
                if let PaymentState::Opened(receivable) = PaymentDecider::replay(&decoded) {
                    truth.owner_of.insert(id, receivable.customer_id.0);
                    truth.receivables.push(receivable);
                }
            }
            _ => {}
        }
    }
    // A lead joins the customer it converted into, or (merged) the one its survivor did.
    let leads: Vec<Uuid> =
        truth.converted.keys().chain(truth.merged_into.keys()).copied().collect();
    for lead in leads {
        let mut at = lead;
        let mut hops = 0;
        while let Some(survivor) = truth.merged_into.get(&at) {
            at = *survivor;
            hops += 1;
            assert!(hops < 100, "a merge cycle at lead {lead}");
        }
        if let Some(customer) = truth.converted.get(&at) {
            truth.owner_of.insert(lead, *customer);
        }
    }
    truth
}

fn per_currency(amounts: impl IntoIterator<Item = Money>) -> Vec<Money> {
    let mut totals: BTreeMap<Currency, i64> = BTreeMap::new();
    for amount in amounts {
        *totals.entry(amount.currency).or_default() += amount.amount_minor;
    }
    totals.into_iter().filter(|(_, t)| *t != 0).map(|(c, t)| Money::new(t, c)).collect()
}

fn view(world: &World, customer: Uuid, as_of: NaiveDate) -> Customer360 {
    customer360::customer(&world.conn, customer, as_of)
        .expect("the query runs")
        .unwrap_or_else(|| panic!("customer {customer} is in the read model"))
}

#[tokio::test]
async fn every_customer_of_the_log_is_listed_with_its_open_pipeline_and_open_ar() {
    let world = world().await;
    let truth = truth(&world.events);
    let listed = customer360::list(&world.conn).expect("the list");
    let ids: BTreeSet<Uuid> = listed.iter().map(|row| row.customer_id).collect();
    assert_eq!(ids, truth.customers.keys().copied().collect::<BTreeSet<_>>());
    assert_eq!(listed.len() as u64, world.summary.customers);
    for row in &listed {
        let pipeline = truth.opportunities.iter().filter_map(|(_, state)| match state {
            OpportunityState::Opened(o)
                if o.customer_id.0 == row.customer_id && o.status == Status::Open =>
            {
                Some(o.amount)
            }
            _ => None,
        });
        assert_eq!(row.open_pipeline, per_currency(pipeline), "{}", row.name);
        let open_ar = truth
            .receivables
            .iter()
            .filter(|r| r.customer_id.0 == row.customer_id)
            .map(|r| outstanding_as_of(r, NaiveDate::MAX));
        assert_eq!(row.open_ar, per_currency(open_ar), "{}", row.name);
    }
}

#[tokio::test]
async fn each_customers_money_as_of_the_last_day_is_what_its_receivables_say() {
    let world = world().await;
    let truth = truth(&world.events);
    let end = world.summary.end;
    let (mut open_ar_total, mut overdue_total, mut ltv_total) = (0, 0, 0);
    for &customer in truth.customers.keys() {
        let view = view(&world, customer, end);
        let receivables: Vec<&Receivable> = truth
            .receivables
            .iter()
            .filter(|r| r.customer_id.0 == customer && r.opened_at.date_naive() <= end)
            .collect();
        let open_ar = per_currency(receivables.iter().map(|r| outstanding_as_of(r, end)));
        let overdue = per_currency(receivables.iter().map(|r| overdue_as_of(r, end)));
        let received =
            receivables.iter().flat_map(|r| &r.receipts).filter(|p| p.received_on <= end);
        let refunded = receivables.iter().flat_map(|r| &r.refunds).filter(|p| p.refunded_on <= end);
        let lifetime_value = per_currency(
            received
                .map(|p| p.amount)
                .chain(refunded.map(|p| Money::new(-p.amount.amount_minor, p.amount.currency))),
        );
        assert_eq!(view.figures.open_ar, open_ar, "open AR of {}", view.profile.name);
        assert_eq!(view.figures.overdue, overdue, "overdue of {}", view.profile.name);
        assert_eq!(view.figures.lifetime_value, lifetime_value, "LTV of {}", view.profile.name);
        assert_eq!(view.receivables.len(), receivables.len());
        for row in &view.receivables {
            let receivable = receivables.iter().find(|r| r.id.0 == row.receivable_id).unwrap();
            assert_eq!(row.outstanding, outstanding_as_of(receivable, end));
            assert_eq!(row.overdue, overdue_as_of(receivable, end));
            assert_eq!(row.total, receivable.total);
            assert_eq!(row.credited, receivable.credited);
            assert_eq!(row.written_off, receivable.written_off);
        }
        open_ar_total += view.figures.open_ar.iter().map(|m| m.amount_minor).sum::<i64>();
        overdue_total += view.figures.overdue.iter().map(|m| m.amount_minor).sum::<i64>();
        ltv_total += view.figures.lifetime_value.iter().map(|m| m.amount_minor).sum::<i64>();
    }
    let summary = &world.summary;
    assert_eq!(open_ar_total, summary.outstanding.amount_minor, "the generator's outstanding");
    assert_eq!(overdue_total, summary.overdue.amount_minor, "the generator's overdue");
    assert_eq!(
        ltv_total,
        summary.cash_received.amount_minor - summary.refunded.amount_minor,
        "the generator's cash received less refunds"
    );
    assert!(open_ar_total > 0 && ltv_total > 0, "the history has money in it: {summary:?}");
}

#[tokio::test]
async fn each_customers_records_match_its_replayed_streams() {
    let world = world().await;
    let truth = truth(&world.events);
    let end = world.summary.end;
    for (&customer, state) in &truth.customers {
        let CustomerState::Created(expected) = state else { panic!("customer {customer}") };
        let view = view(&world, customer, end);
        assert_eq!(view.profile.name, expected.name);
        assert_eq!(view.profile.owner_id, expected.ownership.owner.0);
        assert_eq!(view.profile.credit_limit, expected.credit_limit);
        assert_eq!(view.tags, expected.tags.iter().cloned().collect::<Vec<_>>());
        let contacts: BTreeSet<Uuid> = expected.contacts.iter().map(|(id, _)| id.0).collect();
        assert_eq!(view.contacts.iter().map(|c| c.contact_id).collect::<BTreeSet<_>>(), contacts);
        let leads: BTreeSet<Uuid> =
            truth.converted.iter().filter(|(_, c)| **c == customer).map(|(l, _)| *l).collect();
        assert_eq!(view.leads.iter().map(|lead| lead.lead_id).collect::<BTreeSet<_>>(), leads);
        for row in &view.opportunities {
            let (_, OpportunityState::Opened(o)) =
                truth.opportunities.iter().find(|(id, _)| *id == row.opportunity_id).unwrap()
            else {
                panic!("an opened opportunity")
            };
            assert_eq!(o.customer_id.0, customer);
            assert_eq!((row.amount, &row.stage), (o.amount, &o.current_stage().stage.0));
            assert_eq!(row.status, format!("{:?}", o.status).to_lowercase());
        }
        for row in &view.quotes {
            let (_, QuoteState::Created(q)) =
                truth.quotes.iter().find(|(id, _)| *id == row.quote_id).unwrap()
            else {
                panic!("a created quote")
            };
            let current = q.current();
            assert_eq!((row.version, row.total), (current.number, current.total));
            if current.is_expired_on(end) {
                assert_eq!(row.status, "expired");
            } else {
                let status = format!("{:?}", current.status);
                assert_eq!(row.status.replace('_', ""), status.to_lowercase());
            }
        }
        for row in &view.orders {
            let (_, OrderState::Placed(o)) =
                truth.orders.iter().find(|(id, _)| *id == row.order_id).unwrap()
            else {
                panic!("a placed order")
            };
            assert_eq!(row.status, o.status());
            assert_eq!(row.fulfilled_bps, o.percent_fulfilled_bps().0);
            assert_eq!(row.invoiced_bps, o.percent_invoiced_bps().0);
            assert_eq!(row.invoiced, o.invoiced);
        }
        let count = |kind: &str| {
            truth
                .owner_of
                .iter()
                .filter(|(stream, owner)| {
                    **owner == customer
                        && world
                            .events
                            .iter()
                            .any(|e| e.stream.id == **stream && e.stream.kind.as_str() == kind)
                })
                .count()
        };
        assert_eq!(view.opportunities.len(), count("opportunity"));
        assert_eq!(view.quotes.len(), count("quote"));
        assert_eq!(view.orders.len(), count("order"));
    }
}

#[tokio::test]
async fn the_timeline_holds_every_event_of_the_customers_streams_once_in_time_order() {
    let world = world().await;
    let truth = truth(&world.events);
    let mut n_lines = 0;
    for &customer in truth.customers.keys() {
        // Business time to the second, then log order.
        let mut expected: Vec<(i64, u64)> = world
            .events
            .iter()
            .filter(|event| truth.owner_of.get(&event.stream.id) == Some(&customer))
            .map(|event| (event.occurred_at.timestamp(), event.position.0))
            .collect();
        expected.sort_unstable();
        let expected: Vec<u64> = expected.into_iter().map(|(_, position)| position).collect();
        let timeline =
            customer360::timeline(&world.conn, customer, customer360::TIMELINE_LIMIT_MAX)
                .expect("the timeline");
        let positions: Vec<u64> = timeline.iter().map(|entry| entry.position).collect();
        assert_eq!(positions, expected, "customer {customer}");
        assert!(timeline.iter().all(|entry| !entry.text.is_empty()));
        let last = view(&world, customer, world.summary.end).figures.last_activity;
        assert_eq!(last, timeline.last().map(|entry| entry.occurred_at));
        n_lines += timeline.len();
    }
    assert!(n_lines > 0);
    let story = customer360::timeline(&world.conn, world.summary.story_customer.0, 5).unwrap();
    assert_eq!(story.len(), 5, "the limit keeps the latest lines");
}
