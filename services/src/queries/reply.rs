//! The query service's reply envelope. Every answer says how fresh it is: the log position the
//! read model has applied and that event's recorded time, so a client that just sent a command
//! can tell whether its effect is in (compare with the command reply's `position`).

use chrono::{DateTime, Utc};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use super::QueryError;

/// How fresh an answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Freshness {
    /// The last log position the answer includes: the checkpoint of the projection it reads
    /// (the lowest, should it read several), the last position of an as-of rebuild, or the
    /// stream's latest event for an audit. 0 when nothing has been applied yet.
    pub position: u64,
    /// The recorded time of the event at `position`: the answer shows the log as of then.
    pub as_of: Option<DateTime<Utc>>,
}

/// A successful answer: `{"ok": true, "position": …, "as_of": …, "result": …}`. `result` has
/// the shape `ltc query <model> --json` prints under `result`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Reply<T> {
    /// Always `true` here; an error reply has `false`.
    #[schemars(schema_with = "always_true")]
    pub ok: bool,
    #[serde(flatten)]
    pub freshness: Freshness,
    pub result: T,
}

impl<T> Reply<T> {
    pub fn new(freshness: Freshness, result: T) -> Reply<T> {
        Reply { ok: true, freshness, result }
    }
}

/// A failed query: `{"ok": false, "error": {"code": …, "message": …}}`, sent with the NATS micro
/// error headers (`Nats-Service-Error`, `Nats-Service-Error-Code`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorReply {
    /// Always `false`.
    #[schemars(schema_with = "always_false")]
    pub ok: bool,
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    /// Stable and machine-readable, such as `query.bad_date` (docs/nats-queries.md).
    pub code: String,
    /// For people: what was wrong, naming the field or value.
    pub message: String,
}

impl From<&QueryError> for ErrorReply {
    fn from(error: &QueryError) -> ErrorReply {
        ErrorReply {
            ok: false,
            error: ErrorBody { code: error.code().to_owned(), message: error.to_string() },
        }
    }
}

/// `ok` is the discriminant of the two replies: a schema that says which value it holds lets a
/// client's validator tell them apart.
fn always_true(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "const": true, "description": "Always `true` here; an error reply has `false`." })
}

fn always_false(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "const": false, "description": "Always `false`." })
}
