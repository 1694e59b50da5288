//! How opportunity and quote events change the stalled model's tables. An activity's time is the
//! envelope's `occurred_at` (the business time the engine gave the command), so only the events
//! whose payload adds something (the deal's facts, the stage entered, a quote's opportunity) are
//! decoded.

use chrono::SecondsFormat;
use ltc_domain::opportunity::{OpportunityEvent, StageKey};
use ltc_domain::quote::QuoteEvent;
use ltc_eventstore::RecordedEvent;
use rusqlite::{Transaction, params};

use crate::ProjectionError;
use crate::models::decode::decode;
use crate::models::funnel::shared::uuid_text;
use crate::models::funnel::{outcome_name, position_of};

pub fn opportunity(tx: &Transaction<'_>, event: &RecordedEvent) -> Result<(), ProjectionError> {
    let mut buffer = [0u8; 36];
    let id = uuid_text(&event.stream.id, &mut buffer);
    let visit_no = i64::try_from(event.version).unwrap_or(i64::MAX);
    let activity = match event.event_type.as_str() {
        "OpportunityExpectedCloseChanged" => "expected close changed".to_owned(),
        "OpportunityFollowUpCompleted" => "follow-up completed".to_owned(),
        _ => match decode::<OpportunityEvent>(event)? {
            OpportunityEvent::Opened {
                name,
                customer_id,
                ownership,
                amount,
                pipeline,
                stage,
                at,
                ..
            } => {
                tx.prepare_cached(
                    "INSERT INTO stalled_opportunities (opportunity_id, name, customer_id, \
                     owner_id, team_id, currency, amount_minor, opened_on) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?
                .execute(params![
                    id,
                    name,
                    customer_id.0.to_string(),
                    ownership.owner.0.to_string(),
                    ownership.team.map(|team| team.0.to_string()),
                    amount.currency.code(),
                    amount.amount_minor,
                    at.date_naive().to_string(),
                ])?;
                let mut insert_stage = tx.prepare_cached(
                    "INSERT INTO stalled_stages (opportunity_id, stage, outcome, \
                     stall_after_days) VALUES (?1, ?2, ?3, ?4)",
                )?;
                for pipeline_stage in &pipeline.stages {
                    insert_stage.execute(params![
                        id,
                        pipeline_stage.key.0,
                        outcome_name(pipeline_stage.outcome),
                        pipeline_stage.stall_after_days
                    ])?;
                }
                enter(tx, id, visit_no, &stage, "open", at)?;
                "opened".to_owned()
            }
            OpportunityEvent::StageMoved { to, at, .. } => {
                enter(tx, id, visit_no, &to, "open", at)?;
                format!("moved to {to}")
            }
            OpportunityEvent::Reopened { to, at, .. } => {
                enter(tx, id, visit_no, &to, "open", at)?;
                format!("reopened at {to}")
            }
            OpportunityEvent::Won { stage, amount, at } => {
                enter(tx, id, visit_no, &stage, "won", at)?;
                tx.prepare_cached(
                    "UPDATE stalled_opportunities SET amount_minor = ?2 WHERE opportunity_id = ?1",
                )?
                .execute(params![id, amount.amount_minor])?;
                "won".to_owned()
            }
            OpportunityEvent::AmountChanged { to, .. } => {
                tx.prepare_cached(
                    "UPDATE stalled_opportunities SET amount_minor = ?2 WHERE opportunity_id = ?1",
                )?
                .execute(params![id, to.amount_minor])?;
                "amount changed".to_owned()
            }
            OpportunityEvent::Lost { stage, at, .. } => {
                enter(tx, id, visit_no, &stage, "lost", at)?;
                "lost".to_owned()
            }
            // Filtered out by `wants` or named above without a decode.
            _ => return Ok(()),
        },
    };
    record_activity(tx, event, id, &activity)
}

pub fn quote(tx: &Transaction<'_>, event: &RecordedEvent) -> Result<(), ProjectionError> {
    let mut buffer = [0u8; 36];
    let quote_id = uuid_text(&event.stream.id, &mut buffer);
    let activity = match event.event_type.as_str() {
        "QuoteCreated" => {
            if let QuoteEvent::Created { opportunity_id, .. } = decode::<QuoteEvent>(event)? {
                tx.prepare_cached(
                    "INSERT INTO stalled_quotes (quote_id, opportunity_id) VALUES (?1, ?2)",
                )?
                .execute(params![quote_id, opportunity_id.0.to_string()])?;
            }
            "quote created"
        }
        "QuoteRevised" => "quote revised",
        "QuoteSent" => "quote sent",
        "QuoteAccepted" => "quote accepted",
        "QuoteDeclined" => "quote declined",
        _ => return Ok(()),
    };
    tx.prepare_cached(
        "INSERT INTO stalled_activities (position, opportunity_id, at, activity) \
         SELECT ?1, opportunity_id, ?3, ?4 FROM stalled_quotes WHERE quote_id = ?2",
    )?
    .execute(params![
        position_of(event),
        quote_id,
        event.occurred_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        activity
    ])?;
    Ok(())
}

fn enter(
    tx: &Transaction<'_>,
    id: &str,
    visit_no: i64,
    stage: &StageKey,
    outcome: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), ProjectionError> {
    tx.prepare_cached(
        "INSERT INTO stalled_visits (opportunity_id, visit_no, stage, outcome, entered_on) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, visit_no, stage.0, outcome, at.date_naive().to_string()])?;
    Ok(())
}

fn record_activity(
    tx: &Transaction<'_>,
    event: &RecordedEvent,
    id: &str,
    activity: &str,
) -> Result<(), ProjectionError> {
    tx.prepare_cached(
        "INSERT INTO stalled_activities (position, opportunity_id, at, activity) \
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        position_of(event),
        id,
        event.occurred_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        activity
    ])?;
    Ok(())
}
