//! The JSON Schema of each query's answer, for `schemas/queries/<model>.reply.json`.
//!
//! The answers are the read models' own row types (`ltc_projections::models`), which serialise
//! but do not describe themselves, and the projections crate is not the place for a wire
//! contract. So each row type has a twin here, field for field, deriving only `JsonSchema`;
//! the `Query` impls name them as `AnswerSchema`. A twin is never serialised: the wire carries
//! the row type itself. The schema test (`tests/e2e/schemas/queries.rs`) validates real answers
//! of every query against the committed files with closed objects, so a field added, removed
//! or retyped in a row type and not here fails it.

//!
//! `customer360.rs` holds the twins of the customer360 model's rows.

mod customer360;

use chrono::NaiveDate;
use schemars::JsonSchema;

pub use customer360::{Customer360, CustomerListRow, TimelineEntry};

/// `funnel::FunnelRow`.
#[derive(Debug, JsonSchema)]
pub struct FunnelRow {
    pub period: String,
    pub key: String,
    pub leads: u64,
    pub leads_qualified: u64,
    pub leads_converted: u64,
    pub lead_conversion_bps: Option<u32>,
    pub opportunities: u64,
    pub won: u64,
    pub lost: u64,
    pub win_rate_bps: Option<u32>,
    pub sales_cycle_days_avg: Option<i64>,
    pub stages: Vec<StageFigures>,
    pub currencies: Vec<CurrencyFigures>,
}

/// `funnel::StageFigures`.
#[derive(Debug, JsonSchema)]
pub struct StageFigures {
    pub stage: String,
    pub outcome: String,
    pub reached: u64,
    pub to_next_bps: Option<u32>,
    pub stays_finished: u64,
    pub days_in_stage_avg: Option<i64>,
}

/// `funnel::CurrencyFigures`.
#[derive(Debug, JsonSchema)]
pub struct CurrencyFigures {
    pub currency: String,
    pub opportunities: u64,
    pub won: u64,
    pub lost: u64,
    pub won_minor: i64,
    pub deal_size_avg_minor: Option<i64>,
    pub velocity_minor_per_day: Option<i64>,
}

/// `leads::LeadRow`.
#[derive(Debug, JsonSchema)]
pub struct LeadRow {
    pub key: String,
    pub captured: u64,
    pub duplicates: u64,
    pub leads: u64,
    pub open: u64,
    pub qualified: u64,
    pub converted: u64,
    pub disqualified: u64,
    pub conversion_bps: Option<u32>,
    pub touched: u64,
    pub first_touch_minutes_avg: Option<i64>,
    pub assigned: u64,
    pub assignment_minutes_avg: Option<i64>,
}

/// `stalled::StalledRow`.
#[derive(Debug, JsonSchema)]
pub struct StalledRow {
    pub opportunity_id: String,
    pub name: String,
    pub customer_id: String,
    pub owner_id: String,
    pub team_id: Option<String>,
    pub stage: String,
    pub entered_on: NaiveDate,
    pub days_in_stage: i64,
    pub stall_after_days: i64,
    pub days_over: i64,
    pub currency: String,
    pub amount_minor: i64,
    pub last_activity_at: Option<String>,
    pub last_activity: Option<String>,
    pub days_since_activity: Option<i64>,
}

/// `collections::AgingRow`.
#[derive(Debug, JsonSchema)]
pub struct AgingRow {
    pub currency: String,
    pub customer_id: Option<String>,
    pub current_minor: i64,
    pub days_1_30_minor: i64,
    pub days_31_60_minor: i64,
    pub days_61_90_minor: i64,
    pub days_91_120_minor: i64,
    pub over_120_minor: i64,
    pub overdue_minor: i64,
    pub outstanding_minor: i64,
}

/// `collections::CollectionsRow`.
#[derive(Debug, JsonSchema)]
pub struct CollectionsRow {
    pub period: String,
    pub customer_id: Option<String>,
    pub currency: String,
    pub invoiced_minor: i64,
    pub collected_minor: i64,
    pub refunded_minor: i64,
    pub credited_minor: i64,
    pub written_off_minor: i64,
    pub outstanding_minor: i64,
    pub credit_balance_minor: i64,
}

