//! How each event the forecast wants changes its tables.
//!
//! A deal event changes the deal as the batch holds it (`deals.rs`: its `forecast_deals` row,
//! written at the batch's flush, or in a rebuild once it closes or goes idle) and, when it changes a figure the forecast sums (amount, close
//! date, stage, probability, category, status), appends a version, stamped with the event's
//! recorded time, which the deal holds until its row is written (`forecast_deal_history`).
//! A quote accepted decides its deal (`decision.rs`). Closing a deal decides it too if nothing
//! did before, and adds it to the win model's training counts, as it stood at its decision;
//! reopening takes it out again and makes it undecided (`model.rs`, summed per batch in
//! `counts.rs`).

use chrono::{DateTime, SubsecRound, Utc};
use ltc_domain::customer::CustomerEvent;
use ltc_domain::lead::LeadEvent;
use ltc_domain::money::Currency;
use ltc_domain::opportunity::{ForecastCategory, OpportunityEvent, StageKey};
use ltc_domain::quota::QuotaEvent;
use ltc_domain::quote::QuoteEvent;
use ltc_eventstore::RecordedEvent;
use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::Pending;
use super::counts::PendingCounts;
use super::deals::{Forecasted, Version};
use super::decision::{DecidedBy, Decision};
use super::model::Outcome;
use super::schema::timestamp;
use super::training;
use crate::ProjectionError;
use crate::models::decode::decode;

/// A deal's status as the tables spell it.
pub const OPEN: &str = "open";
pub const WON: &str = "won";
pub const LOST: &str = "lost";

/// One row of `forecast_deals`, compact: a rebuild keeps thousands in memory across batches.
/// Times are held as the table stores them, to the microsecond ([`activity_time`]).
#[derive(Debug)]
pub(super) struct Deal {
    pub opportunity_id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    pub owner: Uuid,
    pub team: Option<Uuid>,
    pub currency: Currency,
    /// Its forecast fields as they stand: what each of its events changes.
    pub now: Forecasted,
    pub opened_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    /// When its outcome became known in sales terms (`decision.rs`); `None` while undecided.
    pub decision: Option<Decision>,
    /// Versions appended since the deal's row was last written; written with it (`deals.rs`),
    /// so a deal's versions land together rather than one random page per event.
    pub versions: Vec<Version>,
    /// `versions` holds every version the deal has: it was opened since the batch rows last
    /// wrote it, not read back from its row (whose older versions only the table holds).
    pub versions_complete: bool,
    /// Whether the deal is one of the win model's examples, when that is known without asking
    /// the table (a deal opened since the batch rows last wrote it is none until it closes).
    pub is_example: Option<bool>,
}

pub(super) fn opportunity(
    tx: &Transaction<'_>,
    pending: &mut Pending,
    event: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let mut id_text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let id: &str = event.stream.id.hyphenated().encode_lower(&mut id_text);
    let Pending { deals, counts, .. } = pending;
    if event.event_type.starts_with("OpportunityFollowUp") {
        // Work on the deal, not a change of what it is worth: no new version. Nothing in the
        // payload is needed (the envelope's business time is the task's), so it is not decoded:
        // follow-ups are a large share of a deal's events. (One on a deal never opened changes
        // nothing, as an UPDATE of no row did.)
        if let Some(deal) = deals.get_mut(tx, event.stream.id, id)? {
            deal.last_activity_at = activity_time(event.occurred_at);
        }
        return Ok(());
    }
    match &*decode::<OpportunityEvent>(event)? {
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
                opportunity_id: event.stream.id,
                customer_id: customer_id.0,
                name: name.clone(),
                owner: ownership.owner.0,
                team: ownership.team.map(|team| team.0),
                currency: amount.currency,
                now: Forecasted {
                    amount_minor: amount.amount_minor,
                    expected_close: *expected_close,
                    stage: stage.0.clone(),
                    probability_bps: probability.0,
                    forecast_category: category_key(*forecast_category),
                    status: OPEN,
                    closed_on: None,
                },
                opened_at: activity_time(*at),
                last_activity_at: activity_time(*at),
                decision: None,
                versions: Vec::new(),
                versions_complete: true,
                is_example: Some(false),
            };
            let deal = deals.create(event.stream.id, deal)?;
            record_version(deal, event);
            Ok(())
        }
        OpportunityEvent::StageMoved { to, probability, forecast_category, at, .. } => {
            let deal = deals.existing(tx, event.stream.id, id)?;
            enter_open_stage(deal, to.0.clone(), probability.0, *forecast_category, *at);
            record_version(deal, event);
            Ok(())
        }
        OpportunityEvent::Reopened { to, probability, forecast_category, at } => {
            let deal = deals.existing(tx, event.stream.id, id)?;
            enter_open_stage(deal, to.0.clone(), probability.0, *forecast_category, *at);
            deal.decision = None;
            record_version(deal, event);
            training::untrain(tx, counts, deal)
        }
        OpportunityEvent::AmountChanged { to, .. } => {
            let deal = deals.existing(tx, event.stream.id, id)?;
            deal.now.amount_minor = to.amount_minor;
            deal.last_activity_at = activity_time(event.occurred_at);
            record_version(deal, event);
            Ok(())
        }
        OpportunityEvent::ExpectedCloseChanged { to, .. } => {
            let deal = deals.existing(tx, event.stream.id, id)?;
            deal.now.expected_close = *to;
            deal.last_activity_at = activity_time(event.occurred_at);
            record_version(deal, event);
            Ok(())
        }
        OpportunityEvent::Won { stage, amount, at } => {
            let deal = deals.existing(tx, event.stream.id, id)?;
            let closing =
                Closing { stage: stage.clone(), at: *at, won_minor: Some(amount.amount_minor) };
            close(tx, counts, deal, closing, event)
        }
        OpportunityEvent::Lost { stage, at, .. } => {
            let deal = deals.existing(tx, event.stream.id, id)?;
            close(
                tx,
                counts,
                deal,
                Closing { stage: stage.clone(), at: *at, won_minor: None },
                event,
            )
        }
        OpportunityEvent::FollowUpScheduled { .. } | OpportunityEvent::FollowUpCompleted { .. } => {
            Ok(())
        }
    }
}

