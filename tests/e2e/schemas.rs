//! The contracts in `schemas/` are generated from the Rust types, and this checks that the
//! committed files are what the types generate today: an event type cannot change without its
//! schema changing in the same diff (shared/CONVENTIONS.md §9). On a difference the test names
//! the file and the command that rewrites it, expect-test style:
//!
//! ```text
//! LTC_UPDATE_SCHEMAS=1 cargo test -p ltc-tests schemas
//! ```
//!
//! It also checks that every event type an aggregate emits is named in its schema file, and that
//! real events and commands validate against the committed schemas.

mod instance;
mod samples;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ltc_domain::customer::{CustomerDecider, CustomerEvent};
use ltc_domain::lead::{LeadDecider, LeadEvent};
use ltc_domain::money::Currency;
use ltc_domain::opportunity::{OpportunityDecider, OpportunityEvent};
use ltc_domain::order::{OrderDecider, OrderEvent};
use ltc_domain::payment::{PaymentDecider, PaymentEvent};
use ltc_domain::quote::{QuoteDecider, QuoteEvent};
use ltc_services::command::Aggregate;
use ltc_services::engine::Command;
use schemars::{JsonSchema, Schema};
use schemars::generate::SchemaSettings;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Set (to anything) to rewrite the committed schema files instead of comparing with them.
const UPDATE_VAR: &str = "LTC_UPDATE_SCHEMAS";
const REGENERATE: &str = "LTC_UPDATE_SCHEMAS=1 cargo test -p ltc-tests schemas";

/// Where the contracts live, relative to the workspace root.
const SCHEMAS_DIR: &str = "schemas";

/// The root keyword that maps each event type (as stored in the envelope) to the variant name
/// that tags its JSON payload.
const EVENT_TYPES_KEY: &str = "x-ltc-event-types";

/// One generated schema and the file it is committed as.
struct SchemaFile {
    /// Relative to the workspace root, such as `schemas/events/quote.json`.
    path: String,
    schema: Value,
}

/// Every contract ltc publishes, generated from today's types.
fn generated() -> Vec<SchemaFile> {
    vec![
        event_schema::<LeadDecider>(),
        event_schema::<CustomerDecider>(),
        event_schema::<OpportunityDecider>(),
        event_schema::<QuoteDecider>(),
        event_schema::<OrderDecider>(),
        event_schema::<PaymentDecider>(),
        command_schema(),
    ]
}

/// The schema of one aggregate's events in their JSON form (externally tagged, as serde writes
/// them), described as they are written: every field is always present.
fn event_schema<A>() -> SchemaFile
where
    A: Aggregate,
    A::Event: JsonSchema,
{
    let generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .with_transform(closed_objects as fn(&mut Schema))
        .into_generator();
    let mut schema = generator.into_root_schema_for::<A::Event>().to_value();
    let event_types = event_types_of::<A>(&schema);
    let root = schema.as_object_mut().expect("a root schema is an object");
    root.insert(
        "$comment".into(),
        json!(format!(
            "Generated from {} by `{REGENERATE}`; do not edit. The JSON form of the events of \
             stream kind `{}`, event schema version {}. `{EVENT_TYPES_KEY}` maps each event type \
             (the envelope's `event_type`) to the variant that tags its payload.",
            std::any::type_name::<A::Event>(),
            A::KIND,
            A::EVENT_SCHEMA_VERSION,
        )),
    );
    root.insert("x-ltc-stream-kind".into(), json!(A::KIND));
    root.insert("x-ltc-event-schema-version".into(), json!(A::EVENT_SCHEMA_VERSION));
    root.insert(EVENT_TYPES_KEY.into(), json!(event_types));
    SchemaFile { path: event_schema_path(A::KIND), schema }
}

/// Closes every object schema to the properties it names. An event's fields are fixed for its
/// event type and schema version (bincode at rest reads fields by position, so a stored event
/// cannot gain one), and serde writes exactly those: any other property is not this event.
fn closed_objects(schema: &mut Schema) {
    if schema.get("properties").is_some() && schema.get("additionalProperties").is_none() {
        schema.insert("additionalProperties".into(), false.into());
    }
    schemars::transform::transform_subschemas(&mut closed_objects, schema);
}

