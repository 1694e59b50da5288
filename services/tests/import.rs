//! `ltc import` as a user runs it on a demo company's data directory: good rows go in through
//! the engine (dedupe, authorization and the aggregates' rules apply), every other row is
//! reported with its line and reason, a re-run imports nothing twice, a fixed row goes in on the
//! next run, and `--dry-run` appends nothing.

use std::path::Path;
use std::process::Command;

use ltc_domain::customer::CustomerEvent;
use ltc_domain::lead::LeadEvent;
use ltc_domain::lead::normalize::duplicate_keys;
use ltc_domain::opportunity::OpportunityEvent;
use ltc_eventstore::{EventStore, Position, RecordedEvent, StoreOptions};
use ltc_services::leads::LeadDirectory;
use serde_json::Value;
use uuid::Uuid;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn ltc(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_ltc")).args(args).output().expect("run ltc");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8"),
    }
}

/// A demo company (seed 42, small) in a fresh directory: its log and its user table.
fn demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = ltc(&["demo", "--data", data.to_str().unwrap(), "--seed", "42"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    dir
}

fn data(dir: &tempfile::TempDir) -> String {
    dir.path().join("data").to_str().unwrap().to_owned()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// `ltc import … --json`, its exit code and report.
fn import(dir: &tempfile::TempDir, args: &[&str]) -> (Option<i32>, Value) {
    let data = data(dir);
    let mut all = vec!["import", "--data", data.as_str(), "--json"];
    all.extend_from_slice(args);
    let run = ltc(&all);
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}{}", run.stdout, run.stderr));
    (run.code, report)
}

/// Each row's line, outcome and failure code, as `2 imported`, `3 failed lead.invalid_email`.
fn outcomes(report: &Value) -> Vec<String> {
    report["row_reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let code = row["code"].as_str().map(|code| format!(" {code}")).unwrap_or_default();
            format!("{} {}{code}", row["line"], row["outcome"].as_str().unwrap())
        })
        .collect()
}

fn row(report: &Value, line: u64) -> &Value {
    report["row_reports"].as_array().unwrap().iter().find(|row| row["line"] == line).unwrap()
}

fn id_of(report: &Value, line: u64) -> Uuid {
    row(report, line)["id"].as_str().unwrap().parse().unwrap()
}

fn events(dir: &tempfile::TempDir) -> Vec<RecordedEvent> {
    let store =
        EventStore::open(Path::new(&data(dir)).join("events.db"), StoreOptions::default()).unwrap();
    store.read_all(Position::START, u64::MAX).map(Result::unwrap).collect()
}

fn stream_events(dir: &tempfile::TempDir, id: Uuid) -> Vec<RecordedEvent> {
    events(dir).into_iter().filter(|event| event.stream.id == id).collect()
}

/// An email of an open lead of the demo, and the lead a new capture of it duplicates.
fn open_demo_lead(dir: &tempfile::TempDir) -> (String, Uuid) {
    let store =
        EventStore::open(Path::new(&data(dir)).join("events.db"), StoreOptions::default()).unwrap();
    let directory = LeadDirectory::load(&store).unwrap();
    for event in events(dir) {
        if event.event_type != "LeadCaptured" {
            continue;
        }
        let LeadEvent::Captured { contact, .. } = ltc_projections::decode_event(&event).unwrap()
        else {
            unreachable!("the event type names the variant")
        };
        let Some(email) = contact.email else { continue };
        if let Some(survivor) =
            directory.survivor_for(&duplicate_keys(Some(&email), None, None, None))
        {
            return (email, survivor.0);
        }
    }
    panic!("the demo has no open lead with an email");
}

const LEAD_MAPPING: &str =
    r#"{"columns": {"Full name": "name", "E-mail": "email", "Notes": null}}"#;

