//! The funnel on a generated history, against the generator's ground truth: the same figures
//! counted straight from the log's events, by code that shares nothing with the projection.
//! Also home of [`generated`], the history the leads and stalled checks read too.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::TimeZone;
use ltc_domain::customer::CustomerEvent;
use ltc_domain::lead::LeadEvent;
use ltc_domain::opportunity::OpportunityEvent;
use ltc_eventstore::{EventStore, ManualClock, Position, RecordedEvent, StoreOptions, codec};
use ltc_projections::models::funnel::shared::average;
use ltc_projections::models::funnel::{DateRange, Dimension, funnel};
use ltc_projections::models::period::Period;
use ltc_projections::{ProjectorOptions, ReadModels, RebuildOptions, RebuildScope, RebuildTarget};
use ltc_services::generator::{Scale, generate};
use rusqlite::Connection;
use tempfile::TempDir;
use uuid::Uuid;

/// A generated history (seed 42, small) and every registered read model rebuilt from it.
pub struct Generated {
    pub events: Vec<RecordedEvent>,
    pub conn: Connection,
    _dir: TempDir,
}

pub async fn generated() -> Generated {
    let dir = tempfile::tempdir().expect("a temp dir");
    let start = chrono::Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
    let store = EventStore::open(dir.path().join("events.db"), options).expect("the store opens");
    generate(&store, clock.clone(), 42, Scale::Small).await.expect("the history generates");
    let read_models = ReadModels::open(dir.path().join("read_models"), clock).expect("models");
    let rebuilt = ltc_projections::rebuild(
        &store,
        &read_models,
        ltc_projections::models::all(),
        RebuildOptions {
            target: RebuildTarget::Head,
            scope: RebuildScope::Everything,
            runner: ProjectorOptions { batch_events: 500, ..ProjectorOptions::default() },
            predecoding: Some(ltc_projections::models::decode::PREDECODING),
        },
        &mut |_| {},
    )
    .expect("the read models rebuild");
    read_models.swap_to(rebuilt.generation).expect("the rebuild goes into service");
    let events = store.read_all(Position(1), u64::MAX).map(|event| event.expect("read")).collect();
    let conn = read_models.reader().expect("a reader");
    Generated { events, conn, _dir: dir }
}

pub fn decoded<E: serde::de::DeserializeOwned>(event: &RecordedEvent) -> E {
    codec::decode(event.codec, &event.payload).expect("a stored event decodes")
}

/// What the log says about one opportunity.
#[derive(Default)]
struct Deal {
    quarter: String,
    owner: String,
    region: Option<String>,
    customer: Uuid,
    outcome: Option<(bool, chrono::NaiveDate, i64)>,
    opened_on: Option<chrono::NaiveDate>,
}

/// Deals, won, lost, won amount, Σ cycle days of the won deals.
type Tally = (u64, u64, u64, i64, i64);

