//! The contracts in `schemas/` are generated from the Rust types, and this checks that the
//! committed files are what the types generate today: an event type cannot change without its
//! schema changing in the same diff (shared/CONVENTIONS.md §9). On a difference the test names
//! the file and the command that rewrites it, expect-test style:
//!
//! ```text
//! LTC_UPDATE_SCHEMAS=1 cargo test -p ltc-tests schemas
//! ```
//!
//! It also checks that every event type an aggregate emits is named in its schema file, that
//! real events and commands validate against the committed schemas, and that every variant a
//! schema describes is one its Rust type reads.

mod contract;
mod files;
mod fixtures;
mod generate;
mod instance;
mod queries;
mod samples;
mod versions;

use std::collections::{BTreeMap, BTreeSet};

use ltc_domain::customer::{CustomerDecider, CustomerEvent};
use ltc_domain::lead::{LeadDecider, LeadEvent};
use ltc_domain::money::Currency;
use ltc_domain::opportunity::{OpportunityDecider, OpportunityEvent};
use ltc_domain::order::{OrderDecider, OrderEvent};
use ltc_domain::payment::{PaymentDecider, PaymentEvent};
use ltc_domain::quota::{QuotaDecider, QuotaEvent};
use ltc_domain::quote::{QuoteDecider, QuoteEvent};
use ltc_services::command::Aggregate;
use ltc_services::engine::Command;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use contract::Contract;
use files::{
    committed, committed_event_schema, committed_event_types, committed_files, update_if_asked,
    workspace_root,
};
use generate::{
    EVENT_SCHEMA_VERSIONS_KEY, REGENERATE, SchemaFile, command_schema, command_schema_path,
    event_schema, event_schema_path, event_types_of, generated, render,
};