/// `collections::DsoRow`.
#[derive(Debug, JsonSchema)]
pub struct DsoRow {
    pub currency: String,
    pub as_of: NaiveDate,
    pub days: u32,
    pub outstanding_minor: i64,
    pub invoiced_minor: i64,
    pub dso_days: Option<i64>,
}

/// `reps::RepRow`.
#[derive(Debug, JsonSchema)]
pub struct RepRow {
    pub rep_id: String,
    pub team_id: Option<String>,
    pub calls: i64,
    pub emails: i64,
    pub meetings: i64,
    pub notes: i64,
    pub activities: i64,
    pub follow_ups_completed: i64,
    pub won_deals: i64,
    pub money: Vec<RepMoney>,
}

/// `reps::RepMoney`.
#[derive(Debug, JsonSchema)]
pub struct RepMoney {
    pub currency: String,
    pub target_minor: Option<i64>,
    pub commission_bps: Option<u32>,
    pub won_deals: i64,
    pub won_minor: i64,
    pub attainment_bps: Option<i64>,
    pub commission_minor: Option<i64>,
}

/// `crate::read_models::EventCountsRow`.
#[derive(Debug, JsonSchema)]
pub struct EventCountsRow {
    pub stream_kind: String,
    pub n_streams: u64,
    pub n_events: u64,
    pub payload_bytes: u64,
}

/// `forecast::Forecast`.
#[derive(Debug, JsonSchema)]
pub struct Forecast {
    pub period: String,
    pub as_of: Option<NaiveDate>,
    pub totals: Vec<ForecastRow>,
    pub reps: Vec<RepForecastRow>,
}

/// `forecast::ForecastRow`.
#[derive(Debug, JsonSchema)]
pub struct ForecastRow {
    pub currency: String,
    pub closed_won_minor: i64,
    pub commit_minor: i64,
    pub best_case_minor: i64,
    pub pipeline_minor: i64,
    pub weighted_pipeline_minor: i64,
    pub n_won: u32,
    pub n_open: u32,
    pub quota_minor: Option<i64>,
    pub attainment_bps: Option<u64>,
    pub coverage_bps: Option<u64>,
}

/// `forecast::RepForecastRow`: a rep's figures, flattened beside the rep.
#[derive(Debug, JsonSchema)]
pub struct RepForecastRow {
    pub rep: String,
    pub team: Option<String>,
    #[serde(flatten)]
    pub figures: ForecastRow,
}

/// `forecast::Simulation`.
#[derive(Debug, JsonSchema)]
pub struct Simulation {
    pub period: String,
    pub runs: u32,
    pub seed: u64,
    pub rows: Vec<Percentiles>,
}

/// `forecast::Percentiles`.
#[derive(Debug, JsonSchema)]
pub struct Percentiles {
    pub currency: String,
    pub closed_won_minor: i64,
    pub n_open: u32,
    pub expected_minor: i64,
    pub p10_minor: i64,
    pub p50_minor: i64,
    pub p90_minor: i64,
}

/// `forecast::WinProbabilities`.
#[derive(Debug, JsonSchema)]
pub struct WinProbabilities {
    pub as_of: Option<NaiveDate>,
    pub n_won_examples: u64,
    pub n_lost_examples: u64,
    pub deals: Vec<WinProbability>,
}

/// `forecast::WinProbability`.
#[derive(Debug, JsonSchema)]
pub struct WinProbability {
    pub opportunity_id: String,
    pub name: String,
    pub owner: String,
    pub currency: String,
    pub amount_minor: i64,
    pub expected_close: NaiveDate,
    pub stage: String,
    pub stage_probability_bps: u32,
    pub win_probability_bps: u32,
    pub features: Features,
}

/// `forecast::Features`.
#[derive(Debug, JsonSchema)]
pub struct Features {
    pub stages: Vec<String>,
    pub channel: String,
    pub industry: String,
    pub region: String,
    pub amount_band: String,
    pub recency: String,
}
