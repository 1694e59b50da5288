//! The crash test's victim: opens the store given on the command line and appends from several
//! tasks as fast as it can, printing one `ack …` line per acknowledged append, until it is killed
//! (or, should the test die first, until its time limit passes).
//!
//! Usage: `ltc-crash-writer DB_PATH RUN_NUMBER`

use std::io::Write;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use ltc_eventstore::{
    AppendRequest, CodecId, EventId, EventStore, ExpectedVersion, Metadata, NewEvent, StoreOptions,
    StreamId,
};
use ltc_tests::crash_protocol::{Ack, payload};
use uuid::Uuid;

const WRITER_TASKS: u128 = 16;
const RUN_TIME_MAX: Duration = Duration::from_secs(20);

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(run)) =
        (args.next(), args.next().and_then(|run| run.parse::<u128>().ok()))
    else {
        eprintln!("usage: ltc-crash-writer DB_PATH RUN_NUMBER");
        std::process::exit(2);
    };
    let store = EventStore::open(&path, StoreOptions::default()).expect("open store");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let started = Instant::now();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for task in 0..WRITER_TASKS {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let stream = StreamId::new("crash", Uuid::from_u128(run << 64 | task << 32 | 1))
                    .expect("kind");
                let mut seq: u128 = 0;
                while started.elapsed() < RUN_TIME_MAX {
                    let command = run << 64 | task << 32 | seq;
                    let n_events = (seq % 4 + 1) as u8;
                    let request = request(&stream, command, n_events);
                    let outcome = store.append(request).await.expect("append");
                    let line = Ack::from_outcome(Uuid::from_u128(command), &outcome).to_line();
                    // One write per line while holding the lock, so lines never interleave.
                    let mut stdout = std::io::stdout().lock();
                    writeln!(stdout, "{line}").and_then(|()| stdout.flush()).expect("report ack");
                    seq += 1;
                }
            }));
        }
        for task in tasks {
            task.await.expect("writer task");
        }
    });
}

fn request(stream: &StreamId, command: u128, n_events: u8) -> AppendRequest {
    let events = (0..n_events)
        .map(|index| NewEvent {
            event_id: EventId(Uuid::from_u128(command << 8 | u128::from(index))),
            event_type: "CrashTestAppended".into(),
            schema_version: 1,
            occurred_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("date"),
            codec: CodecId::BINCODE2,
            payload: payload(index, n_events),
        })
        .collect();
    AppendRequest {
        stream: stream.clone(),
        expected: ExpectedVersion::Any,
        events,
        metadata: Metadata {
            command_id: Uuid::from_u128(command),
            correlation_id: Uuid::from_u128(command),
            causation_id: None,
            actor: "crash-writer".into(),
            tenant: "test".into(),
        },
    }
}
