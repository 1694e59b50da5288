//! How each event the forecast wants changes its tables.
//!
//! A deal event rewrites the deal's row in `forecast_deals` and, when it changes a figure the
//! forecast sums (amount, close date, stage, probability, category, status), appends a version
//! to `forecast_deal_versions`, stamped with the event's recorded time. Closing a deal adds it to
//! the win model's training counts; reopening takes it out again (`model.rs`).

use chrono::{DateTime, NaiveDate, Utc};
use ltc_domain::customer::CustomerEvent;
use ltc_domain::lead::LeadEvent;
use ltc_domain::opportunity::{ForecastCategory, OpportunityEvent};
use ltc_domain::quota::QuotaEvent;
use ltc_eventstore::RecordedEvent;
use rusqlite::{OptionalExtension, Transaction, params};

use super::model::{self, Outcome};
use super::schema::timestamp;
use crate::ProjectionError;
use crate::models::decode::decode;

/// A deal's status as the tables spell it.
pub const OPEN: &str = "open";
pub const WON: &str = "won";
pub const LOST: &str = "lost";

/// One row of `forecast_deals`.
#[derive(Debug, Clone)]
pub(super) struct Deal {
    pub opportunity_id: String,
    pub customer_id: String,
    pub name: String,
    pub owner: String,
    pub team: Option<String>,
    pub currency: String,
    pub amount_minor: i64,
    pub expected_close: NaiveDate,
    pub stage: String,
    pub probability_bps: u32,
    pub forecast_category: &'static str,
    pub status: &'static str,
    pub closed_on: Option<NaiveDate>,
    pub opened_at: String,
    pub last_activity_at: String,
}

pub(super) fn opportunity(
    tx: &Transaction<'_>,
    event: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let id = event.stream.id.to_string();
    let decoded: OpportunityEvent = decode(event)?;
    let change = match decoded {
        OpportunityEvent::Opened {
            opportunity_id,
            customer_id,
            name,
            ownership,
            amount,
            expected_close,
            stage,
            probability,
            forecast_category,
            at,
            ..
        } => {
            if opportunity_id.0 != event.stream.id {
                return Err(ProjectionError::Unexpected(format!(
                    "opportunity {opportunity_id} opened on stream {}",
                    event.stream
                )));
            }
            let deal = Deal {
                opportunity_id: id,
                customer_id: customer_id.to_string(),
                name,
                owner: ownership.owner.to_string(),
                team: ownership.team.map(|team| team.to_string()),
                currency: amount.currency.code().to_owned(),
                amount_minor: amount.amount_minor,
                expected_close,
                stage: stage.0,
                probability_bps: probability.0,
                forecast_category: category_key(forecast_category),
                status: OPEN,
                closed_on: None,
                opened_at: timestamp(at),
                last_activity_at: timestamp(at),
            };
            insert(tx, &deal)?;
            return insert_version(tx, &deal, event);
        }
        OpportunityEvent::FollowUpScheduled { at, .. }
        | OpportunityEvent::FollowUpCompleted { at, .. } => {
            // Work on the deal, not a change of what it is worth: no new version.
            tx.prepare_cached(
                "UPDATE forecast_deals SET last_activity_at = ?2 WHERE opportunity_id = ?1",
            )?
            .execute(params![id, timestamp(at)])?;
            return Ok(());
        }
        change => change,
    };
    let mut deal = load(tx, &id)?;
    let previous_activity = parse_time(&deal.last_activity_at)?;
    let at = change_time(&change).unwrap_or(event.occurred_at);
    record(&mut deal, &change, at);
    update(tx, &deal)?;
    insert_version(tx, &deal, event)?;
    match change {
        OpportunityEvent::Won { .. } => {
            model::train(tx, &deal, Outcome::Won, previous_activity, at)
        }
        OpportunityEvent::Lost { .. } => {
            model::train(tx, &deal, Outcome::Lost, previous_activity, at)
        }
        OpportunityEvent::Reopened { .. } => model::untrain(tx, &deal.opportunity_id),
        _ => Ok(()),
    }
}

pub(super) fn lead(tx: &Transaction<'_>, event: &RecordedEvent) -> Result<(), ProjectionError> {
    let lead_id = event.stream.id.to_string();
    match decode::<LeadEvent>(event)? {
        LeadEvent::Captured { channel, .. } => {
            tx.prepare_cached(
                "INSERT INTO forecast_lead_channels (lead_id, channel) VALUES (?1, ?2) \
                 ON CONFLICT (lead_id) DO UPDATE SET channel = ?2",
            )?
            .execute(params![lead_id, channel_key(channel)])?;
        }
        LeadEvent::Converted { opportunity_id, .. } => {
            let channel: Option<String> = tx
                .prepare_cached("SELECT channel FROM forecast_lead_channels WHERE lead_id = ?1")?
                .query_row([&lead_id], |row| row.get(0))
                .optional()?;
            let channel = channel.ok_or_else(|| {
                ProjectionError::Unexpected(format!("lead {lead_id} converted before capture"))
            })?;
            tx.prepare_cached(
                "INSERT INTO forecast_deal_channels (opportunity_id, lead_id, channel) \
                 VALUES (?1, ?2, ?3) ON CONFLICT (opportunity_id) DO UPDATE SET \
                 lead_id = ?2, channel = ?3",
            )?
            .execute(params![opportunity_id.to_string(), lead_id, channel])?;
        }
        _ => {}
    }
    Ok(())
}

