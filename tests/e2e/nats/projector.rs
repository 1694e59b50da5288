//! The read models fed from JetStream: built from `LTC_EVENTS` they equal a rebuild from the
//! store; positions delivered again are skipped; positions the stream lacks (a consumer started
//! past the checkpoint, messages deleted) are filled from the store, and where the store cannot
//! fill them the projector stops loudly with nothing skipped.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream;
use ltc_eventstore::{EventStore, Position, StoreOptions, SystemClock};
use ltc_projections::{
    BatchOutcome, HistoryFeed, Projector, ProjectorError, ProjectorOptions, ReadModels,
    RebuildOptions, RebuildScope, RebuildTarget, rebuild,
};
use ltc_services::nats::feed::JetStreamFeed;
use ltc_services::nats::projector::{NatsProjectorError, NatsProjectorTotals, run_nats_projector};
use ltc_services::nats::relay::{Relay, RelayOptions, events_stream_config};
use ltc_services::nats::subjects::EVENTS_STREAM;
use ltc_services::read_models::projections;
use ltc_tests::nats_server::NatsServer;
use tokio::sync::oneshot;

use super::relay::{client_of, copy_log, relayed_upto, small_history};
use crate::read_models::equivalence::dump;

/// Relays the whole store into the server's `LTC_EVENTS` and stops the relay.
async fn relay_all(client: &async_nats::Client, store: &EventStore) -> Duration {
    let started = Instant::now();
    let relay = Relay::start(client.clone(), store.clone(), RelayOptions::default()).await.unwrap();
    relayed_upto(&relay, store.head().position, Duration::from_secs(600)).await;
    let elapsed = started.elapsed();
    relay.shutdown().await.expect("a clean relay shutdown");
    elapsed
}

/// Every read model rebuilt from the store in one go, dumped as text.
fn rebuild_dump(store: &EventStore, scratch: &Path) -> String {
    let read_models = ReadModels::open(scratch, Arc::new(SystemClock)).expect("scratch models");
    let options = RebuildOptions {
        target: RebuildTarget::Head,
        scope: RebuildScope::Everything,
        runner: ProjectorOptions::for_rebuild(),
        predecoding: Some(ltc_projections::models::decode::PREDECODING),
    };
    let rebuilt = rebuild(store, &read_models, projections(), options, &mut |_| {})
        .expect("a rebuild from the store");
    dump(&rebuilt.reader().expect("a reader"))
}

fn current_dump(dir: &Path) -> String {
    let read_models = ReadModels::open(dir, Arc::new(SystemClock)).expect("the read models");
    dump(&read_models.reader().expect("a reader"))
}

/// The lowest checkpoint in `read_models` (0 before any projection is set up).
fn lowest_checkpoint(read_models: &ReadModels) -> u64 {
    let checkpoints = read_models.checkpoints().expect("checkpoints");
    if checkpoints.len() < projections().len() {
        return 0;
    }
    checkpoints.iter().map(|checkpoint| checkpoint.position).min().unwrap_or(0)
}

/// A NATS projector over `dir` in a task, stopped by sending on the returned channel.
fn spawn_projector(
    client: &async_nats::Client,
    store: &EventStore,
    dir: &Path,
) -> (oneshot::Sender<()>, tokio::task::JoinHandle<Result<NatsProjectorTotals, NatsProjectorError>>)
{
    let (stop, stopped) = oneshot::channel::<()>();
    let run = run_nats_projector(client.clone(), store.clone(), dir.to_path_buf(), &[], async {
        let _ = stopped.await;
    });
    (stop, tokio::spawn(run))
}

