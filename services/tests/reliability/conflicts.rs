//! Many writers changing the same few opportunities at once through the engine, first leaving
//! conflicts to the engine's own retries, then each naming the version it read
//! (`expected_version`): every accepted command's event is in its stream, each stream's length
//! is exactly the events accepted for it, and no accepted change overwrote another unseen.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{NaiveDate, TimeZone, Utc};
use ltc_domain::actor::{Actor, Role};
use ltc_domain::customer::{CustomerCommand, CustomerProfile, Origin, Tier};
use ltc_domain::ids::{CustomerId, OpportunityId, TeamId, UserId};
use ltc_domain::money::{Currency, Money};
use ltc_eventstore::{EventStore, ManualClock, StoreOptions, StreamId};
use ltc_services::command::CommandMeta;
use ltc_services::engine::{Command, Engine, EngineError, OpportunityRequest};
use ltc_services::generator::demo_settings;
use uuid::Uuid;

use crate::Sizes;
use crate::table::{Row, thousands};

const OWNER: UserId = UserId(Uuid::from_u128(0xa11ce));
const TEAM: TeamId = TeamId(Uuid::from_u128(0x7ea3));
const CUSTOMER: CustomerId = CustomerId(Uuid::from_u128(0xc0ffee));
/// So few that nearly every command races another on the same stream.
const OPPORTUNITIES: u128 = 2;

struct World {
    engine: Arc<Engine>,
    store: EventStore,
    next_command: AtomicU64,
    _dir: tempfile::TempDir,
}

/// What one writer's commands came to.
#[derive(Debug, Default)]
struct Tally {
    /// (command id, opportunity) of each accepted command that appended.
    accepted: Vec<(Uuid, u128)>,
    /// Refused because another writer got there first (retries exhausted, or a stale
    /// `expected_version`): the client was told, nothing was lost.
    refused_as_conflicts: u64,
}

pub async fn conflicting_writers(sizes: &Sizes) -> Row {
    let world = World::new().await;
    let retried = world.race(sizes, false).await;
    let optimistic = world.race(sizes, true).await;

    let mut accepted_per_stream = [1u64; OPPORTUNITIES as usize]; // each opened once
    let mut missing = 0u64;
    for (command_id, opportunity) in retried.accepted.iter().chain(&optimistic.accepted) {
        accepted_per_stream[*opportunity as usize] += 1;
        if world.store.committed_command(*command_id).unwrap().is_none() {
            missing += 1;
        }
    }
    let mut lost_updates = missing;
    for opportunity in 0..OPPORTUNITIES {
        let length = world.store.stream_version(&stream(opportunity)).unwrap();
        lost_updates += length.abs_diff(accepted_per_stream[opportunity as usize]);
    }
    assert!(!optimistic.accepted.is_empty(), "some writes naming their version went through");
    let writers = sizes.conflicting_writers;
    Row {
        scenario: "conflicting writers",
        tried: format!(
            "{writers} writers × {} changes on {OPPORTUNITIES} opportunities, twice: engine \
             retries, then each naming the version it read",
            sizes.commands_per_writer
        ),
        checked: format!(
            "left to the engine: {} accepted, {} refused as conflicts; naming the version: {} \
             accepted, {} refused as stale (told, not lost); every stream's length",
            thousands(retried.accepted.len() as u64),
            thousands(retried.refused_as_conflicts),
            thousands(optimistic.accepted.len() as u64),
            thousands(optimistic.refused_as_conflicts),
        ),
        broken_means: "lost updates",
        broken: lost_updates,
    }
}

fn stream(opportunity: u128) -> StreamId {
    StreamId::new("opportunity", opportunity_id(opportunity).0).unwrap()
}

fn opportunity_id(opportunity: u128) -> OpportunityId {
    OpportunityId(Uuid::from_u128(0x0990_0000 + opportunity))
}

fn meta(command_id: Uuid, expected_version: Option<u64>) -> CommandMeta {
    CommandMeta {
        command_id,
        correlation_id: command_id,
        causation_id: None,
        actor: Actor { user: OWNER, role: Role::SalesRep, team: Some(TEAM) },
        tenant: "reliability".into(),
        expected_version,
    }
}