pub(super) fn customer(tx: &Transaction<'_>, event: &RecordedEvent) -> Result<(), ProjectionError> {
    if let CustomerEvent::Created { customer_id, profile, .. } = decode::<CustomerEvent>(event)? {
        tx.prepare_cached(
            "INSERT INTO forecast_customers (customer_id, industry, region) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![customer_id.to_string(), profile.industry, profile.region])?;
    }
    Ok(())
}

pub(super) fn quota(tx: &Transaction<'_>, event: &RecordedEvent) -> Result<(), ProjectionError> {
    let QuotaEvent::Set { rep, team, period, amount, commission_bps, .. } = decode(event)?;
    tx.prepare_cached(
        "INSERT INTO forecast_quota_versions (rep, period, position, recorded_at, team, \
         currency, quota_minor, commission_bps) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        rep.to_string(),
        period.0,
        position(event),
        timestamp(event.recorded_at),
        team.map(|team| team.to_string()),
        amount.currency.code(),
        amount.amount_minor,
        commission_bps.0,
    ])?;
    Ok(())
}

/// Every forecast category's name in the tables (its serde name).
pub const CATEGORIES: [&str; 5] = ["pipeline", "best_case", "commit", "closed", "omitted"];

/// The name a forecast category has in the tables (its serde name).
pub fn category_key(category: ForecastCategory) -> &'static str {
    match category {
        ForecastCategory::Pipeline => "pipeline",
        ForecastCategory::BestCase => "best_case",
        ForecastCategory::Commit => "commit",
        ForecastCategory::Closed => "closed",
        ForecastCategory::Omitted => "omitted",
    }
}

fn channel_key(channel: ltc_domain::lead::Channel) -> &'static str {
    use ltc_domain::lead::Channel;
    match channel {
        Channel::WebForm => "web_form",
        Channel::Email => "email",
        Channel::Event => "event",
        Channel::Social => "social",
        Channel::Referral => "referral",
        Channel::Phone => "phone",
        Channel::Import => "import",
        Channel::Api => "api",
    }
}

/// Writes what `change` says into the deal (an `evolve` for the forecast's columns). A won or
/// lost deal takes its pipeline's closing category and probability, which the events leave out.
fn record(deal: &mut Deal, change: &OpportunityEvent, at: DateTime<Utc>) {
    match change {
        OpportunityEvent::StageMoved { to, probability, forecast_category, .. }
        | OpportunityEvent::Reopened { to, probability, forecast_category, .. } => {
            deal.stage = to.0.clone();
            deal.probability_bps = probability.0;
            deal.forecast_category = category_key(*forecast_category);
            deal.status = OPEN;
            deal.closed_on = None;
        }
        OpportunityEvent::AmountChanged { to, .. } => deal.amount_minor = to.amount_minor,
        OpportunityEvent::ExpectedCloseChanged { to, .. } => deal.expected_close = *to,
        OpportunityEvent::Won { stage, amount, .. } => {
            deal.stage = stage.0.clone();
            deal.amount_minor = amount.amount_minor;
            deal.probability_bps = 10_000;
            deal.forecast_category = category_key(ForecastCategory::Closed);
            deal.status = WON;
            deal.closed_on = Some(at.date_naive());
        }
        OpportunityEvent::Lost { stage, .. } => {
            deal.stage = stage.0.clone();
            deal.probability_bps = 0;
            deal.forecast_category = category_key(ForecastCategory::Omitted);
            deal.status = LOST;
            deal.closed_on = Some(at.date_naive());
        }
        OpportunityEvent::Opened { .. }
        | OpportunityEvent::FollowUpScheduled { .. }
        | OpportunityEvent::FollowUpCompleted { .. } => {}
    }
    deal.last_activity_at = timestamp(at);
}

/// The business time an event carries, if it carries one.
fn change_time(change: &OpportunityEvent) -> Option<DateTime<Utc>> {
    match change {
        OpportunityEvent::StageMoved { at, .. }
        | OpportunityEvent::Won { at, .. }
        | OpportunityEvent::Lost { at, .. }
        | OpportunityEvent::Reopened { at, .. } => Some(*at),
        _ => None,
    }
}

