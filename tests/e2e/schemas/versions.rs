//! Schema versions held to the stored bytes: every event type has a fixture at every version this
//! build reads, every fixture decodes (through the upcasters) to what it must, fixtures are
//! never overwritten, and an event of a version no build has written is a typed error naming
//! it wherever it is read.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use ltc_domain::actor::{Actor, Role};
use ltc_domain::ids::{LeadId, UserId};
use ltc_domain::lead::LeadEvent;
use ltc_domain::schema::UpcastError;
use ltc_eventstore::{
    AppendRequest, Clock, CodecId, EventId, EventStore, ExpectedVersion, ManualClock, Metadata,
    NewEvent, StoreOptions, StreamId, codec,
};
use ltc_services::command::CommandMeta;
use ltc_services::engine::{Command, Engine, EngineError, LeadRequest};
use ltc_services::event_json::{EventJsonError, payload_to_json};
use serde_json::{Value, json};
use uuid::Uuid;

use super::fixtures::{
    WRITE, fixture_paths, fixtures_dir, kinds, write_missing_if_asked, write_new,
};
use super::samples;

#[test]
fn every_event_type_has_a_fixture_at_every_version_it_reads() {
    write_missing_if_asked();
    let mut missing = Vec::new();
    for kind in kinds() {
        let event_types = (kind.versions)();
        assert!(!event_types.is_empty(), "the {} schema names its event types", kind.kind);
        for (event_type, versions) in event_types {
            for version in versions {
                let paths = fixture_paths(&fixtures_dir(), kind.kind, &event_type, version);
                if !paths.bin.exists() || !paths.json.exists() {
                    missing.push(format!("{} {event_type} v{version}", kind.kind));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "no fixture for {missing:#?}\nWrite today's versions with `{WRITE}` and commit them; an \
         older version's bytes can no longer be made, so add a version's fixture while it is \
         current."
    );
}

#[test]
fn every_fixture_decodes_through_its_upcasters_to_the_json_beside_it() {
    write_missing_if_asked();
    let kinds = kinds();
    let mut problems = Vec::new();
    let mut n_decoded = 0;
    for kind_dir in std::fs::read_dir(fixtures_dir()).expect("schemas/fixtures exists") {
        let kind_dir = kind_dir.unwrap().path();
        let kind_name = kind_dir.file_name().unwrap().to_str().unwrap().to_owned();
        let Some(kind) = kinds.iter().find(|kind| kind.kind == kind_name) else {
            problems.push(format!("{} is no stream kind", kind_dir.display()));
            continue;
        };
        for file in std::fs::read_dir(&kind_dir).unwrap() {
            let file = file.unwrap().path();
            let name = file.file_name().unwrap().to_str().unwrap().to_owned();
            let Some(stem) = name.strip_suffix(".bin") else { continue };
            let Some((event_type, version)) = stem.rsplit_once(".v") else {
                problems.push(format!("{name} is not <EventType>.v<N>.bin"));
                continue;
            };
            let version: u32 = version.parse().expect("a version number");
            if !(kind.versions)().get(event_type).is_some_and(|known| known.contains(&version)) {
                problems.push(format!("{kind_name}/{name} is of no event type and version read"));
            }
            let paths = fixture_paths(&fixtures_dir(), kind.kind, event_type, version);
            let expected: Value =
                serde_json::from_str(&std::fs::read_to_string(&paths.json).unwrap()).unwrap();
            let codec = CodecId(expected["codec"].as_u64().expect("a codec id") as u16);
            let bytes = std::fs::read(&paths.bin).unwrap();
            match (kind.decode)(event_type, version, codec, &bytes) {
                Ok((decoded_type, json)) => {
                    if decoded_type != event_type {
                        problems.push(format!("{name} decodes as a {decoded_type}"));
                    }
                    if json != expected["event"] {
                        problems.push(format!(
                            "{kind_name}/{name} decodes to {json}, not {}",
                            expected["event"]
                        ));
                    }
                }
                Err(error) => problems.push(format!("{kind_name}/{name} does not decode: {error}")),
            }
            n_decoded += 1;
        }
    }
    assert!(n_decoded >= kinds.len(), "the fixtures are read ({n_decoded} found)");
    assert!(
        problems.is_empty(),
        "{problems:#?}\nStored events never change: if an event's shape changed, give it a new \
         version with an upcaster from this one (ltc_domain::schema) instead."
    );
}

#[test]
fn an_existing_fixture_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let paths = fixture_paths(dir.path(), "lead", "LeadQualified", 1);
    let event = json!({"Qualified": {"at": "2026-01-05T00:00:00Z"}});
    write_new(&paths, CodecId::BINCODE2, b"first", &event).unwrap();
    let again = write_new(&paths, CodecId::BINCODE2, b"second", &event);
    assert_eq!(again.unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(std::fs::read(&paths.bin).unwrap(), b"first");
    let files: BTreeSet<_> = std::fs::read_dir(dir.path().join("lead"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        files,
        BTreeSet::from(["LeadQualified.v1.bin".into(), "LeadQualified.v1.json".into()])
    );
}

#[tokio::test]
async fn an_event_of_a_schema_version_no_build_wrote_is_a_typed_error_naming_it_wherever_read() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()));
    let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
    let store = EventStore::open(dir.path().join("events.db"), options).unwrap();
    let captured = samples::lead_events().remove(0);
    assert!(matches!(captured, LeadEvent::Captured { .. }));
    let lead = LeadId(Uuid::from_u128(0x1ead));
    let (codec, payload) = codec::encode(&captured).unwrap();
    let stream = StreamId::new("lead", lead.0).unwrap();
    let request = AppendRequest {
        stream: stream.clone(),
        expected: ExpectedVersion::NoStream,
        events: vec![NewEvent {
            event_id: EventId(Uuid::from_u128(1)),
            event_type: "LeadCaptured".into(),
            schema_version: 7,
            occurred_at: clock.now(),
            codec,
            payload,
        }],
        metadata: Metadata {
            command_id: Uuid::from_u128(2),
            correlation_id: Uuid::from_u128(2),
            causation_id: None,
            actor: "Admin:test".into(),
            tenant: "test".into(),
        },
    };
    store.append(request).await.unwrap();
    let recorded = store.read_stream(&stream, 1).unwrap().remove(0);
    let unknown = UpcastError::UnknownVersion {
        event_type: "LeadCaptured".to_owned(),
        version: 7,
        known: vec![1],
    };

    let decoded = ltc_projections::decode_event::<LeadEvent>(&recorded);
    assert_eq!(decoded, Err(unknown.clone()), "the read models' decoding");
    let json = payload_to_json(&recorded);
    assert!(matches!(json, Err(EventJsonError::Upcast(error)) if error == unknown), "JSON");

    let engine = Engine::open(store, clock, ltc_services::generator::demo_settings()).unwrap();
    let admin = Actor { user: UserId(Uuid::from_u128(0xad)), role: Role::Admin, team: None };
    let meta = CommandMeta {
        command_id: Uuid::from_u128(3),
        correlation_id: Uuid::from_u128(3),
        causation_id: None,
        actor: admin,
        tenant: "test".into(),
        expected_version: None,
    };
    let command = Command::Lead { lead_id: lead, command: LeadRequest::Qualify };
    match engine.execute(command, &meta).await {
        Err(EngineError::Internal(message)) => assert!(
            message.contains("LeadCaptured events of schema version 7 are unknown"),
            "{message}"
        ),
        other => {
            panic!("the command path must refuse to decide on an unreadable stream: {other:?}")
        }
    }
}
