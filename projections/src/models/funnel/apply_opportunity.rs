//! How an opportunity's events change the funnel's tables: its fact row, the stages of its
//! pipeline it has reached, and its stays in each stage.
//!
//! "Reached" is monotone and counts skipped stages: entering an open stage marks it and every
//! open stage before it in the opportunity's own pipeline (a deal that jumps from qualification
//! to proposal has passed needs analysis); a win marks every open stage and the won stage; a loss
//! marks only the lost stage. Reopening enters an open stage like any other entry. Day counts are whole days between two
//! dates. Each event changes the deal as the batch holds it (`deals.rs`), written at the flush.

use chrono::NaiveDate;
use ltc_domain::opportunity::{OpportunityEvent, StageKey, StageOutcome};
use ltc_eventstore::RecordedEvent;
use rusqlite::Transaction;

use super::deals::{
    Deal, LOST, OPEN, PendingDeals, Pipelines, Reached, StageDef, Visit, WON, pipeline_key,
};
use super::shared::uuid_text;
use crate::ProjectionError;
use crate::models::decode::decode;

/// Which stages an entry marks as reached (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    OpenStage,
    Won,
    Lost,
}

pub fn apply(
    tx: &Transaction<'_>,
    deals: &mut PendingDeals,
    pipelines: &mut Pipelines,
    event: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let mut buffer = [0u8; 36];
    let id = uuid_text(&event.stream.id, &mut buffer);
    let visit_no = i64::try_from(event.version).unwrap_or(i64::MAX);
    match &*decode::<OpportunityEvent>(event)? {
        OpportunityEvent::Opened {
            customer_id, ownership, amount, pipeline, stage, at, ..
        } => {
            let stages = pipeline
                .stages
                .iter()
                .map(|stage| StageDef {
                    key: stage.key.0.as_str().into(),
                    outcome: outcome_name(stage.outcome),
                })
                .collect();
            let pipeline = pipelines.shared(stages);
            // Handed out now, in log order, so that a rebuild (which writes a deal when it
            // settles) and a live runner (at each flush) give every pipeline the same key.
            let pipeline_key = pipeline_key(tx, &pipeline)?;
            let deal = Deal {
                id: event.stream.id,
                customer_id: customer_id.0,
                owner_id: ownership.owner.0,
                team_id: ownership.team.map(|team| team.0),
                currency: amount.currency,
                amount_minor: amount.amount_minor,
                opened_on: at.date_naive(),
                status: OPEN,
                closed_on: None,
                cycle_days: None,
                row_changed: true,
                reached: vec![Reached::default(); pipeline.len()],
                pipeline,
                pipeline_key,
                visits: Vec::new(),
            };
            let deal = deals.create(event.stream.id, deal)?;
            enter(deal, visit_no, stage, Reach::OpenStage, at.date_naive());
        }
        OpportunityEvent::StageMoved { to, at, .. } => {
            let deal = deals.existing(tx, event.stream.id, id)?;
            enter(deal, visit_no, to, Reach::OpenStage, at.date_naive());
        }
        OpportunityEvent::Reopened { to, at, .. } => {
            let deal = deals.existing(tx, event.stream.id, id)?;
            enter(deal, visit_no, to, Reach::OpenStage, at.date_naive());
            deal.status = OPEN;
            deal.closed_on = None;
            deal.cycle_days = None;
            deal.row_changed = true;
        }
        OpportunityEvent::AmountChanged { to, .. } => {
            let deal = deals.existing(tx, event.stream.id, id)?;
            deal.amount_minor = to.amount_minor;
            deal.row_changed = true;
        }
        OpportunityEvent::Won { stage, amount, at } => {
            let deal = deals.existing(tx, event.stream.id, id)?;
            let day = at.date_naive();
            enter(deal, visit_no, stage, Reach::Won, day);
            deal.status = WON;
            deal.amount_minor = amount.amount_minor;
            deal.closed_on = Some(day);
            deal.cycle_days = Some((day - deal.opened_on).num_days());
            deal.row_changed = true;
        }
        OpportunityEvent::Lost { stage, at, .. } => {
            let deal = deals.existing(tx, event.stream.id, id)?;
            let day = at.date_naive();
            enter(deal, visit_no, stage, Reach::Lost, day);
            deal.status = LOST;
            deal.closed_on = Some(day);
            deal.cycle_days = None;
            deal.row_changed = true;
        }
        OpportunityEvent::ExpectedCloseChanged { .. }
        | OpportunityEvent::FollowUpScheduled { .. }
        | OpportunityEvent::FollowUpCompleted { .. } => {}
    }
    Ok(())
}

/// The opportunity enters `stage` on `day`: the stay it was in ends, a new one begins, and the
/// stages this entry reaches are marked.
fn enter(deal: &mut Deal, visit_no: i64, stage: &StageKey, reach: Reach, day: NaiveDate) {
    for visit in deal.visits.iter_mut().filter(|visit| visit.left_on.is_none()) {
        visit.left_on = Some(day);
    }
    let outcome = match reach {
        Reach::OpenStage => OPEN,
        Reach::Won => WON,
        Reach::Lost => LOST,
    };
    deal.visits.push(Visit {
        visit_no,
        stage: stage.0.as_str().into(),
        outcome,
        entered_on: day,
        left_on: None,
        stored: false,
    });
    let entered_at = deal.pipeline.iter().position(|known| *known.key == stage.0);
    for (position, (known, reached)) in deal.pipeline.iter().zip(&mut deal.reached).enumerate() {
        let reaches = *known.key == stage.0
            || match reach {
                Reach::Won => known.outcome == OPEN,
                Reach::OpenStage => {
                    known.outcome == OPEN && entered_at.is_some_and(|at| position <= at)
                }
                Reach::Lost => false,
            };
        if reaches && reached.on.is_none() {
            reached.on = Some(day);
        }
    }
}

pub fn outcome_name(outcome: StageOutcome) -> &'static str {
    match outcome {
        StageOutcome::Open => "open",
        StageOutcome::Won => "won",
        StageOutcome::Lost => "lost",
    }
}
