//! The four scenarios on cqrs-es + sqlite-es, each on a fresh store, mirroring
//! `benches/src/peer_ltc.rs` step for step.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::AggregateError;
use sqlite_es::SqliteCqrs;
use uuid::Uuid;

use crate::opportunity::{Money, Opportunity, OpportunityCommand, Ownership};
use crate::store::{OnDisk, PeerError, PeerStore, Storage};
use crate::workload::{
    ACTOR_USER, CUSTOMER, Checksum, Field, OCCURRED_AT_UNIX_S, OPEN_STAGES, ResultLine, Scenario,
    StreamTimings, TENANT, WorkloadSize, aggregate_id, command_id, same_aggregate_stage,
    stage_index, stage_of_step,
};

/// The snapshot interval of the `cqrs-es-snapshot` runs: ltc's `SNAPSHOT_EVERY_EVENTS`.
const SNAPSHOT_EVERY_EVENTS: usize = 100;

pub async fn run_all(
    size: WorkloadSize,
    emit: &mut dyn FnMut(ResultLine),
) -> Result<(), PeerError> {
    emit(distinct(size, Scenario::Sequential, 1).await?);
    for line in one_aggregate(size, Storage::EventStore).await? {
        emit(line);
    }
    for tasks in size.tasks {
        emit(distinct(size, Scenario::Tasks(tasks), tasks).await?);
    }
    emit(same_aggregate(size, Storage::EventStore).await?);
    for line in one_aggregate(size, Storage::Snapshots(SNAPSHOT_EVERY_EVENTS)).await? {
        emit(line);
    }
    emit(same_aggregate(size, Storage::Snapshots(SNAPSHOT_EVERY_EVENTS)).await?);
    Ok(())
}

fn engine_label(storage: Storage) -> &'static str {
    match storage {
        Storage::EventStore => "cqrs-es",
        Storage::Snapshots(_) => "cqrs-es-snapshot",
    }
}

