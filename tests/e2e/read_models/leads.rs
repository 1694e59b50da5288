//! The leads model on a generated history, against the same figures counted from the log's lead
//! events: captures, duplicates and conversions per channel, and the time to first touch.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use ltc_domain::lead::LeadEvent;
use ltc_projections::models::funnel::DateRange;
use ltc_projections::models::funnel::shared::divide_rounded;
use ltc_projections::models::leads::{LeadDimension, leads};

use super::funnel::{decoded, generated};

#[derive(Default, Debug, PartialEq, Eq)]
struct Figures {
    captured: u64,
    duplicates: u64,
    converted: u64,
    touched: u64,
    touch_seconds: i64,
}

#[tokio::test]
async fn leads_by_channel_agree_with_the_captures_duplicates_conversions_and_touches_in_the_log() {
    let history = generated().await;
    let mut channel_of: BTreeMap<uuid::Uuid, (String, DateTime<Utc>)> = BTreeMap::new();
    let mut duplicates: HashSet<uuid::Uuid> = HashSet::new();
    let mut converted: HashSet<uuid::Uuid> = HashSet::new();
    let mut first_touch: HashMap<uuid::Uuid, DateTime<Utc>> = HashMap::new();
    for event in history.events.iter().filter(|event| event.stream.kind.as_str() == "lead") {
        let lead = event.stream.id;
        match decoded::<LeadEvent>(event) {
            LeadEvent::Captured { channel, at, .. } => {
                let name = serde_json::to_value(channel).expect("a channel serialises");
                channel_of.insert(lead, (name.as_str().expect("a name").to_owned(), at));
            }
            LeadEvent::CapturedAsDuplicate { .. } | LeadEvent::MergedInto { .. } => {
                duplicates.insert(lead);
            }
            LeadEvent::Converted { .. } => {
                converted.insert(lead);
            }
            LeadEvent::ActivityLogged { at, .. } => {
                first_touch.entry(lead).or_insert(at);
            }
            _ => {}
        }
    }
    let mut expected: BTreeMap<String, Figures> = BTreeMap::new();
    for (lead, (channel, captured_at)) in &channel_of {
        let figures = expected.entry(channel.clone()).or_default();
        figures.captured += 1;
        if duplicates.contains(lead) {
            figures.duplicates += 1;
            continue;
        }
        figures.converted += u64::from(converted.contains(lead));
        if let Some(touched_at) = first_touch.get(lead) {
            figures.touched += 1;
            figures.touch_seconds += (*touched_at - *captured_at).num_seconds();
        }
    }
    assert!(expected.values().any(|figures| figures.touched > 0), "the history works its leads");

    let rows = leads(&history.conn, LeadDimension::Channel, DateRange::ALL).unwrap();
    let mut actual: BTreeMap<String, Figures> = BTreeMap::new();
    for row in &rows {
        let figures = &expected[&row.key];
        let minutes =
            divide_rounded(i128::from(figures.touch_seconds), i128::from(figures.touched) * 60);
        assert_eq!(row.first_touch_minutes_avg, minutes, "{}", row.key);
        assert_eq!(row.leads, row.captured - row.duplicates);
        actual.insert(
            row.key.clone(),
            Figures {
                captured: row.captured,
                duplicates: row.duplicates,
                converted: row.converted,
                touched: row.touched,
                touch_seconds: figures.touch_seconds,
            },
        );
    }
    assert_eq!(actual, expected);
    let by_owner = leads(&history.conn, LeadDimension::Owner, DateRange::ALL).unwrap();
    let by_band = leads(&history.conn, LeadDimension::ScoreBand, DateRange::ALL).unwrap();
    let total = |rows: &[ltc_projections::models::leads::LeadRow]| -> u64 {
        rows.iter().map(|row| row.captured).sum()
    };
    assert_eq!(total(&by_owner), channel_of.len() as u64);
    assert_eq!(total(&by_band), channel_of.len() as u64);
}
