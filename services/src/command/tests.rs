//! The command path against a real store: decisions persist, retries are answered once,
//! conflicts between two paths resolve by deciding again, and snapshots bound replay.

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use ltc_domain::actor::{Actor, Role};
use ltc_domain::ids::{CustomerId, OpportunityId, TeamId, UserId};
use ltc_domain::money::{Currency, Money};
use ltc_domain::opportunity::{
    OpportunityCommand, OpportunityDecider, OpportunityError, OpportunityState, Pipeline, StageKey,
};
use ltc_eventstore::{EventStore, ManualClock, StoreOptions};
use uuid::Uuid;

use super::{CommandMeta, CommandPath, ExecuteError, Loading, SNAPSHOT_EVERY_EVENTS};

const ALICE: UserId = UserId(Uuid::from_u128(0xa11ce));
const DEAL: Uuid = Uuid::from_u128(0xdea1);

struct Fixture {
    store: EventStore,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()));
    let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
    let store = EventStore::open(dir.path().join("events.db"), options).unwrap();
    Fixture { store, clock, _dir: dir }
}

impl Fixture {
    fn path(&self) -> CommandPath<OpportunityDecider> {
        CommandPath::new(self.store.clone(), self.clock.clone())
    }
}

fn meta(command: u128) -> CommandMeta {
    CommandMeta {
        command_id: Uuid::from_u128(0xc0_0000 + command),
        correlation_id: Uuid::from_u128(0xc0_0000 + command),
        causation_id: None,
        actor: Actor { user: ALICE, role: Role::SalesRep, team: Some(TeamId(Uuid::from_u128(1))) },
        tenant: "acme".into(),
        expected_version: None,
    }
}

fn open() -> OpportunityCommand {
    OpportunityCommand::Open {
        opportunity_id: OpportunityId(DEAL),
        customer_id: CustomerId(Uuid::from_u128(0xac3e)),
        name: "ACME renewal".into(),
        owner: ALICE,
        team: Some(TeamId(Uuid::from_u128(1))),
        amount: eur(1_000_000),
        expected_close: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
        pipeline: Pipeline::default_sales(),
    }
}

fn eur(amount_minor: i64) -> Money {
    Money::new(amount_minor, Currency::new("EUR").unwrap())
}

fn amount(amount_minor: i64) -> OpportunityCommand {
    OpportunityCommand::ChangeAmount { amount: eur(amount_minor) }
}

async fn current_amount(path: &CommandPath<OpportunityDecider>) -> i64 {
    let stream = ltc_eventstore::StreamId::new("opportunity", DEAL).unwrap();
    let OpportunityState::Opened(opportunity) = path.load(&stream, Loading::Clone).unwrap().state
    else {
        panic!("the opportunity was opened");
    };
    opportunity.amount.amount_minor
}

#[tokio::test]
async fn accepted_commands_are_appended_and_a_cold_path_replays_them() {
    let fixture = fixture();
    let path = fixture.path();
    let opened = path.execute(DEAL, &open(), &meta(1)).await.unwrap();
    assert_eq!((opened.version, opened.events.clone()), (1, vec!["OpportunityOpened".to_owned()]));
    let moved = OpportunityCommand::MoveStage { to: StageKey::new("proposal") };
    let executed = path.execute(DEAL, &moved, &meta(2)).await.unwrap();
    assert_eq!((executed.version, executed.position), (2, Some(2)));
    assert_eq!(executed.events, ["OpportunityStageMoved"]);

    let cold = fixture.path();
    let stream = ltc_eventstore::StreamId::new("opportunity", DEAL).unwrap();
    assert_eq!(
        cold.load(&stream, Loading::Clone).unwrap().state,
        path.load(&stream, Loading::Clone).unwrap().state
    );
    assert_eq!(cold.stats().events_replayed, 2);
}

#[tokio::test]
async fn a_retried_command_id_gets_the_original_answer_and_appends_once_also_after_restart() {
    let fixture = fixture();
    let path = fixture.path();
    path.execute(DEAL, &open(), &meta(1)).await.unwrap();
    let first = path.execute(DEAL, &amount(2_000_000), &meta(2)).await.unwrap();
    let retry = path.execute(DEAL, &amount(2_000_000), &meta(2)).await.unwrap();
    assert!(retry.duplicate && !first.duplicate);
    assert_eq!(
        (retry.version, retry.position, &retry.events),
        (first.version, first.position, &first.events)
    );

    let after_restart = fixture.path().execute(DEAL, &amount(2_000_000), &meta(2)).await.unwrap();
    assert_eq!(after_restart, retry);
    assert_eq!(fixture.store.head().position, 2);
}

