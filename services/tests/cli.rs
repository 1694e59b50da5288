//! The `ltc` binary as a user runs it: `demo` writes and verifies, `verify` catches tampering,
//! and mistakes get a clear message and exit code rather than a panic.

use std::path::Path;
use std::process::{Command, Output};

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

fn demo(data: &Path, events: &str) -> Output {
    ltc(&["demo", "--data", data.to_str().unwrap(), "--events", events, "--writers", "8"])
}

#[test]
fn demo_appends_the_requested_events_and_reports_an_intact_log() {
    let dir = tempfile::tempdir().unwrap();
    let output = demo(dir.path(), "600");
    assert!(output.status.success(), "{}", text(&output));
    let report = text(&output);
    assert!(report.contains("appended 600 events"), "{report}");
    assert!(report.contains("events checked  600"), "{report}");
    assert!(report.contains("result          intact"), "{report}");
}

#[test]
fn verify_json_reports_the_head_as_an_anchor_that_a_later_verify_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    assert!(demo(dir.path(), "300").status.success());

    let output = ltc(&["verify", "--data", data, "--json"]);
    assert!(output.status.success(), "{}", text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["intact"], true);
    assert_eq!(report["events_checked"], 300);
    let anchor = report["anchor"].as_str().unwrap().to_owned();
    assert!(anchor.starts_with("300:"));

    let anchored = ltc(&["verify", "--data", data, "--anchor", &anchor]);
    assert!(anchored.status.success(), "{}", text(&anchored));
}

#[test]
fn verify_exits_1_and_names_the_position_of_an_altered_row() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    assert!(demo(dir.path(), "200").status.success());
    let conn = rusqlite::Connection::open(dir.path().join("events.db")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER events_are_append_only_update;
         UPDATE events SET payload = x'00' WHERE position = 77;",
    )
    .unwrap();
    drop(conn);

    let output = ltc(&["verify", "--data", data]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("TAMPERED: the row at position 77"), "{}", text(&output));
}

#[test]
fn verify_of_a_directory_without_a_store_is_an_error_that_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing-here");
    let output = ltc(&["verify", "--data", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("no event store at"), "{}", text(&output));
    assert!(!missing.exists());
}

#[test]
fn malformed_arguments_exit_2_with_a_message_not_a_panic() {
    for args in [
        &["verify", "--anchor", "12:nothex"][..],
        &["events", "--stream", "not-a-stream"],
        &["frobnicate"],
    ] {
        let output = ltc(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
        assert!(!text(&output).contains("panicked"), "{args:?}: {}", text(&output));
    }
}
