//! Quota, opportunity and lead events into the rep performance tables. The header decides:
//! of leads only `LeadActivityLogged` is decoded, of opportunities only the events that change
//! who owns a deal or whether it is won, and follow-up completions.

use ltc_domain::lead::{ActivityKind, LeadEvent};
use ltc_domain::opportunity::OpportunityEvent;
use ltc_domain::quota::QuotaEvent;
use ltc_eventstore::RecordedEvent;
use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::activities::PendingActivities;
use crate::models::decode::decode;
use crate::models::stored;
use crate::projection::ProjectionError;

pub(super) fn wants(event: &RecordedEvent) -> bool {
    match event.stream.kind.as_str() {
        "quota" => true,
        "lead" => event.event_type == "LeadActivityLogged",
        "opportunity" => matches!(
            event.event_type.as_str(),
            "OpportunityOpened"
                | "OpportunityWon"
                | "OpportunityLost"
                | "OpportunityReopened"
                | "OpportunityFollowUpCompleted"
        ),
        _ => false,
    }
}

pub(super) fn apply(
    tx: &Transaction<'_>,
    activities: &mut PendingActivities,
    event: &RecordedEvent,
) -> Result<(), ProjectionError> {
    match event.stream.kind.as_str() {
        "quota" => quota(tx, &*decode::<QuotaEvent>(event)?),
        "lead" => {
            lead(activities, &*decode::<LeadEvent>(event)?);
            Ok(())
        }
        "opportunity" => {
            opportunity(tx, activities, event.stream.id, &*decode::<OpportunityEvent>(event)?)
        }
        _ => Ok(()),
    }
}

/// Every revision replaces the one before: the latest counts, and `revisions` says how many
/// there were.
fn quota(tx: &Transaction<'_>, event: &QuotaEvent) -> Result<(), ProjectionError> {
    let QuotaEvent::Set { rep, team, period, amount, commission_bps, by, at } = event;
    tx.prepare_cached(
        "INSERT INTO reps_quotas (rep_id, period, team_id, target_minor, currency, \
         commission_bps, revisions, set_by, set_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8) \
         ON CONFLICT (rep_id, period) DO UPDATE SET team_id = ?3, target_minor = ?4, \
         currency = ?5, commission_bps = ?6, revisions = revisions + 1, set_by = ?7, set_at = ?8",
    )?
    .execute(params![
        rep.0.to_string(),
        period.0,
        team.map(|team| team.0.to_string()),
        amount.amount_minor,
        amount.currency.code(),
        commission_bps.0,
        by.0.to_string(),
        at.to_rfc3339(),
    ])?;
    Ok(())
}

fn lead(activities: &mut PendingActivities, event: &LeadEvent) {
    let LeadEvent::ActivityLogged { kind, by, at, .. } = event else { return };
    let kind = match kind {
        ActivityKind::Call => "call",
        ActivityKind::Email => "email",
        ActivityKind::Meeting => "meeting",
        ActivityKind::Note => "note",
    };
    activities.count(by.0.to_string(), stored::day_text(at.date_naive()), kind);
}

fn opportunity(
    tx: &Transaction<'_>,
    activities: &mut PendingActivities,
    stream: Uuid,
    event: &OpportunityEvent,
) -> Result<(), ProjectionError> {
    let opportunity_id = stream.to_string();
    match event {
        OpportunityEvent::Opened { ownership, amount, .. } => {
            tx.prepare_cached(
                "INSERT INTO reps_opportunities (opportunity_id, rep_id, team_id, status, \
                 won_on, won_amount_minor, currency) VALUES (?1, ?2, ?3, 'open', NULL, NULL, ?4)",
            )?
            .execute(params![
                opportunity_id,
                ownership.owner.0.to_string(),
                ownership.team.map(|team| team.0.to_string()),
                amount.currency.code(),
            ])?;
        }
        OpportunityEvent::Won { amount, at, .. } => {
            set_status(
                tx,
                &opportunity_id,
                "won",
                Some((stored::day_text(at.date_naive()), amount.amount_minor)),
            )?;
        }
        OpportunityEvent::Lost { .. } => set_status(tx, &opportunity_id, "lost", None)?,
        OpportunityEvent::Reopened { .. } => set_status(tx, &opportunity_id, "open", None)?,
        OpportunityEvent::FollowUpCompleted { at, .. } => {
            let rep: Option<String> = tx
                .prepare_cached("SELECT rep_id FROM reps_opportunities WHERE opportunity_id = ?1")?
                .query_row([&opportunity_id], |row| row.get(0))
                .optional()?;
            let rep = rep.ok_or_else(|| {
                ProjectionError::Unexpected(format!(
                    "a follow-up completed on opportunity {opportunity_id}, never opened"
                ))
            })?;
            activities.count(rep, stored::day_text(at.date_naive()), "follow_up_completed");
        }
        // Filtered out by `wants`.
        _ => {}
    }
    Ok(())
}

fn set_status(
    tx: &Transaction<'_>,
    opportunity_id: &str,
    status: &str,
    won: Option<(String, i64)>,
) -> Result<(), ProjectionError> {
    let (won_on, won_amount_minor) = won.unzip();
    let n_updated = tx
        .prepare_cached(
            "UPDATE reps_opportunities SET status = ?2, won_on = ?3, won_amount_minor = ?4 \
             WHERE opportunity_id = ?1",
        )?
        .execute(params![opportunity_id, status, won_on, won_amount_minor])?;
    if n_updated != 1 {
        return Err(ProjectionError::Unexpected(format!(
            "opportunity {opportunity_id} became {status} without being opened"
        )));
    }
    Ok(())
}
