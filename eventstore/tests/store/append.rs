//! Appending and reading back: versions, positions and envelopes.

use ltc_eventstore::{
    AppendError, EventStore, ExpectedVersion, HeaderFilter, Position, StoreOptions, StreamId,
};

use crate::support::{TestStore, append, stream, t0};

#[test]
fn append_assigns_versions_per_stream_and_positions_across_streams() {
    let test = TestStore::new();
    let lead = stream("lead", 1);
    let quote = stream("quote", 2);

    let first = test.store.append_blocking(append(&lead, ExpectedVersion::NoStream, 1, 2)).unwrap();
    let second =
        test.store.append_blocking(append(&quote, ExpectedVersion::NoStream, 2, 1)).unwrap();
    let third = test.store.append_blocking(append(&lead, ExpectedVersion::Exact(2), 3, 1)).unwrap();

    assert_eq!((first.first_version, first.last_version), (1, 2));
    assert_eq!((first.first_position, first.last_position), (Position(1), Position(2)));
    assert_eq!((second.first_version, second.first_position), (1, Position(3)));
    assert_eq!((third.first_version, third.first_position), (3, Position(4)));
    assert!(!third.duplicate);
    assert_eq!(test.store.head().position, 4);

    let lead_events = test.store.read_stream(&lead, 1).unwrap();
    let versions: Vec<u64> = lead_events.iter().map(|e| e.version).collect();
    assert_eq!(versions, [1, 2, 3]);
    assert_eq!(lead_events[0].payload, b"c1e0");
    assert_eq!(lead_events[0].recorded_at, t0());
    assert_eq!(lead_events[2].metadata.command_id, crate::support::command_id(3));
    assert_eq!(test.store.read_stream(&lead, 3).unwrap().len(), 1);
    assert_eq!(test.store.stream_version(&lead).unwrap(), 3);

    let all: Vec<u64> =
        test.store.read_all(Position::START, u64::MAX).map(|e| e.unwrap().position.0).collect();
    assert_eq!(all, [1, 2, 3, 4]);
}

#[test]
fn wrong_expected_version_is_a_conflict_naming_the_actual_version() {
    let test = TestStore::new();
    let lead = stream("lead", 1);
    test.store.append_blocking(append(&lead, ExpectedVersion::NoStream, 1, 2)).unwrap();

    let stale = test.store.append_blocking(append(&lead, ExpectedVersion::Exact(1), 2, 1));
    assert!(matches!(
        stale,
        Err(AppendError::Conflict { actual: 2, expected: ExpectedVersion::Exact(1), .. })
    ));
    let recreate = test.store.append_blocking(append(&lead, ExpectedVersion::NoStream, 3, 1));
    assert!(matches!(recreate, Err(AppendError::Conflict { actual: 2, .. })));
    assert_eq!(test.store.head().position, 2, "a rejected append writes nothing");

    let any = test.store.append_blocking(append(&lead, ExpectedVersion::Any, 4, 1)).unwrap();
    assert_eq!(any.first_version, 3);
}

#[test]
fn a_stream_uuid_cannot_be_reused_for_another_kind() {
    let test = TestStore::new();
    let lead = stream("lead", 7);
    let mut as_quote = lead.clone();
    as_quote.kind = ltc_eventstore::StreamKind::new("quote").unwrap();
    test.store.append_blocking(append(&lead, ExpectedVersion::NoStream, 1, 1)).unwrap();

    let error =
        test.store.append_blocking(append(&as_quote, ExpectedVersion::Any, 2, 1)).unwrap_err();
    assert!(
        matches!(error, AppendError::StreamKindMismatch { existing_kind, .. } if existing_kind == "lead")
    );
}

#[test]
fn read_all_respects_its_start_and_limit_across_pages() {
    let test = TestStore::new();
    let lead = stream("lead", 1);
    for command in 0..12u128 {
        let request = append(&lead, ExpectedVersion::Any, command, 200);
        test.store.append_blocking(request).unwrap();
    }
    let head = test.store.head().position;
    assert_eq!(head, 2_400);
    let positions: Vec<u64> =
        test.store.read_all(Position(1_000), 1_500).map(|e| e.unwrap().position.0).collect();
    assert_eq!(positions, (1_000..2_500).take_while(|p| *p <= head).collect::<Vec<_>>());
    assert_eq!(test.store.read_all(Position(head + 1), 10).count(), 0);
    assert_eq!(test.store.read_all(Position(u64::MAX), 10).count(), 0, "a huge start is no panic");
}