#[test]
fn the_committed_schemas_are_what_the_rust_types_generate() {
    update_if_asked();
    let files = generated();
    let mut problems = Vec::new();
    for file in &files {
        let committed = std::fs::read_to_string(workspace_root().join(&file.path)).ok();
        if committed.as_deref() != Some(render(&file.schema).as_str()) {
            problems.push(format!("{} differs from the types it describes", file.path));
        }
    }
    let wanted: BTreeSet<&str> = files.iter().map(|file| file.path.as_str()).collect();
    for orphan in committed_files().iter().filter(|path| !wanted.contains(path.as_str())) {
        problems.push(format!("{orphan} describes no type any more"));
    }
    assert!(
        problems.is_empty(),
        "{problems:#?}\nIf the change is intended, regenerate with `{REGENERATE}` and review the \
         diff: schemas/README.md says when a change needs a new event type instead."
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
    let mut contracts: BTreeMap<String, Contract> = BTreeMap::new();
    let mut validated: BTreeMap<String, u64> = BTreeMap::new();
    let mut problems = Vec::new();
    for event in &history {
        let path = event_schema_path(&event.kind);
        let contract =
            contracts.entry(event.kind.clone()).or_insert_with(|| Contract::new(committed(&path)));
        if !committed_event_types(contract.schema()).contains(&event.event_type) {
            problems.push(format!("{path} does not name {}", event.event_type));
        }
        let written_at = contract
            .schema()
            .get(EVENT_SCHEMA_VERSIONS_KEY)
            .and_then(|versions| versions.get(&event.event_type));
        if written_at != Some(&json!(event.schema_version)) {
            problems.push(format!(
                "{} at position {} has schema version {}, which {path} does not describe",
                event.event_type, event.position, event.schema_version
            ));
        }
        for violation in contract.violations(&event.json) {
            problems
                .push(format!("{} at position {}: {violation}", event.event_type, event.position));
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
    let contract = Contract::new(committed_event_schema::<LeadDecider>());
    let events = samples::lead_events();
    let emitted: BTreeSet<&str> = events.iter().map(|event| event.event_type()).collect();
    let expected = [
        "LeadCaptured",
        "LeadScored",
        "LeadAssigned",
        "LeadActivityLogged",
        "LeadQualified",
        "LeadConverted",
    ];
    assert_eq!(emitted, BTreeSet::from(expected));
    for event in &events {
        let json = serde_json::to_value(event).expect("an event serialises");
        let found = contract.violations(&json);
        assert!(found.is_empty(), "{}: {found:#?}\n{json:#}", event.event_type());
    }
}

#[test]
fn commands_a_client_sends_validate_against_the_committed_wire_schema() {
    let contract = Contract::new(committed(&command_schema_path()));
    for command in samples::client_commands() {
        let json = serde_json::to_value(&command).expect("a command serialises");
        let found = contract.violations(&json);
        assert!(found.is_empty(), "{found:#?}\n{json:#}");
    }
}

/// The engine refuses facts a client must not send (a price book, a business date); the schema
/// says so too, so a client validating before sending learns it without a round trip.
#[test]
fn the_wire_schema_refuses_what_the_engine_refuses() {
    let contract = Contract::new(committed(&command_schema_path()));
    for forged in samples::forged_commands() {
        assert!(
            serde_json::from_value::<Command>(forged.clone()).is_err(),
            "the engine reads {forged}"
        );
        assert!(!contract.violations(&forged).is_empty(), "the schema accepts {forged}");
    }
}

/// Every variant, at every level, that a schema describes is one its Rust type reads, and what
/// the type writes back validates against the committed file: the schema and serde agree.
#[test]
fn every_variant_a_schema_describes_reads_back_as_its_rust_type() {
    fn check<T: Serialize + DeserializeOwned>(file: SchemaFile) -> Vec<String> {
        let contract = Contract::new(committed(&file.path));
        let instances = instance::every_branch(&file.schema)
            .unwrap_or_else(|error| panic!("{}: {error}", file.path));
        assert!(instances.len() > 1, "{} describes only {instances:?}", file.path);
        let mut problems = Vec::new();
        for instance in instances {
            match serde_json::from_value::<T>(instance.clone()) {
                Ok(value) => {
                    let json = serde_json::to_value(&value).expect("a value serialises");
                    problems.extend(contract.violations(&json).into_iter().map(|violation| {
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
        check::<QuotaEvent>(event_schema::<QuotaDecider>()),
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
    let contract = Contract::new(json!({"$defs": schema["$defs"], "$ref": "#/$defs/Currency"}));
    let eur = Currency::new("EUR").expect("EUR is a currency");
    assert_eq!(serde_json::to_value(eur).unwrap(), json!("EUR"));
    assert_eq!(contract.violations(&json!("EUR")), Vec::<String>::new());
    for wrong in [json!("eur"), json!("EURO"), json!(["E", "U", "R"])] {
        assert!(!contract.violations(&wrong).is_empty(), "the schema accepts {wrong}");
        assert!(serde_json::from_value::<Currency>(wrong).is_err());
    }
}

/// Every body a NATS command's schema describes is one the command service reads: the
/// per-subject files in `schemas/commands/` and the service's folding agree.
#[test]
fn every_body_a_nats_command_schema_describes_is_read_by_the_command_service() {
    let routes = ltc_services::nats::commands::catalog::routes_by_name();
    let mut problems = Vec::new();
    for file in generate::command_body_schemas() {
        let name = file.path.trim_start_matches("schemas/commands/").trim_end_matches(".json");
        let route = &routes[name];
        let contract = Contract::new(committed(&file.path));
        let instances = instance::every_branch(&file.schema)
            .unwrap_or_else(|error| panic!("{}: {error}", file.path));
        for body in instances {
            problems.extend(contract.violations(&body).into_iter().map(|v| format!("{name}: {v}")));
            if let Err(error) = route.command(body.clone()) {
                problems.push(format!("{name}: {body} is not read: {error}"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
