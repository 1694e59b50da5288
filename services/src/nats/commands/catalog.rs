//! The command catalog: one NATS subject per command, `ltc.cmd.<aggregate>.<command>`, derived
//! from the JSON Schema of [`Command`] so that a command added to the engine is on the wire
//! (and in `$SRV.INFO`) without a second list to forget.
//!
//! On the wire a command's body is flat: the aggregate's id field next to the command's own
//! fields (`{"quote_id": "…", "on_behalf_of": …}`), because the subject already says which
//! command it is. [`Route::command`] folds that back into the engine's nested [`Command`].

use std::collections::BTreeMap;

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

use crate::engine::Command;
use crate::engine::snake_case;
use crate::nats::subjects::COMMAND_PREFIX;

/// One command as a NATS endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// `lead`, `quote`, … (the stream kind).
    pub aggregate: String,
    /// `capture`, `accept`, … (the variant in snake case).
    pub command: String,
    /// The engine's names: `Lead` and `Capture`.
    aggregate_variant: String,
    command_variant: String,
    /// The body field naming the target aggregate (`lead_id`); quotas have none (their stream
    /// follows from the rep and the period).
    pub id_field: Option<String>,
    /// The command has no fields of its own (`Qualify`).
    unit: bool,
    /// The command names the id field itself too (`customer.create` carries `customer_id`).
    repeats_id: bool,
    /// The JSON Schema of the flat body.
    pub body_schema: Value,
}

/// Why a body is not the command its subject names. The message says which field and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidCommand(pub String);

impl Route {
    /// `lead.capture`: the subject below `ltc.cmd`.
    pub fn name(&self) -> String {
        format!("{}.{}", self.aggregate, self.command)
    }

    /// The engine's command from a flat JSON body.
    pub fn command(&self, body: Value) -> Result<Command, InvalidCommand> {
        let Value::Object(mut fields) = body else {
            return Err(InvalidCommand("the body must be a JSON object".into()));
        };
        let mut target = Map::new();
        if let Some(id_field) = &self.id_field {
            let id = if self.repeats_id {
                fields.get(id_field).cloned()
            } else {
                fields.remove(id_field)
            };
            let id = id.ok_or_else(|| InvalidCommand(format!("missing field `{id_field}`")))?;
            target.insert(id_field.clone(), id);
        }
        let command = if self.unit {
            if let Some(field) = fields.keys().next() {
                return Err(InvalidCommand(format!(
                    "unknown field `{field}`: {} takes only `{}`",
                    self.name(),
                    self.id_field.as_deref().unwrap_or("nothing")
                )));
            }
            Value::String(self.command_variant.clone())
        } else {
            single_field(&self.command_variant, Value::Object(fields))
        };
        target.insert("command".into(), command);
        serde_json::from_value(single_field(&self.aggregate_variant, Value::Object(target)))
            .map_err(|error| InvalidCommand(error.to_string()))
    }
}

/// `{name: value}`, moving `value` in. (`json!` would serialize it into a copy: two deep copies
/// of every body, a few per cent of the command role's CPU.)
fn single_field(name: &str, value: Value) -> Value {
    let mut object = Map::with_capacity(1);
    object.insert(name.to_owned(), value);
    Value::Object(object)
}

/// Every command the engine takes, in subject order.
pub fn routes() -> Vec<Route> {
    // Read as the engine reads commands: optional fields may be left out.
    let generator = SchemaSettings::draft2020_12().for_deserialize().into_generator();
    let root = generator.into_root_schema_for::<Command>().to_value();
    let definitions = root.get("$defs").cloned().unwrap_or_default();
    let mut routes = Vec::new();
    for aggregate in one_of(&root) {
        let (aggregate_variant, target) = single_property(aggregate);
        let target = resolve(&definitions, target);
        let properties =
            target.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
        let id_field = properties.keys().find(|name| *name != "command").cloned();
        let id_schema = id_field.as_ref().map(|field| properties[field].clone());
        let commands = resolve(&definitions, &properties["command"]);
        for command in one_of(commands) {
            for (variant, fields) in variants(&definitions, command) {
                let repeats_id = id_field.as_ref().is_some_and(|id| {
                    fields.as_ref().is_some_and(|fields| {
                        fields.get("properties").and_then(|p| p.get(id)).is_some()
                    })
                });
                let body_schema = body_schema(
                    &definitions,
                    id_field.as_deref(),
                    id_schema.as_ref(),
                    fields.as_ref(),
                );
                let title = format!(
                    "{COMMAND_PREFIX}.{}.{}",
                    snake_case(&aggregate_variant),
                    snake_case(&variant)
                );
                let body_schema = titled(body_schema, title);
                routes.push(Route {
                    aggregate: snake_case(&aggregate_variant),
                    command: snake_case(&variant),
                    aggregate_variant: aggregate_variant.clone(),
                    command_variant: variant,
                    id_field: id_field.clone(),
                    unit: fields.is_none(),
                    repeats_id,
                    body_schema,
                });
            }
        }
    }
    routes.sort_by_key(Route::name);
    routes
}

/// The routes by `aggregate.command`.
pub fn routes_by_name() -> BTreeMap<String, Route> {
    routes().into_iter().map(|route| (route.name(), route)).collect()
}

