//! Crash safety: a child process appends as fast as it can and reports every acknowledged append;
//! we SIGKILL it at random moments, and after every kill the reopened store must hold every
//! acknowledged append, no partial append, gap-free positions and an intact hash chain.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ltc_eventstore::{EventStore, Position, StoreOptions};
use ltc_tests::crash_protocol::{Ack, parse_payload};
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::seed::test_seed;

/// At least 20 kills, as the store's durability promise is only as good as the moments tried.
const KILLS: u32 = 24;
/// How long after its first acknowledged append a child may live before it is killed.
const KILL_AFTER_MAX: Duration = Duration::from_millis(60);

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_append_and_leaves_no_partial_one() {
    let seed = test_seed("crash");
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("events.db");
    let mut all_acks: Vec<Ack> = Vec::new();

    for run in 0..KILLS {
        let acks = run_and_kill(&db, run, rng.random_range(Duration::ZERO..KILL_AFTER_MAX), seed);
        assert!(
            !acks.is_empty(),
            "seed {seed}, run {run}: the child acknowledged nothing before the kill"
        );
        all_acks.extend(acks);

        let store = EventStore::open(&db, StoreOptions::default()).unwrap();
        check_after_crash(&store, &all_acks, seed, run);
    }
    eprintln!("crash: {KILLS} kills, {} acknowledged appends, all present", all_acks.len());
}

/// Starts a writer, lets it run `kill_after` past its first acknowledgement, SIGKILLs it, and
/// returns the appends it acknowledged.
fn run_and_kill(db: &std::path::Path, run: u32, kill_after: Duration, seed: u64) -> Vec<Ack> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ltc-crash-writer"))
        .arg(db)
        .arg(run.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start ltc-crash-writer");
    let stdout = child.stdout.take().unwrap();
    let (first_ack_sender, first_ack) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut acks = Vec::new();
        for line in BufReader::new(stdout).lines() {
            // A line cut short by the kill ends the stream; its append may or may not be there.
            let Some(ack) = line.ok().as_deref().and_then(Ack::parse) else { break };
            if acks.is_empty() {
                let _ = first_ack_sender.send(());
            }
            acks.push(ack);
        }
        acks
    });
    let started = Instant::now();
    first_ack
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("seed {seed}, run {run}: no acknowledgement within 30 s"));
    std::thread::sleep(kill_after);
    child.kill().expect("SIGKILL the writer");
    let status = child.wait().unwrap();
    assert!(!status.success(), "seed {seed}, run {run}: the writer exited by itself ({status})");
    let acks = reader.join().unwrap();
    eprintln!("crash run {run}: killed after {:?}, {} acks", started.elapsed(), acks.len());
    acks
}

fn check_after_crash(store: &EventStore, acks: &[Ack], seed: u64, run: u32) {
    let context = format!("seed {seed}, after kill {run}");
    let events: Vec<_> =
        store.read_all(Position::START, u64::MAX).map(|event| event.unwrap()).collect();
    let positions: Vec<u64> = events.iter().map(|event| event.position.0).collect();
    assert_eq!(
        positions,
        (1..=events.len() as u64).collect::<Vec<_>>(),
        "{context}: positions have gaps"
    );
    assert_eq!(store.head().position, events.len() as u64, "{context}: head");

    for ack in acks {
        for (offset, position) in ack.positions().enumerate() {
            let event = events
                .get(position as usize - 1)
                .unwrap_or_else(|| panic!("{context}: acknowledged position {position} is lost"));
            assert_eq!(event.metadata.command_id, ack.command_id, "{context}: position {position}");
            assert_eq!(event.stream.id, ack.stream_id, "{context}: position {position}");
            assert_eq!(
                event.version,
                ack.first_version + offset as u64,
                "{context}: position {position}"
            );
        }
    }

    // Every committed append is whole: its events are consecutive and all n of n are there.
    let mut by_command: BTreeMap<uuid::Uuid, Vec<(u64, u8, u8)>> = BTreeMap::new();
    for event in &events {
        let (index, n_events) = parse_payload(&event.payload).expect("crash writer payload");
        by_command.entry(event.metadata.command_id).or_default().push((
            event.position.0,
            index,
            n_events,
        ));
    }
    for (command, parts) in by_command {
        let n_events = parts[0].2;
        let indexes: Vec<u8> = parts.iter().map(|part| part.1).collect();
        assert_eq!(
            indexes,
            (0..n_events).collect::<Vec<_>>(),
            "{context}: command {command} is partial"
        );
        assert!(
            parts.windows(2).all(|pair| pair[1].0 == pair[0].0 + 1),
            "{context}: command {command} split"
        );
    }

    let report = store.verify().unwrap();
    assert!(report.is_intact(), "{context}: {:?}", report.first_problem);
    assert_eq!(report.events_checked, events.len() as u64);
}
