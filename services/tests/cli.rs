//! The `ltc` binary as a user runs it: `demo` generates a seeded history and verifies it,
//! `verify` catches tampering, and mistakes get a clear message and exit code, not a panic.

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

fn demo(data: &Path, seed: &str) -> Output {
    ltc(&["demo", "--data", data.to_str().unwrap(), "--seed", seed, "--scale", "small"])
}

/// The `POSITION:HASH` anchor `ltc verify --json` reports for `data`.
fn anchor(data: &Path) -> String {
    let output = ltc(&["verify", "--data", data.to_str().unwrap(), "--json"]);
    assert!(output.status.success(), "{}", text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["intact"], true);
    report["anchor"].as_str().unwrap().to_owned()
}

#[test]
fn demo_generates_a_history_tells_a_story_and_reports_an_intact_log() {
    let dir = tempfile::tempdir().unwrap();
    let output = demo(dir.path(), "42");
    assert!(output.status.success(), "{}", text(&output));
    let report = text(&output);
    for expected in [
        "through the command path",
        "of them duplicates",
        "of new leads)",
        "leads by channel",
        "converted from leads",
        "win rate",
        "needed a manager's approval",
        "cash received",
        "From the read models",
        "win rate",
        "revenue P10 / P50 / P90",
        "DSO",
        "One customer's story",
        "WON at",
        "placed:",
        "payment of",
        "result          intact",
    ] {
        assert!(report.contains(expected), "{expected:?} missing from\n{report}");
    }
}

#[test]
fn the_same_seed_gives_the_same_anchor_in_two_data_directories() {
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert!(demo(first.path(), "7").status.success());
    assert!(demo(second.path(), "7").status.success());
    assert_eq!(anchor(first.path()), anchor(second.path()));
}

#[test]
fn demo_refuses_a_data_directory_that_already_holds_events() {
    let dir = tempfile::tempdir().unwrap();
    assert!(demo(dir.path(), "1").status.success());
    let before = anchor(dir.path());
    let output = demo(dir.path(), "1");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("pass another --data"), "{}", text(&output));
    assert_eq!(anchor(dir.path()), before, "nothing was appended");
}

#[test]
fn verify_json_reports_the_head_as_an_anchor_that_a_later_verify_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    assert!(demo(dir.path(), "3").status.success());

    let output = ltc(&["verify", "--data", data, "--json"]);
    assert!(output.status.success(), "{}", text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["intact"], true);
    let checked = report["events_checked"].as_u64().unwrap();
    assert!(checked > 100, "{report}");
    let anchor = report["anchor"].as_str().unwrap().to_owned();
    assert!(anchor.starts_with(&format!("{checked}:")));

    let anchored = ltc(&["verify", "--data", data, "--against", &anchor]);
    assert!(anchored.status.success(), "{}", text(&anchored));
}

#[test]
fn verify_exits_1_and_names_the_position_of_an_altered_row() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    assert!(demo(dir.path(), "5").status.success());
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
        &["verify", "--against", "12:nothex"][..],
        &["events", "--stream", "not-a-stream"],
        &["frobnicate"],
    ] {
        let output = ltc(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
        assert!(!text(&output).contains("panicked"), "{args:?}: {}", text(&output));
    }
}

#[test]
fn events_piped_into_a_reader_that_stops_early_ends_quietly() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(demo(&data, "42").status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_ltc"))
        .args(["events", "--data", data.to_str().unwrap(), "--limit", "1000000"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first_line).unwrap();
    // The read end is dropped here, as `head` exits after its lines.
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "", "no panic, no message");
}