/// The schema of [`Command`], the JSON a client sends, described as the engine reads it.
fn command_schema() -> SchemaFile {
    let generator = SchemaSettings::draft2020_12().for_deserialize().into_generator();
    let mut schema = generator.into_root_schema_for::<Command>().to_value();
    let root = schema.as_object_mut().expect("a root schema is an object");
    root.insert(
        "$comment".into(),
        json!(format!(
            "Generated from {} by `{REGENERATE}`; do not edit. A command as a client sends it: \
             the aggregate it targets and what to do.",
            std::any::type_name::<Command>(),
        )),
    );
    SchemaFile { path: format!("{SCHEMAS_DIR}/commands.json"), schema }
}

fn event_schema_path(kind: &str) -> String {
    format!("{SCHEMAS_DIR}/events/{kind}.json")
}

/// Event type → variant tag, for every variant of `A::Event`. Each variant's minimal instance
/// (built from the schema alone) is read back as an event and asked its `event_type()`, so a new
/// variant is named here without anyone listing it.
fn event_types_of<A: Aggregate>(schema: &Value) -> BTreeMap<&'static str, String> {
    let instances = instance::each_variant(schema)
        .unwrap_or_else(|error| panic!("{} events: {error}", A::KIND));
    let mut event_types = BTreeMap::new();
    for instance in instances {
        let tag = match &instance {
            Value::String(unit) => unit.clone(),
            Value::Object(tagged) if tagged.len() == 1 => tagged.keys().next().cloned().unwrap(),
            other => panic!("{} events: {other} is not an externally tagged variant", A::KIND),
        };
        let event: A::Event = serde_json::from_value(instance.clone()).unwrap_or_else(|error| {
            panic!(
                "{} event variant {tag}: its schema's minimal instance {instance} does not read \
                 back as an event ({error}); the schema does not match the type's serde form",
                A::KIND
            )
        });
        let previous = event_types.insert(A::event_type(&event), tag.clone());
        assert!(previous.is_none(), "{} event type {} is used twice", A::KIND, tag);
    }
    event_types
}

/// The file's text: sorted keys, two-space indents, a trailing newline. Keys are sorted here
/// rather than left to serde_json, whose order depends on a cargo feature any crate may enable.
fn render(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&sorted(schema)).expect("JSON always renders");
    text.push('\n');
    text
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(object) => {
            let entries: BTreeMap<&String, Value> =
                object.iter().map(|(key, value)| (key, sorted(value))).collect();
            Value::Object(entries.into_iter().map(|(key, value)| (key.clone(), value)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        scalar => scalar.clone(),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// Every `.json` file under `schemas/`, relative to the workspace root.
fn committed_files() -> BTreeSet<String> {
    let root = workspace_root();
    let mut files = BTreeSet::new();
    let mut pending = vec![root.join(SCHEMAS_DIR)];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read schemas dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "json") {
                files.insert(path.strip_prefix(&root).expect("under root").display().to_string());
            }
        }
    }
    files
}

/// Under [`UPDATE_VAR`], rewrites every file whose text differs and removes schema files no
/// type generates any more. Runs once per test binary, before any test reads a committed file,
/// so a regeneration run checks the files it just wrote.
fn update_if_asked() {
    static UPDATED: OnceLock<()> = OnceLock::new();
    UPDATED.get_or_init(|| {
        if std::env::var_os(UPDATE_VAR).is_none() {
            return;
        }
        let root = workspace_root();
        let files = generated();
        for file in &files {
            let path = root.join(&file.path);
            let text = render(&file.schema);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                std::fs::create_dir_all(path.parent().expect("a file has a parent"))
                    .expect("create the schemas dir");
                std::fs::write(&path, text).expect("write the schema file");
                say(&format!("{UPDATE_VAR}: rewrote {}", file.path));
            }
        }
        let wanted: BTreeSet<&str> = files.iter().map(|file| file.path.as_str()).collect();
        for orphan in committed_files().iter().filter(|path| !wanted.contains(path.as_str())) {
            std::fs::remove_file(root.join(orphan)).expect("remove the orphaned schema file");
            say(&format!("{UPDATE_VAR}: removed {orphan}"));
        }
    });
}

/// Tells the person regenerating which files changed. Written to stderr directly, past the test
/// harness's capture of `eprintln!`, so it shows even when every test passes.
fn say(line: &str) {
    use std::io::Write;
    // A message that cannot be shown changes nothing about the files.
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The committed schema at `path` (relative to the workspace root).
fn committed(path: &str) -> Value {
    update_if_asked();
    let text = std::fs::read_to_string(workspace_root().join(path)).unwrap_or_else(|error| {
        panic!("{path} cannot be read ({error}); generate it with `{REGENERATE}`")
    });
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path} is not JSON: {error}"))
}