fn lead_file(existing_email: &str, line_3_email: &str) -> String {
    format!(
        "Full name,E-mail,Company Name,Owner,Channel,Notes\n\
         Ada Lovelace,ada@analytical.example,Analytical Engines,,,good\n\
         Bob Broken,{line_3_email},,,,bad email until fixed\n\
         ,nobody@example.com,,,,no name\n\
         Carla Copy,ADA@analytical.example,,,,same email as line 2\n\
         Demo Twin,{existing_email},,,,a lead the demo already has\n\
         Dana Direct,dana@direct.example,,bruno,,alice may not give a lead to bruno\n\
         Zed Unknown,zed@unknown.example,,zed,,no such user\n\
         Ada Lovelace,ada@analytical.example,Analytical Engines,,,good\n\
         Fay Fax,fay@fax.example,,,fax,no such channel\n\
         \"Quinn, Quoted\",quinn@quoted.example,\"Quoted, Inc.\",alice,event,owned by alice\n"
    )
}

#[test]
fn a_mixed_lead_file_imports_the_good_rows_and_reports_every_other_line_with_its_reason() {
    let dir = demo();
    let (existing_email, existing_lead) = open_demo_lead(&dir);
    let head_before = events(&dir).len();
    let file = write(&dir, "leads.csv", &lead_file(&existing_email, "not-an-email"));
    let mapping = write(&dir, "mapping.json", LEAD_MAPPING);
    let (code, report) = import(&dir, &["leads", &file, "--mapping", &mapping, "--actor", "alice"]);
    assert_eq!(code, Some(1), "some rows failed: {report:#}");
    assert_eq!(
        outcomes(&report),
        [
            "2 imported",
            "3 failed lead.invalid_email",
            "4 failed missing_field",
            "5 imported",
            "6 imported",
            "7 failed lead.forbidden",
            "8 failed unknown_user",
            "9 same_as_line",
            "10 failed invalid_value",
            "11 imported",
        ]
    );
    assert_eq!(row(&report, 5)["duplicate_of"], id_of(&report, 2).to_string());
    assert_eq!(row(&report, 5)["duplicate_of_line"], 2);
    assert_eq!(row(&report, 6)["duplicate_of"], existing_lead.to_string());
    assert_eq!(row(&report, 9)["same_as_line"], 2);
    assert_eq!(report["ignored_columns"], serde_json::json!([]));
    assert_eq!((report["imported"].clone(), report["failed"].clone()), (4.into(), 5.into()));
    for (line, name) in
        [(2, "Ada Lovelace"), (5, "Carla Copy"), (6, "Demo Twin"), (11, "Quinn, Quoted")]
    {
        let stream = stream_events(&dir, id_of(&report, line));
        let LeadEvent::Captured { contact, .. } =
            ltc_projections::decode_event(&stream[0]).unwrap()
        else {
            panic!("line {line}'s lead starts with its capture");
        };
        assert_eq!(contact.name, name);
    }
    let head_after_first = events(&dir).len();
    assert!(head_after_first > head_before);

    let (code, rerun) = import(&dir, &["leads", &file, "--mapping", &mapping, "--actor", "alice"]);
    assert_eq!(code, Some(1));
    let mut expected = outcomes(&report);
    for line in [0, 3, 4, 9] {
        expected[line] = expected[line].replace("imported", "already_imported");
    }
    assert_eq!(outcomes(&rerun), expected, "the re-run imports nothing twice");
    assert_eq!(events(&dir).len(), head_after_first, "and appends nothing");

    let fixed = write(&dir, "leads.csv", &lead_file(&existing_email, "bob@broken.example"));
    let (_, after_fix) =
        import(&dir, &["leads", &fixed, "--mapping", &mapping, "--actor", "alice"]);
    expected[1] = "3 imported".into();
    assert_eq!(outcomes(&after_fix), expected, "the fixed row alone goes in");
    let bob = stream_events(&dir, id_of(&after_fix, 3));
    assert_eq!(events(&dir).len(), head_after_first + bob.len());
}

