//! A minimal JSON instance of a schema, built from the schema alone. The schema generator uses
//! it to learn each event variant's `event_type()` (it deserialises the instance and asks), so a
//! variant added to an event enum is named in its schema file on the next regeneration without
//! anyone listing it by hand.
//!
//! It understands the shapes schemars emits for ltc's types. A shape it does not know is an
//! error naming the schema, not a guess: teach it the shape here.

use serde_json::{Map, Value, json};

/// Deeper than any type ltc has; a schema nesting further is a recursive type, which no event
/// or command may be.
const DEPTH_MAX: u32 = 32;

/// One instance per branch of the root's `oneOf` (or per value of its `enum`): for an
/// externally tagged enum, one instance of every variant.
pub fn each_variant(root: &Value) -> Result<Vec<Value>, String> {
    if let Some(values) = root.get("enum").and_then(Value::as_array) {
        return Ok(values.clone());
    }
    let branches = root
        .get("oneOf")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("the root schema is not an enum: {}", short(root)))?;
    let mut instances = Vec::new();
    for branch in branches {
        match branch.get("enum").and_then(Value::as_array) {
            // Unit variants come grouped as one branch of names.
            Some(values) => instances.extend(values.iter().cloned()),
            None => instances.push(minimal(root, branch)?),
        }
    }
    Ok(instances)
}

/// Instances that between them take every branch of every `oneOf` in the schema, each differing
/// from the minimal instance in one place: every variant at every level shows up once.
pub fn every_branch(root: &Value) -> Result<Vec<Value>, String> {
    branches(root, root, 0)
}

fn branches(root: &Value, schema: &Value, depth: u32) -> Result<Vec<Value>, String> {
    if depth > DEPTH_MAX {
        return Err(format!("the schema nests deeper than {DEPTH_MAX}: {}", short(schema)));
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return branches(root, resolve(root, reference)?, depth + 1);
    }
    if schema.get("examples").is_none() && schema.get("const").is_none() {
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            return Ok(values.clone());
        }
        // `anyOf` is how schemars writes `Option<T>`: `T`'s branches, then `null`.
        for combinator in ["oneOf", "anyOf"] {
            if let Some(alternatives) = schema.get(combinator).and_then(Value::as_array) {
                let mut instances = Vec::new();
                for alternative in alternatives {
                    push_new(&mut instances, branches(root, alternative, depth + 1)?);
                }
                return Ok(instances);
            }
        }
    }
    let minimal = build(root, schema, depth)?;
    let mut instances = vec![minimal.clone()];
    if let (Value::Object(base), Some(properties)) =
        (&minimal, schema.get("properties").and_then(Value::as_object))
    {
        for (name, property) in properties {
            for alternative in branches(root, property, depth + 1)? {
                let mut changed = base.clone();
                changed.insert(name.clone(), alternative);
                push_new(&mut instances, vec![Value::Object(changed)]);
            }
        }
    }
    if let Some(items) = schema.get("items").filter(|_| minimal.is_array()) {
        for alternative in branches(root, items, depth + 1)? {
            push_new(&mut instances, vec![Value::Array(vec![alternative])]);
        }
    }
    Ok(instances)
}

fn push_new(instances: &mut Vec<Value>, candidates: Vec<Value>) {
    for candidate in candidates {
        if !instances.contains(&candidate) {
            instances.push(candidate);
        }
    }
}

/// The smallest instance of `schema` that names every property, with `root` holding the
/// `$defs` its references point into.
pub fn minimal(root: &Value, schema: &Value) -> Result<Value, String> {
    build(root, schema, 0)
}

