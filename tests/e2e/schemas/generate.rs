//! Generating the schema files from the Rust types: the events of each aggregate as serde
//! writes them, and the client's [`Command`] as the engine reads it.

use std::collections::BTreeMap;

use ltc_domain::customer::CustomerDecider;
use ltc_domain::lead::LeadDecider;
use ltc_domain::opportunity::OpportunityDecider;
use ltc_domain::order::OrderDecider;
use ltc_domain::payment::PaymentDecider;
use ltc_domain::quota::QuotaDecider;
use ltc_domain::quote::QuoteDecider;
use ltc_domain::schema::EventSchema;
use ltc_services::command::Aggregate;
use ltc_services::engine::Command;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};
use serde_json::{Value, json};

use super::instance;

/// The command that rewrites the schema files; every failure message names it.
pub const REGENERATE: &str = "LTC_UPDATE_SCHEMAS=1 cargo test -p ltc-tests schemas";

/// Where the contracts live, relative to the workspace root.
pub const SCHEMAS_DIR: &str = "schemas";

/// The root keyword that maps each event type (as stored in the envelope) to the variant name
/// that tags its JSON payload.
pub const EVENT_TYPES_KEY: &str = "x-ltc-event-types";

/// The root keyword mapping each event type to the schema version this build writes it at
/// (`ltc_domain::schema::EventSchema::schema_version`), which its envelope carries.
pub const EVENT_SCHEMA_VERSIONS_KEY: &str = "x-ltc-event-schema-versions";

/// One generated schema and the file it is committed as.
pub struct SchemaFile {
    /// Relative to the workspace root, such as `schemas/events/quote.json`.
    pub path: String,
    pub schema: Value,
}

/// Every contract ltc publishes, generated from today's types.
pub fn generated() -> Vec<SchemaFile> {
    vec![
        event_schema::<LeadDecider>(),
        event_schema::<CustomerDecider>(),
        event_schema::<OpportunityDecider>(),
        event_schema::<QuoteDecider>(),
        event_schema::<OrderDecider>(),
        event_schema::<PaymentDecider>(),
        event_schema::<QuotaDecider>(),
        command_schema(),
    ]
    .into_iter()
    .chain(command_body_schemas())
    .chain(super::queries::query_schemas())
    .collect()
}

/// One file per NATS command subject: the flat body `ltc.cmd.<aggregate>.<command>` takes.
pub fn command_body_schemas() -> Vec<SchemaFile> {
    ltc_services::nats::commands::catalog::routes()
        .into_iter()
        .map(|route| {
            let mut schema = route.body_schema.clone();
            let root = schema.as_object_mut().expect("a body schema is an object");
            root.insert(
                "$comment".into(),
                json!(format!(
                    "Generated from the command catalog (ltc_services::nats::commands::catalog) \
                     by `{REGENERATE}`; do not edit. The JSON body of a request on subject \
                     ltc.cmd.{}; headers: Ltc-Actor (required), Ltc-Command-Id, \
                     Ltc-Correlation-Id, Ltc-Expected-Version.",
                    route.name()
                )),
            );
            SchemaFile { path: format!("{SCHEMAS_DIR}/commands/{}.json", route.name()), schema }
        })
        .collect()
}

/// The schema of one aggregate's events in their JSON form (externally tagged, as serde writes
/// them), described as they are written: every field is always present.
pub fn event_schema<A>() -> SchemaFile
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
             stream kind `{}`. `{EVENT_TYPES_KEY}` maps each event type (the envelope's \
             `event_type`) to the variant that tags its payload, `{EVENT_SCHEMA_VERSIONS_KEY}` \
             to the schema version it is written at.",
            std::any::type_name::<A::Event>(),
            A::KIND,
        )),
    );
    root.insert("x-ltc-stream-kind".into(), json!(A::KIND));
    let versions: BTreeMap<&str, u32> = event_types
        .keys()
        .map(|event_type| (*event_type, A::Event::schema_version(event_type)))
        .collect();
    root.insert(EVENT_SCHEMA_VERSIONS_KEY.into(), json!(versions));
    root.insert(EVENT_TYPES_KEY.into(), json!(event_types));
    SchemaFile { path: event_schema_path(A::KIND), schema }
}

/// Closes every object schema to the properties it names. An event's fields are fixed for its
/// event type and schema version (bincode at rest reads fields by position, so a stored event
/// cannot gain one), and serde writes exactly those: any other property is not this event.
pub fn closed_objects(schema: &mut Schema) {
    if schema.get("properties").is_some() && schema.get("additionalProperties").is_none() {
        schema.insert("additionalProperties".into(), false.into());
    }
    schemars::transform::transform_subschemas(&mut closed_objects, schema);
}

/// The schema of [`Command`], the JSON a client sends, described as the engine reads it.
pub fn command_schema() -> SchemaFile {
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
    SchemaFile { path: command_schema_path(), schema }
}

pub fn event_schema_path(kind: &str) -> String {
    format!("{SCHEMAS_DIR}/events/{kind}.json")
}

pub fn command_schema_path() -> String {
    format!("{SCHEMAS_DIR}/commands.json")
}

/// Event type → variant tag, for every variant of `A::Event`. Each variant's minimal instance
/// (built from the schema alone) is read back as an event and asked its `event_type()`, so a new
/// variant is named here without anyone listing it.
pub fn event_types_of<A: Aggregate>(schema: &Value) -> BTreeMap<&'static str, String> {
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
pub fn render(schema: &Value) -> String {
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