#[test]
fn a_dry_run_reports_what_the_real_run_then_does_and_appends_nothing() {
    let dir = demo();
    let (existing_email, _) = open_demo_lead(&dir);
    let before = events(&dir);
    let file = write(&dir, "leads.csv", &lead_file(&existing_email, "not-an-email"));
    let mapping = write(&dir, "mapping.json", LEAD_MAPPING);
    let args = ["leads", file.as_str(), "--mapping", mapping.as_str(), "--actor", "alice"];
    let (dry_code, mut dry) = import(&dir, &[&args[..], &["--dry-run"]].concat());
    assert_eq!(events(&dir).len(), before.len(), "a dry run appends nothing");
    assert_eq!(dry["dry_run"], true);
    let (code, real) = import(&dir, &args);
    assert_eq!(dry_code, code);
    dry["dry_run"] = false.into();
    assert_eq!(dry, real, "the dry run said exactly what the real run did");
    assert!(events(&dir).len() > before.len());
}

#[test]
fn customers_and_their_opportunities_link_by_key_and_money_is_read_exactly_or_refused() {
    let dir = demo();
    let customers = write(
        &dir,
        "customers.csv",
        "key;Name;Industry;Region;Tier;Owner;Credit limit;Currency\n\
         C-1;Acme GmbH;manufacturing;emea;key;alice;1.234,50;EUR\n\
         C-2;Bad Money AG;retail;emea;;alice;12,345;EUR\n\
         C-3;Nowhere AG;;emea;;alice;0;EUR\n\
         C-4;Bruno's Own;retail;emea;;bruno;0;EUR\n\
         C-5;Yen KK;retail;apac;;;1.000;JPY\n",
    );
    let mapping = write(&dir, "customers.json", r#"{"decimal_separator": ",", "delimiter": ";"}"#);
    let (code, report) =
        import(&dir, &["customers", &customers, "--mapping", &mapping, "--actor", "alice"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        outcomes(&report),
        [
            "2 imported",
            "3 failed invalid_money",
            "4 failed missing_field",
            "5 failed customer.forbidden",
            "6 imported",
        ]
    );
    let reason = row(&report, 3)["reason"].as_str().unwrap();
    assert!(reason.contains("ambiguous") && reason.contains("decimal_separator"), "{reason}");
    let acme = stream_events(&dir, id_of(&report, 2));
    let CustomerEvent::Created { profile, .. } = ltc_projections::decode_event(&acme[0]).unwrap()
    else {
        panic!("a customer starts with its creation");
    };
    assert_eq!((profile.name.as_str(), profile.credit_limit.amount_minor), ("Acme GmbH", 123_450));
    let yen = stream_events(&dir, id_of(&report, 6));
    let CustomerEvent::Created { profile, .. } = ltc_projections::decode_event(&yen[0]).unwrap()
    else {
        panic!("a customer starts with its creation");
    };
    assert_eq!(profile.credit_limit.amount_minor, 1000, "the yen has no minor unit");

    let opportunities = write(
        &dir,
        "opportunities.csv",
        "customer_key,customer,name,amount,currency,expected_close\n\
         C-1,,Acme expansion,\"12,000.00\",EUR,2026-06-30\n\
         C-9,,Ghost deal,100,EUR,2026-06-30\n\
         ,  acme GMBH ,Acme by name,100.5,EUR,2026-07-31\n\
         ,Nobody Inc,Nobody deal,100,EUR,2026-07-31\n\
         C-1,,Bad amount,1.5.0,EUR,2026-07-31\n\
         C-1,,Bad date,100,EUR,31/07/2026\n",
    );
    let (code, report) = import(&dir, &["opportunities", &opportunities, "--actor", "alice"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        outcomes(&report),
        [
            "2 imported",
            "3 failed unknown_customer",
            "4 imported",
            "5 failed unknown_customer",
            "6 failed invalid_money",
            "7 failed invalid_date",
        ]
    );
    for (line, amount_minor) in [(2, 1_200_000), (4, 10_050)] {
        let deal = stream_events(&dir, id_of(&report, line));
        let OpportunityEvent::Opened { customer_id, amount, .. } =
            ltc_projections::decode_event(&deal[0]).unwrap()
        else {
            panic!("a deal starts with its opening");
        };
        assert_eq!(customer_id.0, acme[0].stream.id, "line {line} is Acme's");
        assert_eq!(amount.amount_minor, amount_minor);
    }
}

#[test]
fn customers_go_in_many_at_a_time_and_a_repeated_key_is_answered_as_if_one_at_a_time() {
    let dir = demo();
    // 150 rows: more than one window of rows sent at once. Line 5 repeats line 2 and line 6
    // changes it, inside the first window; line 120 repeats line 3 in a later one.
    let mut csv = String::from("key,name,industry,region,currency\n");
    for n in 0..150 {
        let key = match n {
            3 | 4 => 0,
            118 => 1,
            _ => n,
        };
        let name = if n == 4 { "Changed GmbH".to_owned() } else { format!("Company {key}") };
        csv.push_str(&format!("K-{key},{name},retail,emea,EUR\n"));
    }
    let file = write(&dir, "customers.csv", &csv);
    let events_before = events(&dir).len();
    let (code, report) = import(&dir, &["customers", &file, "--actor", "alice"]);
    assert_eq!(code, Some(1), "one row fails: {report:#}");

    let outcomes = outcomes(&report);
    assert_eq!(outcomes.len(), 150);
    let lines: Vec<u64> = report["row_reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, (2..=151).collect::<Vec<_>>(), "the report keeps file order");
    assert_eq!(outcomes[3], "5 same_as_line");
    assert_eq!(row(&report, 5)["same_as_line"], 2);
    assert_eq!(outcomes[4], "6 failed duplicate_key");
    assert_eq!(outcomes[118], "120 same_as_line");
    assert_eq!(row(&report, 120)["same_as_line"], 3);
    let imported = outcomes.iter().filter(|outcome| outcome.ends_with(" imported")).count();
    assert_eq!(imported, 147);
    assert_eq!(events(&dir).len() - events_before, 147, "one creation per customer, none twice");

    let (code, again) = import(&dir, &["customers", &file, "--actor", "alice"]);
    assert_eq!(code, Some(1));
    let already = outcomes_of(&again, "already_imported");
    assert_eq!(already, 147, "a re-run appends nothing: {again:#}");
}

fn outcomes_of(report: &Value, outcome: &str) -> usize {
    let rows = report["row_reports"].as_array().unwrap();
    rows.iter().filter(|row| row["outcome"] == outcome).count()
}

#[test]
fn a_file_without_a_required_column_is_refused_before_any_row_and_exits_2() {
    let dir = demo();
    let before = events(&dir).len();
    let file = write(&dir, "leads.csv", "E-mail,Company\nada@example.com,Acme\n");
    let data = data(&dir);
    let run = ltc(&["import", "--data", &data, "leads", &file, "--actor", "alice"]);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("no column holds name"), "{}", run.stderr);
    assert!(run.stderr.contains("\"E-mail\""), "it lists the columns found: {}", run.stderr);
    let run = ltc(&["import", "--data", &data, "leads", &file, "--actor", "mallory"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("\"mallory\" is not in the user table"), "{}", run.stderr);
    assert_eq!(events(&dir).len(), before, "nothing was appended");
}

#[test]
fn the_text_report_names_each_line_that_did_not_simply_go_in_and_sums_up() {
    let dir = demo();
    let (existing_email, _) = open_demo_lead(&dir);
    let file = write(&dir, "leads.csv", &lead_file(&existing_email, "not-an-email"));
    let mapping = write(&dir, "mapping.json", LEAD_MAPPING);
    let data = data(&dir);
    let run = ltc(&[
        "import",
        "--data",
        &data,
        "leads",
        &file,
        "--mapping",
        &mapping,
        "--actor",
        "alice",
    ]);
    assert_eq!(run.code, Some(1));
    for expected in [
        "line 3: failed (lead.invalid_email): \"not-an-email\" is not an email address",
        "line 4: failed (missing_field): name is empty",
        "line 9: skipped: the same record as line 2",
        "(line 2)",
        "ltc import leads: 10 rows: 4 imported (2 as duplicates of open leads), 1 skipped",
        "5 failed",
        "failed by reason: invalid_value 1, lead.forbidden 1, lead.invalid_email 1, \
         missing_field 1, unknown_user 1",
    ] {
        assert!(run.stdout.contains(expected), "{expected:?} missing from\n{}", run.stdout);
    }
    assert!(!run.stdout.contains("line 2:"), "a row that simply went in is not listed");
}