/// A quote accepted decides its deal if the deal is open and nothing decided it before. (A
/// quote of an opportunity this log never opened decides nothing.)
pub(super) fn quote(
    tx: &Transaction<'_>,
    pending: &mut Pending,
    event: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let QuoteEvent::Accepted { opportunity_id, at, .. } = &*decode::<QuoteEvent>(event)? else {
        return Ok(());
    };
    let id = opportunity_id.0.to_string();
    if let Some(deal) = pending.deals.get_mut(tx, opportunity_id.0, &id)?
        && deal.now.status == OPEN
        && deal.decision.is_none()
    {
        deal.decision = Some(Decision::new(position(event), *at, deal.last_activity_at));
    }
    Ok(())
}

pub(super) fn lead(tx: &Transaction<'_>, event: &RecordedEvent) -> Result<(), ProjectionError> {
    let lead_id = event.stream.id.to_string();
    match &*decode::<LeadEvent>(event)? {
        LeadEvent::Captured { channel, .. } => {
            tx.prepare_cached(
                "INSERT INTO forecast_lead_channels (lead_id, channel) VALUES (?1, ?2) \
                 ON CONFLICT (lead_id) DO UPDATE SET channel = ?2",
            )?
            .execute(params![lead_id, channel_key(*channel)])?;
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
    if let CustomerEvent::Created { customer_id, profile, .. } = &*decode::<CustomerEvent>(event)? {
        tx.prepare_cached(
            "INSERT INTO forecast_customers (customer_id, industry, region) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![customer_id.to_string(), profile.industry, profile.region])?;
    }
    Ok(())
}

pub(super) fn quota(tx: &Transaction<'_>, event: &RecordedEvent) -> Result<(), ProjectionError> {
    let QuotaEvent::Set { rep, team, period, amount, commission_bps, .. } =
        &*decode::<QuotaEvent>(event)?;
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

/// A deal enters an open stage (moved, or reopened): the forecast columns of that stage.
fn enter_open_stage(
    deal: &mut Deal,
    stage: String,
    probability_bps: u32,
    category: ForecastCategory,
    at: DateTime<Utc>,
) {
    deal.now.stage = stage;
    deal.now.probability_bps = probability_bps;
    deal.now.forecast_category = category_key(category);
    deal.now.status = OPEN;
    deal.now.closed_on = None;
    deal.last_activity_at = activity_time(at);
}

/// How a deal closed: won (for an amount) or lost, in a closing stage, at a time.
struct Closing {
    stage: StageKey,
    at: DateTime<Utc>,
    won_minor: Option<i64>,
}

/// A deal is won or lost: its row takes the pipeline's closing category and probability (which
/// the events leave out), it is decided now unless something decided it before, and the model
/// learns from it as it stood at its decision.
fn close(
    tx: &Transaction<'_>,
    counts: &mut PendingCounts,
    deal: &mut Deal,
    closing: Closing,
    event: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let decided_by =
        if deal.decision.is_some() { DecidedBy::QuoteAccepted } else { DecidedBy::Close };
    let decision = *deal
        .decision
        .get_or_insert_with(|| Decision::new(position(event), closing.at, deal.last_activity_at));
    let outcome = match closing.won_minor {
        Some(won_minor) => {
            deal.now.amount_minor = won_minor;
            deal.now.probability_bps = 10_000;
            deal.now.forecast_category = category_key(ForecastCategory::Closed);
            deal.now.status = WON;
            Outcome::Won
        }
        None => {
            deal.now.probability_bps = 0;
            deal.now.forecast_category = category_key(ForecastCategory::Omitted);
            deal.now.status = LOST;
            Outcome::Lost
        }
    };
    deal.now.stage = closing.stage.0;
    deal.now.closed_on = Some(closing.at.date_naive());
    deal.last_activity_at = activity_time(closing.at);
    record_version(deal, event);
    training::train(tx, counts, deal, outcome, decision, decided_by)
}

/// Appends the deal as it now stands to its versions, stamped with `event`: kept with the deal
/// until its row is written.
fn record_version(deal: &mut Deal, event: &RecordedEvent) {
    deal.versions.push(Version {
        position: position(event),
        recorded_at: event.recorded_at,
        forecasted: deal.now.clone(),
    });
}

/// A time as the tables keep it (to the microsecond, [`timestamp`]), so a deal held in memory
/// and one read back from its row are the same deal.
fn activity_time(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

fn position(event: &RecordedEvent) -> i64 {
    i64::try_from(event.position.0).unwrap_or(i64::MAX)
}