#[tokio::test]
async fn funnel_by_rep_and_quarter_agrees_with_the_deals_counted_from_the_log() {
    let history = generated().await;
    let mut deals: BTreeMap<Uuid, Deal> = BTreeMap::new();
    let mut regions: HashMap<Uuid, String> = HashMap::new();
    for event in &history.events {
        match event.stream.kind.as_str() {
            "customer" if event.event_type == "CustomerCreated" => {
                if let CustomerEvent::Created { customer_id, profile, .. } = decoded(event) {
                    regions.insert(customer_id.0, profile.region);
                }
            }
            "opportunity" => {
                let deal = deals.entry(event.stream.id).or_default();
                match decoded::<OpportunityEvent>(event) {
                    OpportunityEvent::Opened { customer_id, ownership, at, .. } => {
                        deal.quarter = Period::Quarter.key(at.date_naive());
                        deal.owner = ownership.owner.0.to_string();
                        deal.customer = customer_id.0;
                        deal.opened_on = Some(at.date_naive());
                    }
                    OpportunityEvent::Won { amount, at, .. } => {
                        deal.outcome = Some((true, at.date_naive(), amount.amount_minor));
                    }
                    OpportunityEvent::Lost { at, .. } => {
                        deal.outcome = Some((false, at.date_naive(), 0));
                    }
                    OpportunityEvent::Reopened { .. } => deal.outcome = None,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    for deal in deals.values_mut() {
        deal.region = regions.get(&deal.customer).cloned();
    }
    assert!(deals.len() >= 5, "the history has deals to check: {}", deals.len());

    // (quarter, rep) → (deals, won, lost, won amount, Σ cycle days).
    let mut expected: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for deal in deals.values() {
        let figures = expected.entry((deal.quarter.clone(), deal.owner.clone())).or_default();
        figures.0 += 1;
        match deal.outcome {
            Some((true, closed_on, amount)) => {
                figures.1 += 1;
                figures.3 += amount;
                figures.4 += (closed_on - deal.opened_on.expect("opened")).num_days();
            }
            Some((false, ..)) => figures.2 += 1,
            None => {}
        }
    }
    let rows = funnel(&history.conn, Period::Quarter, Dimension::Rep, DateRange::ALL).unwrap();
    let mut actual = BTreeMap::new();
    for row in rows.iter().filter(|row| row.opportunities > 0) {
        let won_minor: i64 = row.currencies.iter().map(|money| money.won_minor).sum();
        assert_eq!(row.currencies.len(), 1, "the demo company sells in one currency");
        assert_eq!(
            row.stages[0].reached, row.opportunities,
            "every deal starts in the first stage"
        );
        let figures = expected.get(&(row.period.clone(), row.key.clone())).expect("a known key");
        assert_eq!(row.sales_cycle_days_avg, average(figures.4, figures.1), "{}", row.key);
        actual.insert(
            (row.period.clone(), row.key.clone()),
            (row.opportunities, row.won, row.lost, won_minor, figures.4),
        );
    }
    assert_eq!(actual, expected);
}

#[tokio::test]
async fn every_dimension_splits_the_same_deals_and_region_follows_the_customer() {
    let history = generated().await;
    let mut by_region: BTreeMap<String, u64> = BTreeMap::new();
    let mut customer_regions: HashMap<Uuid, String> = HashMap::new();
    let mut n_deals = 0;
    for event in &history.events {
        if event.event_type == "CustomerCreated"
            && let CustomerEvent::Created { customer_id, profile, .. } = decoded(event)
        {
            customer_regions.insert(customer_id.0, profile.region);
        }
        if event.event_type == "OpportunityOpened"
            && let OpportunityEvent::Opened { customer_id, .. } = decoded(event)
        {
            let region = customer_regions.get(&customer_id.0).cloned();
            *by_region.entry(region.unwrap_or_else(|| "(none)".into())).or_default() += 1;
            n_deals += 1;
        }
    }
    for by in Dimension::ALL {
        let rows = funnel(&history.conn, Period::Month, by, DateRange::ALL).unwrap();
        let total: u64 = rows.iter().map(|row| row.opportunities).sum();
        assert_eq!(total, n_deals, "by {}", by.name());
    }
    let rows = funnel(&history.conn, Period::Quarter, Dimension::Region, DateRange::ALL).unwrap();
    let mut actual: BTreeMap<String, u64> = BTreeMap::new();
    for row in rows {
        *actual.entry(row.key).or_default() += row.opportunities;
    }
    actual.retain(|_, n| *n > 0);
    assert_eq!(actual, by_region);
}

#[tokio::test]
async fn leads_in_the_funnel_are_the_captured_buyers_and_converted_ones_counted_from_the_log() {
    let history = generated().await;
    let mut captured: BTreeMap<Uuid, String> = BTreeMap::new();
    let mut duplicates: HashSet<Uuid> = HashSet::new();
    let mut converted: HashSet<Uuid> = HashSet::new();
    for event in history.events.iter().filter(|event| event.stream.kind.as_str() == "lead") {
        match event.event_type.as_str() {
            "LeadCaptured" => {
                if let LeadEvent::Captured { at, .. } = decoded(event) {
                    captured.insert(event.stream.id, Period::Month.key(at.date_naive()));
                }
            }
            "LeadCapturedAsDuplicate" | "LeadMergedInto" => {
                duplicates.insert(event.stream.id);
            }
            "LeadConverted" => {
                converted.insert(event.stream.id);
            }
            _ => {}
        }
    }
    let mut expected: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (lead, month) in captured.iter().filter(|(lead, _)| !duplicates.contains(lead)) {
        let figures = expected.entry(month.clone()).or_default();
        figures.0 += 1;
        figures.1 += u64::from(converted.contains(lead));
    }
    assert!(!expected.is_empty(), "the history captures leads");
    let rows = funnel(&history.conn, Period::Month, Dimension::Channel, DateRange::ALL).unwrap();
    let mut actual: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for row in rows {
        let figures = actual.entry(row.period).or_default();
        figures.0 += row.leads;
        figures.1 += row.leads_converted;
    }
    actual.retain(|_, figures| figures.0 > 0);
    assert_eq!(actual, expected);
}
