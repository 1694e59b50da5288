//! The export's selection over a generated history: bounds parse as the help says, and time
//! bounds select exactly the events recorded then.

use chrono::{NaiveDate, TimeZone, Utc};
use ltc_eventstore::{EventStore, Position};

use super::*;
use crate::generator::small_history;

fn recorded_on(store: &EventStore, position: u64) -> NaiveDate {
    let event = store.read_all(Position(position), 1).next().unwrap().unwrap();
    event.recorded_at.date_naive()
}

#[test]
fn a_bound_is_a_position_a_day_or_an_rfc3339_time_and_nothing_else() {
    assert_eq!(Bound::parse("1200"), Ok(Bound::Position(1200)));
    let day = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
    assert_eq!(Bound::parse("2026-03-31"), Ok(Bound::Day(day)));
    let at = Utc.with_ymd_and_hms(2026, 3, 31, 10, 0, 0).unwrap();
    assert_eq!(Bound::parse("2026-03-31T12:00:00+02:00"), Ok(Bound::Time(at)));
    for bad in ["", "-1", "March", "2026-13-01", "2026-03-31 12:00"] {
        assert!(Bound::parse(bad).is_err(), "{bad:?} parsed");
    }
}

#[test]
fn a_stream_filter_is_a_stream_id_or_a_kind_of_this_build() {
    assert_eq!(StreamFilter::parse("payment"), Ok(StreamFilter::Kind("payment".into())));
    let id = "quote-0190a0c4-0000-7000-8000-000000000001";
    assert!(
        matches!(StreamFilter::parse(id), Ok(StreamFilter::Stream(stream)) if stream.to_string() == id)
    );
    let error = StreamFilter::parse("payments").unwrap_err();
    assert!(error.to_string().contains("lead, customer, opportunity"), "{error}");
}

#[tokio::test]
async fn day_bounds_select_exactly_the_events_recorded_on_those_days() {
    let (_dir, store) = small_history().await;
    let head = store.head().position;
    let day = recorded_on(&store, head / 2);
    let selection = Selection {
        from: Some(Bound::Day(day)),
        to: Some(Bound::Day(day)),
        ..Selection::default()
    };
    let (first, last) = selection.positions(&store).unwrap();
    assert!(first <= last && last < head, "{first}..={last} of {head}");
    assert_eq!((recorded_on(&store, first), recorded_on(&store, last)), (day, day));
    assert!(recorded_on(&store, first - 1) < day);
    assert!(recorded_on(&store, last + 1) > day);
}

#[tokio::test]
async fn a_range_past_the_head_ends_at_the_head_and_one_before_the_log_is_empty() {
    let (_dir, store) = small_history().await;
    let head = store.head().position;
    let beyond = Selection { to: Some(Bound::Position(head + 100)), ..Selection::default() };
    assert_eq!(beyond.positions(&store).unwrap(), (1, head));
    let long_ago = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let before = Selection { to: Some(Bound::Day(long_ago)), ..Selection::default() };
    let (first, last) = before.positions(&store).unwrap();
    assert!(first > last, "{first}..={last}");
    let mut out = Vec::new();
    let summary = export(&store, &before, Format::Jsonl, &mut out, &mut |_| {}).unwrap();
    assert_eq!((summary.events_written, out.len()), (0, 0));
}

#[tokio::test]
async fn a_stream_id_filter_exports_that_streams_events_and_a_kind_filter_the_others() {
    let (_dir, store) = small_history().await;
    let some_order = store
        .read_all(ltc_eventstore::Position::START, u64::MAX)
        .map(Result::unwrap)
        .find(|event| event.stream.kind.as_str() == "order")
        .unwrap()
        .stream;
    let selection = Selection {
        streams: vec![StreamFilter::Stream(some_order.clone()), StreamFilter::Kind("quota".into())],
        ..Selection::default()
    };
    let mut out = Vec::new();
    let summary = export(&store, &selection, Format::Jsonl, &mut out, &mut |_| {}).unwrap();
    let streams: Vec<String> = out
        .split(|byte| *byte == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice::<serde_json::Value>(line).unwrap())
        .map(|line| line["stream"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = store
        .read_all(ltc_eventstore::Position::START, u64::MAX)
        .map(Result::unwrap)
        .filter(|event| event.stream == some_order || event.stream.kind.as_str() == "quota")
        .map(|event| event.stream.to_string())
        .collect();
    assert!(expected.iter().any(|stream| stream.starts_with("quota-")), "{expected:?}");
    assert_eq!(streams, expected);
    assert_eq!(summary.events_written, expected.len() as u64);
}

#[tokio::test]
async fn type_and_stream_filters_keep_only_matching_events_in_position_order() {
    let (_dir, store) = small_history().await;
    let selection = Selection {
        types: vec!["PaymentReceived".into(), "ReceivableOpened".into()],
        streams: vec![StreamFilter::Kind("payment".into())],
        ..Selection::default()
    };
    let mut out = Vec::new();
    let summary = export(&store, &selection, Format::Jsonl, &mut out, &mut |_| {}).unwrap();
    let lines: Vec<serde_json::Value> = out
        .split(|byte| *byte == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, summary.events_written);
    assert!(summary.events_written > 10, "{summary:?}");
    let admitted = store
        .read_all(ltc_eventstore::Position::START, u64::MAX)
        .map(Result::unwrap)
        .filter(|event| selection.admits(event))
        .count();
    assert_eq!(summary.events_written, admitted as u64, "every matching event, none left out");
    let positions: Vec<u64> = lines.iter().map(|line| line["position"].as_u64().unwrap()).collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]));
    for line in &lines {
        let event_type = line["event_type"].as_str().unwrap();
        assert!(["PaymentReceived", "ReceivableOpened"].contains(&event_type), "{line}");
        assert!(line["stream"].as_str().unwrap().starts_with("payment-"), "{line}");
    }
}
