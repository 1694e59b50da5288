//! `events`: streams, events and payload bytes per stream kind, over the operators'
//! [`EventCounts`] projection.

use chrono::NaiveDate;
use ltc_projections::{EventCounts, Projection};
use rusqlite::Connection;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Query, QueryError, as_of_schema, recorded_as_of_schema};
use crate::read_models::{EventCountsRow, query_event_counts, render_event_counts};

/// `ltc query events`; on NATS `{}`.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventsRequest {
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "as_of_schema")]
    pub as_of: Option<String>,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "recorded_as_of_schema")]
    pub recorded_as_of: Option<String>,
}

impl Query for EventsRequest {
    const NAME: &'static str = "events";
    type Answer = Vec<EventCountsRow>;

    fn as_of_text(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    fn recorded_as_of_text(&self) -> Option<&str> {
        self.recorded_as_of.as_deref()
    }

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(EventCounts::default())]
    }

    fn query(&self, conn: &Connection, _as_of: NaiveDate) -> Result<Self::Answer, QueryError> {
        Ok(query_event_counts(conn)?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        render_event_counts(answer)
    }
}
