//! The store against a reference model: random sequences of appends, reads, clock steps and
//! reopens, each result compared with what a `BTreeMap` of streams and a `Vec` log say it must be.
//!
//! The seed is the workspace's (`PROPTEST_RNG_SEED` in `.cargo/config.toml`), so every run checks
//! the same cases; set `PROPTEST_RNG_SEED` in the environment to explore
//! others. Proptest saves a failing case's seed under `proptest-regressions/` and replays it first
//! on later runs; a shrunk failure is also kept at the end of this file as a named `#[test]` that
//! calls [`check`] with its operations, under a one-line postmortem.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use ltc_eventstore::{
    AppendError, AppendOutcome, AppendRequest, Clock, EventId, EventStore, ExpectedVersion,
    ManualClock, Position, RecordedEvent, StoreOptions, StreamId,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use tempfile::TempDir;
use uuid::Uuid;

use crate::support::{TestStore, append, command_id, stream, t0};

/// Streams the operations pick from.
const STREAMS: u8 = 4;
/// Command ids the appends pick from: small, so retries and reuse on other streams happen.
const COMMAND_POOL: u8 = 10;
const OPS_MAX: usize = 40;

#[derive(Debug, Clone)]
enum Op {
    Append {
        stream: u8,
        expected: Expected,
        n_events: usize,
        command: u8,
    },
    ReadStream {
        stream: u8,
        from_version: u64,
    },
    ReadAll {
        from: u64,
        limit: u64,
    },
    /// Moves the injected clock, backwards too: recorded time must still never decrease.
    Tick {
        seconds: i64,
    },
    Reopen,
}

/// The expected version, resolved against the model when the operation runs.
#[derive(Debug, Clone)]
enum Expected {
    NoStream,
    /// `Exact` of the stream's current version.
    Correct,
    /// `Exact` of a small version that is not the stream's current one.
    Wrong(u64),
    Any,
}

/// An event as the model predicts it; the store's hash is checked by `verify` instead.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ModelEvent {
    position: u64,
    event_id: EventId,
    stream: StreamId,
    version: u64,
    command_id: Uuid,
    payload: Vec<u8>,
    recorded_at: DateTime<Utc>,
}

/// What an append answered, in a form both the model and the store produce.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reply {
    Appended(AppendOutcome),
    Conflict { expected: ExpectedVersion, actual: u64 },
    CommandIdReused { original_stream: StreamId },
}

/// The reference: what the store must hold, and what each append must answer.
#[derive(Debug, Default)]
struct Model {
    streams: BTreeMap<StreamId, Vec<ModelEvent>>,
    log: Vec<ModelEvent>,
    /// The first outcome of every committed command id.
    commands: HashMap<Uuid, AppendOutcome>,
}

impl Model {
    fn version(&self, stream: &StreamId) -> u64 {
        self.streams.get(stream).map_or(0, |events| events.len() as u64)
    }

    fn append(&mut self, request: &AppendRequest, now: DateTime<Utc>) -> Reply {
        if let Some(original) = self.commands.get(&request.metadata.command_id) {
            if original.stream != request.stream {
                return Reply::CommandIdReused { original_stream: original.stream.clone() };
            }
            return Reply::Appended(AppendOutcome { duplicate: true, ..original.clone() });
        }
        let actual = self.version(&request.stream);
        let admitted = match request.expected {
            ExpectedVersion::NoStream => actual == 0,
            ExpectedVersion::Exact(version) => actual == version,
            ExpectedVersion::Any => true,
        };
        if !admitted {
            return Reply::Conflict { expected: request.expected, actual };
        }
        let recorded_at = self.log.last().map_or(now, |last| now.max(last.recorded_at));
        let first_position = self.log.len() as u64 + 1;
        for (version, event) in (actual + 1..).zip(&request.events) {
            let recorded = ModelEvent {
                position: self.log.len() as u64 + 1,
                event_id: event.event_id,
                stream: request.stream.clone(),
                version,
                command_id: request.metadata.command_id,
                payload: event.payload.clone(),
                recorded_at,
            };
            self.log.push(recorded.clone());
            self.streams.entry(request.stream.clone()).or_default().push(recorded);
        }
        let outcome = AppendOutcome {
            stream: request.stream.clone(),
            first_version: actual + 1,
            last_version: self.version(&request.stream),
            first_position: Position(first_position),
            last_position: Position(self.log.len() as u64),
            recorded_at,
            duplicate: false,
        };
        self.commands.insert(request.metadata.command_id, outcome.clone());
        Reply::Appended(outcome)
    }
}

