//! `ltc replay` as a user runs it, on the seeded small history: a replay up to a position holds
//! exactly what `ltc rebuild` to that position puts in service, it never touches the read models
//! in service, `ltc query --replay` answers from it as `--recorded-as-of` would, and mistakes
//! are clear errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rusqlite::Connection;
use serde_json::Value;

fn ltc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ltc")).args(args).output().expect("run ltc")
}

/// `ltc ARGS --data DIR`'s stdout; it must succeed.
fn ltc_ok(dir: &Path, args: &[&str]) -> String {
    let output = ltc(&[args, &["--data", dir.to_str().unwrap()]].concat());
    assert!(
        output.status.success(),
        "ltc {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn json(dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ltc_ok(dir, &[args, &["--json"]].concat())).expect("JSON")
}

fn history() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ltc_ok(dir.path(), &["demo", "--seed", "42"]);
    dir
}

/// Every file of a directory with its bytes: what "untouched" is checked against.
fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().file_type().unwrap().is_file())
        .map(|entry| {
            let entry = entry.unwrap();
            (entry.file_name().to_string_lossy().into_owned(), std::fs::read(entry.path()).unwrap())
        })
        .collect()
}

/// Every row of every table, sorted, as text; a checkpoint's wall-clock `updated_at_us` left out.
fn rows_of(path: &Path) -> BTreeMap<String, Vec<String>> {
    let conn = Connection::open(path).unwrap();
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables.retain(|name| !name.starts_with("sqlite_"));
    let mut all = BTreeMap::new();
    for table in tables {
        let mut statement = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let columns: Vec<String> = statement.column_names().map(str::to_owned).collect();
        let mut rows: Vec<String> = statement
            .query_map([], |row| {
                let cells: Vec<String> = columns
                    .iter()
                    .enumerate()
                    .filter(|(_, name)| name.as_str() != "updated_at_us")
                    .map(|(idx, name)| format!("{name}={:?}", row.get_ref(idx).unwrap()))
                    .collect();
                Ok(cells.join(" "))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        all.insert(table, rows);
    }
    all
}

fn generation_in_service(data: &Path) -> PathBuf {
    let read_models = data.join("read-models");
    let current = std::fs::read_to_string(read_models.join("CURRENT")).unwrap();
    read_models.join(current.trim())
}

#[test]
fn a_replay_to_a_position_holds_what_a_rebuild_to_it_swaps_in_and_leaves_the_live_models_alone() {
    let (replayed, rebuilt) = (history(), history());
    ltc_ok(replayed.path(), &["query", "events"]);
    let live_before = files_of(&replayed.path().join("read-models"));
    let into = replayed.path().join("at-900");

    let summary = json(
        replayed.path(),
        &["replay", "--until-position", "900", "--into", into.to_str().unwrap()],
    );
    assert_eq!(summary["upto"], 900);
    assert_eq!(summary["events_applied"], 900);
    assert_eq!(files_of(&replayed.path().join("read-models")), live_before, "untouched");
    assert_eq!(
        files_of(&into).into_keys().collect::<Vec<_>>(),
        ["read-models.db"],
        "one self-contained file, no journal beside it"
    );

    ltc_ok(rebuilt.path(), &["rebuild", "--to-position", "900"]);
    let expected = rows_of(&generation_in_service(rebuilt.path()));
    let mut actual = rows_of(&into.join("read-models.db"));
    let replay = actual.remove("replay").expect("a replay says what it holds");
    assert!(replay[0].starts_with("upto_position=Integer(900) until_us=Integer("), "{replay:?}");
    assert_eq!(actual.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    for (table, rows) in &expected {
        assert_eq!(&actual[table], rows, "table {table}");
    }
    assert!(expected["funnel_opportunities"].len() > 10, "the tables hold the history");
}

#[test]
fn a_replay_to_a_day_answers_queries_as_the_log_recorded_by_then_did() {
    let dir = history();
    let data = dir.path();
    let into = data.join("mid-february");
    ltc_ok(data, &["replay", "--until", "2026-02-15", "--into", into.to_str().unwrap()]);
    let replay = into.to_str().unwrap();
    for model in [&["funnel", "--by", "rep"][..], &["stalled"], &["leads"], &["events"]] {
        let from_replay = json(data, &[&["query", "--replay", replay][..], model].concat());
        let recorded =
            json(data, &[&["query"][..], model, &["--recorded-as-of", "2026-02-15"]].concat());
        assert_eq!(from_replay["result"], recorded["result"], "{model:?}");
        assert_eq!(from_replay["position"], recorded["position"], "{model:?}");
    }
    // A business date the replay's dated facts answer; one that needs the log does not.
    let aging = json(data, &["query", "--replay", replay, "ar-aging", "--as-of", "2026-02-10"]);
    assert_eq!(aging["result"]["as_of"], "2026-02-10");
    let output = ltc(&["query", "--replay", replay, "funnel", "--as-of", "2026-02-10"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("ltc replay --until DATE"));
}

#[test]
fn without_into_a_replay_goes_under_the_data_directory_named_by_its_last_position() {
    let dir = history();
    let data = dir.path();
    let said = ltc_ok(data, &["replay", "--projection", "funnel", "--until-position", "500"]);
    let replay = data.join("replays").join("position-500");
    assert!(said.contains(replay.join("read-models.db").to_str().unwrap()), "{said}");
    let tables = rows_of(&replay.join("read-models.db"));
    assert!(tables.keys().all(|table| table.starts_with("funnel_")
        || ["projection_checkpoints", "replay"].contains(&table.as_str())));
    assert_eq!(tables["projection_checkpoints"].len(), 1);
    let leftovers: Vec<_> = files_of(&data.join("replays")).into_keys().collect();
    assert!(
        leftovers.is_empty(),
        "no staging left behind (directories are not listed): {leftovers:?}"
    );

    let output = ltc(&["query", "--replay", replay.to_str().unwrap(), "leads"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("holds no leads") && stderr.contains("--projection leads"), "{stderr}");
}

#[test]
fn replaying_an_unknown_read_model_or_past_the_head_is_a_clear_error_that_writes_nothing() {
    let dir = history();
    let data = dir.path();
    for (args, says) in [
        (&["replay", "--projection", "pipeline"][..], "no read model is named \"pipeline\""),
        (&["replay", "--until-position", "99999999"], "99999999"),
    ] {
        let output = ltc(&[args, &["--data", data.to_str().unwrap()]].concat());
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says) && !stderr.contains("panicked"), "{stderr}");
    }
    let replays = data.join("replays");
    let left: Vec<_> = std::fs::read_dir(&replays).map(|d| d.count()).into_iter().collect();
    assert!(left.iter().all(|n| *n == 0), "nothing under {}: {left:?}", replays.display());
}