fn build(root: &Value, schema: &Value, depth: u32) -> Result<Value, String> {
    if depth > DEPTH_MAX {
        return Err(format!("the schema nests deeper than {DEPTH_MAX}: {}", short(schema)));
    }
    let Value::Object(keywords) = schema else {
        return Err(format!("not a schema object: {}", short(schema)));
    };
    // A hand-written schema (such as `Currency`'s) gives an example where a pattern decides
    // which strings are valid.
    if let Some(example) = keywords.get("examples").and_then(|examples| examples.get(0)) {
        return Ok(example.clone());
    }
    if let Some(value) = keywords.get("const") {
        return Ok(value.clone());
    }
    if let Some(value) = keywords.get("enum").and_then(|values| values.get(0)) {
        return Ok(value.clone());
    }
    if let Some(reference) = keywords.get("$ref").and_then(Value::as_str) {
        return build(root, resolve(root, reference)?, depth + 1);
    }
    for combinator in ["oneOf", "anyOf"] {
        if let Some(branches) = keywords.get(combinator).and_then(Value::as_array) {
            // `Option<T>` is `anyOf: [T, null]`: the instance shows the value, not its absence.
            let branch = branches
                .iter()
                .find(|branch| branch.get("type") != Some(&json!("null")))
                .or(branches.first())
                .ok_or_else(|| format!("an empty {combinator}: {}", short(schema)))?;
            return build(root, branch, depth + 1);
        }
    }
    match type_of(keywords)? {
        "object" => {
            let mut object = Map::new();
            if let Some(properties) = keywords.get("properties").and_then(Value::as_object) {
                for (name, property) in properties {
                    object.insert(name.clone(), build(root, property, depth + 1)?);
                }
            }
            Ok(Value::Object(object))
        }
        "array" => array(root, keywords, depth),
        "string" => string(keywords),
        "integer" => Ok(keywords.get("minimum").cloned().unwrap_or(json!(0))),
        "boolean" => Ok(json!(false)),
        "null" => Ok(Value::Null),
        other => Err(format!("no instance for type {other:?}: {}", short(schema))),
    }
}

/// The schema's type; of `["T", "null"]` (an `Option<T>`), `T`.
fn type_of(keywords: &Map<String, Value>) -> Result<&str, String> {
    match keywords.get("type") {
        Some(Value::String(name)) => Ok(name),
        Some(Value::Array(names)) => {
            let mut names = names.iter().filter_map(Value::as_str);
            let value = names.clone().find(|name| *name != "null");
            value.or_else(|| names.next()).ok_or_else(|| "an empty type list".to_owned())
        }
        _ => Err(format!("a schema without a type: {}", short(&Value::Object(keywords.clone())))),
    }
}

fn array(root: &Value, keywords: &Map<String, Value>, depth: u32) -> Result<Value, String> {
    if let Some(items) = keywords.get("prefixItems").and_then(Value::as_array) {
        let tuple: Result<Vec<Value>, String> =
            items.iter().map(|item| build(root, item, depth + 1)).collect();
        return tuple.map(Value::Array);
    }
    let count = keywords.get("minItems").and_then(Value::as_u64).unwrap_or(0);
    let mut items = Vec::new();
    if let Some(item) = keywords.get("items") {
        for _ in 0..count {
            items.push(build(root, item, depth + 1)?);
        }
    }
    Ok(Value::Array(items))
}

fn string(keywords: &Map<String, Value>) -> Result<Value, String> {
    let text = match keywords.get("format").and_then(Value::as_str) {
        Some("uuid") => "00000000-0000-0000-0000-000000000000".to_owned(),
        Some("date") => "2026-01-05".to_owned(),
        Some("date-time") => "2026-01-05T00:00:00Z".to_owned(),
        _ if keywords.contains_key("pattern") => {
            return Err(format!(
                "a string with a pattern needs `examples`: {}",
                short(&Value::Object(keywords.clone()))
            ));
        }
        _ => {
            let length = keywords.get("minLength").and_then(Value::as_u64).unwrap_or(0);
            "x".repeat(usize::try_from(length).map_err(|error| error.to_string())?)
        }
    };
    Ok(Value::String(text))
}

/// The definition `#/$defs/Name` points at.
fn resolve<'a>(root: &'a Value, reference: &str) -> Result<&'a Value, String> {
    let name = reference
        .strip_prefix("#/$defs/")
        .ok_or_else(|| format!("only local `#/$defs/` references are known: {reference}"))?;
    root.get("$defs")
        .and_then(|defs| defs.get(name))
        .ok_or_else(|| format!("{reference} is not defined in the schema"))
}

/// A schema shortened for an error message.
fn short(schema: &Value) -> String {
    let text = schema.to_string();
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}
