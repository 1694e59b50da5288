//! `ltc export` as a user runs it, on the seeded small history: each format's bytes are stable
//! (snapshots), every event comes out once in order and reads back, CloudEvents carry what the
//! spec requires, `| head` ends quietly, `--out` writes what stdout would, and memory does not
//! grow with the log.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use expect_test::expect;
use ltc_eventstore::{
    AppendRequest, Durability, EventId, EventStore, ExpectedVersion, Metadata, NewEvent, Position,
    RecordedEvent, StoreOptions,
};
use serde_json::Value;
use uuid::Uuid;

fn ltc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ltc")).args(args).output().expect("run ltc")
}

/// `ltc export --data DIR ARGS`'s stdout; the export must succeed.
fn export(dir: &Path, args: &[&str]) -> String {
    let output = ltc(&[&["export", "--data", dir.to_str().unwrap()], args].concat());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8")
}

fn history() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let output = ltc(&["demo", "--data", dir.path().to_str().unwrap(), "--seed", "42"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    dir
}

fn head(dir: &Path) -> u64 {
    EventStore::open(dir.join("events.db"), StoreOptions::default()).unwrap().head().position
}

#[test]
fn each_format_of_the_first_events_is_byte_for_byte_the_snapshot() {
    let dir = history();
    expect![[r#"
        {"position":1,"event_id":"3f0cc144-a3e6-5a72-b206-dc9562767c7e","stream":"quota-91e44301-0a3c-5b1c-a261-cd3291d8aad5","version":1,"event_type":"QuotaSet","schema_version":1,"occurred_at":"2026-01-05T08:14:33.000000Z","recorded_at":"2026-01-05T08:14:33.000000Z","actor":"SalesManager:b2058aa0-ab6a-57be-b309-33bb4e211f4d","command_id":"348f54e7-0a3b-51e7-b907-fe3a90f31ac1","correlation_id":"16dd8de3-7377-5540-8b1c-f78ce9604ecc","causation_id":null,"payload":{"Set":{"amount":{"amount_minor":15000000,"currency":"EUR"},"at":"2026-01-05T08:14:33Z","by":"b2058aa0-ab6a-57be-b309-33bb4e211f4d","commission_bps":500,"period":"2026-Q1","rep":"16dd8de3-7377-5540-8b1c-f78ce9604ecc","team":"18af8903-2338-5e18-9514-eac68b7743b9"}}}
        {"position":2,"event_id":"e95bac90-a2ba-5d63-8285-41bfb9cbd841","stream":"quota-0cfb61cc-d553-5b5d-b65a-9b38bc9dd186","version":1,"event_type":"QuotaSet","schema_version":1,"occurred_at":"2026-01-05T08:17:54.000000Z","recorded_at":"2026-01-05T08:17:54.000000Z","actor":"SalesManager:b2058aa0-ab6a-57be-b309-33bb4e211f4d","command_id":"44540c61-265f-5c7a-a3c2-4ca0c19dad70","correlation_id":"d3a6c01b-44dc-5330-aa1c-17bb7c33e52b","causation_id":null,"payload":{"Set":{"amount":{"amount_minor":12000000,"currency":"EUR"},"at":"2026-01-05T08:17:54Z","by":"b2058aa0-ab6a-57be-b309-33bb4e211f4d","commission_bps":500,"period":"2026-Q1","rep":"d3a6c01b-44dc-5330-aa1c-17bb7c33e52b","team":"18af8903-2338-5e18-9514-eac68b7743b9"}}}
    "#]].assert_eq(&export(dir.path(), &["--to", "2"]));
    expect![[r#"
        position,event_id,stream,version,event_type,schema_version,occurred_at,recorded_at,actor,command_id,correlation_id,causation_id,payload
        1,3f0cc144-a3e6-5a72-b206-dc9562767c7e,quota-91e44301-0a3c-5b1c-a261-cd3291d8aad5,1,QuotaSet,1,2026-01-05T08:14:33.000000Z,2026-01-05T08:14:33.000000Z,SalesManager:b2058aa0-ab6a-57be-b309-33bb4e211f4d,348f54e7-0a3b-51e7-b907-fe3a90f31ac1,16dd8de3-7377-5540-8b1c-f78ce9604ecc,,"{""Set"":{""amount"":{""amount_minor"":15000000,""currency"":""EUR""},""at"":""2026-01-05T08:14:33Z"",""by"":""b2058aa0-ab6a-57be-b309-33bb4e211f4d"",""commission_bps"":500,""period"":""2026-Q1"",""rep"":""16dd8de3-7377-5540-8b1c-f78ce9604ecc"",""team"":""18af8903-2338-5e18-9514-eac68b7743b9""}}"
        2,e95bac90-a2ba-5d63-8285-41bfb9cbd841,quota-0cfb61cc-d553-5b5d-b65a-9b38bc9dd186,1,QuotaSet,1,2026-01-05T08:17:54.000000Z,2026-01-05T08:17:54.000000Z,SalesManager:b2058aa0-ab6a-57be-b309-33bb4e211f4d,44540c61-265f-5c7a-a3c2-4ca0c19dad70,d3a6c01b-44dc-5330-aa1c-17bb7c33e52b,,"{""Set"":{""amount"":{""amount_minor"":12000000,""currency"":""EUR""},""at"":""2026-01-05T08:17:54Z"",""by"":""b2058aa0-ab6a-57be-b309-33bb4e211f4d"",""commission_bps"":500,""period"":""2026-Q1"",""rep"":""d3a6c01b-44dc-5330-aa1c-17bb7c33e52b"",""team"":""18af8903-2338-5e18-9514-eac68b7743b9""}}"
    "#]].assert_eq(&export(dir.path(), &["--to", "2", "--format", "csv"]));
    expect![[r#"
        {"specversion":"1.0","id":"3f0cc144-a3e6-5a72-b206-dc9562767c7e","source":"ltc/demo","type":"ltc.quota.QuotaSet.v1","subject":"quota-91e44301-0a3c-5b1c-a261-cd3291d8aad5","time":"2026-01-05T08:14:33.000000Z","datacontenttype":"application/json","ltcposition":1,"ltcstreamversion":1,"ltcrecordedat":"2026-01-05T08:14:33.000000Z","ltcactor":"SalesManager:b2058aa0-ab6a-57be-b309-33bb4e211f4d","ltccommandid":"348f54e7-0a3b-51e7-b907-fe3a90f31ac1","ltccorrelationid":"16dd8de3-7377-5540-8b1c-f78ce9604ecc","data":{"Set":{"amount":{"amount_minor":15000000,"currency":"EUR"},"at":"2026-01-05T08:14:33Z","by":"b2058aa0-ab6a-57be-b309-33bb4e211f4d","commission_bps":500,"period":"2026-Q1","rep":"16dd8de3-7377-5540-8b1c-f78ce9604ecc","team":"18af8903-2338-5e18-9514-eac68b7743b9"}}}
    "#]].assert_eq(&export(dir.path(), &["--to", "1", "--format", "cloudevents"]));
    let first_receipt = export(dir.path(), &["--type", "PaymentReceived"]);
    let first_receipt = first_receipt.lines().next().expect("the history has receipts");
    expect![[r#"{"position":734,"event_id":"8baed805-070b-55af-a050-bf53e8028a6d","stream":"payment-7bb55a34-3ed6-5077-9114-f9b882400c59","version":2,"event_type":"PaymentReceived","schema_version":1,"occurred_at":"2026-02-23T11:24:21.000000Z","recorded_at":"2026-02-23T11:24:21.000000Z","actor":"Finance:fbfed1c6-9310-58ba-bc65-abc4f3c080b5","command_id":"583fefd6-ba64-59d1-b3f1-2c8d81328a4d","correlation_id":"d5354829-0c81-5abb-9449-960d1062fc22","causation_id":null,"payload":{"PaymentReceived":{"allocations":[{"amount":{"amount_minor":69160,"currency":"EUR"},"instalment_idx":0}],"amount":{"amount_minor":69160,"currency":"EUR"},"at":"2026-02-23T11:24:21Z","credit":{"amount_minor":0,"currency":"EUR"},"method":"bank_transfer","receipt_id":"8609bd93-e3a7-5e5f-9865-43d2c4a8852c","received_on":"2026-02-23","reference":"remittance 8609bd93e3a75e5f986543d2c4a8852c"}}}"#]].assert_eq(first_receipt);
}

#[test]
fn every_event_comes_out_once_in_position_order_and_the_csv_reads_back_to_the_jsonl() {
    let dir = history();
    let n_events = head(dir.path());
    let jsonl = export(dir.path(), &[]);
    let lines: Vec<Value> = jsonl.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let positions: Vec<u64> = lines.iter().map(|line| line["position"].as_u64().unwrap()).collect();
    assert_eq!(positions, (1..=n_events).collect::<Vec<_>>());

    let csv = export(dir.path(), &["--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let mut n_rows = 0;
    for (row, line) in reader.records().zip(&lines) {
        let row = row.unwrap();
        for (name, cell) in header.iter().zip(row.iter()) {
            let expected = match &line[name.as_str()] {
                Value::String(text) => text.clone(),
                Value::Null => String::new(),
                Value::Number(number) => number.to_string(),
                payload => {
                    assert_eq!(serde_json::from_str::<Value>(cell).unwrap(), *payload);
                    continue;
                }
            };
            assert_eq!(cell, expected, "{name} at {}", line["position"]);
        }
        n_rows += 1;
    }
    assert_eq!(n_rows, n_events);
}

#[test]
fn cloud_events_have_the_required_attributes_a_type_per_event_and_lowercase_extensions() {
    let dir = history();
    let text = export(dir.path(), &["--format", "cloudevents", "--stream", "payment,quote"]);
    let mut n_events = 0;
    for line in text.lines() {
        let event: Value = serde_json::from_str(line).unwrap();
        let attributes = event.as_object().unwrap();
        for required in ["specversion", "id", "source", "type"] {
            assert!(attributes[required].as_str().is_some_and(|value| !value.is_empty()));
        }
        assert_eq!(event["specversion"], "1.0");
        assert_eq!(event["datacontenttype"], "application/json");
        let ce_type = event["type"].as_str().unwrap();
        let subject = event["subject"].as_str().unwrap();
        let kind = subject.split('-').next().unwrap();
        assert!(["payment", "quote"].contains(&kind), "{subject}");
        assert!(ce_type.starts_with(&format!("ltc.{kind}.")) && ce_type.ends_with(".v1"));
        assert!(event["ltcposition"].as_u64().is_some_and(|position| position > 0));
        assert!(event["data"].is_object());
        for name in attributes.keys() {
            let spec_name = name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            assert!(spec_name && name.len() <= 20, "attribute name {name:?}");
        }
        n_events += 1;
    }
    assert!(n_events > 100, "{n_events} payment and quote events");
}

#[test]
fn an_export_into_head_ends_quietly_when_head_stops_reading() {
    let dir = history();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ltc"))
        .args(["export", "--data", dir.path().to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_bytes = [0u8; 512];
    child.stdout.take().unwrap().read_exact(&mut first_bytes).unwrap();
    // The read end is dropped here, as `head` exits after its lines.
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "", "no panic, no message");
    assert!(first_bytes.starts_with(b"{\"position\":1,"));
}

#[test]
fn out_writes_the_bytes_stdout_would_and_says_how_many_events() {
    let dir = history();
    let file = dir.path().join("march.csv");
    let args = ["--format", "csv", "--from", "2026-03-01", "--to", "2026-03-31"];
    let on_stdout = export(dir.path(), &args);
    let output = ltc(&[
        &["export", "--data", dir.path().to_str().unwrap()],
        &args[..],
        &["--out", file.to_str().unwrap()],
    ]
    .concat());
    assert!(output.status.success());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), on_stdout);
    let n_rows = on_stdout.lines().count() - 1;
    let said = String::from_utf8(output.stderr).unwrap();
    assert!(said.starts_with(&format!("ltc export: {n_rows} events")), "{said}");
    let times: Vec<&str> =
        on_stdout.lines().skip(1).map(|line| line.split(',').nth(7).unwrap()).collect();
    assert!(times.iter().all(|at| at.starts_with("2026-03-")), "recorded in March only");
}

#[test]
fn a_bad_bound_stream_or_event_type_is_a_clear_error_with_exit_code_2() {
    let dir = history();
    let data = dir.path().to_str().unwrap();
    for (args, says) in [
        (&["--from", "yesterday"][..], "not a position, a date"),
        (&["--stream", "invoices"], "not a stream id (kind-uuid) or a stream kind"),
        (&["--format", "xml"], "possible values: jsonl, csv, cloudevents"),
        (&["--type", "QuoteAccepted,PaymentRecieved"], "did you mean `PaymentReceived`?"),
    ] {
        let output = ltc(&[&["export", "--data", data], args].concat());
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says) && !stderr.contains("panicked"), "{stderr}");
    }
}

/// The small history appended `copies` more times into its own store, each copy under fresh
/// stream, event and command ids (payloads unchanged: an export only decodes them).
async fn tiled(dir: &Path, copies: u32) {
    let source = EventStore::open(dir.join("events.db"), StoreOptions::default()).unwrap();
    let events: Vec<RecordedEvent> =
        source.read_all(Position::START, u64::MAX).map(Result::unwrap).collect();
    drop(source);
    let options = StoreOptions { durability: Durability::Normal, ..StoreOptions::default() };
    let store = EventStore::open(dir.join("events.db"), options).unwrap();
    let appends = events
        .chunk_by(|a, b| a.stream == b.stream && a.metadata.command_id == b.metadata.command_id);
    let appends: Arc<Vec<Vec<RecordedEvent>>> = Arc::new(appends.map(<[_]>::to_vec).collect());
    for round in 0..appends.len() {
        let mut tasks = tokio::task::JoinSet::new();
        for copy in 1..=copies {
            let (appends, store) = (appends.clone(), store.clone());
            tasks.spawn(async move { store.append(copy_of(&appends[round], copy)).await });
        }
        while let Some(appended) = tasks.join_next().await {
            appended.unwrap().unwrap();
        }
    }
}

fn copy_of(append: &[RecordedEvent], copy: u32) -> AppendRequest {
    let remap = |id: Uuid| Uuid::new_v5(&Uuid::from_u128(u128::from(copy)), id.as_bytes());
    let first = &append[0];
    let mut stream = first.stream.clone();
    stream.id = remap(stream.id);
    AppendRequest {
        stream,
        expected: ExpectedVersion::Exact(first.version - 1),
        events: append
            .iter()
            .map(|event| NewEvent {
                event_id: EventId(remap(event.event_id.0)),
                event_type: event.event_type.clone(),
                schema_version: event.schema_version,
                occurred_at: event.occurred_at,
                codec: event.codec,
                payload: event.payload.clone(),
            })
            .collect(),
        metadata: Metadata {
            command_id: remap(first.metadata.command_id),
            ..first.metadata.clone()
        },
    }
}

/// The peak resident memory (VmHWM, KiB) of `ltc export` over `dir`, read from /proc between
/// reads of its output. The export cannot run ahead of a pipe nobody drains, so it is alive at
/// every sample and the samples span its whole run, however fast it is.
fn peak_rss_kib_of_export(dir: &Path) -> u64 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ltc"))
        .args(["export", "--data", dir.to_str().unwrap(), "--format", "jsonl"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut stdout = child.stdout.take().unwrap();
    let mut chunk = vec![0u8; 64 * 1024];
    let (mut peak, mut n_samples) = (0, 0);
    loop {
        // A process that has exited (a zombie) has no VmHWM line; that sample is skipped.
        if let Ok(status) = std::fs::read_to_string(&status_file)
            && let Some(line) = status.lines().find(|line| line.starts_with("VmHWM:"))
        {
            let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
            peak = peak.max(kib);
            n_samples += 1;
        }
        if stdout.read(&mut chunk).unwrap() == 0 {
            break;
        }
    }
    assert!(child.wait().unwrap().success());
    assert!(n_samples > 10, "{n_samples} samples over the export's run");
    peak
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_does_not_grow_with_the_log_an_export_of_thirteen_times_the_events_peaks_alike() {
    let small = history();
    let large = history();
    tiled(large.path(), 12).await;
    let (n_small, n_large) = (head(small.path()), head(large.path()));
    assert_eq!(n_large, 13 * n_small);
    let bytes_large = std::fs::metadata(large.path().join("events.db")).unwrap().len();
    let peak_small = peak_rss_kib_of_export(small.path());
    let peak_large = peak_rss_kib_of_export(large.path());
    eprintln!(
        "export peak RSS: {n_small} events {peak_small} KiB, {n_large} events {peak_large} KiB \
         ({} MiB of log)",
        bytes_large >> 20
    );
    // Holding the large log or its JSON (≈ 12 MB) would show; what may differ is the reader's
    // page cache filling up (1 MiB) and allocator slack.
    assert!(peak_large < peak_small + 4 * 1024, "{peak_small} KiB, then {peak_large} KiB");
}
