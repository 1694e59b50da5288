//! The CI check of the peer benchmark: ltc's side runs the whole workload at its quick size and
//! must end every scenario with the checksum the workload predicts. The cqrs-es side links
//! sqlx's SQLite, so it lives outside this workspace and only `benches/peer/run` runs it.

use ltc_benches::peer_ltc::{SQLITE_FLOOR, run_all, sqlite_floors};
use ltc_benches::peer_table::{parse, summarize};
use ltc_benches::peer_workload::WorkloadSize;
use ltc_eventstore::Durability;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_ltc_run_ends_every_scenario_with_the_checksum_the_workload_predicts() {
    let mut lines = Vec::new();
    run_all(Durability::Normal, WorkloadSize::QUICK, &mut |line| lines.push(line.to_json()))
        .await
        .expect("the workload runs");
    let samples = parse(&lines.join("\n")).expect("every line is JSON");

    let scenarios: Vec<&str> = samples.iter().map(|sample| sample.scenario.as_str()).collect();
    assert_eq!(
        scenarios,
        [
            "a_sequential",
            "b_length_50",
            "b_length_100",
            "b_length_200",
            "c_tasks_2",
            "c_tasks_64",
            "d_same_aggregate"
        ]
    );
    for sample in &samples {
        assert_eq!(sample.engine, "ltc-normal");
        assert!(sample.checksum.is_some(), "{} has no checksum", sample.scenario);
        assert!(sample.commands_per_s > 0.0, "{}", sample.scenario);
        assert!(sample.bytes_per_event.is_some_and(|bytes| bytes > 0.0), "{}", sample.scenario);
    }
    let summary = summarize(&samples);
    assert!(summary.problems.is_empty(), "{:#?}", summary.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_floors_write_every_command_of_a_and_c_and_leave_what_each_predicts() {
    let size = WorkloadSize::QUICK;
    let lines = sqlite_floors(size).await.expect("the floors run");
    let json: Vec<String> = lines.iter().map(|line| line.to_json()).collect();
    let samples = parse(&json.join("\n")).expect("every line is JSON");

    let scenarios: Vec<(&str, &str)> =
        samples.iter().map(|s| (s.engine.as_str(), s.scenario.as_str())).collect();
    assert_eq!(scenarios, [(SQLITE_FLOOR, "a_sequential"), (SQLITE_FLOOR, "c_tasks_64")]);
    for line in &json {
        let fields: serde_json::Value = serde_json::from_str(line).expect("JSON");
        assert_eq!(fields["commands"], size.distinct_commands(), "every command is timed: {line}");
    }
    // `sqlite_floors` fails unless each copy verifies up to ltc's head (every column of every
    // event row hashed, a command record for every command); here, read back through ltc's
    // engine, each copy must also hold every aggregate at the version and stage its scenario
    // leaves.
    let summary = summarize(&samples);
    assert!(summary.problems.is_empty(), "{:#?}", summary.problems);
}
