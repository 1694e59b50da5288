//! Every limit checked at append: over it is a typed `InvalidAppend` and nothing is written;
//! exactly at it is accepted.

use ltc_eventstore::limits::{
    EVENT_PAYLOAD_BYTES_MAX, EVENT_TYPE_BYTES_MAX, EVENTS_PER_APPEND_MAX, METADATA_BYTES_MAX,
};
use ltc_eventstore::{AppendError, AppendRequest, ExpectedVersion, InvalidAppend, Position};

use crate::support::{TestStore, append, stream};

#[test]
fn an_append_without_events_is_rejected_and_writes_nothing() {
    let test = TestStore::new();
    let request = append(&stream("lead", 1), ExpectedVersion::Any, 1, 0);
    check_rejected(&test, request, InvalidAppend::NoEvents);
}

#[test]
fn events_per_append_are_limited_and_the_limit_itself_is_accepted() {
    let test = TestStore::new();
    let lead = stream("lead", 1);

    let over = append(&lead, ExpectedVersion::Any, 1, EVENTS_PER_APPEND_MAX + 1);
    let expected = InvalidAppend::TooManyEvents {
        count: EVENTS_PER_APPEND_MAX + 1,
        max: EVENTS_PER_APPEND_MAX,
    };
    check_rejected(&test, over, expected);

    let at = append(&lead, ExpectedVersion::Any, 2, EVENTS_PER_APPEND_MAX);
    let outcome = test.store.append_blocking(at).unwrap();
    assert_eq!(outcome.last_version, EVENTS_PER_APPEND_MAX as u64);
}

#[test]
fn payload_bytes_are_limited_per_event_and_the_limit_itself_is_accepted() {
    let test = TestStore::new();
    let lead = stream("lead", 1);

    let mut over = append(&lead, ExpectedVersion::Any, 1, 3);
    over.events[2].payload = vec![7; EVENT_PAYLOAD_BYTES_MAX + 1];
    let expected = InvalidAppend::PayloadTooLarge {
        index: 2,
        bytes: EVENT_PAYLOAD_BYTES_MAX + 1,
        max: EVENT_PAYLOAD_BYTES_MAX,
    };
    check_rejected(&test, over, expected);

    let mut at = append(&lead, ExpectedVersion::Any, 2, 3);
    at.events[2].payload = vec![7; EVENT_PAYLOAD_BYTES_MAX];
    test.store.append_blocking(at).unwrap();
    let stored = test.store.read_stream(&lead, 3).unwrap();
    assert_eq!(stored[0].payload.len(), EVENT_PAYLOAD_BYTES_MAX);
}

#[test]
fn metadata_bytes_of_actor_and_tenant_together_are_limited_and_the_limit_is_accepted() {
    let test = TestStore::new();
    let lead = stream("lead", 1);
    let with_metadata = |command: u128, actor_bytes: usize, tenant_bytes: usize| {
        let mut request = append(&lead, ExpectedVersion::Any, command, 1);
        request.metadata.actor = "a".repeat(actor_bytes);
        request.metadata.tenant = "t".repeat(tenant_bytes);
        request
    };

    let over = with_metadata(1, METADATA_BYTES_MAX - 23, 24);
    let expected =
        InvalidAppend::MetadataTooLarge { bytes: METADATA_BYTES_MAX + 1, max: METADATA_BYTES_MAX };
    check_rejected(&test, over, expected);

    test.store.append_blocking(with_metadata(2, METADATA_BYTES_MAX - 24, 24)).unwrap();
    let stored = test.store.read_stream(&lead, 1).unwrap();
    assert_eq!(
        stored[0].metadata.actor.len() + stored[0].metadata.tenant.len(),
        METADATA_BYTES_MAX
    );
}

#[test]
fn event_types_must_be_1_to_128_bytes_of_letters_digits_underscore_and_dot() {
    let test = TestStore::new();
    let lead = stream("lead", 1);
    let overlong = "A".repeat(EVENT_TYPE_BYTES_MAX + 1);
    // The error quotes at most the first 128 characters of the rejected name.
    let quoted_overlong = "A".repeat(EVENT_TYPE_BYTES_MAX);
    let rejected = [
        ("", ""),
        ("Lead Opened", "Lead Opened"),
        ("Lead-Opened", "Lead-Opened"),
        ("Lead/Opened", "Lead/Opened"),
        ("LéadOpened", "LéadOpened"),
        (overlong.as_str(), quoted_overlong.as_str()),
    ];
    for (command, (event_type, quoted)) in (1..).zip(rejected) {
        let mut request = append(&lead, ExpectedVersion::Any, command, 3);
        request.events[1].event_type = event_type.to_owned();
        let expected = InvalidAppend::EventType { index: 1, event_type: quoted.to_owned() };
        check_rejected(&test, request, expected);
    }

    let longest = "B".repeat(EVENT_TYPE_BYTES_MAX);
    for (command, event_type) in (100..).zip(["Lead.Opened_v2", "x", longest.as_str()]) {
        let mut request = append(&lead, ExpectedVersion::Any, command, 1);
        request.events[0].event_type = event_type.to_owned();
        let outcome = test.store.append_blocking(request).unwrap();
        let stored = test.store.read_stream(&lead, outcome.first_version).unwrap();
        assert_eq!(stored[0].event_type, event_type);
    }
}

#[test]
fn schema_version_zero_is_rejected_and_versions_start_at_one() {
    let test = TestStore::new();
    let lead = stream("lead", 1);

    let mut zero = append(&lead, ExpectedVersion::Any, 1, 2);
    zero.events[1].schema_version = 0;
    check_rejected(&test, zero, InvalidAppend::SchemaVersionZero { index: 1 });

    let mut one = append(&lead, ExpectedVersion::Any, 2, 2);
    one.events[1].schema_version = 1;
    test.store.append_blocking(one).unwrap();
    assert_eq!(test.store.read_stream(&lead, 2).unwrap()[0].schema_version, 1);
}

#[test]
fn a_rejected_append_does_not_use_up_its_command_id() {
    let test = TestStore::new();
    let lead = stream("lead", 1);
    let mut invalid = append(&lead, ExpectedVersion::NoStream, 1, 1);
    invalid.events[0].schema_version = 0;
    check_rejected(&test, invalid, InvalidAppend::SchemaVersionZero { index: 0 });

    let fixed = test.store.append_blocking(append(&lead, ExpectedVersion::NoStream, 1, 1)).unwrap();
    assert!(!fixed.duplicate, "the fixed request is the command's first commit");
    assert_eq!(fixed.first_position, Position(1));
}

/// Appends `request`, expects exactly `expected`, and checks that the log did not change.
#[track_caller]
fn check_rejected(test: &TestStore, request: AppendRequest, expected: InvalidAppend) {
    let head_before = test.store.head();
    let stream_version_before = test.store.stream_version(&request.stream).unwrap();
    match test.store.append_blocking(request.clone()) {
        Err(AppendError::Invalid(invalid)) => assert_eq!(invalid, expected),
        other => panic!("expected {expected:?}, got {other:?}"),
    }
    assert_eq!(test.store.head(), head_before, "a rejected append writes nothing");
    assert_eq!(test.store.stream_version(&request.stream).unwrap(), stream_version_before);
    let n_stored = test.store.read_all(Position::START, u64::MAX).count() as u64;
    assert_eq!(n_stored, head_before.position);
}
