//! Idempotent appends: a command id commits once, and every later append with it gets the
//! original outcome; event ids are unique; one append's rejection leaves its batch-mates alone.

use std::collections::BTreeSet;

use ltc_eventstore::{AppendError, AppendOutcome, ExpectedVersion, InvalidAppend, Position};

use crate::support::{TestStore, append, command_id, event, stream};

#[test]
fn the_same_command_id_twice_returns_the_original_outcome_and_writes_once() {
    let test = TestStore::new();
    let lead = stream("lead", 1);
    let request = append(&lead, ExpectedVersion::NoStream, 1, 3);

    let first = test.store.append_blocking(request.clone()).unwrap();
    test.clock.advance(chrono::TimeDelta::minutes(5));
    let second = test.store.append_blocking(request).unwrap();

    assert!(!first.duplicate);
    assert!(second.duplicate);
    assert_eq!(second, AppendOutcome { duplicate: true, ..first.clone() });
    assert_eq!(test.store.head().position, 3);
    assert_eq!(test.store.read_stream(&lead, 1).unwrap().len(), 3);
}

#[test]
fn a_command_id_is_remembered_across_reopen() {
    let mut test = TestStore::new();
    let lead = stream("lead", 1);
    let request = append(&lead, ExpectedVersion::NoStream, 1, 2);
    let first = test.store.append_blocking(request.clone()).unwrap();

    test.reopen();
    let retry = test.store.append_blocking(request).unwrap();

    assert_eq!(retry, AppendOutcome { duplicate: true, ..first });
    assert_eq!(test.store.head().position, 2);
    assert!(test.store.verify().unwrap().is_intact());
}

#[test]
fn a_retry_whose_expected_version_went_stale_gets_the_original_outcome_not_a_conflict() {
    let test = TestStore::new();
    let lead = stream("lead", 1);
    let create = append(&lead, ExpectedVersion::NoStream, 1, 1);
    let first = test.store.append_blocking(create.clone()).unwrap();
    test.store.append_blocking(append(&lead, ExpectedVersion::Exact(1), 2, 2)).unwrap();

    // The stream is at version 3 now, so `NoStream` would conflict for any new command.
    let retry = test.store.append_blocking(create).unwrap();

    assert_eq!(retry, AppendOutcome { duplicate: true, ..first });
    assert_eq!(test.store.stream_version(&lead).unwrap(), 3);
}

#[test]
fn the_same_command_id_on_another_stream_is_command_id_reused_and_writes_nothing() {
    let test = TestStore::new();
    let lead = stream("lead", 1);
    let other = stream("lead", 2);
    test.store.append_blocking(append(&lead, ExpectedVersion::NoStream, 1, 1)).unwrap();

    let mut reused = append(&other, ExpectedVersion::NoStream, 1, 1);
    reused.events = vec![event(99, 0, b"another command")];
    let error = test.store.append_blocking(reused).unwrap_err();

    match error {
        AppendError::CommandIdReused { command_id: reused_id, original_stream } => {
            assert_eq!((reused_id, original_stream), (command_id(1), lead));
        }
        other => panic!("expected CommandIdReused, got {other:?}"),
    }
    assert_eq!(test.store.head().position, 1);
    assert_eq!(test.store.stream_version(&other).unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_concurrent_copies_of_one_command_apply_once_and_all_get_its_outcome() {
    let test = TestStore::new();
    let lead = stream("lead", 1);
    let request = append(&lead, ExpectedVersion::NoStream, 1, 4);

    // Sent at once, most copies queue while the writer commits the first batch and are then
    // written together, so duplicates meet the original both inside their own batch and after
    // its commit. The answer must not depend on which.
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let store = test.store.clone();
            let request = request.clone();
            tokio::spawn(async move { store.append(request).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap().unwrap());
    }

    let originals: Vec<&AppendOutcome> = outcomes.iter().filter(|o| !o.duplicate).collect();
    assert_eq!(originals.len(), 1, "exactly one copy is applied");
    let original = originals[0].clone();
    assert_eq!((original.first_position, original.last_position), (Position(1), Position(4)));
    for outcome in &outcomes {
        assert_eq!(AppendOutcome { duplicate: false, ..outcome.clone() }, original);
    }
    assert_eq!(test.store.head().position, 4);
    assert_eq!(test.store.read_stream(&lead, 1).unwrap().len(), 4);
}

#[test]
fn an_event_id_already_in_the_log_is_duplicate_event_id_and_writes_nothing() {
    let test = TestStore::new();
    let lead = stream("lead", 1);
    test.store.append_blocking(append(&lead, ExpectedVersion::NoStream, 1, 2)).unwrap();

    // Command 2 carries command 1's second event id after a fresh one.
    let mut clash = append(&lead, ExpectedVersion::Exact(2), 2, 1);
    clash.events.push(event(1, 1, b"same id as an event in the log"));
    let error = test.store.append_blocking(clash).unwrap_err();
    assert!(matches!(error, AppendError::DuplicateEventId(id) if id == event(1, 1, b"").event_id));

    let mut repeated = append(&lead, ExpectedVersion::Exact(2), 3, 2);
    repeated.events[1].event_id = repeated.events[0].event_id;
    let error = test.store.append_blocking(repeated.clone()).unwrap_err();
    assert!(
        matches!(error, AppendError::Invalid(InvalidAppend::RepeatedEventId { index: 1 })),
        "an id repeated within one append is refused before it reaches the writer: {error:?}"
    );

    assert_eq!(test.store.head().position, 2, "neither append wrote anything");
    assert!(test.store.verify().unwrap().is_intact());
    // Neither command id was used up: fixed requests commit as first commits.
    let fixed = test.store.append_blocking(append(&lead, ExpectedVersion::Exact(2), 2, 1)).unwrap();
    assert!(!fixed.duplicate);
    let fixed = test.store.append_blocking(append(&lead, ExpectedVersion::Exact(3), 3, 2)).unwrap();
    assert!(!fixed.duplicate);
    assert_eq!(test.store.head().position, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_event_id_fails_only_its_own_append_among_concurrent_appends() {
    let test = TestStore::new();
    let taken = append(&stream("lead", 0), ExpectedVersion::NoStream, 0, 1);
    let taken_id = taken.events[0].event_id;
    test.store.append(taken).await.unwrap();

    // Commands 1..=16 each create their own stream; command 9 reuses the taken event id. Sent at
    // once, they are mostly written in shared batches.
    let tasks: Vec<_> = (1..=16u128)
        .map(|command| {
            let mut request =
                append(&stream("lead", command), ExpectedVersion::NoStream, command, 2);
            if command == 9 {
                request.events[1].event_id = taken_id;
            }
            let store = test.store.clone();
            tokio::spawn(async move { (command, store.append(request).await) })
        })
        .collect();

    let mut positions = BTreeSet::from([1]);
    for task in tasks {
        match task.await.unwrap() {
            (9, result) => {
                assert!(matches!(result, Err(AppendError::DuplicateEventId(id)) if id == taken_id));
            }
            (command, result) => {
                let outcome = result.unwrap_or_else(|error| panic!("command {command}: {error}"));
                assert!(!outcome.duplicate);
                assert_eq!(outcome.last_position.0, outcome.first_position.0 + 1);
                positions.extend([outcome.first_position.0, outcome.last_position.0]);
            }
        }
    }

    let head = test.store.head().position;
    assert_eq!(head, 1 + 15 * 2);
    assert_eq!(positions, (1..=head).collect(), "the survivors' positions have no gap");
    assert_eq!(test.store.stream_version(&stream("lead", 9)).unwrap(), 0);
    let report = test.store.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.events_checked, head);
}