#[tokio::test]
async fn a_retry_that_would_now_be_refused_gets_the_original_answer() {
    let fixture = fixture();
    let path = fixture.path();
    let opened = path.execute(DEAL, &open(), &meta(1)).await.unwrap();
    path.execute(DEAL, &amount(2_000_000), &meta(2)).await.unwrap();

    // Opening an opened opportunity is refused; this is the first open, sent again.
    let retry = path.execute(DEAL, &open(), &meta(1)).await.unwrap();

    assert!(retry.duplicate);
    assert_eq!((retry.version, retry.position, &retry.events), (1, Some(1), &opened.events));
    assert_eq!(fixture.store.head().position, 2);
}

#[tokio::test]
async fn a_retry_that_would_now_decide_new_events_appends_nothing_and_gets_the_original_answer() {
    let fixture = fixture();
    let path = fixture.path();
    path.execute(DEAL, &open(), &meta(1)).await.unwrap();
    let first = path.execute(DEAL, &amount(2_000_000), &meta(2)).await.unwrap();
    path.execute(DEAL, &amount(3_000_000), &meta(3)).await.unwrap();

    // Against today's amount of 3,000,000 the change to 2,000,000 is news again.
    let retry = path.execute(DEAL, &amount(2_000_000), &meta(2)).await.unwrap();

    assert!(retry.duplicate);
    assert_eq!((retry.version, retry.position), (first.version, first.position));
    assert_eq!(fixture.store.head().position, 3);
    assert_eq!(current_amount(&path).await, 3_000_000);
}

#[tokio::test]
async fn a_retry_with_the_expected_version_it_was_first_sent_with_gets_the_original_answer() {
    let fixture = fixture();
    let path = fixture.path();
    path.execute(DEAL, &open(), &meta(1)).await.unwrap();
    let expecting_one = CommandMeta { expected_version: Some(1), ..meta(2) };
    let first = path.execute(DEAL, &amount(2_000_000), &expecting_one).await.unwrap();
    path.execute(DEAL, &amount(3_000_000), &meta(3)).await.unwrap();

    let retry = path.execute(DEAL, &amount(2_000_000), &expecting_one).await.unwrap();

    assert!(retry.duplicate);
    assert_eq!((retry.version, retry.position), (first.version, first.position));
    assert_eq!(fixture.store.head().position, 3);
}

#[tokio::test]
async fn a_rejected_command_appends_nothing_and_says_why() {
    let fixture = fixture();
    let path = fixture.path();
    let error = path.execute(DEAL, &amount(5), &meta(1)).await.unwrap_err();
    assert!(matches!(error, ExecuteError::Rejected(OpportunityError::NotOpened)), "{error:?}");
    assert_eq!(fixture.store.head().position, 0);
}

#[tokio::test]
async fn an_aggregate_stays_cached_through_rejections_no_ops_and_acceptances() {
    let fixture = fixture();
    let path = fixture.path();
    path.execute(DEAL, &open(), &meta(1)).await.unwrap();
    let replayed = path.stats().events_replayed;
    // Rejected (a negative amount), a no-op (the same amount), then accepted: each finds the
    // state its predecessor left in the cache; none reads the stream again.
    let error = path.execute(DEAL, &amount(-5), &meta(2)).await.unwrap_err();
    assert!(matches!(error, ExecuteError::Rejected(OpportunityError::NegativeAmount)), "{error:?}");
    path.execute(DEAL, &amount(1_000_000), &meta(3)).await.unwrap();
    path.execute(DEAL, &amount(2_000_000), &meta(4)).await.unwrap();
    path.execute(DEAL, &amount(3_000_000), &meta(5)).await.unwrap();
    let stats = path.stats();
    assert_eq!(stats.events_replayed, replayed, "{stats:?}");
    assert_eq!(stats.cache_hits, 4, "{stats:?}");
    assert_eq!(current_amount(&path).await, 3_000_000);
}

#[tokio::test]
async fn a_command_that_changes_nothing_appends_nothing() {
    let fixture = fixture();
    let path = fixture.path();
    path.execute(DEAL, &open(), &meta(1)).await.unwrap();
    let executed = path.execute(DEAL, &amount(1_000_000), &meta(2)).await.unwrap();
    assert_eq!((executed.version, executed.position, executed.events.len()), (1, None, 0));
    assert_eq!(fixture.store.head().position, 1);
}