fn insert(tx: &Transaction<'_>, deal: &Deal) -> Result<(), ProjectionError> {
    tx.prepare_cached(
        "INSERT INTO forecast_deals (opportunity_id, customer_id, name, owner, team, currency, \
         amount_minor, expected_close, stage, probability_bps, forecast_category, status, \
         closed_on, opened_at, last_activity_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        deal.opportunity_id,
        deal.customer_id,
        deal.name,
        deal.owner,
        deal.team,
        deal.currency,
        deal.amount_minor,
        deal.expected_close.to_string(),
        deal.stage,
        deal.probability_bps,
        deal.forecast_category,
        deal.status,
        deal.closed_on.map(|day| day.to_string()),
        deal.opened_at,
        deal.last_activity_at,
    ])?;
    Ok(())
}

fn update(tx: &Transaction<'_>, deal: &Deal) -> Result<(), ProjectionError> {
    tx.prepare_cached(
        "UPDATE forecast_deals SET amount_minor = ?2, expected_close = ?3, stage = ?4, \
         probability_bps = ?5, forecast_category = ?6, status = ?7, closed_on = ?8, \
         last_activity_at = ?9 WHERE opportunity_id = ?1",
    )?
    .execute(params![
        deal.opportunity_id,
        deal.amount_minor,
        deal.expected_close.to_string(),
        deal.stage,
        deal.probability_bps,
        deal.forecast_category,
        deal.status,
        deal.closed_on.map(|day| day.to_string()),
        deal.last_activity_at,
    ])?;
    Ok(())
}

fn insert_version(
    tx: &Transaction<'_>,
    deal: &Deal,
    event: &RecordedEvent,
) -> Result<(), ProjectionError> {
    tx.prepare_cached(
        "INSERT INTO forecast_deal_versions (opportunity_id, position, recorded_at, owner, team, \
         currency, amount_minor, expected_close, stage, probability_bps, forecast_category, \
         status, closed_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        deal.opportunity_id,
        position(event),
        timestamp(event.recorded_at),
        deal.owner,
        deal.team,
        deal.currency,
        deal.amount_minor,
        deal.expected_close.to_string(),
        deal.stage,
        deal.probability_bps,
        deal.forecast_category,
        deal.status,
        deal.closed_on.map(|day| day.to_string()),
    ])?;
    Ok(())
}

fn load(tx: &Transaction<'_>, id: &str) -> Result<Deal, ProjectionError> {
    let deal = tx
        .prepare_cached(
            "SELECT customer_id, name, owner, team, currency, amount_minor, expected_close, \
             stage, probability_bps, forecast_category, status, closed_on, opened_at, \
             last_activity_at FROM forecast_deals WHERE opportunity_id = ?1",
        )?
        .query_row([id], |row| {
            let expected_close: String = row.get(6)?;
            let category: String = row.get(9)?;
            let status: String = row.get(10)?;
            let closed_on: Option<String> = row.get(11)?;
            // Parsing is the projection's business; its errors are not SQLite's.
            Ok((|| -> Result<Deal, ProjectionError> {
                Ok(Deal {
                    opportunity_id: id.to_owned(),
                    customer_id: row.get(0)?,
                    name: row.get(1)?,
                    owner: row.get(2)?,
                    team: row.get(3)?,
                    currency: row.get(4)?,
                    amount_minor: row.get(5)?,
                    expected_close: parse_day(&expected_close)?,
                    stage: row.get(7)?,
                    probability_bps: row.get(8)?,
                    forecast_category: static_key(&category, &CATEGORIES)?,
                    status: static_key(&status, &[OPEN, WON, LOST])?,
                    closed_on: closed_on.as_deref().map(parse_day).transpose()?,
                    opened_at: row.get(12)?,
                    last_activity_at: row.get(13)?,
                })
            })())
        })
        .optional()?;
    deal.unwrap_or_else(|| {
        Err(ProjectionError::Unexpected(format!("opportunity {id} changed before it opened")))
    })
}

fn static_key(text: &str, keys: &[&'static str]) -> Result<&'static str, ProjectionError> {
    keys.iter().find(|key| **key == text).copied().ok_or_else(|| {
        ProjectionError::Unexpected(format!("unknown key {text:?} in forecast_deals"))
    })
}

pub(super) fn parse_day(text: &str) -> Result<NaiveDate, ProjectionError> {
    text.parse().map_err(|_| ProjectionError::Unexpected(format!("{text:?} is not a stored date")))
}

pub(super) fn parse_time(text: &str) -> Result<DateTime<Utc>, ProjectionError> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| ProjectionError::Unexpected(format!("{text:?} is not a stored time")))
}

fn position(event: &RecordedEvent) -> i64 {
    i64::try_from(event.position.0).unwrap_or(i64::MAX)
}
