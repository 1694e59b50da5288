//! Snapshots: a cache of a stream's state at a version, read back only by the schema that wrote
//! it, never ahead of its stream, never replaced by an older one.

use ltc_eventstore::limits::SNAPSHOT_BYTES_MAX;
use ltc_eventstore::{ExpectedVersion, SchemaHash, Snapshot, SnapshotError, StreamId};

use crate::support::{TestStore, append, stream};

fn schema_v1() -> SchemaHash {
    SchemaHash::of("LeadState v1: name,stage")
}

fn snapshot(stream: &StreamId, version: u64, schema_hash: SchemaHash, state: &[u8]) -> Snapshot {
    Snapshot { stream: stream.clone(), version, schema_hash, state: state.to_vec() }
}

/// A store whose `lead` stream holds `n_events` events.
fn store_with_stream(lead: &StreamId, n_events: usize) -> TestStore {
    let test = TestStore::new();
    test.store.append_blocking(append(lead, ExpectedVersion::NoStream, 1, n_events)).unwrap();
    test
}

#[test]
fn a_saved_snapshot_loads_back_unchanged_also_after_reopen() {
    let lead = stream("lead", 1);
    let mut test = store_with_stream(&lead, 5);
    assert_eq!(test.store.load_snapshot(&lead, schema_v1()).unwrap(), None, "none saved yet");

    let saved = snapshot(&lead, 4, schema_v1(), b"state at 4");
    test.store.save_snapshot_blocking(saved.clone()).unwrap();
    assert_eq!(test.store.load_snapshot(&lead, schema_v1()).unwrap(), Some(saved.clone()));

    test.reopen();
    assert_eq!(test.store.load_snapshot(&lead, schema_v1()).unwrap(), Some(saved));
}

#[test]
fn a_snapshot_written_with_another_schema_hash_is_ignored() {
    let lead = stream("lead", 1);
    let test = store_with_stream(&lead, 3);
    test.store.save_snapshot_blocking(snapshot(&lead, 3, schema_v1(), b"v1 bytes")).unwrap();

    let schema_v2 = SchemaHash::of("LeadState v2: name,stage,owner");
    assert_eq!(test.store.load_snapshot(&lead, schema_v2).unwrap(), None);
    assert!(test.store.load_snapshot(&lead, schema_v1()).unwrap().is_some());
}

#[test]
fn a_snapshot_ahead_of_its_stream_is_refused_and_not_stored() {
    let lead = stream("lead", 1);
    let test = store_with_stream(&lead, 3);

    let error = test.store.save_snapshot_blocking(snapshot(&lead, 4, schema_v1(), b"future"));
    match error {
        Err(SnapshotError::AheadOfStream { stream, version: 4, actual: 3 }) => {
            assert_eq!(stream, lead)
        }
        other => panic!("expected AheadOfStream at 4 over 3, got {other:?}"),
    }
    let unknown = stream("lead", 2);
    let error = test.store.save_snapshot_blocking(snapshot(&unknown, 1, schema_v1(), b"x"));
    assert!(matches!(error, Err(SnapshotError::AheadOfStream { version: 1, actual: 0, .. })));

    assert_eq!(test.store.load_snapshot(&lead, schema_v1()).unwrap(), None);
    assert_eq!(test.store.load_snapshot(&unknown, schema_v1()).unwrap(), None);
}

#[test]
fn an_older_snapshot_does_not_replace_a_newer_one_but_a_newer_one_does() {
    let lead = stream("lead", 1);
    let test = store_with_stream(&lead, 6);
    let at_5 = snapshot(&lead, 5, schema_v1(), b"state at 5");
    test.store.save_snapshot_blocking(at_5.clone()).unwrap();

    test.store.save_snapshot_blocking(snapshot(&lead, 2, schema_v1(), b"state at 2")).unwrap();
    assert_eq!(test.store.load_snapshot(&lead, schema_v1()).unwrap(), Some(at_5));

    let at_6 = snapshot(&lead, 6, schema_v1(), b"state at 6");
    test.store.save_snapshot_blocking(at_6.clone()).unwrap();
    assert_eq!(test.store.load_snapshot(&lead, schema_v1()).unwrap(), Some(at_6));
}

#[test]
fn snapshot_state_over_the_limit_is_too_large_and_the_limit_itself_is_accepted() {
    let lead = stream("lead", 1);
    let test = store_with_stream(&lead, 1);

    let over = snapshot(&lead, 1, schema_v1(), &vec![1; SNAPSHOT_BYTES_MAX + 1]);
    match test.store.save_snapshot_blocking(over) {
        Err(SnapshotError::TooLarge { bytes, max }) => {
            assert_eq!((bytes, max), (SNAPSHOT_BYTES_MAX + 1, SNAPSHOT_BYTES_MAX));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert_eq!(test.store.load_snapshot(&lead, schema_v1()).unwrap(), None);

    let at = snapshot(&lead, 1, schema_v1(), &vec![2; SNAPSHOT_BYTES_MAX]);
    test.store.save_snapshot_blocking(at).unwrap();
    let loaded = test.store.load_snapshot(&lead, schema_v1()).unwrap().expect("saved");
    assert_eq!(loaded.state.len(), SNAPSHOT_BYTES_MAX);
}
