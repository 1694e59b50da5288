//! ltc's side of the peer benchmark: the workload of [`crate::peer_workload`] through the
//! embedded command path, `Engine::execute`, as `benches/command_path.rs` drives it, each
//! scenario on a fresh store in a temporary directory. The binary `peer_ltc` prints the result
//! lines; the test `benches/tests/peer_ltc.rs` runs the quick size and checks every checksum.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use ltc_domain::actor::{Actor, Role};
use ltc_domain::customer::{CustomerCommand, CustomerProfile, Origin, Tier};
use ltc_domain::ids::{CustomerId, OpportunityId, UserId};
use ltc_domain::money::{Currency, Money};
use ltc_domain::opportunity::{OpportunityState, StageKey};
use ltc_eventstore::{Durability, EventStore, ManualClock, StoreOptions, StreamId};
use ltc_services::command::CommandMeta;
use ltc_services::engine::{Command, Engine, EngineError, OpportunityRequest};
use ltc_services::generator::demo_settings;
use uuid::Uuid;

use crate::fixture::DiskUsage;
use crate::peer_workload::{
    ACTOR_USER, CUSTOMER, Checksum, Field, OCCURRED_AT_UNIX_S, OPEN_STAGES, ResultLine, Scenario,
    StreamTimings, TENANT, WorkloadSize, aggregate_id, command_id, same_aggregate_stage,
    stage_index, stage_of_step,
};
use crate::sqlite_floor::replay_commands;

/// The SQLite floor's name in result lines (`sqlite_floor.rs`).
pub const SQLITE_FLOOR: &str = "sqlite-floor";

/// The engine's name in result lines.
pub fn engine_label(durability: Durability) -> &'static str {
    match durability {
        Durability::Full => "ltc-full",
        Durability::Normal => "ltc-normal",
    }
}

/// Runs every scenario at `size`, one fresh store each, handing each result line to `emit` as
/// soon as it is known.
pub async fn run_all(
    durability: Durability,
    size: WorkloadSize,
    emit: &mut dyn FnMut(ResultLine),
) -> Result<(), EngineError> {
    let engine = engine_label(durability);
    emit(distinct(durability, size, Scenario::Sequential, 1).await?.labelled(engine));
    for line in one_aggregate(durability, size).await? {
        emit(line);
    }
    for tasks in size.tasks {
        emit(distinct(durability, size, Scenario::Tasks(tasks), tasks).await?.labelled(engine));
    }
    emit(same_aggregate(durability, size).await?);
    Ok(())
}

/// A scenario's figures before they are named.
struct Measured {
    scenario: String,
    commands: u64,
    seconds: f64,
    checksum: Checksum,
    expected: Checksum,
    disk: OnDisk,
}

impl Measured {
    fn labelled(self, engine: &str) -> ResultLine {
        let line = ResultLine::new(engine, &self.scenario, self.commands, self.seconds);
        self.disk
            .fields(line)
            .with("checksum", Field::Text(self.checksum.hex()))
            .with("expected_checksum", Field::Text(self.expected.hex()))
    }
}

/// Events in the log and the bytes of its files after a checkpoint.
#[derive(Debug, Clone, Copy)]
struct OnDisk {
    events: u64,
    bytes: u64,
}

impl OnDisk {
    fn fields(self, line: ResultLine) -> ResultLine {
        line.with("events", Field::Int(self.events))
            .with("bytes_on_disk", Field::Int(self.bytes))
            .with("bytes_per_event", Field::Real(self.bytes as f64 / self.events.max(1) as f64))
    }
}

/// (a) and (c): an open and a move on each aggregate, the aggregates dealt to `tasks` tasks.
async fn distinct(
    durability: Durability,
    size: WorkloadSize,
    scenario: Scenario,
    tasks: u64,
) -> Result<Measured, EngineError> {
    let bench = Arc::new(LtcBench::open(durability).await?);
    let n_aggregates = size.distinct_aggregates;
    let started = Instant::now();
    send_distinct(&bench, scenario, tasks, n_aggregates).await?;
    let seconds = started.elapsed().as_secs_f64();
    let checksum = bench.read_back(scenario, n_aggregates)?;
    let disk = Arc::into_inner(bench).expect("the senders have ended").close();
    Ok(Measured {
        scenario: scenario_name(scenario),
        commands: size.distinct_commands(),
        seconds,
        checksum,
        expected: Checksum::expected_distinct(n_aggregates),
        disk,
    })
}

