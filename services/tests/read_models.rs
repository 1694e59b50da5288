//! The read models through the `ltc` binary as a user drives them, on a seeded history:
//! `query events` agrees with the log itself, `lag` tells how far each read model is behind,
//! `rebuild` swaps in a rebuilt copy (up to the head, a position or a time), and `--as-of`
//! answers from the events recorded by the end of a day without touching the live models.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use chrono::{DateTime, NaiveDate, Utc};
use ltc_eventstore::{EventStore, Position, StoreOptions};
use ltc_services::read_models::thousands;
use serde_json::Value;

fn ltc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ltc")).args(args).output().expect("run ltc")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `ltc` with `--data dir` and these arguments, expects success, returns stdout.
fn ltc_ok(dir: &Path, args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["--data", dir.to_str().unwrap()]);
    let output = ltc(&all);
    assert!(output.status.success(), "ltc {all:?} failed:\n{}", text(&output));
    String::from_utf8(output.stdout).unwrap()
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    serde_json::from_str(&ltc_ok(dir, &all)).expect("ltc printed JSON")
}

/// A data directory holding the small seeded history.
fn history() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ltc_ok(dir.path(), &["demo", "--seed", "42", "--scale", "small"]);
    dir
}

/// Ground truth from the log itself: per stream kind, events and payload bytes of every event
/// recorded at or before `until`.
fn counted_in_the_log(dir: &Path, until: DateTime<Utc>) -> BTreeMap<String, (u64, u64)> {
    let store = EventStore::open(dir.join("events.db"), StoreOptions::default()).unwrap();
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for event in store.read_all(Position(1), u64::MAX) {
        let event = event.unwrap();
        if event.recorded_at <= until {
            let count = counts.entry(event.stream.kind.as_str().to_owned()).or_default();
            count.0 += 1;
            count.1 += event.payload.len() as u64;
        }
    }
    counts
}

fn head_of(dir: &Path) -> u64 {
    EventStore::open(dir.join("events.db"), StoreOptions::default()).unwrap().head().position
}

/// Per stream kind, events and payload bytes as `ltc query events --json` answered.
fn counted_by_the_query(answer: &Value) -> BTreeMap<String, (u64, u64)> {
    let rows = answer["result"].as_array().expect("rows");
    rows.iter()
        .map(|row| {
            let kind = row["stream_kind"].as_str().unwrap().to_owned();
            (kind, (row["n_events"].as_u64().unwrap(), row["payload_bytes"].as_u64().unwrap()))
        })
        .collect()
}

fn lag_of(dir: &Path, projection: &str) -> Value {
    let rows = json(dir, &["lag"]);
    let row = rows.as_array().unwrap().iter().find(|row| row["projection"] == projection);
    row.unwrap_or_else(|| panic!("no lag row for {projection}: {rows}")).clone()
}

#[test]
fn query_events_counts_every_event_of_the_log_per_stream_kind() {
    let dir = history();
    let answer = json(dir.path(), &["query", "events"]);
    assert_eq!(answer["query"], "events");
    assert_eq!(answer["position"], head_of(dir.path()));
    assert_eq!(
        counted_by_the_query(&answer),
        counted_in_the_log(dir.path(), DateTime::<Utc>::MAX_UTC)
    );
}

#[test]
fn query_events_prints_an_aligned_table_whose_total_is_the_head() {
    let dir = history();
    let head = head_of(dir.path());
    let table = ltc_ok(dir.path(), &["query", "events"]);
    assert!(table.starts_with(&format!("events at log position {}\n", thousands(head))), "{table}");
    assert!(table.contains("stream kind  streams  events  payload bytes"), "{table}");
    let total = table.lines().find(|line| line.starts_with("total")).expect("a total line");
    assert!(total.contains(&format!(" {} ", thousands(head))), "total {total:?} of {head}");
}

#[test]
fn lag_shows_a_read_model_not_built_until_a_query_catches_it_up() {
    let dir = history();
    // `ltc demo` builds the read models; a log copied from elsewhere comes without them.
    std::fs::remove_dir_all(dir.path().join("read-models")).expect("the demo built read models");
    let head = head_of(dir.path());
    let before = lag_of(dir.path(), "event_counts");
    assert_eq!(
        (before["status"].as_str(), before["checkpoint"].as_u64()),
        (Some("not built"), Some(0))
    );
    assert_eq!(before["behind"], head);
    ltc_ok(dir.path(), &["query", "events"]);
    let after = lag_of(dir.path(), "event_counts");
    assert_eq!(
        (after["status"].as_str(), after["checkpoint"].as_u64()),
        (Some("current"), Some(head))
    );
    assert_eq!(after["behind"], 0);
    assert!(after["as_of"].as_str().is_some_and(|at| at.starts_with("2026-")), "{after}");
}

