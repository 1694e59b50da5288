//! `leads`: leads by channel, score band or owner, over the leads read model.

use chrono::NaiveDate;
use ltc_projections::Projection;
use ltc_projections::models::funnel::DateRange;
use ltc_projections::models::leads::{self, LeadDimension, LeadRow};
use rusqlite::Connection;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

use super::{Query, QueryError, as_of_schema, one_of, recorded_as_of_schema};

/// `ltc query leads --by channel`; on NATS `{"by": "channel"}`.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadsRequest {
    /// channel, score_band or owner.
    #[arg(long, value_parser = lead_dimension, default_value = "channel")]
    #[serde(default = "by_default")]
    #[schemars(schema_with = "lead_dimension_schema")]
    pub by: LeadDimension,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "as_of_schema")]
    pub as_of: Option<String>,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "recorded_as_of_schema")]
    pub recorded_as_of: Option<String>,
}

fn by_default() -> LeadDimension {
    LeadDimension::Channel
}

fn lead_dimension(text: &str) -> Result<LeadDimension, String> {
    LeadDimension::parse(text).ok_or_else(|| {
        let names: Vec<_> = LeadDimension::ALL.iter().map(|dimension| dimension.name()).collect();
        format!("{text:?} is not a lead dimension: use one of {}", names.join(", "))
    })
}

fn lead_dimension_schema(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = LeadDimension::ALL.iter().map(|dimension| dimension.name()).collect();
    one_of(&names, "What the rows are grouped by.")
}

impl Query for LeadsRequest {
    const NAME: &'static str = "leads";
    type Answer = Vec<LeadRow>;

    fn as_of_text(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    fn recorded_as_of_text(&self) -> Option<&str> {
        self.recorded_as_of.as_deref()
    }

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(leads::Leads)]
    }

    fn query(&self, conn: &Connection, _as_of: NaiveDate) -> Result<Self::Answer, QueryError> {
        Ok(leads::leads(conn, self.by, DateRange::ALL)?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        leads::render(self.by, answer)
    }
}
