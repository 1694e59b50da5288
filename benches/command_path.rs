//! Criterion benchmarks of the embedded command path, durable (`synchronous=FULL`): commands/s
//! through `Engine::execute` on distinct opportunities at 1 and 64 concurrent senders, and
//! the cost of one command on a single opportunity whose stream holds 100, 500 and 1,000 events
//! (which must stay flat: hot aggregates are cached, cold ones start from a snapshot).
//!
//! Estimate: the engine adds only a match on the request (an opportunity's amount change needs no
//! fact from another stream). A warm command costs the command-id look-up (~7 µs), `decide` and `evolve` on a
//! cached state (~2 µs plus a state clone), encoding (~1 µs) and one append through group commit.
//! At 1 sender that append is the whole story: ~3k commands/s, as one-event appends measured in
//! `benches/eventstore.rs`. At 64 senders the store's ~19k events/s bounds it, less the ~10 µs of
//! command-path CPU per command that now shares the two cores: ~14k commands/s. Per-command cost
//! on one stream is independent of its length: the same ~300 µs at 100 and 1,000 events.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use ltc_benches::Sizes;
use ltc_domain::actor::{Actor, Role};
use ltc_domain::customer::{CustomerCommand, CustomerProfile, Origin, Tier};
use ltc_domain::ids::{CustomerId, OpportunityId, TeamId, UserId};
use ltc_domain::money::{Currency, Money};
use ltc_eventstore::{EventStore, ManualClock, StoreOptions};
use ltc_services::command::CommandMeta;
use ltc_services::engine::{Command, Engine, OpportunityRequest};
use ltc_services::generator::demo_settings;
use tokio::runtime::Runtime;
use uuid::Uuid;

const OWNER: UserId = UserId(Uuid::from_u128(0xa11ce));
const TEAM: TeamId = TeamId(Uuid::from_u128(0x7ea3));
const CUSTOMER: CustomerId = CustomerId(Uuid::from_u128(0xc0ffee));

fn main() {
    let sizes = Sizes::from_args();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let mut criterion = Criterion::default().configure_from_args();
    bench_distinct_aggregates(&mut criterion, &runtime, &sizes);
    bench_stream_length(&mut criterion, &runtime, &sizes);
    criterion.final_summary();
}

/// A durable store in a temporary directory, with an engine and one customer.
struct Bench {
    engine: Engine,
    store: EventStore,
    clock: Arc<ManualClock>,
    next_command: std::sync::atomic::AtomicU64,
    _dir: tempfile::TempDir,
}

impl Bench {
    fn new() -> Bench {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()));
        let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
        let store = EventStore::open(dir.path().join("events.db"), options).expect("store");
        let engine = Engine::open(store.clone(), clock.clone(), demo_settings()).expect("engine");
        Bench { engine, store, clock, next_command: 0.into(), _dir: dir }
    }

    async fn execute(&self, command: Command) {
        self.engine.execute(command, &self.meta()).await.expect("the command is accepted");
    }

    async fn create_customer(&self) {
        let profile = CustomerProfile {
            name: "Bench customer".into(),
            industry: "manufacturing".into(),
            region: "north".into(),
            tier: Tier::Normal,
            owner: OWNER,
            team: Some(TEAM),
            credit_limit: eur(100_000_000),
        };
        let create =
            CustomerCommand::Create { customer_id: CUSTOMER, profile, origin: Origin::Direct };
        self.execute(Command::Customer { customer_id: CUSTOMER, command: create }).await;
    }

    fn meta(&self) -> CommandMeta {
        let n = self.next_command.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let command_id = Uuid::from_u64_pair(0x0193_0000_0000_7000, n);
        CommandMeta {
            command_id,
            correlation_id: command_id,
            causation_id: None,
            actor: Actor { user: OWNER, role: Role::SalesRep, team: Some(TEAM) },
            tenant: "bench".into(),
            expected_version: None,
        }
    }
}