#[test]
fn recorded_time_comes_from_the_injected_clock_and_never_goes_backwards() {
    let test = TestStore::new();
    let lead = stream("lead", 1);
    test.clock.advance(chrono::TimeDelta::hours(2));
    let first = test.store.append_blocking(append(&lead, ExpectedVersion::Any, 1, 1)).unwrap();
    test.clock.advance(chrono::TimeDelta::hours(-1));
    let second = test.store.append_blocking(append(&lead, ExpectedVersion::Any, 2, 1)).unwrap();

    assert_eq!(first.recorded_at, t0() + chrono::TimeDelta::hours(2));
    assert_eq!(
        second.recorded_at, first.recorded_at,
        "a clock stepping back does not reorder recorded time"
    );
}

#[test]
fn readers_that_map_nothing_read_the_same_log_as_mapped_ones() {
    let test = TestStore::new();
    let lead = stream("lead", 1);
    for command in 1..=5u64 {
        let expected = if command == 1 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(command - 1)
        };
        test.store.append_blocking(append(&lead, expected, u128::from(command), 1)).unwrap();
    }
    let mapped: Vec<_> =
        test.store.read_all(Position::START, u64::MAX).map(Result::unwrap).collect();
    let TestStore { store, clock, dir } = test;
    drop(store);
    let options = StoreOptions { clock, read_mmap_bytes: 0, ..StoreOptions::default() };
    let unmapped = EventStore::open(dir.path().join("events.db"), options).unwrap();
    let read: Vec<_> = unmapped.read_all(Position::START, u64::MAX).map(Result::unwrap).collect();
    assert_eq!(read, mapped);
    assert_eq!(unmapped.read_stream(&lead, 1).unwrap(), mapped);
}

#[test]
fn read_correlated_returns_one_flows_events_across_streams_in_position_order_up_to_a_limit() {
    let test = TestStore::new();
    let flow = |command: u128| {
        let mut request = append(&stream("lead", command), ExpectedVersion::Any, command, 2);
        // Commands 1, 3 and 5 belong to one flow; 2 and 4 each to their own.
        if command % 2 == 1 {
            request.metadata.correlation_id = crate::support::metadata(1).correlation_id;
        }
        request
    };
    for command in 1..=5 {
        test.store.append_blocking(flow(command)).unwrap();
    }
    let correlation = crate::support::metadata(1).correlation_id;

    let events = test.store.read_correlated(correlation, 100).unwrap();
    let positions: Vec<u64> = events.iter().map(|event| event.position.0).collect();
    assert_eq!(positions, [1, 2, 5, 6, 9, 10]);
    assert!(events.iter().all(|event| event.metadata.correlation_id == correlation));
    let all: Vec<_> = test.store.read_all(Position::START, u64::MAX).map(Result::unwrap).collect();
    assert_eq!(events[2], all[4], "the same envelope read_all gives");

    let first_three = test.store.read_correlated(correlation, 3).unwrap();
    assert_eq!(first_three.len(), 3);
    assert_eq!(first_three[2].position.0, 5);
    let unknown = uuid::Uuid::from_u128(42);
    assert!(test.store.read_correlated(unknown, 100).unwrap().is_empty());
}

