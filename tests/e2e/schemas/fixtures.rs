//! `schemas/fixtures/`: the stored bytes of one event of every event type at every schema version
//! this build reads, `<kind>/<EventType>.v<N>.bin`, and beside each a `.json` of the codec that
//! wrote it and of the event it must decode to today. The bytes are written once, while their
//! version is the current one, and never again: they are what a build of that time stored, and
//! every later build must still read them, through the upcasters if the event has changed shape.
//!
//! ```text
//! LTC_WRITE_FIXTURES=1 cargo test -p ltc-tests schemas::versions
//! ```
//!
//! writes the fixtures that are missing (at the version each event type is written at today)
//! and refuses to touch one that exists. The event types come from the committed schemas, so a
//! new event type without a fixture fails the check.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::{TimeZone, Utc};
use ltc_domain::customer::CustomerDecider;
use ltc_domain::lead::LeadDecider;
use ltc_domain::opportunity::OpportunityDecider;
use ltc_domain::order::OrderDecider;
use ltc_domain::payment::PaymentDecider;
use ltc_domain::quota::QuotaDecider;
use ltc_domain::quote::QuoteDecider;
use ltc_domain::schema::EventSchema;
use ltc_eventstore::{CodecId, EventStore, ManualClock, Position, StoreOptions, codec};
use ltc_services::command::Aggregate;
use ltc_services::generator::{Scale, generate};
use serde_json::{Value, json};

use super::files::{committed_event_schema, committed_event_types, workspace_root};
use super::generate::render;
use super::{instance, samples};

/// Where the fixtures live, relative to the workspace root.
pub const FIXTURES_DIR: &str = "schemas/fixtures";

/// The command that writes missing fixtures; every failure message names it.
pub const WRITE: &str = "LTC_WRITE_FIXTURES=1 cargo test -p ltc-tests schemas::versions";

const WRITE_VAR: &str = "LTC_WRITE_FIXTURES";

/// The two files of one fixture.
#[derive(Debug)]
pub struct FixturePaths {
    pub bin: PathBuf,
    pub json: PathBuf,
}

pub fn fixture_paths(dir: &Path, kind: &str, event_type: &str, version: u32) -> FixturePaths {
    let kind_dir = dir.join(kind);
    FixturePaths {
        bin: kind_dir.join(format!("{event_type}.v{version}.bin")),
        json: kind_dir.join(format!("{event_type}.v{version}.json")),
    }
}

/// Writes a fixture that does not exist yet. Both files are created new, so an existing
/// fixture is refused (`AlreadyExists`) and left as it was.
pub fn write_new(
    paths: &FixturePaths,
    codec: CodecId,
    bytes: &[u8],
    event: &Value,
) -> std::io::Result<()> {
    std::fs::create_dir_all(paths.bin.parent().expect("a fixture has a directory"))?;
    let create_new = |path: &Path| std::fs::File::options().write(true).create_new(true).open(path);
    let mut bin = create_new(&paths.bin)?;
    let mut expected = match create_new(&paths.json) {
        Ok(file) => file,
        Err(error) => {
            drop(bin);
            std::fs::remove_file(&paths.bin)?;
            return Err(error);
        }
    };
    bin.write_all(bytes)?;
    expected.write_all(render(&json!({"codec": codec.0, "event": event})).as_bytes())
}

/// A stored event decoded today: its event type and its JSON.
pub type Decoded = Result<(String, Value), String>;

/// An event's JSON as stored bytes of today's version: its event type, codec and bytes.
pub type Encoded = Result<(String, CodecId, Vec<u8>), String>;

/// What the checks need of one aggregate's events.
pub struct Kind {
    pub kind: &'static str,
    /// Each event type the committed schema names, with every version this build reads.
    pub versions: fn() -> BTreeMap<String, Vec<u32>>,
    pub current: fn(&str) -> u32,
    /// The stored bytes of `event_type` at a version, decoded today: its event type and JSON.
    pub decode: fn(&str, u32, CodecId, &[u8]) -> Decoded,
    /// The event JSON as bytes of today's version, for writing a fixture.
    pub encode: fn(&Value) -> Encoded,
}

/// Every aggregate with stored events.
pub fn kinds() -> Vec<Kind> {
    vec![
        kind::<LeadDecider>(),
        kind::<CustomerDecider>(),
        kind::<OpportunityDecider>(),
        kind::<QuoteDecider>(),
        kind::<OrderDecider>(),
        kind::<PaymentDecider>(),
        kind::<QuotaDecider>(),
    ]
}

