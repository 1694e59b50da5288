//! The collections read model against the log of a generated history: aging, outstanding and
//! DSO as the domain's own `payment::aging` computes them from each receivable replayed, and
//! per-month flows as the payment events sum up.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
use ltc_domain::decider::Decider;
use ltc_domain::payment::{PaymentDecider, PaymentEvent, PaymentState, Receivable, aging_as_of};
use ltc_eventstore::{EventStore, ManualClock, Position, RecordedEvent, StoreOptions, codec};
use ltc_projections::models::collections::{Collections, aging, collections, dso};
use ltc_projections::models::period::Period;
use ltc_projections::{
    Projection, ProjectorOptions, ReadModels, RebuildOptions, RebuildScope, RebuildTarget, rebuild,
};
use ltc_services::generator::{Scale, Summary, generate};
use rusqlite::Connection;
use tempfile::TempDir;

const SEED: u64 = 7;

/// A generated history, its summary, and a read-model file with `projection` built from it.
pub struct Generated {
    pub store: EventStore,
    pub summary: Summary,
    pub clock: Arc<ManualClock>,
    pub dir: TempDir,
}

impl Generated {
    pub async fn new(seed: u64) -> Generated {
        let dir = tempfile::tempdir().expect("a temp dir");
        let start = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
        let store = EventStore::open(dir.path().join("events.db"), options).expect("the store");
        let summary =
            generate(&store, clock.clone(), seed, Scale::Small).await.expect("the history");
        Generated { store, summary, clock, dir }
    }

    /// `projection` rebuilt from the whole log, as a read-only connection.
    pub fn read_model(&self, projection: Box<dyn Projection>) -> Connection {
        let read_models = ReadModels::open(self.dir.path().join("read_models"), self.clock.clone())
            .expect("read models");
        let options = RebuildOptions {
            target: RebuildTarget::Head,
            scope: RebuildScope::Everything,
            runner: ProjectorOptions { batch_events: 1_000, ..ProjectorOptions::default() },
            predecoding: Some(ltc_projections::models::decode::PREDECODING),
        };
        let rebuilt = rebuild(&self.store, &read_models, vec![projection], options, &mut |_| {})
            .expect("the rebuild");
        rebuilt.reader().expect("a reader")
    }

    pub fn events_of(&self, kind: &str) -> Vec<RecordedEvent> {
        self.store
            .read_all(Position::START, u64::MAX)
            .map(|event| event.expect("the log reads"))
            .filter(|event| event.stream.kind.as_str() == kind)
            .collect()
    }
}

/// Every receivable of the log, replayed with the domain's decider, with its invoice date.
fn receivables(generated: &Generated) -> Vec<(NaiveDate, Receivable)> {
    let mut streams: BTreeMap<uuid::Uuid, Vec<PaymentEvent>> = BTreeMap::new();
    for event in generated.events_of("payment") {
        let decoded = codec::decode(event.codec, &event.payload).expect("a payment event");
        streams.entry(event.stream.id).or_default().push(decoded);
    }
    streams
        .into_values()
        .map(|events| match PaymentDecider::replay(&events) {
            PaymentState::Opened(receivable) => (receivable.opened_at.date_naive(), receivable),
            PaymentState::NotOpened => panic!("a payment stream that never opened"),
        })
        .collect()
}

/// As-of dates across the history and past its end, so every bucket has a chance to fill.
fn as_of_dates(summary: &Summary) -> Vec<NaiveDate> {
    (0..=8).map(|step| summary.start + TimeDelta::days(step * 20)).collect()
}

#[tokio::test]
async fn aging_equals_the_domains_aging_of_every_receivable_replayed_from_the_log() {
    let generated = Generated::new(SEED).await;
    let conn = generated.read_model(Box::new(Collections));
    let receivables = receivables(&generated);
    assert!(receivables.len() > 10, "the history has receivables: {}", receivables.len());
    let mut n_overdue_dates = 0;
    for as_of in as_of_dates(&generated.summary) {
        // The domain's buckets: current, 1–30, 31–60, 61–90, over 90 (ours split at 120).
        let mut expected: BTreeMap<String, [i64; 5]> = BTreeMap::new();
        for (invoiced_on, receivable) in &receivables {
            if *invoiced_on > as_of {
                continue;
            }
            let aged = aging_as_of(receivable, as_of);
            let buckets = expected.entry(receivable.currency().code().to_owned()).or_default();
            for (bucket, amount) in buckets.iter_mut().zip([
                aged.current,
                aged.days_1_to_30,
                aged.days_31_to_60,
                aged.days_61_to_90,
                aged.over_90_days,
            ]) {
                *bucket += amount.amount_minor;
            }
        }
        expected.retain(|_, buckets| buckets.iter().any(|amount| *amount != 0));
        let actual: BTreeMap<String, [i64; 5]> = aging(&conn, as_of)
            .expect("aging")
            .into_iter()
            .map(|row| {
                let buckets = [
                    row.current_minor,
                    row.days_1_30_minor,
                    row.days_31_60_minor,
                    row.days_61_90_minor,
                    row.days_91_120_minor + row.over_120_minor,
                ];
                assert_eq!(row.outstanding_minor, buckets.iter().sum::<i64>());
                (row.currency, buckets)
            })
            .collect();
        assert_eq!(actual, expected, "aging as of {as_of}");
        n_overdue_dates += usize::from(expected.values().any(|buckets| buckets[1..] != [0; 4]));
    }
    assert!(n_overdue_dates > 0, "some date of the history has something overdue");
}

