//! A committed schema compiled for validation, with failures that name the field at fault.

use serde_json::{Map, Value};

pub struct Contract {
    schema: Value,
    validator: jsonschema::Validator,
}

impl Contract {
    pub fn new(schema: Value) -> Contract {
        let validator = compile(&schema);
        Contract { schema, validator }
    }

    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// What is wrong with `instance`, one line per violation; empty when it is valid. Formats
    /// (uuid, date, date-time) are checked too.
    pub fn violations(&self, instance: &Value) -> Vec<String> {
        if self.validator.is_valid(instance) {
            return Vec::new();
        }
        // Against the root's `oneOf` an invalid variant only reports that no branch matched;
        // against its own branch it reports the field that is wrong.
        let branch = self.tagged_branch(instance).map(|branch| compile(&branch));
        let validator = branch.as_ref().unwrap_or(&self.validator);
        let violations: Vec<String> = validator
            .iter_errors(instance)
            .map(|error| format!("at {:?}: {error}", error.instance_path().as_str()))
            .collect();
        assert!(!violations.is_empty(), "{instance} is invalid, yet no violation was found");
        violations
    }

    /// For an externally tagged instance `{"Tag": …}`, the root's branch that requires `Tag`,
    /// standing alone with the root's definitions.
    fn tagged_branch(&self, instance: &Value) -> Option<Value> {
        let tag = match instance.as_object() {
            Some(tagged) if tagged.len() == 1 => tagged.keys().next()?,
            _ => return None,
        };
        let branch = self.schema.get("oneOf")?.as_array()?.iter().find(|branch| {
            branch.get("required").and_then(Value::as_array).is_some_and(|required| {
                required.len() == 1 && required[0].as_str() == Some(tag.as_str())
            })
        })?;
        let mut standalone: Map<String, Value> = branch.as_object()?.clone();
        for keyword in ["$schema", "$defs"] {
            if let Some(value) = self.schema.get(keyword) {
                standalone.insert(keyword.into(), value.clone());
            }
        }
        Some(Value::Object(standalone))
    }
}

fn compile(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|error| panic!("the schema does not compile: {error}"))
}
