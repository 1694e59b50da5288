//! Catch-up subscriptions: history then live events, every event exactly once, in order.

use ltc_eventstore::{ExpectedVersion, Position};

use crate::support::{TestStore, append, stream};

/// Appends `n_appends` appends of 1 to 3 events from 8 concurrent tasks; returns the head.
async fn load(store: &ltc_eventstore::EventStore, first_command: u128, n_appends: u128) -> u64 {
    let mut tasks = Vec::new();
    for task in 0..8u128 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for n in (0..n_appends).filter(|n| n % 8 == task) {
                let command = first_command + n;
                let request = append(
                    &stream("lead", task),
                    ExpectedVersion::Any,
                    command,
                    (n % 3 + 1) as usize,
                );
                store.append(request).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    store.head().position
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_started_mid_load_receives_every_event_once_in_order() {
    let test = TestStore::new();
    let store = test.store.clone();
    let writer = tokio::spawn({
        let store = store.clone();
        async move { load(&store, 0, 1_600).await }
    });
    while store.head().position < 300 {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    let mut from_start = store.subscribe(Position::START);
    let mut from_middle = store.subscribe(Position(250));
    let head = writer.await.unwrap();
    assert!(head >= 1_600 * 2 - 100, "the load ran");

    for (subscription, first) in [(&mut from_start, 1), (&mut from_middle, 250)] {
        let mut positions = Vec::new();
        while positions.last() != Some(&head) {
            let event = subscription.next().await.expect("subscription ended early").unwrap();
            positions.push(event.position.0);
        }
        assert_eq!(positions, (first..=head).collect::<Vec<_>>());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caught_up_subscriber_receives_events_appended_later() {
    let test = TestStore::new();
    let store = test.store.clone();
    store.append(append(&stream("lead", 1), ExpectedVersion::NoStream, 1, 2)).await.unwrap();
    let mut subscription = store.subscribe(Position::START);
    for expected in 1..=2 {
        assert_eq!(subscription.next().await.unwrap().unwrap().position, Position(expected));
    }

    let live =
        store.append(append(&stream("lead", 1), ExpectedVersion::Exact(2), 2, 1)).await.unwrap();
    let event = tokio::time::timeout(std::time::Duration::from_secs(5), subscription.next())
        .await
        .expect("a live event arrives promptly")
        .unwrap()
        .unwrap();
    assert_eq!(event.position, live.first_position);
    assert_eq!(event.metadata.command_id, crate::support::command_id(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_receives_what_a_writer_in_another_process_appends_once_in_order() {
    // Two stores on one file stand for two processes: the second's writer never signals the
    // first's subscription, which must notice the commits on its own (`ChangeWatch`).
    let test = TestStore::new();
    let mut subscription = test.store.subscribe(Position::START);
    let other_process = crate::support::open_file(&test.db_path());
    let head = load(&other_process, 0, 200).await;
    let mut positions = Vec::new();
    while positions.len() < head as usize {
        let event = tokio::time::timeout(std::time::Duration::from_secs(5), subscription.next())
            .await
            .expect("events committed by another process arrive")
            .unwrap()
            .unwrap();
        positions.push(event.position.0);
    }
    assert_eq!(positions, (1..=head).collect::<Vec<_>>());
}

#[test]
fn a_subscription_ends_after_the_last_event_once_the_store_is_closed() {
    let test = TestStore::new();
    test.store
        .append_blocking(append(&stream("lead", 1), ExpectedVersion::NoStream, 1, 3))
        .unwrap();
    let mut subscription = test.store.subscribe(Position(2));
    let TestStore { store, dir: _dir, .. } = test;
    drop(store);
    let positions: Vec<u64> = std::iter::from_fn(|| subscription.next_blocking())
        .map(|e| e.unwrap().position.0)
        .collect();
    assert_eq!(positions, [2, 3]);
}