fn one_of(schema: &Value) -> impl Iterator<Item = &Value> {
    schema.get("oneOf").and_then(Value::as_array).into_iter().flatten()
}

/// `{"properties": {"Name": schema}}` → ("Name", schema).
fn single_property(schema: &Value) -> (String, &Value) {
    let properties = schema["properties"].as_object().expect("an externally tagged variant");
    let (name, inner) = properties.iter().next().expect("one property per tagged variant");
    (name.clone(), inner)
}

/// A variant entry of an enum's `oneOf`: unit variants come grouped as a string `enum`, others
/// as a one-property object whose value is the variant's fields.
fn variants(definitions: &Value, entry: &Value) -> Vec<(String, Option<Value>)> {
    if let Some(names) = entry.get("enum").and_then(Value::as_array) {
        return names
            .iter()
            .filter_map(Value::as_str)
            .map(|name| (name.to_owned(), None))
            .collect();
    }
    if let Some(name) = entry.get("const").and_then(Value::as_str) {
        return vec![(name.to_owned(), None)];
    }
    let (name, fields) = single_property(entry);
    vec![(name, Some(resolve(definitions, fields).clone()))]
}

fn resolve<'a>(definitions: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/$defs/");
            definitions.get(name).expect("schemars defines every $ref")
        }
        None => schema,
    }
}

fn titled(schema: Map<String, Value>, title: String) -> Value {
    let mut document = Map::new();
    document.insert("$schema".into(), "https://json-schema.org/draft/2020-12/schema".into());
    document.insert("title".into(), title.into());
    document.extend(schema);
    Value::Object(document)
}

/// The flat body: the id field, then the command's own fields.
fn body_schema(
    definitions: &Value,
    id_field: Option<&str>,
    id_schema: Option<&Value>,
    fields: Option<&Value>,
) -> Map<String, Value> {
    let mut properties = Map::new();
    let mut required = Vec::new();
    if let (Some(field), Some(schema)) = (id_field, id_schema) {
        properties.insert(field.to_owned(), schema.clone());
        required.push(Value::String(field.to_owned()));
    }
    let mut body = Map::new();
    if let Some(fields) = fields {
        if let Some(description) = fields.get("description") {
            body.insert("description".into(), description.clone());
        }
        for (name, schema) in
            fields.get("properties").and_then(Value::as_object).into_iter().flatten()
        {
            properties.insert(name.clone(), schema.clone());
        }
        for name in fields.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !required.contains(name) {
                required.push(name.clone());
            }
        }
    }
    body.insert("type".into(), "object".into());
    body.insert("properties".into(), Value::Object(properties));
    body.insert("required".into(), Value::Array(required));
    body.insert("additionalProperties".into(), false.into());
    body.insert("$defs".into(), definitions.clone());
    body
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_engine_command_has_one_subject_with_its_id_field() {
        let routes = routes_by_name();
        for name in [
            "lead.capture",
            "lead.qualify",
            "customer.create",
            "opportunity.move_stage",
            "quote.accept",
            "order.place",
            "payment.receive_payment",
            "quota.set",
        ] {
            assert!(routes.contains_key(name), "{name} missing from {:?}", routes.keys());
        }
        assert_eq!(routes["lead.qualify"].id_field.as_deref(), Some("lead_id"));
        assert_eq!(routes["payment.receive_payment"].id_field.as_deref(), Some("receivable_id"));
        assert_eq!(routes["quota.set"].id_field, None);
        assert!(routes.len() > 40, "{} routes", routes.len());
    }

    #[test]
    fn a_flat_body_folds_into_the_engines_nested_command() {
        let routes = routes_by_name();
        let lead = "00000000-0000-0000-0000-00000000000a";
        let qualify = routes["lead.qualify"].command(json!({ "lead_id": lead })).unwrap();
        let expected: Command =
            serde_json::from_value(json!({"Lead": {"lead_id": lead, "command": "Qualify"}}))
                .unwrap();
        assert_eq!(qualify, expected);

        let reason = json!({ "lead_id": lead, "reason": "no budget" });
        let disqualify = routes["lead.disqualify"].command(reason).unwrap();
        let expected: Command = serde_json::from_value(
            json!({"Lead": {"lead_id": lead, "command": {"Disqualify": {"reason": "no budget"}}}}),
        )
        .unwrap();
        assert_eq!(disqualify, expected);
    }

    #[test]
    fn a_body_that_is_not_its_command_says_which_field_is_wrong() {
        let routes = routes_by_name();
        let lead = "00000000-0000-0000-0000-00000000000a";
        let error = |route: &str, body| routes[route].command(body).unwrap_err().0;
        assert_eq!(error("lead.qualify", json!({})), "missing field `lead_id`");
        assert!(
            error("lead.qualify", json!({"lead_id": lead, "x": 1})).contains("unknown field `x`")
        );
        assert!(
            error("lead.disqualify", json!({"lead_id": lead})).contains("missing field `reason`")
        );
        let forged = json!({"lead_id": lead, "reason": "r", "duplicate_of": lead});
        assert!(error("lead.disqualify", forged).contains("unknown field `duplicate_of`"));
        assert!(error("lead.qualify", json!({"lead_id": "not-a-uuid"})).contains("UUID"));
        assert_eq!(error("lead.qualify", json!([1])), "the body must be a JSON object");
    }
}