fn eur(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("EUR").unwrap())
}

impl World {
    async fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()));
        let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
        let store = EventStore::open(dir.path().join("events.db"), options).unwrap();
        let engine = Arc::new(Engine::open(store.clone(), clock, demo_settings()).unwrap());
        let world = World { engine, store, next_command: AtomicU64::new(0), _dir: dir };
        let profile = CustomerProfile {
            name: "Contested customer".into(),
            industry: "manufacturing".into(),
            region: "north".into(),
            tier: Tier::Normal,
            owner: OWNER,
            team: Some(TEAM),
            credit_limit: eur(100_000_000),
        };
        let create =
            CustomerCommand::Create { customer_id: CUSTOMER, profile, origin: Origin::Direct };
        world
            .execute(Command::Customer { customer_id: CUSTOMER, command: create }, None)
            .await
            .unwrap();
        for opportunity in 0..OPPORTUNITIES {
            let open = OpportunityRequest::Open {
                customer_id: CUSTOMER,
                name: format!("Contested deal {opportunity}"),
                owner: OWNER,
                team: Some(TEAM),
                amount: eur(1_000_000),
                expected_close: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            };
            let command =
                Command::Opportunity { opportunity_id: opportunity_id(opportunity), command: open };
            world.execute(command, None).await.unwrap();
        }
        world
    }

    async fn execute(
        &self,
        command: Command,
        expected_version: Option<u64>,
    ) -> Result<(Uuid, bool), EngineError> {
        let n = self.next_command.fetch_add(1, Ordering::Relaxed);
        let meta = meta(Uuid::from_u64_pair(0x0193_0000_0000_7000, n), expected_version);
        let executed = self.engine.execute(command, &meta).await?;
        Ok((meta.command_id, executed.position.is_some()))
    }

    /// Every writer changes the amount of opportunity `(writer + i) % OPPORTUNITIES` to an
    /// amount no other command (nor the opening one) uses, so each accepted change is one new
    /// event.
    async fn race(&self, sizes: &Sizes, name_the_version: bool) -> Tally {
        let writers: Vec<_> = (0..sizes.conflicting_writers)
            .map(|writer| {
                let world = (self.engine.clone(), self.store.clone());
                let commands = sizes.commands_per_writer;
                let offset = u64::from(name_the_version) << 40;
                let meta_base = self.next_command.fetch_add(1 << 20, Ordering::Relaxed);
                tokio::spawn(async move {
                    let (engine, store) = world;
                    let mut tally = Tally::default();
                    for i in 0..commands {
                        let opportunity = ((writer + i) as u128) % OPPORTUNITIES;
                        let expected = name_the_version
                            .then(|| store.stream_version(&stream(opportunity)).unwrap());
                        let amount = 2_000_000 + (offset | (writer as u64) << 20 | i as u64) as i64;
                        let command = Command::Opportunity {
                            opportunity_id: opportunity_id(opportunity),
                            command: OpportunityRequest::ChangeAmount { amount: eur(amount) },
                        };
                        let command_id =
                            Uuid::from_u64_pair(0x0193_0000_0000_7001, meta_base + i as u64);
                        match engine.execute(command, &meta(command_id, expected)).await {
                            Ok(executed) if executed.position.is_some() => {
                                tally.accepted.push((command_id, opportunity));
                            }
                            Ok(executed) => panic!("a new amount recorded nothing: {executed:?}"),
                            Err(
                                EngineError::Conflict(_) | EngineError::WrongExpectedVersion { .. },
                            ) => {
                                tally.refused_as_conflicts += 1;
                            }
                            Err(error) => panic!("writer {writer}: {error}"),
                        }
                    }
                    tally
                })
            })
            .collect();
        let mut total = Tally::default();
        for writer in writers {
            let tally = writer.await.unwrap();
            total.accepted.extend(tally.accepted);
            total.refused_as_conflicts += tally.refused_as_conflicts;
        }
        total
    }
}