#[tokio::test]
async fn outstanding_and_overdue_at_the_end_agree_with_the_generators_summary() {
    let generated = Generated::new(SEED).await;
    let conn = generated.read_model(Box::new(Collections));
    let summary = &generated.summary;
    let rows = aging(&conn, summary.end).expect("aging");
    let eur = rows.iter().find(|row| row.currency == summary.outstanding.currency.code());
    let (outstanding, overdue) =
        eur.map_or((0, 0), |row| (row.outstanding_minor, row.overdue_minor));
    assert_eq!(outstanding, summary.outstanding.amount_minor);
    assert_eq!(overdue, summary.overdue.amount_minor);
}

#[tokio::test]
async fn monthly_flows_add_up_to_what_the_payment_events_record() {
    let generated = Generated::new(SEED).await;
    let conn = generated.read_model(Box::new(Collections));
    // Per month and currency: invoiced, collected, refunded, credited, written off.
    let mut expected: BTreeMap<(String, String), [i64; 5]> = BTreeMap::new();
    let mut add = |on: NaiveDate, currency: &str, column: usize, amount_minor: i64| {
        expected.entry((Period::Month.key(on), currency.to_owned())).or_default()[column] +=
            amount_minor;
    };
    for event in generated.events_of("payment") {
        match codec::decode(event.codec, &event.payload).expect("a payment event") {
            PaymentEvent::ReceivableOpened { total, at, .. } => {
                add(at.date_naive(), total.currency.code(), 0, total.amount_minor);
            }
            PaymentEvent::PaymentReceived { amount, received_on, .. } => {
                add(received_on, amount.currency.code(), 1, amount.amount_minor);
            }
            PaymentEvent::CreditRefunded { amount, refunded_on, .. } => {
                add(refunded_on, amount.currency.code(), 2, amount.amount_minor);
            }
            PaymentEvent::CreditNoteIssued { amount, issued_on, .. } => {
                add(issued_on, amount.currency.code(), 3, amount.amount_minor);
            }
            PaymentEvent::WrittenOff { amount, written_off_on, .. } => {
                add(written_off_on, amount.currency.code(), 4, amount.amount_minor);
            }
            PaymentEvent::ReceivableSettled { .. } => {}
        }
    }
    let rows = collections(&conn, Period::Month, false).expect("collections");
    let actual: BTreeMap<(String, String), [i64; 5]> = rows
        .iter()
        .map(|row| {
            let flows = [
                row.invoiced_minor,
                row.collected_minor,
                row.refunded_minor,
                row.credited_minor,
                row.written_off_minor,
            ];
            ((row.period.clone(), row.currency.clone()), flows)
        })
        .filter(|(_, flows)| flows.iter().any(|amount| *amount != 0))
        .collect();
    assert_eq!(actual, expected);
    // Each month's closing balance is aging's outstanding on its last day.
    for row in &rows {
        let (_, _, last_day) = Period::bounds(&row.period).expect("a month key");
        let aged = aging(&conn, last_day).expect("aging");
        let aged = aged.iter().find(|aged| aged.currency == row.currency);
        assert_eq!(aged.map_or(0, |aged| aged.outstanding_minor), row.outstanding_minor);
    }
}

#[tokio::test]
async fn dso_divides_aging_outstanding_by_the_windows_invoices_from_the_log() {
    let generated = Generated::new(SEED).await;
    let conn = generated.read_model(Box::new(Collections));
    let as_of = generated.summary.end;
    let receivables = receivables(&generated);
    let window_start = as_of - TimeDelta::days(29);
    let invoiced_minor: i64 = receivables
        .iter()
        .filter(|(invoiced_on, _)| (window_start..=as_of).contains(invoiced_on))
        .map(|(_, receivable)| receivable.total.amount_minor)
        .sum();
    let rows = dso(&conn, as_of, 30).expect("dso");
    assert_eq!(rows.len(), 1, "one currency: {rows:?}");
    let outstanding_minor = aging(&conn, as_of).expect("aging")[0].outstanding_minor;
    assert_eq!(
        (rows[0].outstanding_minor, rows[0].invoiced_minor),
        (outstanding_minor, invoiced_minor)
    );
    assert!(invoiced_minor > 0, "the last 30 days invoiced something");
    // Half up: 2·o·n + i over 2·i.
    let expected = (2 * i128::from(outstanding_minor) * 30 + i128::from(invoiced_minor))
        / (2 * i128::from(invoiced_minor));
    assert_eq!(rows[0].dso_days.map(i128::from), Some(expected));
}
