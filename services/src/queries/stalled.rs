//! `stalled`: open opportunities past their stage's stall threshold, over the stalled read model.

use chrono::NaiveDate;
use ltc_projections::Projection;
use ltc_projections::models::stalled::{self, StalledRow};
use rusqlite::Connection;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{BusinessTime, Dated, Query, QueryError, as_of_schema, recorded_as_of_schema};

/// `ltc query stalled [--as-of DATE]`; on NATS `{"as_of": "2026-03-15"}` (today when absent).
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StalledRequest {
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "as_of_schema")]
    pub as_of: Option<String>,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "recorded_as_of_schema")]
    pub recorded_as_of: Option<String>,
}

impl Query for StalledRequest {
    const NAME: &'static str = "stalled";
    const BUSINESS_TIME: BusinessTime = BusinessTime::DatedFacts;
    type Answer = Dated<StalledRow>;

    fn as_of_text(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    fn recorded_as_of_text(&self) -> Option<&str> {
        self.recorded_as_of.as_deref()
    }

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(stalled::Stalled::default())]
    }

    fn query(&self, conn: &Connection, as_of: NaiveDate) -> Result<Self::Answer, QueryError> {
        let date = as_of;
        Ok(Dated { as_of: date, rows: stalled::stalled(conn, date)? })
    }

    fn render(&self, answer: &Self::Answer) -> String {
        stalled::render(answer.as_of, &answer.rows)
    }
}