#[tokio::test]
async fn two_paths_with_stale_caches_resolve_their_conflict_by_deciding_again() {
    let fixture = fixture();
    let (left, right) = (fixture.path(), fixture.path());
    left.execute(DEAL, &open(), &meta(1)).await.unwrap(); // left caches version 1
    right.execute(DEAL, &amount(1_500_000), &meta(2)).await.unwrap(); // right caches version 2

    // Left decides on its stale version 1, conflicts, reloads version 2 and decides again.
    let executed = left.execute(DEAL, &amount(2_000_000), &meta(3)).await.unwrap();
    assert_eq!(executed.version, 3);
    assert_eq!(left.stats().conflicts, 1);
    // And right, now stale at version 2, does the same.
    let executed = right.execute(DEAL, &amount(3_000_000), &meta(4)).await.unwrap();
    assert_eq!(executed.version, 4);
    assert_eq!(right.stats().conflicts, 1);
    assert_eq!(current_amount(&fixture.path()).await, 3_000_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_commands_on_one_stream_at_once_take_turns_and_none_conflicts() {
    let fixture = fixture();
    let path = Arc::new(fixture.path());
    path.execute(DEAL, &open(), &meta(1)).await.unwrap();
    let racers: Vec<_> = (2..66u128)
        .map(|command| {
            let path = path.clone();
            tokio::spawn(async move {
                path.execute(DEAL, &amount(2_000_000 + command as i64), &meta(command)).await
            })
        })
        .collect();
    for racer in racers {
        racer.await.unwrap().expect("every racer is accepted");
    }
    assert_eq!(path.stats().conflicts, 0, "no racer lost an append to another");
    let stream = ltc_eventstore::StreamId::new("opportunity", DEAL).unwrap();
    assert_eq!(fixture.store.stream_version(&stream).unwrap(), 65);
}

#[tokio::test]
async fn a_cold_path_starts_from_the_latest_snapshot_and_replays_only_what_follows() {
    let fixture = fixture();
    let path = fixture.path();
    path.execute(DEAL, &open(), &meta(1)).await.unwrap();
    let n_commands = 2 * SNAPSHOT_EVERY_EVENTS + 20;
    for command in 2..=n_commands {
        path.execute(DEAL, &amount(1_000 + command as i64), &meta(u128::from(command)))
            .await
            .unwrap();
    }
    let cold = fixture.path();
    assert_eq!(current_amount(&cold).await, 1_000 + n_commands as i64);
    let stats = cold.stats();
    assert_eq!(stats.snapshot_loads, 1);
    assert_eq!(stats.events_replayed, n_commands - 2 * SNAPSHOT_EVERY_EVENTS);
}

#[tokio::test]
async fn a_no_op_decided_on_a_stale_cache_is_checked_against_the_store_first() {
    let fixture = fixture();
    let (left, right) = (fixture.path(), fixture.path());
    left.execute(DEAL, &open(), &meta(1)).await.unwrap(); // left caches amount 1,000,000
    right.execute(DEAL, &amount(2_000_000), &meta(2)).await.unwrap();

    // On its stale copy left would see nothing to change; the store says otherwise.
    let executed = left.execute(DEAL, &amount(1_000_000), &meta(3)).await.unwrap();
    assert_eq!((executed.version, executed.events.len()), (3, 1));
    assert_eq!(current_amount(&fixture.path()).await, 1_000_000);
}

#[tokio::test]
async fn a_client_expecting_another_version_is_refused_even_when_its_path_cache_is_behind() {
    let fixture = fixture();
    let path = fixture.path();
    path.execute(DEAL, &open(), &meta(1)).await.unwrap();
    let expecting = |command: u128, version: u64| CommandMeta {
        expected_version: Some(version),
        ..meta(command)
    };
    let executed = path.execute(DEAL, &amount(2_000_000), &expecting(2, 1)).await.unwrap();
    assert_eq!(executed.version, 2);

    // Another path (another writer) moves the stream to version 3 behind this path's cache.
    fixture.path().execute(DEAL, &amount(3_000_000), &meta(3)).await.unwrap();
    // Expecting 2 matches this path's stale cache, but not the store: the append conflicts,
    // the path reloads, and then it refuses rather than deciding on a newer state.
    let error = path.execute(DEAL, &amount(4_000_000), &expecting(4, 2)).await.unwrap_err();
    assert!(
        matches!(error, ExecuteError::WrongExpectedVersion { expected: 2, actual: 3, .. }),
        "{error:?}"
    );
    // Expecting 1 disagrees with the cache too; the store confirms version 3.
    let error = path.execute(DEAL, &amount(4_000_000), &expecting(5, 1)).await.unwrap_err();
    assert!(matches!(error, ExecuteError::WrongExpectedVersion { actual: 3, .. }), "{error:?}");
    assert_eq!(fixture.store.head().position, 3);
    assert_eq!(current_amount(&path).await, 3_000_000);
}
