//! The questions ltc answers from its read models, once, for every client: `ltc query … --json`
//! and the NATS query service (`ltc.qry.<model>`) run the same [`Query`] impls and give the same
//! JSON.
//!
//! Each request type is both the command line's arguments (clap) and the wire's JSON body
//! (serde, unknown fields refused, a JSON Schema in `schemas/queries/`), so a flag and a field
//! cannot drift apart. A request's `as_of` travels as text and is checked here, so a bad date is
//! a typed [`QueryError::BadDate`] rather than a generic parse failure.
//!
//! - `mod.rs`: [`Query`] and what requests share (dates, the schema of enum fields).
//! - `as_of.rs`: business time (`as_of`) and recorded time (`recorded_as_of`): [`BusinessTime`]
//!   per model, the [`Plan`] of where an answer reads from, [`answer_planned`].
//! - `error.rs`: [`QueryError`] with its stable codes.
//! - `customer360.rs`, `funnel.rs`, `leads.rs`, `stalled.rs`, `collections.rs`, `forecast.rs`,
//!   `reps.rs`, `events.rs`: one file per read model, its requests and their answers.
//! - `audit.rs`: a stream's events straight from the log, for auditors; `audit_trail/`: a
//!   customer's or a correlation's events across aggregates, with their causes.
//! - `source.rs`: [`QuerySource`], the read models of a data directory read without owning
//!   them (the projector, maybe in another process, keeps them current).
//! - `reply.rs`: the wire's reply envelope, with how fresh the answer is.

mod as_of;
mod audit;
mod audit_trail;
mod collections;
mod customer360;
mod error;
mod events;
mod forecast;
mod funnel;
mod leads;
mod reply;
mod reps;
mod source;
mod stalled;

use chrono::NaiveDate;
use ltc_projections::Projection;
use rusqlite::Connection;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use as_of::{
    BusinessTime, Dates, Plan, ReadModelSources, answer_planned, default_business_date,
};
pub use audit::{AUDIT_EVENTS_MAX, AuditAnswer, AuditEvent, AuditRequest, audit};
pub use audit_trail::{
    AuditTrail, Cause, TRAIL_EVENTS_MAX, TrailEvent, TrailScope, TrailStream, audit_trail,
};
pub use collections::{ArAgingRequest, CollectionsRequest, DsoRequest};
pub use customer360::{Customer360Answer, Customer360Request, CustomersRequest};
pub use error::{QueryError, Status};
pub use events::EventsRequest;
pub use forecast::{ForecastAnswer, ForecastRequest, WinProbabilitiesRequest};
pub use funnel::FunnelRequest;
pub use leads::LeadsRequest;
pub use reply::{ErrorBody, ErrorReply, Freshness, Reply};
pub use reps::RepsRequest;
pub use source::{
    Answered, QuerySource, answer_in_transaction, end_of_day, last_recorded_at, open_reader,
};
pub use stalled::StalledRequest;

/// One question to one read model: its request (clap arguments and JSON body in one type), how
/// it runs over a read-model connection, and its answer as JSON and as text.
pub trait Query: Serialize + DeserializeOwned + JsonSchema + Send + Sync + 'static {
    /// The model's name: `ltc query NAME`, `ltc.qry.NAME`, and `query` in the CLI's JSON.
    const NAME: &'static str;
    /// How a business date (`as_of`) is answered; a recorded date is always a rebuild.
    const BUSINESS_TIME: BusinessTime = BusinessTime::AsRecorded;
    /// Describes its own JSON (`schemas/queries/<name>.reply.json`; the rows derive
    /// `JsonSchema` in `ltc_projections`).
    type Answer: Serialize + JsonSchema + Send + 'static;

    /// The request's `as_of` as the client wrote it (the CLI passes its own `--as-of`).
    fn as_of_text(&self) -> Option<&str>;

    /// The request's `recorded_as_of` as the client wrote it.
    fn recorded_as_of_text(&self) -> Option<&str>;

    /// Fresh instances of the projections the query reads: whose checkpoints say how fresh
    /// the answer is, and what an as-of rebuild builds.
    fn projections(&self) -> Vec<Box<dyn Projection>>;

    /// The answer from the read models behind `conn`, for the business date `as_of`: the one the
    /// question names, else today ([`default_business_date`]). A model without dated facts gets
    /// its tables already as of then, and names the date at most.
    fn query(&self, conn: &Connection, as_of: NaiveDate) -> Result<Self::Answer, QueryError>;

    /// The answer of a [`BusinessTime::Split`] model from two states of its read model: `state`
    /// as it stood on the business date, `facts` as recorded later. Other models are never
    /// asked.
    fn query_split(
        &self,
        state: &Connection,
        facts: &Connection,
        as_of: NaiveDate,
    ) -> Result<Self::Answer, QueryError> {
        let _ = state;
        self.query(facts, as_of)
    }

    /// The answer as readable text: aligned tables, one per line.
    fn render(&self, answer: &Self::Answer) -> String;

    /// The request's `as_of` and `recorded_as_of`, checked.
    fn dates(&self) -> Result<Dates, QueryError> {
        Ok(Dates {
            as_of: self.as_of_text().map(|text| parse_date("as_of", text)).transpose()?,
            recorded_as_of: self
                .recorded_as_of_text()
                .map(|text| parse_date("recorded_as_of", text))
                .transpose()?,
        })
    }
}

/// An answer computed for one date: the date is part of the answer, since it may be today's.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Dated<T> {
    pub as_of: NaiveDate,
    pub rows: Vec<T>,
}

/// `YYYY-MM-DD`, strictly: a typed error names the field otherwise.
pub fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate, QueryError> {
    // chrono also reads unpadded fields (`2026-1-5`); the wire's dates are exactly ISO 8601's.
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(idx, byte)| match idx {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    let date = shaped.then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()).flatten();
    date.ok_or_else(|| QueryError::BadDate { field, value: text.to_owned() })
}

/// The schema of a string field that takes one of `names`.
fn one_of(names: &[&str], description: &str) -> Schema {
    json_schema!({ "type": "string", "enum": names, "description": description })
}

/// The schema of `as_of`: a date, given as text so that a bad one gets its own error code.
fn as_of_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": ["string", "null"],
        "format": "date",
        "description": "Business time: what was true at the end of this day, UTC (YYYY-MM-DD), \
                        as known now (or at recorded_as_of); a receipt recorded later but \
                        received by then counts. Absent: recorded_as_of's day, else today (the \
                        service's day, or the log's last recorded day when that is later). \
                        docs/read-models.md says how each model answers it.",
    })
}

/// The schema of `recorded_as_of`, as text for the same reason.
fn recorded_as_of_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": ["string", "null"],
        "format": "date",
        "description": "Recorded time: answer from the log as it stood at the end of this day, \
                        UTC (YYYY-MM-DD), what a dashboard showed then; the model is rebuilt up \
                        to that day's last event. Absent: the log as it stands.",
    })
}

/// `month` or `quarter`, as the period options take it.
pub fn parse_period(text: &str) -> Result<ltc_projections::models::period::Period, String> {
    use ltc_projections::models::period::Period;
    match text {
        "month" => Ok(Period::Month),
        "quarter" => Ok(Period::Quarter),
        other => Err(format!("{other:?} is not a period: use month or quarter")),
    }
}

fn period_schema(_: &mut SchemaGenerator) -> Schema {
    one_of(&["month", "quarter"], "The length of a period.")
}
