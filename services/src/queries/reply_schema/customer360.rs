//! Schema twins of the customer360 model's rows (`ltc_projections::models::customer360`).

use chrono::{DateTime, NaiveDate, Utc};
use ltc_domain::money::Money;
use schemars::JsonSchema;
use uuid::Uuid;

/// `customer360::Customer360`.
#[derive(Debug, JsonSchema)]
pub struct Customer360 {
    pub as_of: NaiveDate,
    pub profile: Profile,
    pub tags: Vec<String>,
    pub contacts: Vec<ContactRow>,
    pub leads: Vec<LeadRow>,
    pub opportunities: Vec<OpportunityRow>,
    pub quotes: Vec<QuoteRow>,
    pub orders: Vec<OrderRow>,
    pub receivables: Vec<ReceivableRow>,
    pub credits: Vec<CreditRow>,
    pub figures: Figures,
}

/// `customer360::Figures`.
#[derive(Debug, JsonSchema)]
pub struct Figures {
    pub lifetime_value: Vec<Money>,
    pub open_pipeline: Vec<Money>,
    pub open_ar: Vec<Money>,
    pub overdue: Vec<Money>,
    pub credit_balance: Vec<Money>,
    pub last_activity: Option<DateTime<Utc>>,
}

/// `customer360::Profile`.
#[derive(Debug, JsonSchema)]
pub struct Profile {
    pub customer_id: Uuid,
    pub name: String,
    pub industry: String,
    pub region: String,
    pub tier: String,
    pub owner_id: Uuid,
    pub team_id: Option<Uuid>,
    pub credit_limit: Money,
    pub origin: String,
    pub lead_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// `customer360::ContactRow`.
#[derive(Debug, JsonSchema)]
pub struct ContactRow {
    pub contact_id: Uuid,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub role: String,
}

/// `customer360::LeadRow`.
#[derive(Debug, JsonSchema)]
#[schemars(rename = "CustomerLeadRow")]
pub struct LeadRow {
    pub lead_id: Uuid,
    pub channel: String,
    pub contact_name: String,
    pub company_name: Option<String>,
    pub score: Option<u32>,
    pub captured_at: DateTime<Utc>,
    pub qualified_at: Option<DateTime<Utc>>,
    pub converted_at: Option<DateTime<Utc>>,
    pub opportunity_id: Option<Uuid>,
}

/// `customer360::OpportunityRow`.
#[derive(Debug, JsonSchema)]
pub struct OpportunityRow {
    pub opportunity_id: Uuid,
    pub name: String,
    pub owner_id: Uuid,
    pub stage: String,
    pub status: String,
    pub amount: Money,
    pub probability_bps: u32,
    pub forecast_category: String,
    pub expected_close: NaiveDate,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// `customer360::QuoteRow`.
#[derive(Debug, JsonSchema)]
pub struct QuoteRow {
    pub quote_id: Uuid,
    pub opportunity_id: Uuid,
    pub deal: Option<String>,
    pub version: u32,
    pub status: String,
    pub total: Money,
    pub valid_until: NaiveDate,
    pub created_at: DateTime<Utc>,
}

/// `customer360::OrderRow`.
#[derive(Debug, JsonSchema)]
pub struct OrderRow {
    pub order_id: Uuid,
    pub quote_id: Uuid,
    pub deal: Option<String>,
    pub status: OrderStatus,
    pub total: Money,
    pub cancelled: Money,
    pub invoiced: Money,
    pub fulfilled_bps: u32,
    pub invoiced_bps: u32,
    pub placed_at: DateTime<Utc>,
    pub paid_on: Option<NaiveDate>,
}

/// `ltc_domain::order::OrderStatus`, as serde writes it.
#[derive(Debug, JsonSchema)]
pub enum OrderStatus {
    ToConfirm,
    ToDeliverAndBill,
    ToBill,
    ToDeliver,
    Completed,
    Paid,
    Cancelled,
}

/// `customer360::ReceivableRow`.
#[derive(Debug, JsonSchema)]
pub struct ReceivableRow {
    pub receivable_id: Uuid,
    pub order_id: Uuid,
    pub deal: Option<String>,
    pub invoice_reference: String,
    pub opened_on: NaiveDate,
    pub total: Money,
    pub paid: Money,
    pub credited: Money,
    pub written_off: Money,
    pub outstanding: Money,
    pub overdue: Money,
    pub next_due_on: Option<NaiveDate>,
    pub settled_on: Option<NaiveDate>,
    pub instalments: Vec<InstalmentRow>,
}

/// `customer360::InstalmentRow`.
#[derive(Debug, JsonSchema)]
pub struct InstalmentRow {
    pub due_on: NaiveDate,
    pub amount: Money,
    pub open: Money,
}

/// `customer360::CreditRow`.
#[derive(Debug, JsonSchema)]
pub struct CreditRow {
    pub on: NaiveDate,
    pub kind: String,
    pub invoice_reference: String,
    pub amount: Money,
    pub note: String,
}

/// `customer360::TimelineEntry`.
#[derive(Debug, JsonSchema)]
pub struct TimelineEntry {
    pub position: u64,
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub stream_kind: String,
    pub event_type: String,
    pub text: String,
}

/// `customer360::CustomerListRow`.
#[derive(Debug, JsonSchema)]
pub struct CustomerListRow {
    pub customer_id: Uuid,
    pub name: String,
    pub tier: String,
    pub owner_id: Uuid,
    pub open_pipeline: Vec<Money>,
    pub open_ar: Vec<Money>,
}