/// (a) and (c): an open and a move on each aggregate, the aggregates dealt to `tasks` tasks.
async fn distinct(
    size: WorkloadSize,
    scenario: Scenario,
    tasks: u64,
) -> Result<ResultLine, PeerError> {
    let bench = Arc::new(PeerBench::open(Storage::EventStore).await?);
    let n_aggregates = size.distinct_aggregates;
    let started = Instant::now();
    let senders: Vec<_> = (0..tasks)
        .map(|task_idx| {
            let bench = bench.clone();
            tokio::spawn(async move {
                for aggregate_idx in (task_idx..n_aggregates).step_by(tasks as usize) {
                    let id = aggregate_id_text(scenario, aggregate_idx);
                    bench.send(&id, open(&id)).await?;
                    bench.send(&id, move_stage(stage_of_step(1))).await?;
                }
                Ok::<(), PeerError>(())
            })
        })
        .collect();
    for sender in senders {
        sender.await.map_err(|error| PeerError::Unexpected(error.to_string()))??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let checksum = bench.read_back(scenario, n_aggregates).await?;
    let bench = Arc::into_inner(bench).expect("the senders have ended");
    let disk = bench.store.close().await?;
    let name = match scenario {
        Scenario::Tasks(tasks) => format!("c_tasks_{tasks}"),
        _ => "a_sequential".to_owned(),
    };
    let line = ResultLine::new("cqrs-es", &name, size.distinct_commands(), seconds);
    Ok(with_disk(line, disk)
        .with("checksum", Field::Text(checksum.hex()))
        .with("expected_checksum", Field::Text(Checksum::expected_distinct(n_aggregates).hex())))
}

/// (b): the commands on one aggregate, timed one by one; one line per reported length.
async fn one_aggregate(size: WorkloadSize, storage: Storage) -> Result<Vec<ResultLine>, PeerError> {
    let bench = PeerBench::open(storage).await?;
    let id = aggregate_id_text(Scenario::OneAggregate, 0);
    let mut timings = StreamTimings::default();
    for step in 0..size.one_aggregate_commands {
        let command = if step == 0 { open(&id) } else { move_stage(stage_of_step(step)) };
        let started = Instant::now();
        bench.send(&id, command).await?;
        timings.seconds_per_command.push(started.elapsed().as_secs_f64());
    }
    let checksum = bench.read_back(Scenario::OneAggregate, 1).await?;
    let disk = bench.store.close().await?;
    let expected = Checksum::expected_one_aggregate(size.one_aggregate_commands);
    let lines = size
        .one_aggregate_lengths
        .iter()
        .map(|&length| {
            let window = size.one_aggregate_window;
            let rate = timings.rate_at(length, window);
            let scenario = format!("b_length_{length}");
            let line =
                ResultLine::new(engine_label(storage), &scenario, window, window as f64 / rate);
            with_disk(line, disk)
                .with("stream_length", Field::Int(length))
                .with("checksum", Field::Text(checksum.hex()))
                .with("expected_checksum", Field::Text(expected.hex()))
        })
        .collect();
    Ok(lines)
}

/// (d): two tasks moving one aggregate's stage at once. cqrs-es does not retry: a conflict
/// comes back to the caller as `AggregateError::AggregateConflict`, and the task sends the
/// command again, as an application would have to.
async fn same_aggregate(size: WorkloadSize, storage: Storage) -> Result<ResultLine, PeerError> {
    let bench = Arc::new(PeerBench::open(storage).await?);
    let id = aggregate_id_text(Scenario::SameAggregate, 0);
    bench.send(&id, open(&id)).await?;
    let per_task = size.same_aggregate_commands_per_task;
    let started = Instant::now();
    let senders: Vec<_> = (0..2)
        .map(|task_idx| {
            let (bench, id) = (bench.clone(), id.clone());
            tokio::spawn(async move {
                let mut caller_retries = 0u64;
                for step in 0..per_task {
                    let metadata = bench.metadata();
                    loop {
                        let command = move_stage(same_aggregate_stage(task_idx, step));
                        match bench
                            .framework
                            .execute_with_metadata(&id, command, metadata.clone())
                            .await
                        {
                            Ok(()) => break,
                            Err(AggregateError::AggregateConflict) => caller_retries += 1,
                            Err(error) => return Err(PeerError::from(error)),
                        }
                    }
                }
                Ok::<u64, PeerError>(caller_retries)
            })
        })
        .collect();
    let mut caller_retries = 0;
    for sender in senders {
        caller_retries +=
            sender.await.map_err(|error| PeerError::Unexpected(error.to_string()))??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let (_, version) = bench.store.load(&id).await?;
    let mut checksum = Checksum::new();
    checksum.add(0, version, 0);
    let bench = Arc::into_inner(bench).expect("the senders have ended");
    let disk = bench.store.close().await?;
    let line = ResultLine::new(engine_label(storage), "d_same_aggregate", 2 * per_task, seconds);
    Ok(with_disk(line, disk)
        .with("conflicts", Field::Int(caller_retries))
        .with("engine_retries", Field::Int(0))
        .with("caller_retries", Field::Int(caller_retries))
        .with("checksum", Field::Text(checksum.hex()))
        .with(
            "expected_checksum",
            Field::Text(Checksum::expected_same_aggregate(2 * per_task).hex()),
        ))
}

/// A fresh store and the framework over it.
struct PeerBench {
    framework: SqliteCqrs<Opportunity>,
    store: PeerStore,
    next_command: AtomicU64,
}

impl PeerBench {
    async fn open(storage: Storage) -> Result<PeerBench, PeerError> {
        let store = PeerStore::open().await?;
        Ok(PeerBench { framework: store.framework(storage), store, next_command: 0.into() })
    }

    /// Sends `command` with the next command id's metadata. Only (d) shares an aggregate
    /// between tasks, so a conflict anywhere else is an error.
    async fn send(&self, aggregate_id: &str, command: OpportunityCommand) -> Result<(), PeerError> {
        let metadata = self.metadata();
        Ok(self.framework.execute_with_metadata(aggregate_id, command, metadata).await?)
    }

    /// The same four fields ltc stores with every event: the command and correlation ids, the
    /// actor, the tenant.
    fn metadata(&self) -> HashMap<String, String> {
        let (high, low) = command_id(self.next_command.fetch_add(1, Ordering::Relaxed));
        let command_id = Uuid::from_u64_pair(high, low).to_string();
        HashMap::from([
            ("command_id".to_owned(), command_id.clone()),
            ("correlation_id".to_owned(), command_id),
            ("actor".to_owned(), format!("SalesRep:{}", Uuid::from_u128(ACTOR_USER))),
            ("tenant".to_owned(), TENANT.to_owned()),
        ])
    }

    /// Each of the scenario's aggregates as the framework loads it, folded in order.
    async fn read_back(
        &self,
        scenario: Scenario,
        n_aggregates: u64,
    ) -> Result<Checksum, PeerError> {
        let mut checksum = Checksum::new();
        for aggregate_idx in 0..n_aggregates {
            let id = aggregate_id_text(scenario, aggregate_idx);
            let (opportunity, version) = self.store.load(&id).await?;
            let deal = opportunity.opened.ok_or_else(|| {
                PeerError::Unexpected(format!("opportunity {id} was never opened"))
            })?;
            let stage = stage_index(&deal.current_stage().stage).ok_or_else(|| {
                PeerError::Unexpected(format!("opportunity {id} is in a stage outside the cycle"))
            })?;
            checksum.add(aggregate_idx, version, stage);
        }
        Ok(checksum)
    }
}

fn with_disk(line: ResultLine, disk: OnDisk) -> ResultLine {
    line.with("events", Field::Int(disk.events))
        .with("bytes_on_disk", Field::Int(disk.bytes))
        .with("bytes_per_event", Field::Real(disk.bytes as f64 / disk.events.max(1) as f64))
}

fn aggregate_id_text(scenario: Scenario, aggregate_idx: u64) -> String {
    let (high, low) = aggregate_id(scenario, aggregate_idx);
    Uuid::from_u64_pair(high, low).to_string()
}

fn occurred_at() -> DateTime<Utc> {
    DateTime::from_timestamp(OCCURRED_AT_UNIX_S, 0).expect("a valid time")
}

fn open(id: &str) -> OpportunityCommand {
    OpportunityCommand::Open {
        opportunity_id: Uuid::parse_str(id).expect("ids are UUIDs"),
        customer_id: Uuid::from_u128(CUSTOMER),
        name: "Bench deal".to_owned(),
        ownership: Ownership { owner: Uuid::from_u128(ACTOR_USER), team: None },
        amount: Money { amount_minor: 1_000_000, currency: "EUR".to_owned() },
        expected_close: NaiveDate::from_ymd_opt(2026, 6, 30).expect("a valid date"),
        at: occurred_at(),
    }
}

fn move_stage(stage_idx: usize) -> OpportunityCommand {
    OpportunityCommand::MoveStage { to: OPEN_STAGES[stage_idx].to_owned(), at: occurred_at() }
}
