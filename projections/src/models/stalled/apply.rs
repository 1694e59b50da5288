//! How opportunity and quote events change the stalled model's tables. An activity's time is the
//! envelope's `occurred_at` (the business time the engine gave the command), so only the events
//! whose payload adds something (the deal's facts, the stage entered, a quote's opportunity) are
//! decoded.

use ltc_domain::opportunity::{OpportunityEvent, StageKey};
use ltc_domain::quote::QuoteEvent;
use ltc_eventstore::RecordedEvent;
use rusqlite::{Transaction, params};

use super::keys::StalledKeys;
use crate::ProjectionError;
use crate::models::decode::decode;
use crate::models::funnel::position_of;
use crate::models::funnel::shared::uuid_text;

pub(super) fn opportunity(
    tx: &Transaction<'_>,
    keys: &mut StalledKeys,
    event: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let mut buffer = [0u8; 36];
    let id = uuid_text(&event.stream.id, &mut buffer);
    let visit_no = i64::try_from(event.version).unwrap_or(i64::MAX);
    if event.event_type == "OpportunityOpened" {
        return opened(tx, keys, event, id, visit_no);
    }
    let Some(key) = keys.opportunity(tx, &event.stream.id, id)? else { return Ok(()) };
    let activity = match event.event_type.as_str() {
        "OpportunityExpectedCloseChanged" => "expected close changed".to_owned(),
        "OpportunityFollowUpCompleted" => "follow-up completed".to_owned(),
        _ => match decode::<OpportunityEvent>(event)? {
            OpportunityEvent::StageMoved { to, at, .. } => {
                enter(tx, key, visit_no, &to, "open", at)?;
                format!("moved to {to}")
            }
            OpportunityEvent::Reopened { to, at, .. } => {
                enter(tx, key, visit_no, &to, "open", at)?;
                format!("reopened at {to}")
            }
            OpportunityEvent::Won { stage, amount, at } => {
                enter(tx, key, visit_no, &stage, "won", at)?;
                set_amount(tx, key, amount.amount_minor)?;
                "won".to_owned()
            }
            OpportunityEvent::AmountChanged { to, .. } => {
                set_amount(tx, key, to.amount_minor)?;
                "amount changed".to_owned()
            }
            OpportunityEvent::Lost { stage, at, .. } => {
                enter(tx, key, visit_no, &stage, "lost", at)?;
                "lost".to_owned()
            }
            // Filtered out by `wants` or named above without a decode.
            _ => return Ok(()),
        },
    };
    record_activity(tx, event, key, &activity)
}

/// The deal's row, with the key its later rows name it by, and its first stay.
fn opened(
    tx: &Transaction<'_>,
    keys: &mut StalledKeys,
    event: &RecordedEvent,
    id: &str,
    visit_no: i64,
) -> Result<(), ProjectionError> {
    let OpportunityEvent::Opened {
        name, customer_id, ownership, amount, pipeline, stage, at, ..
    } = decode::<OpportunityEvent>(event)?
    else {
        return Err(ProjectionError::Unexpected(format!(
            "an OpportunityOpened at position {} decodes as another event",
            event.position.0
        )));
    };
    let pipeline_key = keys.pipeline(tx, &pipeline)?;
    let key: i64 = tx
        .prepare_cached(
            "INSERT INTO stalled_opportunities (opportunity_id, name, customer_id, owner_id, \
             team_id, currency, amount_minor, opened_on, pipeline_key) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING opportunity_key",
        )?
        .query_row(
            params![
                id,
                name,
                customer_id.0.to_string(),
                ownership.owner.0.to_string(),
                ownership.team.map(|team| team.0.to_string()),
                amount.currency.code(),
                amount.amount_minor,
                at.date_naive().to_string(),
                pipeline_key,
            ],
            |row| row.get(0),
        )?;
    keys.opened(event.stream.id, key);
    enter(tx, key, visit_no, &stage, "open", at)?;
    record_activity(tx, event, key, "opened")
}

pub(super) fn quote(
    tx: &Transaction<'_>,
    keys: &mut StalledKeys,
    event: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let mut buffer = [0u8; 36];
    let quote_id = uuid_text(&event.stream.id, &mut buffer);
    let activity = match event.event_type.as_str() {
        "QuoteCreated" => {
            if let QuoteEvent::Created { opportunity_id, .. } = decode::<QuoteEvent>(event)? {
                let mut deal = [0u8; 36];
                let deal_text = uuid_text(&opportunity_id.0, &mut deal);
                if let Some(key) = keys.opportunity(tx, &opportunity_id.0, deal_text)? {
                    tx.prepare_cached(
                        "INSERT INTO stalled_quotes (quote_id, opportunity_key) VALUES (?1, ?2)",
                    )?
                    .execute(params![quote_id, key])?;
                }
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
        "INSERT INTO stalled_activity_lines (position, opportunity_key, at, activity) \
         SELECT ?1, opportunity_key, ?3, ?4 FROM stalled_quotes WHERE quote_id = ?2",
    )?
    .execute(params![
        position_of(event),
        quote_id,
        event.occurred_at.timestamp(),
        activity
    ])?;
    Ok(())
}

fn set_amount(tx: &Transaction<'_>, key: i64, amount_minor: i64) -> Result<(), ProjectionError> {
    tx.prepare_cached(
        "UPDATE stalled_opportunities SET amount_minor = ?2 WHERE opportunity_key = ?1",
    )?
    .execute(params![key, amount_minor])?;
    Ok(())
}

fn enter(
    tx: &Transaction<'_>,
    key: i64,
    visit_no: i64,
    stage: &StageKey,
    outcome: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), ProjectionError> {
    tx.prepare_cached(
        "INSERT INTO stalled_visits (opportunity_key, visit_no, stage, outcome, entered_on) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![key, visit_no, stage.0, outcome, at.date_naive().to_string()])?;
    Ok(())
}

/// The activity at the event's business time, to the second.
fn record_activity(
    tx: &Transaction<'_>,
    event: &RecordedEvent,
    key: i64,
    activity: &str,
) -> Result<(), ProjectionError> {
    tx.prepare_cached(
        "INSERT INTO stalled_activity_lines (position, opportunity_key, at, activity) \
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![position_of(event), key, event.occurred_at.timestamp(), activity])?;
    Ok(())
}
