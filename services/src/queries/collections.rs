//! `ar-aging`, `collections` and `dso`, over the collections read model.

use chrono::NaiveDate;
use ltc_projections::Projection;
use ltc_projections::models::collections;
use ltc_projections::models::period::Period;
use rusqlite::Connection;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    BusinessTime, Dated, Query, QueryError, as_of_schema, parse_period, period_schema,
    recorded_as_of_schema,
};

/// `ltc query ar-aging [--as-of DATE] [--by-customer]`; on NATS
/// `{"by_customer": true, "as_of": "2026-03-31"}`: what is owed, by days past due.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArAgingRequest {
    /// One line per customer instead of one per currency.
    #[arg(long)]
    #[serde(default)]
    pub by_customer: bool,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "as_of_schema")]
    pub as_of: Option<String>,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "recorded_as_of_schema")]
    pub recorded_as_of: Option<String>,
}

impl Query for ArAgingRequest {
    const NAME: &'static str = "ar-aging";
    const BUSINESS_TIME: BusinessTime = BusinessTime::DatedFacts;
    type Answer = Dated<collections::AgingRow>;

    fn as_of_text(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    fn recorded_as_of_text(&self) -> Option<&str> {
        self.recorded_as_of.as_deref()
    }

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(collections::Collections)]
    }

    fn query(&self, conn: &Connection, as_of: NaiveDate) -> Result<Self::Answer, QueryError> {
        let date = as_of;
        let rows = if self.by_customer {
            collections::aging_by_customer(conn, date)?
        } else {
            collections::aging(conn, date)?
        };
        Ok(Dated { as_of: date, rows })
    }

    fn render(&self, answer: &Self::Answer) -> String {
        collections::render_aging(answer.as_of, &answer.rows)
    }
}

/// `ltc query collections --period month [--by-customer]`; on NATS
/// `{"period": "month", "by_customer": false}`: invoiced, collected, outstanding.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectionsRequest {
    /// month or quarter.
    #[arg(long, value_parser = parse_period, default_value = "month")]
    #[serde(default = "period_default")]
    #[schemars(schema_with = "period_schema")]
    pub period: Period,
    #[arg(long)]
    #[serde(default)]
    pub by_customer: bool,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "as_of_schema")]
    pub as_of: Option<String>,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "recorded_as_of_schema")]
    pub recorded_as_of: Option<String>,
}

fn period_default() -> Period {
    Period::Month
}

impl Query for CollectionsRequest {
    const NAME: &'static str = "collections";
    const BUSINESS_TIME: BusinessTime = BusinessTime::DatedFacts;
    type Answer = Vec<collections::CollectionsRow>;

    fn as_of_text(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    fn recorded_as_of_text(&self) -> Option<&str> {
        self.recorded_as_of.as_deref()
    }

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(collections::Collections)]
    }

    fn query(&self, conn: &Connection, as_of: NaiveDate) -> Result<Self::Answer, QueryError> {
        Ok(collections::collections_until(conn, self.period, self.by_customer, Some(as_of))?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        collections::render_collections(answer)
    }
}

/// `ltc query dso [--days 90] [--as-of DATE]`; on NATS `{"days": 90}`: days sales outstanding.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DsoRequest {
    /// The window of sales, in days.
    #[arg(long, default_value_t = 90)]
    #[serde(default = "days_default")]
    pub days: u32,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "as_of_schema")]
    pub as_of: Option<String>,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "recorded_as_of_schema")]
    pub recorded_as_of: Option<String>,
}

fn days_default() -> u32 {
    90
}

impl Query for DsoRequest {
    const NAME: &'static str = "dso";
    const BUSINESS_TIME: BusinessTime = BusinessTime::DatedFacts;
    type Answer = Vec<collections::DsoRow>;

    fn as_of_text(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    fn recorded_as_of_text(&self) -> Option<&str> {
        self.recorded_as_of.as_deref()
    }

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(collections::Collections)]
    }

    fn query(&self, conn: &Connection, as_of: NaiveDate) -> Result<Self::Answer, QueryError> {
        Ok(collections::dso(conn, as_of, self.days)?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        collections::render_dso(answer)
    }
}