/// The commands of (a) or (c): an open and a move on each aggregate, dealt to `tasks` tasks.
async fn send_distinct(
    bench: &Arc<LtcBench>,
    scenario: Scenario,
    tasks: u64,
    n_aggregates: u64,
) -> Result<(), EngineError> {
    let senders: Vec<_> = (0..tasks)
        .map(|task_idx| {
            let bench = bench.clone();
            tokio::spawn(async move {
                for aggregate_idx in (task_idx..n_aggregates).step_by(tasks as usize) {
                    let id = uuid(aggregate_id(scenario, aggregate_idx));
                    bench.send(open(id)).await?;
                    bench.send(move_stage(id, stage_of_step(1))).await?;
                }
                Ok::<(), EngineError>(())
            })
        })
        .collect();
    for sender in senders {
        sender.await.expect("a sender task panicked")?;
    }
    Ok(())
}

/// The SQLite floors of (a) and of (c) at its most tasks (`sqlite_floor.rs`): each scenario's
/// commands through ltc, untimed, then the rows ltc recorded written again, timed, one
/// transaction per command for (a) and one per as many commands as (c) has tasks (every group
/// commit full); each copy is read back through ltc's engine, so its checksum says it holds
/// what the scenario should leave.
pub async fn sqlite_floors(size: WorkloadSize) -> Result<Vec<ResultLine>, EngineError> {
    let most_tasks = size.tasks.iter().copied().max().unwrap_or(1);
    let mut lines = Vec::new();
    for (scenario, tasks) in [(Scenario::Sequential, 1), (Scenario::Tasks(most_tasks), most_tasks)]
    {
        lines.push(sqlite_floor(size, scenario, tasks).await?.labelled(SQLITE_FLOOR));
    }
    Ok(lines)
}

/// One scenario's floor: recorded through ltc, written again timed, and the copy checked twice:
/// `verify` (every row's hash over all its columns, and a command record for every command's
/// events) must pass up to the same head, and the engine must read back the scenario's states.
async fn sqlite_floor(
    size: WorkloadSize,
    scenario: Scenario,
    tasks: u64,
) -> Result<Measured, EngineError> {
    let n_aggregates = size.distinct_aggregates;
    let recorded = Arc::new(LtcBench::open(Durability::Normal).await?);
    send_distinct(&recorded, scenario, tasks, n_aggregates).await?;
    let recorded = Arc::into_inner(recorded).expect("the senders have ended");
    let recorded_head = recorded.store.head();
    let (source, dir) = recorded.close_keeping_files();
    let target = dir.path().join("floor.db");
    let per_transaction = usize::try_from(tasks).unwrap_or(usize::MAX);
    let replayed =
        replay_commands(&source, &target, per_transaction).map_err(EngineError::Internal)?;
    let copy = LtcBench::at(target, Durability::Normal, dir)?;
    let verified = copy.store.verify().map_err(read_error)?;
    if !verified.is_intact() || verified.verified_head != recorded_head {
        return Err(EngineError::Internal(format!(
            "the floor's copy is not the log ltc wrote: {verified:?}, ltc's head {recorded_head:?}"
        )));
    }
    let checksum = copy.read_back(scenario, n_aggregates)?;
    Ok(Measured {
        scenario: scenario_name(scenario),
        commands: replayed.commands,
        seconds: replayed.elapsed.as_secs_f64(),
        checksum,
        expected: Checksum::expected_distinct(n_aggregates),
        disk: copy.close(),
    })
}

fn scenario_name(scenario: Scenario) -> String {
    match scenario {
        Scenario::Tasks(tasks) => format!("c_tasks_{tasks}"),
        _ => "a_sequential".to_owned(),
    }
}