fn open(id: Uuid) -> Command {
    let command = OpportunityRequest::Open {
        customer_id: CUSTOMER,
        name: "Bench deal".into(),
        owner: OWNER,
        team: Some(TEAM),
        amount: eur(1_000_000),
        expected_close: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
    };
    Command::Opportunity { opportunity_id: OpportunityId(id), command }
}

fn change_amount(id: Uuid, amount_minor: i64) -> Command {
    let command = OpportunityRequest::ChangeAmount { amount: eur(amount_minor) };
    Command::Opportunity { opportunity_id: OpportunityId(id), command }
}

fn eur(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("EUR").unwrap())
}

/// Each sender owns one opportunity and changes its amount, one command after another.
fn bench_distinct_aggregates(criterion: &mut Criterion, runtime: &Runtime, sizes: &Sizes) {
    let mut group = criterion.benchmark_group("command_path/distinct");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(sizes.warm_up_time);
    group.measurement_time(sizes.append_measurement_time);
    for senders in [1u64, 64] {
        let bench = Arc::new(Bench::new());
        let ids: Vec<Uuid> =
            (0..senders).map(|n| Uuid::from_u64_pair(0x0192_0000_0000_7000, n)).collect();
        runtime.block_on(async {
            bench.create_customer().await;
            for id in &ids {
                bench.execute(open(*id)).await;
            }
        });
        let mut amount = 1_000_000;
        group.throughput(Throughput::Elements(senders));
        group.bench_function(BenchmarkId::from_parameter(senders), |bencher| {
            bencher.iter_custom(|iters| {
                amount += 1;
                let started = Instant::now();
                runtime.block_on(async {
                    let tasks: Vec<_> = ids
                        .iter()
                        .map(|id| {
                            let (bench, id) = (bench.clone(), *id);
                            tokio::spawn(async move {
                                for step in 0..iters {
                                    let amount_minor = amount * 10_000 + step as i64;
                                    bench.execute(change_amount(id, amount_minor)).await;
                                }
                            })
                        })
                        .collect();
                    for task in tasks {
                        task.await.expect("sender");
                    }
                });
                started.elapsed()
            })
        });
        let events = bench.store.head().position;
        println!(
            "command_path/distinct/{senders}: {events} events in the log; verify intact: {}",
            bench.store.verify().expect("verify").is_intact()
        );
    }
    group.finish();
}

/// One command on one opportunity whose stream already holds `length` events; measured warm
/// (cached) and cold (a new engine: latest snapshot plus what follows).
fn bench_stream_length(criterion: &mut Criterion, runtime: &Runtime, sizes: &Sizes) {
    let mut group = criterion.benchmark_group("command_path/one_stream");
    group
        .sample_size(20)
        .warm_up_time(sizes.warm_up_time)
        .measurement_time(sizes.read_measurement_time);
    let lengths: [u64; 3] = if sizes.full { [100, 500, 1_000] } else { [5, 10, 20] };
    for length in lengths {
        let bench = Bench::new();
        let id = Uuid::from_u64_pair(0x0192_0000_0000_7000, length);
        runtime.block_on(async {
            bench.create_customer().await;
            bench.execute(open(id)).await;
            for step in 1..length {
                bench.execute(change_amount(id, step as i64)).await;
            }
        });
        let mut amount = 10_000_000;
        group.bench_function(BenchmarkId::new("warm", length), |bencher| {
            bencher.iter(|| {
                amount += 1;
                runtime.block_on(bench.execute(change_amount(id, amount)))
            })
        });
        group.bench_function(BenchmarkId::new("cold", length), |bencher| {
            bencher.iter_custom(|iters| {
                let mut elapsed = Duration::ZERO;
                for _ in 0..iters {
                    amount += 1;
                    let cold =
                        Engine::open(bench.store.clone(), bench.clock.clone(), demo_settings())
                            .expect("engine");
                    let started = Instant::now();
                    runtime
                        .block_on(cold.execute(change_amount(id, amount), &bench.meta()))
                        .expect("command");
                    elapsed += started.elapsed();
                }
                elapsed
            })
        });
    }
    group.finish();
}