fn model_stream(index: u8) -> StreamId {
    let kinds = ["lead", "opportunity", "quote", "order"];
    stream(kinds[usize::from(index)], u128::from(index))
}

fn observed(event: &RecordedEvent) -> ModelEvent {
    ModelEvent {
        position: event.position.0,
        event_id: event.event_id,
        stream: event.stream.clone(),
        version: event.version,
        command_id: event.metadata.command_id,
        payload: event.payload.clone(),
        recorded_at: event.recorded_at,
    }
}

fn op() -> impl Strategy<Value = Op> {
    let expected = prop_oneof![
        1 => Just(Expected::NoStream),
        2 => Just(Expected::Correct),
        1 => (0..6u64).prop_map(Expected::Wrong),
        1 => Just(Expected::Any),
    ];
    let append_op = (0..STREAMS, expected, 1..4usize, 0..COMMAND_POOL).prop_map(
        |(stream, expected, n_events, command)| Op::Append { stream, expected, n_events, command },
    );
    let read_stream = (0..STREAMS, 0..8u64)
        .prop_map(|(stream, from_version)| Op::ReadStream { stream, from_version });
    let read_all = (0..60u64, prop_oneof![0..12u64, Just(u64::MAX)])
        .prop_map(|(from, limit)| Op::ReadAll { from, limit });
    prop_oneof![
        6 => append_op,
        2 => read_stream,
        2 => read_all,
        1 => (-30..60i64).prop_map(|seconds| Op::Tick { seconds }),
        1 => Just(Op::Reopen),
    ]
}

#[test]
fn store_agrees_with_the_reference_model() {
    let template = empty_store_file();
    let mut config = ProptestConfig::with_cases(48);
    config.source_file = Some(file!());
    let mut runner = TestRunner::new(config);
    let result = runner.run(&vec(op(), 1..=OPS_MAX), |ops| {
        check(copy_of(&template), &ops);
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}\n{runner}");
    }
}

/// A closed, empty store file. Creating the schema costs a dozen fsyncs, ten times an append,
/// so each case starts from a copy of this file instead.
fn empty_store_file() -> TempDir {
    let TestStore { store, dir, .. } = TestStore::new();
    drop(store);
    dir
}

/// A [`TestStore`] on a copy of `template`, with its own clock at [`t0`].
fn copy_of(template: &TempDir) -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    for name in ["events.db", "events.db-wal"] {
        let from = template.path().join(name);
        if from.exists() {
            std::fs::copy(from, dir.path().join(name)).unwrap();
        }
    }
    let clock = Arc::new(ManualClock::new(t0()));
    let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
    let store = EventStore::open(dir.path().join("events.db"), options).unwrap();
    TestStore { store, clock, dir }
}