#[test]
fn read_filtered_returns_every_event_of_some_kinds_and_the_first_of_others_across_pages() {
    let test = TestStore::new();
    // 1,400 selected events: more than one page of 1,024.
    for n in 0..600u128 {
        test.store.append_blocking(append(&stream("lead", n), ExpectedVersion::Any, n, 2)).unwrap();
        let quote = stream("quote", 10_000 + n);
        test.store.append_blocking(append(&quote, ExpectedVersion::Any, 1_000 + n, 3)).unwrap();
        if n % 3 == 0 {
            let order = stream("order", 20_000 + n);
            test.store.append_blocking(append(&order, ExpectedVersion::Any, 2_000 + n, 1)).unwrap();
        }
    }
    let filter = HeaderFilter::Any(vec![
        HeaderFilter::KindIn(vec!["lead".to_owned()]),
        HeaderFilter::All(vec![
            HeaderFilter::FirstOfItsStream,
            HeaderFilter::KindIn(vec!["quote".to_owned()]),
        ]),
    ]);

    let from = Position(7);
    let filtered: Vec<_> = test
        .store
        .read_filtered(from, Position(u64::MAX >> 1), &filter)
        .map(Result::unwrap)
        .collect();

    let expected: Vec<_> = test
        .store
        .read_all(from, u64::MAX)
        .map(Result::unwrap)
        .filter(|event| filter.selects(event))
        .collect();
    assert_eq!(filtered, expected);
    assert!(filtered.len() > 1_024, "crosses a page: {}", filtered.len());
    let quotes = filtered.iter().filter(|event| event.stream.kind.as_str() == "quote");
    assert!(quotes.clone().all(|event| event.version == 1));
    assert_eq!(quotes.count(), 600 - 1, "the first quote's first event is at 3, before 7");
    assert!(filtered.iter().all(|event| event.stream.kind.as_str() != "order"));
}

#[test]
fn every_shape_of_header_filter_reads_what_its_selects_says_within_the_range() {
    let test = TestStore::new();
    let kinds = ["lead", "quote", "order"];
    let types = ["Opened", "Moved", "Closed"];
    for n in 0..60u128 {
        let kind = kinds[(n % 3) as usize];
        let mut request = append(&stream(kind, n % 7 + 100 * (n % 3)), ExpectedVersion::Any, n, 1);
        request.events[0].event_type = types[(n % 5 % 3) as usize].to_owned();
        test.store.append_blocking(request).unwrap();
    }
    let text = |names: &[&str]| names.iter().map(|name| (*name).to_owned()).collect::<Vec<_>>();
    let some_streams: Vec<StreamId> = vec![stream("lead", 0), stream("order", 202)];
    let filters = [
        HeaderFilter::Everything,
        HeaderFilter::KindIn(text(&["quote"])),
        HeaderFilter::KindIn(vec![]),
        HeaderFilter::TypeIn(text(&["Moved", "Closed"])),
        HeaderFilter::StreamIn(some_streams.clone()),
        HeaderFilter::StreamIn(vec![]),
        HeaderFilter::FirstOfItsStream,
        HeaderFilter::All(vec![]),
        HeaderFilter::Any(vec![]),
        HeaderFilter::All(vec![
            HeaderFilter::TypeIn(text(&["Opened"])),
            HeaderFilter::Any(vec![
                HeaderFilter::KindIn(text(&["quote"])),
                HeaderFilter::StreamIn(some_streams),
            ]),
        ]),
    ];
    let (from, to) = (Position(5), Position(50));
    let in_range: Vec<_> = test.store.read_all(from, 46).map(Result::unwrap).collect::<Vec<_>>();
    assert_eq!(in_range.last().map(|event| event.position), Some(to));

    for filter in &filters {
        let read: Vec<_> = test.store.read_filtered(from, to, filter).map(Result::unwrap).collect();
        let expected: Vec<_> =
            in_range.iter().filter(|event| filter.selects(event)).cloned().collect();
        assert_eq!(read, expected, "{filter:?}");
    }
    let read_everything = test.store.read_filtered(from, to, &HeaderFilter::Everything).count();
    assert_eq!(read_everything, 46);
    assert_eq!(test.store.read_filtered(from, to, &HeaderFilter::Any(vec![])).count(), 0);
}

#[test]
fn the_last_position_includes_what_another_process_committed_where_the_head_does_not() {
    let test = TestStore::new();
    assert_eq!(test.store.last_position().unwrap(), Position(0), "an empty log");
    test.store
        .append_blocking(append(&stream("lead", 1), ExpectedVersion::NoStream, 1, 2))
        .unwrap();
    let other_process = crate::support::open_file(&test.db_path());
    other_process
        .append_blocking(append(&stream("lead", 2), ExpectedVersion::NoStream, 2, 3))
        .unwrap();

    assert_eq!(test.store.last_position().unwrap(), Position(5));
    assert_eq!(test.store.head().position, 2, "the head is what this process's writer saw");
}