#[test]
fn rebuilding_to_a_position_swaps_in_the_log_as_it_stood_there_until_the_next_query() {
    let dir = history();
    let head = head_of(dir.path());
    ltc_ok(dir.path(), &["query", "events"]);
    let rebuilt = json(dir.path(), &["rebuild", "--to-position", "500"]);
    assert_eq!(rebuilt["upto"], 500);
    assert_eq!(rebuilt["events_applied"], 500);
    let rebuilt_names = rebuilt["projections"].as_array().expect("the projections rebuilt");
    assert!(rebuilt_names.contains(&serde_json::json!("event_counts")), "{rebuilt}");
    assert_eq!(rebuilt_names.len(), 1 + ltc_projections::models::all().len(), "every read model");
    assert_eq!(rebuilt["generations_removed"], 1, "the old generation is gone after the swap");
    let lag = lag_of(dir.path(), "event_counts");
    assert_eq!((lag["checkpoint"].as_u64(), lag["behind"].as_u64()), (Some(500), Some(head - 500)));
    let answer = json(dir.path(), &["query", "events"]);
    assert_eq!(
        counted_by_the_query(&answer),
        counted_in_the_log(dir.path(), DateTime::<Utc>::MAX_UTC)
    );
    assert_eq!(lag_of(dir.path(), "event_counts")["behind"], 0);
}

#[test]
fn rebuilding_to_a_time_applies_exactly_the_events_recorded_by_then() {
    let dir = history();
    let store = EventStore::open(dir.path().join("events.db"), StoreOptions::default()).unwrap();
    let at = store.read_all(Position(700), 1).next().unwrap().unwrap().recorded_at;
    let recorded_by_then = store
        .read_all(Position(1), u64::MAX)
        .filter(|event| event.as_ref().unwrap().recorded_at <= at)
        .count();
    drop(store);
    let at_text = at.to_rfc3339();
    let rebuilt = json(dir.path(), &["rebuild", "--to-time", &at_text]);
    assert_eq!(rebuilt["upto"], recorded_by_then as u64, "rebuilt to {at_text}");
    assert!(recorded_by_then >= 700);
}

#[test]
fn rebuilding_one_read_model_by_name_rebuilds_it_alone_from_the_whole_log() {
    let dir = history();
    ltc_ok(dir.path(), &["query", "events"]);
    let rebuilt = json(dir.path(), &["rebuild", "--projection", "event_counts"]);
    assert_eq!(rebuilt["projections"], serde_json::json!(["event_counts"]));
    assert_eq!(rebuilt["events_applied"], head_of(dir.path()));
    let answer = json(dir.path(), &["query", "events"]);
    assert_eq!(
        counted_by_the_query(&answer),
        counted_in_the_log(dir.path(), DateTime::<Utc>::MAX_UTC)
    );
}

#[test]
fn rebuilding_an_unknown_read_model_names_the_known_ones_and_changes_nothing() {
    let dir = history();
    ltc_ok(dir.path(), &["query", "events"]);
    let output = ltc(&["rebuild", "--projection", "nope", "--data", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("no read model is named \"nope\""), "{}", text(&output));
    assert!(text(&output).contains("event_counts"), "{}", text(&output));
    assert_eq!(lag_of(dir.path(), "event_counts")["status"], "current");
}

#[test]
fn a_query_as_of_a_day_counts_the_events_recorded_by_its_end_and_leaves_the_live_models_alone() {
    let dir = history();
    ltc_ok(dir.path(), &["rebuild", "--to-position", "100"]);
    let day = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
    let answer = json(dir.path(), &["query", "events", "--as-of", "2026-02-01"]);
    assert_eq!(answer["as_of"], "2026-02-01");
    let end_of_day = day.and_hms_micro_opt(23, 59, 59, 999_999).unwrap().and_utc();
    let expected = counted_in_the_log(dir.path(), end_of_day);
    let n_expected: u64 = expected.values().map(|(n_events, _)| n_events).sum();
    assert!(0 < n_expected && n_expected < head_of(dir.path()), "the day cuts the history");
    assert_eq!(answer["position"], n_expected);
    assert_eq!(counted_by_the_query(&answer), expected);
    assert_eq!(lag_of(dir.path(), "event_counts")["checkpoint"], 100, "the live models stayed");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".as-of-"))
        .collect();
    assert!(leftovers.is_empty(), "the as-of rebuild cleaned up after itself: {leftovers:?}");
}