fn committed_event_schema<A: Aggregate>() -> Value {
    committed(&event_schema_path(A::KIND))
}

/// The event types the committed schema of `kind` names.
fn committed_event_types(schema: &Value) -> BTreeSet<String> {
    schema
        .get(EVENT_TYPES_KEY)
        .and_then(Value::as_object)
        .map(|event_types| event_types.keys().cloned().collect())
        .unwrap_or_default()
}

/// Compiles `schema` for validation, formats (uuid, date, date-time) included.
fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|error| panic!("the schema does not compile: {error}"))
}

/// What is wrong with `instance`, one line per violation.
fn violations(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|error| format!("at {:?}: {error}", error.instance_path().as_str()))
        .collect()
}

#[test]
fn the_committed_schemas_are_what_the_rust_types_generate() {
    update_if_asked();
    let files = generated();
    let mut differing = Vec::new();
    for file in &files {
        let committed = std::fs::read_to_string(workspace_root().join(&file.path)).ok();
        if committed.as_deref() != Some(render(&file.schema).as_str()) {
            differing.push(file.path.clone());
        }
    }
    let wanted: BTreeSet<&str> = files.iter().map(|file| file.path.as_str()).collect();
    let orphans: Vec<String> =
        committed_files().into_iter().filter(|path| !wanted.contains(path.as_str())).collect();
    assert!(
        differing.is_empty() && orphans.is_empty(),
        "the schema files differ from the Rust types they describe: {differing:?}; no type \
         generates {orphans:?}. If the change is intended, regenerate with `{REGENERATE}` and \
         review the diff: schemas/README.md says when a change needs a new event type instead."
    );
}

#[test]
fn every_event_type_an_aggregate_emits_is_named_in_its_schema_file() {
    fn check<A>() -> Vec<String>
    where
        A: Aggregate,
        A::Event: JsonSchema,
    {
        let emitted: BTreeSet<String> = event_types_of::<A>(&event_schema::<A>().schema)
            .into_keys()
            .map(str::to_owned)
            .collect();
        assert!(!emitted.is_empty(), "{} has no event types", A::KIND);
        let named = committed_event_types(&committed_event_schema::<A>());
        let path = event_schema_path(A::KIND);
        let mut problems: Vec<String> = emitted
            .difference(&named)
            .map(|event_type| format!("{} emits {event_type}, which {path} does not name", A::KIND))
            .collect();
        problems.extend(named.difference(&emitted).map(|event_type| {
            format!("{path} names {event_type}, which {} no longer emits", A::KIND)
        }));
        problems
    }
    let problems = [
        check::<LeadDecider>(),
        check::<CustomerDecider>(),
        check::<OpportunityDecider>(),
        check::<QuoteDecider>(),
        check::<OrderDecider>(),
        check::<PaymentDecider>(),
    ]
    .concat();
    assert!(problems.is_empty(), "{problems:#?}\nregenerate with `{REGENERATE}`");
}

#[tokio::test]
async fn every_event_of_a_generated_history_validates_against_its_committed_schema() {
    let history = samples::generated_history().await;
    let mut contracts: BTreeMap<String, (Value, jsonschema::Validator)> = BTreeMap::new();
    let mut validated: BTreeMap<String, u64> = BTreeMap::new();
    let mut problems = Vec::new();
    for event in &history {
        let path = event_schema_path(&event.kind);
        let (schema, validator) = contracts.entry(event.kind.clone()).or_insert_with(|| {
            let schema = committed(&path);
            let validator = validator(&schema);
            (schema, validator)
        });
        if !committed_event_types(schema).contains(&event.event_type) {
            problems.push(format!("{path} does not name {}", event.event_type));
        }
        if schema.get("x-ltc-event-schema-version") != Some(&json!(event.schema_version)) {
            problems.push(format!(
                "{} at position {} has schema version {}, which {path} does not describe",
                event.event_type, event.position, event.schema_version
            ));
        }
        for violation in violations(validator, &event.json) {
            problems.push(format!("{} at position {}: {violation}", event.event_type, event.position));
        }
        *validated.entry(event.kind.clone()).or_default() += 1;
    }
    assert!(problems.is_empty(), "{problems:#?}");
    // The demo company has no lead funnel yet; leads are checked by their own test.
    for kind in ["customer", "opportunity", "quote", "order", "payment"] {
        assert!(validated.get(kind).is_some_and(|n| *n > 0), "no {kind} events in {validated:?}");
    }
}