/// Runs `ops` against `test`, an empty store, and against the model, comparing after every step
/// and at the end.
#[track_caller]
fn check(mut test: TestStore, ops: &[Op]) {
    let mut model = Model::default();
    for (op_idx, op) in ops.iter().enumerate() {
        match *op {
            Op::Append { stream, ref expected, n_events, command } => {
                let stream = model_stream(stream);
                let actual = model.version(&stream);
                let expected = match *expected {
                    Expected::NoStream => ExpectedVersion::NoStream,
                    Expected::Correct => ExpectedVersion::Exact(actual),
                    Expected::Wrong(version) if version >= actual => {
                        ExpectedVersion::Exact(version + 1)
                    }
                    Expected::Wrong(version) => ExpectedVersion::Exact(version),
                    Expected::Any => ExpectedVersion::Any,
                };
                let request = append(&stream, expected, u128::from(command), n_events);
                let predicted = model.append(&request, test.clock.now());
                let replied = match test.store.append_blocking(request) {
                    Ok(outcome) => Reply::Appended(outcome),
                    Err(AppendError::Conflict { stream: conflicted, expected, actual }) => {
                        assert_eq!(conflicted, stream, "op {op_idx}");
                        Reply::Conflict { expected, actual }
                    }
                    Err(AppendError::CommandIdReused { command_id: reused, original_stream }) => {
                        assert_eq!(reused, command_id(u128::from(command)), "op {op_idx}");
                        Reply::CommandIdReused { original_stream }
                    }
                    Err(error) => panic!("op {op_idx} {op:?}: unexpected {error:?}"),
                };
                assert_eq!(replied, predicted, "op {op_idx}: {op:?}");
            }
            Op::ReadStream { stream, from_version } => {
                let stream = model_stream(stream);
                let read = test.store.read_stream(&stream, from_version).unwrap();
                let first = from_version.max(1);
                let predicted: Vec<ModelEvent> = model
                    .streams
                    .get(&stream)
                    .into_iter()
                    .flatten()
                    .filter(|e| e.version >= first)
                    .cloned()
                    .collect();
                assert_eq!(
                    read.iter().map(observed).collect::<Vec<_>>(),
                    predicted,
                    "op {op_idx}: {op:?}"
                );
            }
            Op::ReadAll { from, limit } => {
                let read: Vec<ModelEvent> = test
                    .store
                    .read_all(Position(from), limit)
                    .map(|e| observed(&e.unwrap()))
                    .collect();
                let predicted: Vec<ModelEvent> = model
                    .log
                    .iter()
                    .filter(|e| e.position >= from.max(1))
                    .take(usize::try_from(limit).unwrap_or(usize::MAX))
                    .cloned()
                    .collect();
                assert_eq!(read, predicted, "op {op_idx}: {op:?}");
            }
            Op::Tick { seconds } => test.clock.advance(TimeDelta::seconds(seconds)),
            Op::Reopen => test.reopen(),
        }
        check_head(&test, &model, op_idx);
    }
    check_everything(&test, &model);
}

/// The head names the model's last position, with the hash stored on that row.
#[track_caller]
fn check_head(test: &TestStore, model: &Model, op_idx: usize) {
    let head = test.store.head();
    assert_eq!(head.position, model.log.len() as u64, "head after op {op_idx}");
    if head.position > 0 {
        let last = test.store.read_all(Position(head.position), 1).next().unwrap().unwrap();
        assert_eq!(last.hash, head.hash, "head hash after op {op_idx}");
    }
}

/// The whole log, every stream and the hash chain, once the operations are done.
#[track_caller]
fn check_everything(test: &TestStore, model: &Model) {
    let log: Vec<ModelEvent> =
        test.store.read_all(Position::START, u64::MAX).map(|e| observed(&e.unwrap())).collect();
    assert_eq!(log, model.log);
    let positions: Vec<u64> = log.iter().map(|e| e.position).collect();
    assert_eq!(positions, (1..=model.log.len() as u64).collect::<Vec<_>>(), "positions have gaps");
    for index in 0..STREAMS {
        let stream = model_stream(index);
        let read: Vec<ModelEvent> =
            test.store.read_stream(&stream, 0).unwrap().iter().map(observed).collect();
        assert_eq!(&read, model.streams.get(&stream).unwrap_or(&Vec::new()), "{stream}");
        assert_eq!(test.store.stream_version(&stream).unwrap(), model.version(&stream));
    }
    let report = test.store.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.events_checked, model.log.len() as u64);
    assert_eq!(report.verified_head, test.store.head());
}