/// (b): the commands on one aggregate, timed one by one; one line per reported length.
async fn one_aggregate(
    durability: Durability,
    size: WorkloadSize,
) -> Result<Vec<ResultLine>, EngineError> {
    let bench = LtcBench::open(durability).await?;
    let id = uuid(aggregate_id(Scenario::OneAggregate, 0));
    let mut timings = StreamTimings::default();
    for step in 0..size.one_aggregate_commands {
        let command = if step == 0 { open(id) } else { move_stage(id, stage_of_step(step)) };
        let started = Instant::now();
        bench.send(command).await?;
        timings.seconds_per_command.push(started.elapsed().as_secs_f64());
    }
    let checksum = bench.read_back(Scenario::OneAggregate, 1)?;
    let disk = bench.close();
    let expected = Checksum::expected_one_aggregate(size.one_aggregate_commands);
    let engine = engine_label(durability);
    let lines = size
        .one_aggregate_lengths
        .iter()
        .map(|&length| {
            let window = size.one_aggregate_window;
            let rate = timings.rate_at(length, window);
            let line = ResultLine::new(
                engine,
                &format!("b_length_{length}"),
                window,
                window as f64 / rate,
            );
            disk.fields(line)
                .with("stream_length", Field::Int(length))
                .with("checksum", Field::Text(checksum.hex()))
                .with("expected_checksum", Field::Text(expected.hex()))
        })
        .collect();
    Ok(lines)
}