#[test]
fn a_date_on_the_command_line_is_read_as_strictly_as_on_the_wire() {
    let dir = tempfile::tempdir().unwrap();
    for date in ["2026-1-5", "2026-02-30", "05/01/2026", "2026-01-05T00:00:00Z"] {
        for flag in ["--as-of", "--recorded-as-of"] {
            let data = dir.path().to_str().unwrap();
            let output = ltc(&["query", "ar-aging", flag, date, "--data", data]);
            assert_eq!(output.status.code(), Some(2), "{flag} {date}: {}", text(&output));
            assert!(text(&output).contains("YYYY-MM-DD"), "{flag} {date}: {}", text(&output));
        }
    }
}

#[test]
fn read_model_commands_on_a_directory_without_a_store_say_so_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["query", "events"][..], &["lag"], &["rebuild"], &["report", "--out", "r.html"]] {
        let mut all = args.to_vec();
        all.extend(["--data", dir.path().to_str().unwrap()]);
        let output = ltc(&all);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
        assert!(text(&output).contains("no event store at"), "{args:?}: {}", text(&output));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn every_lead_to_cash_query_answers_and_the_cash_figures_agree_with_each_other() {
    let dir = history();
    let dir = dir.path();
    for query in [
        vec!["query", "funnel", "--by", "rep", "--period", "quarter"],
        vec!["query", "funnel", "--by", "channel", "--period", "month"],
        vec!["query", "leads", "--by", "score_band"],
        vec!["query", "stalled", "--as-of", "2026-03-15"],
        vec!["query", "reps", "--period", "2026-Q1"],
    ] {
        let answer = json(dir, &query);
        assert!(answer["result"].is_array() || answer["result"].is_object(), "{query:?}: {answer}");
    }
    // The last day of the history: what ar-aging says is outstanding is what the collections'
    // last period carries, and what DSO divides.
    let last_day = "2026-04-04";
    let aging = json(dir, &["query", "ar-aging", "--as-of", last_day]);
    let outstanding =
        aging["result"]["rows"][0]["outstanding_minor"].as_i64().expect("one currency");
    let collections = json(dir, &["query", "collections", "--period", "month"]);
    let periods = collections["result"].as_array().expect("periods");
    let carried = periods.last().expect("a last period")["outstanding_minor"].as_i64().unwrap();
    assert_eq!(outstanding, carried);
    let dso = json(dir, &["query", "dso", "--as-of", last_day, "--days", "90"]);
    assert_eq!(dso["result"][0]["outstanding_minor"].as_i64(), Some(outstanding));
    // Every customer's open AR, as customer360 lists it, adds up to the aging's outstanding.
    let customers = json(dir, &["query", "customers"]);
    let listed = customers["result"].as_array().expect("customers");
    let open_ar: i64 = listed
        .iter()
        .flat_map(|row| row["open_ar"].as_array().cloned().unwrap_or_default())
        .map(|money| money["amount_minor"].as_i64().expect("minor units"))
        .sum();
    assert_eq!(open_ar, outstanding);
    let first = listed[0]["customer_id"].as_str().expect("an id");
    let one = json(dir, &["query", "customer360", first, "--as-of", last_day]);
    let profile = &one["result"]["customer"]["profile"];
    assert_eq!(profile["customer_id"].as_str(), Some(first), "{one}");
    let unknown = ltc(&["query", "funnel", "--by", "planet", "--data", dir.to_str().unwrap()]);
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
    assert!(text(&unknown).contains("not a dimension"), "{}", text(&unknown));
}

#[test]
fn a_backtest_forecasts_each_past_day_from_the_log_as_it_stood_and_leaves_the_models_alone() {
    let dir = history();
    let dir = dir.path();
    ltc_ok(dir, &["query", "events"]);
    let lag_before = lag_of(dir, "forecast");
    let backtest = json(dir, &["backtest", "--as-of", "2026-02-01,2026-03-01"]);
    let points = backtest["points"].as_array().expect("points");
    let days: Vec<&str> = points.iter().map(|point| point["as_of"].as_str().unwrap()).collect();
    assert_eq!(days, ["2026-02-01", "2026-03-01"], "{backtest}");
    // What closed in the period is the same whatever day forecast it.
    assert_eq!(points[0]["actual_minor"], points[1]["actual_minor"], "{backtest}");
    assert_eq!(lag_of(dir, "forecast"), lag_before, "the models in service are untouched");
}
