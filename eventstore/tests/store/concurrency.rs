//! Many writers on few streams: optimistic concurrency with retry loses no update, and idempotent
//! retries are counted once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ltc_eventstore::{AppendError, ExpectedVersion, Position};

use crate::support::{TestStore, append, stream};

const TASKS: u128 = 64;
const HOT_STREAMS: u128 = 8;
const COMMANDS_PER_TASK: u128 = 12;

#[test]
fn sixty_four_tasks_retrying_on_eight_hot_streams_lose_no_update() {
    let test = TestStore::new();
    let store = test.store.clone();
    let conflicts = Arc::new(AtomicU64::new(0));
    let duplicate_replies = Arc::new(AtomicU64::new(0));
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();

    runtime.block_on(async {
        let mut tasks = Vec::new();
        for task in 0..TASKS {
            let store = store.clone();
            let conflicts = conflicts.clone();
            let duplicate_replies = duplicate_replies.clone();
            tasks.push(tokio::spawn(async move {
                for seq in 0..COMMANDS_PER_TASK {
                    let command = task * 1_000 + seq;
                    let hot = stream("opportunity", command % HOT_STREAMS);
                    let outcome = loop {
                        let seen = store.stream_version(&hot).unwrap();
                        // The payload records the version this writer decided on: if any update
                        // were lost, some event would not sit right after the version it saw.
                        let mut request = append(&hot, ExpectedVersion::Exact(seen), command, 1);
                        request.events[0].payload = seen.to_le_bytes().to_vec();
                        match store.append(request).await {
                            Ok(outcome) => break outcome,
                            Err(AppendError::Conflict { .. }) => {
                                conflicts.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(other) => panic!("unexpected append error: {other}"),
                        }
                    };
                    // Every third command is retried as a client would after a lost reply.
                    if seq % 3 == 0 {
                        let mut retry = append(&hot, ExpectedVersion::Exact(0), command, 1);
                        retry.events[0].payload = b"a retry carries the original ids".to_vec();
                        let replay = store.append(retry).await.unwrap();
                        assert!(replay.duplicate);
                        assert_eq!(replay.first_position, outcome.first_position);
                        duplicate_replies.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
    });

    let total = (TASKS * COMMANDS_PER_TASK) as u64;
    assert_eq!(store.head().position, total, "one event per command, retries counted once");
    let mut commands_seen = BTreeMap::new();
    for n in 0..HOT_STREAMS {
        let events = store.read_stream(&stream("opportunity", n), 1).unwrap();
        for (index, event) in events.iter().enumerate() {
            assert_eq!(event.version, index as u64 + 1, "versions are contiguous");
            let seen = u64::from_le_bytes(event.payload.as_slice().try_into().unwrap());
            assert_eq!(
                seen,
                event.version - 1,
                "event {} was decided on a stale version",
                event.position
            );
            *commands_seen.entry(event.metadata.command_id).or_insert(0) += 1;
        }
    }
    assert_eq!(commands_seen.len() as u64, total);
    assert!(commands_seen.values().all(|count| *count == 1));
    let positions: Vec<u64> =
        store.read_all(Position::START, u64::MAX).map(|e| e.unwrap().position.0).collect();
    assert_eq!(positions, (1..=total).collect::<Vec<_>>(), "positions are gap-free");
    assert!(store.verify().unwrap().is_intact());
    assert!(conflicts.load(Ordering::Relaxed) > 0, "the load was contended enough to conflict");
    assert_eq!(
        duplicate_replies.load(Ordering::Relaxed),
        (TASKS * COMMANDS_PER_TASK.div_ceil(3)) as u64
    );
}