fn kind<A: Aggregate + 'static>() -> Kind {
    fn versions<A: Aggregate>() -> BTreeMap<String, Vec<u32>> {
        committed_event_types(&committed_event_schema::<A>())
            .into_iter()
            .map(|event_type| {
                let versions = A::Event::versions(&event_type);
                (event_type, versions)
            })
            .collect()
    }
    fn decode<A: Aggregate>(
        event_type: &str,
        version: u32,
        codec: CodecId,
        bytes: &[u8],
    ) -> Decoded {
        let event: A::Event = ltc_projections::decode_payload(event_type, version, codec, bytes)
            .map_err(|error| error.to_string())?;
        let json = serde_json::to_value(&event).map_err(|error| error.to_string())?;
        Ok((A::event_type(&event).to_owned(), json))
    }
    fn encode<A: Aggregate>(json: &Value) -> Encoded {
        let event: A::Event = serde_json::from_value(json.clone()).map_err(|e| e.to_string())?;
        let (codec, bytes) = codec::encode(&event).map_err(|error| error.to_string())?;
        Ok((A::event_type(&event).to_owned(), codec, bytes))
    }
    Kind {
        kind: A::KIND,
        versions: versions::<A>,
        current: A::Event::schema_version,
        decode: decode::<A>,
        encode: encode::<A>,
    }
}

pub fn fixtures_dir() -> PathBuf {
    workspace_root().join(FIXTURES_DIR)
}

/// Under [`WRITE_VAR`], writes every missing fixture of today's versions, once per test binary
/// and before any check reads the directory.
pub fn write_missing_if_asked() {
    static WRITTEN: OnceLock<()> = OnceLock::new();
    WRITTEN.get_or_init(|| {
        if std::env::var_os(WRITE_VAR).is_none() {
            return;
        }
        let instances = instances();
        for kind in kinds() {
            for event_type in (kind.versions)().keys() {
                let version = (kind.current)(event_type);
                let paths = fixture_paths(&fixtures_dir(), kind.kind, event_type, version);
                if paths.bin.exists() || paths.json.exists() {
                    continue;
                }
                let Some(json) = instances.get(&(kind.kind.to_owned(), event_type.clone())) else {
                    panic!("no instance of {} {event_type} to write a fixture from", kind.kind);
                };
                let (encoded_type, codec, bytes) =
                    (kind.encode)(json).expect("an instance encodes");
                assert_eq!(&encoded_type, event_type);
                write_new(&paths, codec, &bytes, json).expect("write the fixture");
                say(&format!("{WRITE_VAR}: wrote {}", paths.bin.display()));
            }
        }
    });
}

/// One instance of every event type, as JSON keyed by (kind, event type): from a generated
/// history where it has one (a real event), else from a lead worked by its decider, else the
/// schema's minimal instance of the variant.
fn instances() -> BTreeMap<(String, String), Value> {
    let mut found = BTreeMap::new();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().expect("a temp dir");
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap()));
    let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
    let store = EventStore::open(dir.path().join("events.db"), options).expect("a store");
    runtime.block_on(generate(&store, clock, 42, Scale::Small)).expect("a history");
    let kinds = kinds();
    for recorded in store.read_all(Position::START, u64::MAX) {
        let recorded = recorded.expect("the log reads");
        let kind = kinds.iter().find(|kind| kind.kind == recorded.stream.kind.as_str()).unwrap();
        let key = (kind.kind.to_owned(), recorded.event_type.clone());
        if let std::collections::btree_map::Entry::Vacant(entry) = found.entry(key) {
            let (_, json) = (kind.decode)(
                &recorded.event_type,
                recorded.schema_version,
                recorded.codec,
                &recorded.payload,
            )
            .expect("a stored event decodes");
            entry.insert(json);
        }
    }
    for event in samples::lead_events() {
        let key = ("lead".to_owned(), event.event_type().to_owned());
        found.entry(key).or_insert_with(|| serde_json::to_value(&event).unwrap());
    }
    for kind in &kinds {
        let schema = super::files::committed(&super::generate::event_schema_path(kind.kind));
        for json in instance::each_variant(&schema).expect("the schema has variants") {
            let (event_type, _, _) = (kind.encode)(&json).expect("a minimal instance encodes");
            found.entry((kind.kind.to_owned(), event_type)).or_insert(json);
        }
    }
    found
}

fn say(line: &str) {
    // A message that cannot be shown changes nothing about the files.
    let _ = writeln!(std::io::stderr(), "{line}");
}
