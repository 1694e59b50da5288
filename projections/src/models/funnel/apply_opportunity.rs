//! How an opportunity's events change the funnel's tables: its fact row, the stages of its
//! pipeline it has reached, and its stays in each stage.
//!
//! "Reached" is monotone and counts skipped stages: entering an open stage marks it and every
//! open stage before it in the opportunity's own pipeline (a deal that jumps from qualification
//! to proposal has passed needs analysis); a win marks every open stage and the won stage; a loss
//! marks only the lost stage. Reopening changes no mark. Day counts come from SQLite's
//! `julianday` of two dates: both are midnights, so their difference is an exact whole number.

use chrono::{DateTime, Utc};
use ltc_domain::opportunity::{OpportunityEvent, StageKey, StageOutcome};
use ltc_eventstore::RecordedEvent;
use rusqlite::{Transaction, params};

use super::shared::uuid_text;
use crate::ProjectionError;
use crate::models::decode::decode;
use crate::models::period::Period;

/// Which stages an entry marks as reached (see the module doc).
#[derive(Debug, Clone, Copy)]
enum Reach {
    OpenStage = 0,
    Won = 1,
    Lost = 2,
}

pub fn apply(tx: &Transaction<'_>, event: &RecordedEvent) -> Result<(), ProjectionError> {
    let mut buffer = [0u8; 36];
    let id = uuid_text(&event.stream.id, &mut buffer);
    let visit_no = i64::try_from(event.version).unwrap_or(i64::MAX);
    match decode::<OpportunityEvent>(event)? {
        OpportunityEvent::Opened {
            customer_id, ownership, amount, pipeline, stage, at, ..
        } => {
            let day = at.date_naive();
            tx.prepare_cached(
                "INSERT INTO funnel_opportunities (opportunity_id, customer_id, owner_id, \
                 team_id, currency, amount_minor, opened_on, opened_month, opened_quarter, \
                 status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'open')",
            )?
            .execute(params![
                id,
                customer_id.0.to_string(),
                ownership.owner.0.to_string(),
                ownership.team.map(|team| team.0.to_string()),
                amount.currency.code(),
                amount.amount_minor,
                day.to_string(),
                Period::Month.key(day),
                Period::Quarter.key(day),
            ])?;
            let mut insert_stage = tx.prepare_cached(
                "INSERT INTO funnel_stages (opportunity_id, stage, stage_position, outcome) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (position, pipeline_stage) in pipeline.stages.iter().enumerate() {
                let outcome = outcome_name(pipeline_stage.outcome);
                insert_stage.execute(params![
                    id,
                    pipeline_stage.key.0,
                    position as i64,
                    outcome
                ])?;
            }
            enter(tx, id, visit_no, &stage, Reach::OpenStage, at)?;
        }
        OpportunityEvent::StageMoved { to, at, .. } => {
            enter(tx, id, visit_no, &to, Reach::OpenStage, at)?;
        }
        OpportunityEvent::Reopened { to, at, .. } => {
            enter(tx, id, visit_no, &to, Reach::OpenStage, at)?;
            tx.prepare_cached(
                "UPDATE funnel_opportunities SET status = 'open', closed_on = NULL, \
                 cycle_days = NULL WHERE opportunity_id = ?1",
            )?
            .execute(params![id])?;
        }
        OpportunityEvent::AmountChanged { to, .. } => {
            tx.prepare_cached(
                "UPDATE funnel_opportunities SET amount_minor = ?2 WHERE opportunity_id = ?1",
            )?
            .execute(params![id, to.amount_minor])?;
        }
        OpportunityEvent::Won { stage, amount, at } => {
            enter(tx, id, visit_no, &stage, Reach::Won, at)?;
            tx.prepare_cached(
                "UPDATE funnel_opportunities SET status = 'won', amount_minor = ?2, \
                 closed_on = ?3, cycle_days = CAST(julianday(?3) - julianday(opened_on) AS INTEGER) \
                 WHERE opportunity_id = ?1",
            )?
            .execute(params![id, amount.amount_minor, at.date_naive().to_string()])?;
        }
        OpportunityEvent::Lost { stage, at, .. } => {
            enter(tx, id, visit_no, &stage, Reach::Lost, at)?;
            tx.prepare_cached(
                "UPDATE funnel_opportunities SET status = 'lost', closed_on = ?2, \
                 cycle_days = NULL WHERE opportunity_id = ?1",
            )?
            .execute(params![id, at.date_naive().to_string()])?;
        }
        OpportunityEvent::ExpectedCloseChanged { .. }
        | OpportunityEvent::FollowUpScheduled { .. }
        | OpportunityEvent::FollowUpCompleted { .. } => {}
    }
    Ok(())
}

/// The opportunity enters `stage`: the stay it was in ends, a new one begins, and the stages
/// this entry reaches are marked.
fn enter(
    tx: &Transaction<'_>,
    id: &str,
    visit_no: i64,
    stage: &StageKey,
    reach: Reach,
    at: DateTime<Utc>,
) -> Result<(), ProjectionError> {
    let day = at.date_naive().to_string();
    tx.prepare_cached(
        "UPDATE funnel_stage_visits SET left_on = ?2, \
         days_in_stage = CAST(julianday(?2) - julianday(entered_on) AS INTEGER) \
         WHERE opportunity_id = ?1 AND left_on IS NULL",
    )?
    .execute(params![id, day])?;
    let outcome = match reach {
        Reach::OpenStage => "open",
        Reach::Won => "won",
        Reach::Lost => "lost",
    };
    tx.prepare_cached(
        "INSERT INTO funnel_stage_visits (opportunity_id, visit_no, stage, outcome, entered_on) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, visit_no, stage.0, outcome, day])?;
    tx.prepare_cached(
        "UPDATE funnel_stages SET reached_on = ?3 \
         WHERE opportunity_id = ?1 AND reached_on IS NULL AND (stage = ?2 \
           OR (?4 = 1 AND outcome = 'open') \
           OR (?4 = 0 AND outcome = 'open' AND stage_position <= (SELECT stage_position \
               FROM funnel_stages WHERE opportunity_id = ?1 AND stage = ?2)))",
    )?
    .execute(params![id, stage.0, day, reach as i64])?;
    Ok(())
}

pub fn outcome_name(outcome: StageOutcome) -> &'static str {
    match outcome {
        StageOutcome::Open => "open",
        StageOutcome::Won => "won",
        StageOutcome::Lost => "lost",
    }
}
