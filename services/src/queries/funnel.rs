//! `funnel`: leads and opportunities per period and dimension, over the funnel read model.

use chrono::NaiveDate;
use ltc_projections::Projection;
use ltc_projections::models::funnel::{self, DateRange, Dimension, FunnelRow};
use ltc_projections::models::period::Period;
use rusqlite::Connection;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

use super::{
    Query, QueryError, as_of_schema, one_of, parse_period, period_schema, recorded_as_of_schema,
};

/// `ltc query funnel --by region --period quarter`; on NATS
/// `{"by": "region", "period": "quarter"}`.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FunnelRequest {
    /// rep, team, region, industry, product or channel.
    #[arg(long, value_parser = dimension, default_value = "region")]
    #[serde(default = "by_default")]
    #[schemars(schema_with = "dimension_schema")]
    pub by: Dimension,
    /// month or quarter.
    #[arg(long, value_parser = parse_period, default_value = "quarter")]
    #[serde(default = "period_default")]
    #[schemars(schema_with = "period_schema")]
    pub period: Period,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "as_of_schema")]
    pub as_of: Option<String>,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "recorded_as_of_schema")]
    pub recorded_as_of: Option<String>,
}

fn by_default() -> Dimension {
    Dimension::Region
}

fn period_default() -> Period {
    Period::Quarter
}

fn dimension(text: &str) -> Result<Dimension, String> {
    Dimension::parse(text).ok_or_else(|| {
        let names: Vec<_> = Dimension::ALL.iter().map(|dimension| dimension.name()).collect();
        format!("{text:?} is not a dimension: use one of {}", names.join(", "))
    })
}

fn dimension_schema(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = Dimension::ALL.iter().map(|dimension| dimension.name()).collect();
    one_of(&names, "What the rows are grouped by.")
}

impl Query for FunnelRequest {
    const NAME: &'static str = "funnel";
    type Answer = Vec<FunnelRow>;

    fn as_of_text(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    fn recorded_as_of_text(&self) -> Option<&str> {
        self.recorded_as_of.as_deref()
    }

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(funnel::Funnel::default())]
    }

    fn query(&self, conn: &Connection, _as_of: NaiveDate) -> Result<Self::Answer, QueryError> {
        Ok(funnel::funnel(conn, self.period, self.by, DateRange::ALL)?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        funnel::render(self.by, answer)
    }
}
