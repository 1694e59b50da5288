//! `customer360` (one customer, whole) and `customers` (every customer, with open pipeline and
//! open AR), over the customer360 read model.

use chrono::NaiveDate;
use ltc_projections::Projection;
use ltc_projections::models::customer360;
use rusqlite::Connection;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{BusinessTime, Query, QueryError, as_of_schema, recorded_as_of_schema};

/// `ltc query customer360 <ID> [--timeline 50] [--as-of DATE]`; on NATS
/// `{"customer_id": "…", "timeline": 50, "as_of": "2026-03-31"}`.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Customer360Request {
    /// The customer's id (`ltc query customers` lists them).
    #[arg(value_name = "ID")]
    pub customer_id: uuid::Uuid,
    /// How many of the latest timeline lines to show.
    #[arg(long, default_value_t = 50)]
    #[serde(default = "timeline_default")]
    pub timeline: u32,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "as_of_schema")]
    pub as_of: Option<String>,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "recorded_as_of_schema")]
    pub recorded_as_of: Option<String>,
}

fn timeline_default() -> u32 {
    50
}

/// A customer's view and the latest lines of their timeline.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Customer360Answer {
    pub customer: customer360::Customer360,
    pub timeline: Vec<customer360::TimelineEntry>,
}

impl Query for Customer360Request {
    const NAME: &'static str = "customer360";
    const BUSINESS_TIME: BusinessTime = BusinessTime::Split;
    type Answer = Customer360Answer;

    fn as_of_text(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    fn recorded_as_of_text(&self) -> Option<&str> {
        self.recorded_as_of.as_deref()
    }

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(customer360::Customer360Projection::default())]
    }

    fn query(&self, conn: &Connection, as_of: NaiveDate) -> Result<Self::Answer, QueryError> {
        self.query_split(conn, conn, as_of)
    }

    fn query_split(
        &self,
        state: &Connection,
        facts: &Connection,
        as_of: NaiveDate,
    ) -> Result<Self::Answer, QueryError> {
        let id = self.customer_id;
        let limit = self.timeline.min(customer360::TIMELINE_LIMIT_MAX);
        let customer = customer360::customer_split(state, facts, id, as_of)?
            .ok_or(QueryError::UnknownCustomer(id))?;
        Ok(Customer360Answer { customer, timeline: customer360::timeline(state, id, limit)? })
    }

    fn render(&self, answer: &Self::Answer) -> String {
        customer360::render(&answer.customer, &answer.timeline)
    }
}

/// `ltc query customers`; on NATS `{}`.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomersRequest {
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "as_of_schema")]
    pub as_of: Option<String>,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "recorded_as_of_schema")]
    pub recorded_as_of: Option<String>,
}

impl Query for CustomersRequest {
    const NAME: &'static str = "customers";
    const BUSINESS_TIME: BusinessTime = BusinessTime::Split;
    type Answer = Vec<customer360::CustomerListRow>;

    fn as_of_text(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    fn recorded_as_of_text(&self) -> Option<&str> {
        self.recorded_as_of.as_deref()
    }

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(customer360::Customer360Projection::default())]
    }

    fn query(&self, conn: &Connection, as_of: NaiveDate) -> Result<Self::Answer, QueryError> {
        self.query_split(conn, conn, as_of)
    }

    fn query_split(
        &self,
        state: &Connection,
        facts: &Connection,
        as_of: NaiveDate,
    ) -> Result<Self::Answer, QueryError> {
        Ok(customer360::list_split(state, facts, as_of)?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        customer360::render_list(answer)
    }
}