/// Waits until every projection in `dir` has applied `position`.
async fn projected_upto(dir: &Path, position: u64, within: Duration) {
    let read_models = ReadModels::open(dir, Arc::new(SystemClock)).expect("the read models");
    let started = Instant::now();
    while lowest_checkpoint(&read_models) < position {
        assert!(started.elapsed() < within, "the projector did not reach {position} in {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_fed_projectors_build_read_models_equal_to_a_rebuild_from_the_store() {
    let server = NatsServer::start();
    let (dir, store) = small_history().await;
    let head = store.head().position;
    let client = client_of(&server).await;
    relay_all(&client, &store).await;

    let live = dir.path().join("live");
    // Made before the run so this test's reads never race the runner's set-up.
    drop(ReadModels::open(&live, Arc::new(SystemClock)).unwrap());
    let (stop, run) = spawn_projector(&client, &store, &live);
    projected_upto(&live, head, Duration::from_secs(30)).await;
    stop.send(()).unwrap();
    let totals = run.await.unwrap().expect("a clean stop");
    assert_eq!((totals.applied, totals.refetched, totals.position), (head, 0, head));

    let expected = rebuild_dump(&store, &dir.path().join("scratch"));
    assert!(current_dump(&live) == expected, "the NATS-fed read models differ from a rebuild");
}

/// Applies what `feed` delivers until every position up to `head` is applied.
fn drive(projector: &mut Projector, feed: &mut JetStreamFeed, head: u64) -> BatchOutcome {
    let started = Instant::now();
    let mut totals = BatchOutcome::default();
    while projector.next_position().0 <= head {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "stuck at {:?}",
            projector.next_position()
        );
        let outcome = projector.apply_batch(feed, true).expect("the batch applies");
        totals.applied += outcome.applied;
        totals.duplicates += outcome.duplicates;
        totals.refetched += outcome.refetched;
    }
    totals
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_repeating_applied_positions_is_skipped_and_one_past_the_checkpoint_is_filled_from_the_store()
 {
    let server = NatsServer::start();
    let (dir, store) = small_history().await;
    let head = store.head().position;
    let client = client_of(&server).await;
    relay_all(&client, &store).await;
    let runtime = tokio::runtime::Handle::current();
    let jetstream = jetstream::new(client);
    let root: PathBuf = dir.path().to_path_buf();

    let checked = tokio::task::spawn_blocking(move || {
        let open = |name: &str| {
            let read_models = ReadModels::open(root.join(name), Arc::new(SystemClock)).unwrap();
            let projector = Projector::open(
                store.clone(),
                &read_models,
                projections(),
                ProjectorOptions { batch_events: 64, ..ProjectorOptions::default() },
            )
            .unwrap();
            (read_models, projector)
        };
        // Redelivery: 100 positions applied from the store, then a feed from position 1.
        let (_redelivered, mut projector) = open("redelivered");
        let mut history = HistoryFeed::new(&store, Position(1), Position(100)).unwrap();
        projector.catch_up(&mut history).unwrap();
        assert_eq!(projector.next_position(), Position(101));
        let mut feed = JetStreamFeed::start(&runtime, jetstream.clone(), Position(1)).unwrap();
        let outcome = drive(&mut projector, &mut feed, head);
        assert_eq!((outcome.duplicates, outcome.applied, outcome.refetched), (100, head - 100, 0));

        // A consumer started past the checkpoint: positions 1 to 49 come from the store.
        let (_filled, mut projector) = open("filled");
        let mut feed = JetStreamFeed::start(&runtime, jetstream.clone(), Position(50)).unwrap();
        let outcome = drive(&mut projector, &mut feed, head);
        assert_eq!((outcome.refetched, outcome.applied, outcome.duplicates), (49, head, 0));
        drop(feed);

        let expected = rebuild_dump(&store, &root.join("scratch"));
        assert!(current_dump(&root.join("redelivered")) == expected, "redelivered differs");
        assert!(current_dump(&root.join("filled")) == expected, "filled differs");
    });
    checked.await.expect("the checks pass");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_missing_from_the_stream_are_filled_from_the_store_or_stop_the_projector_loudly() {
    let server = NatsServer::start();
    let (dir, store) = small_history().await;
    let head = store.head().position;
    let client = client_of(&server).await;
    // A stream that allows deletes, so the test can lose messages on purpose.
    let deletable =
        async_nats::jetstream::stream::Config { deny_delete: false, ..events_stream_config() };
    let jetstream = jetstream::new(client.clone());
    jetstream.create_stream(deletable).await.unwrap();
    relay_all(&client, &store).await;
    let events = jetstream.get_stream(EVENTS_STREAM).await.unwrap();
    for lost in [1, 5, head - 1] {
        assert!(events.delete_message(lost).await.unwrap(), "message {lost} deleted");
    }

    // Fed by a stream without positions 1, 5 and head - 1, over a store that has them.
    let filled = dir.path().join("filled");
    drop(ReadModels::open(&filled, Arc::new(SystemClock)).unwrap());
    let (stop, run) = spawn_projector(&client, &store, &filled);
    projected_upto(&filled, head, Duration::from_secs(30)).await;
    stop.send(()).unwrap();
    let totals = run.await.unwrap().expect("a clean stop");
    assert_eq!((totals.refetched, totals.applied, totals.position), (3, head, head));
    let expected = rebuild_dump(&store, &dir.path().join("scratch"));
    assert!(current_dump(&filled) == expected, "the filled read models differ from a rebuild");

    // The same stream over an empty store: position 1 is due, 2 arrives, the store has
    // nothing to fill with, so the projector stops by itself and applies nothing.
    let empty_dir = tempfile::tempdir().unwrap();
    let empty = EventStore::open(empty_dir.path().join("events.db"), StoreOptions::default())
        .expect("an empty store");
    let stopped_dir = dir.path().join("stopped");
    let (_stop, run) = spawn_projector(&client, &empty, &stopped_dir);
    let ended = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the projector stops by itself")
        .unwrap();
    match ended {
        Err(NatsProjectorError::Projector(ProjectorError::Hole {
            expected,
            delivered,
            store_head,
        })) => assert_eq!((expected, delivered, store_head), (1, 2, 0)),
        other => panic!("expected a hole error, got {other:?}"),
    }
    let read_models = ReadModels::open(&stopped_dir, Arc::new(SystemClock)).unwrap();
    assert!(read_models.checkpoints().unwrap().iter().all(|checkpoint| checkpoint.position == 0));
}

/// Relay throughput and the NATS-fed projector's rate. On the small history by default (so it
/// keeps working); with `LTC_NATS_BENCH_DATA=<dir of ltc demo --data>` it measures that log and
/// prints the figures (run it with `--release --nocapture`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_and_nats_projector_rates_on_a_history() {
    let server = NatsServer::start();
    let scratch = tempfile::tempdir().unwrap();
    let (_dir, store) = match std::env::var("LTC_NATS_BENCH_DATA") {
        Ok(data) => {
            let path = ltc_services::data_dir::DataDir::new(data).event_store();
            (tempfile::tempdir().unwrap(), EventStore::open(path, StoreOptions::default()).unwrap())
        }
        Err(_) => small_history().await,
    };
    let head = store.head().position;
    let client = client_of(&server).await;
    let relayed_in = relay_all(&client, &store).await;

    let live = scratch.path().join("live");
    drop(ReadModels::open(&live, Arc::new(SystemClock)).unwrap());
    let started = Instant::now();
    let (stop, run) = spawn_projector(&client, &store, &live);
    projected_upto(&live, head, Duration::from_secs(600)).await;
    let projected_in = started.elapsed();
    stop.send(()).unwrap();
    let totals = run.await.unwrap().expect("a clean stop");
    assert_eq!(totals.position, head);
    let rate = |elapsed: Duration| (head as f64 / elapsed.as_secs_f64()) as u64;
    eprintln!(
        "{head} events: relay {relayed_in:?} ({} events/s to JetStream, file storage); \
         NATS-fed projector, every read model, {projected_in:?} ({} events/s)",
        rate(relayed_in),
        rate(projected_in)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_and_nats_projector_carry_on_after_nats_server_is_killed_and_restarted() {
    let mut server = NatsServer::start();
    let (dir, history) = small_history().await;
    let head = history.head().position;
    // The log under test grows from the generated one in real steps.
    let store = EventStore::open(dir.path().join("growing.db"), StoreOptions::default()).unwrap();
    copy_log(&history, &store, head / 2).await;
    let first_half = store.head().position;
    let client = client_of(&server).await;
    let relay = Relay::start(client.clone(), store.clone(), RelayOptions::default()).await.unwrap();
    let live = dir.path().join("live");
    drop(ReadModels::open(&live, Arc::new(SystemClock)).unwrap());
    let (stop, run) = spawn_projector(&client, &store, &live);
    projected_upto(&live, first_half, Duration::from_secs(30)).await;

    server.stop();
    // Events committed while the server is away wait in the log, the outbox.
    copy_log(&history, &store, head).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.restart();
    relayed_upto(&relay, head, Duration::from_secs(30)).await;
    projected_upto(&live, head, Duration::from_secs(30)).await;

    stop.send(()).unwrap();
    let totals = run.await.unwrap().expect("a clean stop");
    assert_eq!(totals.position, head);
    relay.shutdown().await.expect("a clean relay shutdown");
    let expected = rebuild_dump(&store, &dir.path().join("scratch"));
    assert!(current_dump(&live) == expected, "the read models differ from a rebuild");
}
