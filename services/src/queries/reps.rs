//! `reps`: targets against wins, commission and activities per rep, over the reps read model.

use chrono::NaiveDate;
use ltc_projections::Projection;
use ltc_projections::models::reps;
use rusqlite::Connection;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Query, QueryError, as_of_schema, recorded_as_of_schema};

/// `ltc query reps --period 2026-Q1`; on NATS `{"period": "2026-Q1"}`.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepsRequest {
    /// A month (`2026-03`) or a quarter (`2026-Q1`).
    #[arg(long)]
    pub period: String,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "as_of_schema")]
    pub as_of: Option<String>,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "recorded_as_of_schema")]
    pub recorded_as_of: Option<String>,
}

impl Query for RepsRequest {
    const NAME: &'static str = "reps";
    type Answer = Vec<reps::RepRow>;

    fn as_of_text(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    fn recorded_as_of_text(&self) -> Option<&str> {
        self.recorded_as_of.as_deref()
    }

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(reps::Reps::default())]
    }

    fn query(&self, conn: &Connection, _as_of: NaiveDate) -> Result<Self::Answer, QueryError> {
        Ok(reps::rep_performance(conn, &self.period)?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        reps::render(&self.period, answer)
    }
}
