//! The CI check of the peer benchmark: ltc's side runs the whole workload at its quick size and
//! must end every scenario with the checksum the workload predicts. The cqrs-es side links
//! sqlx's SQLite, so it lives outside this workspace and only `benches/peer/run` runs it.

use ltc_benches::peer_ltc::run_all;
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