#[test]
fn lead_events_from_capture_to_conversion_validate_against_the_committed_schema() {
    let validator = validator(&committed_event_schema::<LeadDecider>());
    let events = samples::lead_events();
    let emitted: BTreeSet<&str> = events.iter().map(|event| event.event_type()).collect();
    assert_eq!(
        emitted,
        BTreeSet::from([
            "LeadCaptured",
            "LeadScored",
            "LeadAssigned",
            "LeadActivityLogged",
            "LeadQualified",
            "LeadConverted"
        ])
    );
    for event in &events {
        let json = serde_json::to_value(event).expect("an event serialises");
        let found = violations(&validator, &json);
        assert!(found.is_empty(), "{}: {found:#?}\n{json:#}", event.event_type());
    }
}

#[test]
fn commands_a_client_sends_validate_against_the_committed_wire_schema() {
    let validator = validator(&committed(&format!("{SCHEMAS_DIR}/commands.json")));
    for command in samples::client_commands() {
        let json = serde_json::to_value(&command).expect("a command serialises");
        let found = violations(&validator, &json);
        assert!(found.is_empty(), "{found:#?}\n{json:#}");
    }
}

/// The engine refuses facts a client must not send (a price book, a business date); the schema
/// says so too, so a client validating before sending learns it without a round trip.
#[test]
fn the_wire_schema_refuses_what_the_engine_refuses() {
    let validator = validator(&committed(&format!("{SCHEMAS_DIR}/commands.json")));
    for forged in samples::forged_commands() {
        assert!(
            serde_json::from_value::<Command>(forged.clone()).is_err(),
            "the engine reads {forged}"
        );
        assert!(!violations(&validator, &forged).is_empty(), "the schema accepts {forged}");
    }
}

/// Every variant, at every level, that a schema describes is one its Rust type reads, and what
/// the type writes back validates against the committed file: the schema and serde agree.
#[test]
fn every_variant_a_schema_describes_reads_back_as_its_rust_type() {
    fn check<T: Serialize + DeserializeOwned>(file: SchemaFile) -> Vec<String> {
        let validator = validator(&committed(&file.path));
        let instances = instance::every_branch(&file.schema)
            .unwrap_or_else(|error| panic!("{}: {error}", file.path));
        assert!(instances.len() > 1, "{} describes only {instances:?}", file.path);
        let mut problems = Vec::new();
        for instance in instances {
            match serde_json::from_value::<T>(instance.clone()) {
                Ok(value) => {
                    let json = serde_json::to_value(&value).expect("a value serialises");
                    problems.extend(violations(&validator, &json).into_iter().map(|violation| {
                        format!("{}: {json} written back: {violation}", file.path)
                    }));
                }
                Err(error) => problems.push(format!(
                    "{}: {instance} does not read as {}: {error}",
                    file.path,
                    std::any::type_name::<T>()
                )),
            }
        }
        problems
    }
    let problems = [
        check::<LeadEvent>(event_schema::<LeadDecider>()),
        check::<CustomerEvent>(event_schema::<CustomerDecider>()),
        check::<OpportunityEvent>(event_schema::<OpportunityDecider>()),
        check::<QuoteEvent>(event_schema::<QuoteDecider>()),
        check::<OrderEvent>(event_schema::<OrderDecider>()),
        check::<PaymentEvent>(event_schema::<PaymentDecider>()),
        check::<Command>(command_schema()),
    ]
    .concat();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// `Currency` has a hand-written serde form (a string through `try_from`/`into`); its schema
/// says exactly which strings that form reads.
#[test]
fn a_currency_is_a_three_letter_code_in_its_schema_and_in_json() {
    let schema = committed(&event_schema_path("payment"));
    let validator = validator(&json!({"$defs": schema["$defs"], "$ref": "#/$defs/Currency"}));
    let eur = Currency::new("EUR").expect("EUR is a currency");
    assert_eq!(serde_json::to_value(eur).unwrap(), json!("EUR"));
    assert_eq!(violations(&validator, &json!("EUR")), Vec::<String>::new());
    for wrong in [json!("eur"), json!("EURO"), json!(["E", "U", "R"])] {
        assert!(!violations(&validator, &wrong).is_empty(), "the schema accepts {wrong}");
        assert!(serde_json::from_value::<Currency>(wrong).is_err());
    }
}