/// (d): two tasks moving one aggregate's stage at once. The command path reloads and decides
/// again on a conflict by itself; a command that still conflicts after its bounded retries is
/// sent again by the task with the same command id, and counted.
async fn same_aggregate(
    durability: Durability,
    size: WorkloadSize,
) -> Result<ResultLine, EngineError> {
    let bench = Arc::new(LtcBench::open(durability).await?);
    let id = uuid(aggregate_id(Scenario::SameAggregate, 0));
    bench.send(open(id)).await?;
    let conflicts_before = bench.engine.paths().opportunities.stats().conflicts;
    let per_task = size.same_aggregate_commands_per_task;
    let started = Instant::now();
    let senders: Vec<_> = (0..2)
        .map(|task_idx| {
            let bench = bench.clone();
            tokio::spawn(async move {
                let mut caller_retries = 0u64;
                for step in 0..per_task {
                    let command = move_stage(id, same_aggregate_stage(task_idx, step));
                    let meta = bench.meta();
                    loop {
                        match bench.engine.execute(command.clone(), &meta).await {
                            Ok(_) => break,
                            Err(EngineError::Conflict(_)) => caller_retries += 1,
                            Err(error) => return Err(error),
                        }
                    }
                }
                Ok::<u64, EngineError>(caller_retries)
            })
        })
        .collect();
    let mut caller_retries = 0;
    for sender in senders {
        caller_retries += sender.await.expect("a sender task panicked")?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let conflicts = bench.engine.paths().opportunities.stats().conflicts - conflicts_before;
    let stream = StreamId::new("opportunity", id).expect("a valid stream id");
    let mut checksum = Checksum::new();
    checksum.add(0, bench.store.stream_version(&stream).map_err(read_error)?, 0);
    let disk = Arc::into_inner(bench).expect("the senders have ended").close();
    let line = ResultLine::new(engine_label(durability), "d_same_aggregate", 2 * per_task, seconds);
    Ok(disk
        .fields(line)
        .with("conflicts", Field::Int(conflicts))
        // Every conflict but a command's last is followed by the engine's own retry.
        .with("engine_retries", Field::Int(conflicts - caller_retries))
        .with("caller_retries", Field::Int(caller_retries))
        .with("checksum", Field::Text(checksum.hex()))
        .with(
            "expected_checksum",
            Field::Text(Checksum::expected_same_aggregate(2 * per_task).hex()),
        ))
}

/// A store in its own temporary directory with an engine over it and the one customer every
/// opportunity belongs to.
struct LtcBench {
    engine: Engine,
    store: EventStore,
    path: PathBuf,
    next_command: AtomicU64,
    _dir: tempfile::TempDir,
}

impl LtcBench {
    async fn open(durability: Durability) -> Result<LtcBench, EngineError> {
        let dir = tempfile::tempdir().map_err(|error| EngineError::Internal(error.to_string()))?;
        let path = dir.path().join("events.db");
        let bench = LtcBench::at(path, durability, dir)?;
        bench.send(create_customer()).await?;
        Ok(bench)
    }

    /// An engine over the store at `path`, created if absent, in `dir`.
    fn at(
        path: PathBuf,
        durability: Durability,
        dir: tempfile::TempDir,
    ) -> Result<LtcBench, EngineError> {
        let at = Utc.timestamp_opt(OCCURRED_AT_UNIX_S, 0).single().expect("a valid time");
        let clock = Arc::new(ManualClock::new(at));
        let options = StoreOptions { durability, clock: clock.clone(), ..StoreOptions::default() };
        let store = EventStore::open(&path, options)
            .map_err(|error| EngineError::Internal(error.to_string()))?;
        let engine = Engine::open(store.clone(), clock, demo_settings())?;
        Ok(LtcBench { engine, store, path, next_command: 0.into(), _dir: dir })
    }

    /// Sends `command` with the next command id; a conflict the command path could not
    /// resolve is an error here, since only (d) shares an aggregate between tasks.
    async fn send(&self, command: Command) -> Result<(), EngineError> {
        self.engine.execute(command, &self.meta()).await.map(|_| ())
    }

    fn meta(&self) -> CommandMeta {
        let command_id = uuid(command_id(self.next_command.fetch_add(1, Ordering::Relaxed)));
        CommandMeta {
            command_id,
            correlation_id: command_id,
            causation_id: None,
            actor: Actor {
                user: UserId(Uuid::from_u128(ACTOR_USER)),
                role: Role::SalesRep,
                team: None,
            },
            tenant: TENANT.to_owned(),
            expected_version: None,
        }
    }

    /// Each of the scenario's aggregates as the engine now loads it, folded in order.
    fn read_back(&self, scenario: Scenario, n_aggregates: u64) -> Result<Checksum, EngineError> {
        let mut checksum = Checksum::new();
        for aggregate_idx in 0..n_aggregates {
            let id = uuid(aggregate_id(scenario, aggregate_idx));
            let stream = StreamId::new("opportunity", id).expect("a valid stream id");
            let version = self.store.stream_version(&stream).map_err(read_error)?;
            let state = self
                .engine
                .paths()
                .opportunities
                .state_of(id)
                .map_err(|error| EngineError::Internal(error.to_string()))?;
            let OpportunityState::Opened(opportunity) = state else {
                return Err(EngineError::Internal(format!("opportunity {id} was never opened")));
            };
            let stage = stage_index(&opportunity.current_stage().stage.0).ok_or_else(|| {
                EngineError::Internal(format!("opportunity {id} is in a stage outside the cycle"))
            })?;
            checksum.add(aggregate_idx, version, stage);
        }
        Ok(checksum)
    }

    /// Closes the store and hands back its file and the directory that holds it.
    fn close_keeping_files(self) -> (PathBuf, tempfile::TempDir) {
        let LtcBench { engine, store, path, _dir, .. } = self;
        drop(engine);
        drop(store);
        (path, _dir)
    }

    /// Closes the store (its last connection checkpoints the WAL) and measures its files.
    fn close(self) -> OnDisk {
        let events = self.store.head().position;
        let (path, _dir) = self.close_keeping_files();
        let usage = DiskUsage::of(&path);
        OnDisk { events, bytes: usage.db_bytes + usage.wal_bytes }
    }
}

fn read_error(error: ltc_eventstore::ReadError) -> EngineError {
    EngineError::Internal(error.to_string())
}

fn uuid((high, low): (u64, u64)) -> Uuid {
    Uuid::from_u64_pair(high, low)
}

fn customer_id() -> CustomerId {
    CustomerId(Uuid::from_u128(CUSTOMER))
}

fn create_customer() -> Command {
    let profile = CustomerProfile {
        name: "Bench customer".into(),
        industry: "manufacturing".into(),
        region: "north".into(),
        tier: Tier::Normal,
        owner: UserId(Uuid::from_u128(ACTOR_USER)),
        team: None,
        credit_limit: eur(100_000_000),
    };
    let create =
        CustomerCommand::Create { customer_id: customer_id(), profile, origin: Origin::Direct };
    Command::Customer { customer_id: customer_id(), command: create }
}

fn open(id: Uuid) -> Command {
    let command = OpportunityRequest::Open {
        customer_id: customer_id(),
        name: "Bench deal".into(),
        owner: UserId(Uuid::from_u128(ACTOR_USER)),
        team: None,
        amount: eur(1_000_000),
        expected_close: NaiveDate::from_ymd_opt(2026, 6, 30).expect("a valid date"),
    };
    Command::Opportunity { opportunity_id: OpportunityId(id), command }
}

fn move_stage(id: Uuid, stage_idx: usize) -> Command {
    let command = OpportunityRequest::MoveStage { to: StageKey::new(OPEN_STAGES[stage_idx]) };
    Command::Opportunity { opportunity_id: OpportunityId(id), command }
}

fn eur(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("EUR").expect("EUR is a currency"))
}
