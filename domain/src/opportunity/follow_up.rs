//! Follow-up tasks on an opportunity: a reminder to get back to the customer, due on a date, and
//! completed once done. Tasks are scheduled only while the deal is open, and an opportunity holds
//! a bounded number of them, open and in all.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::decider::Context;

use super::decide::{check_text, require_open};
use super::{Opportunity, OpportunityError, OpportunityEvent};

/// The most follow-ups an opportunity may have open at once.
pub const FOLLOW_UPS_OPEN_MAX: u32 = 10;
/// The most follow-ups one opportunity may ever record.
pub const FOLLOW_UPS_MAX: u32 = 200;
const _: () = assert!(FOLLOW_UPS_OPEN_MAX <= FOLLOW_UPS_MAX);

crate::ids::id_type!(
    /// A follow-up task. It lives here rather than in `ids.rs` because only the opportunity
    /// names tasks so far; a repeated schedule under the same id is a no-op.
    TaskId
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub task_id: TaskId,
    pub subject: String,
    pub due_on: NaiveDate,
    pub scheduled_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl FollowUp {
    pub fn is_open(&self) -> bool {
        self.completed_at.is_none()
    }
}

impl Opportunity {
    /// The follow-ups not yet completed, in the order they were scheduled.
    pub fn open_follow_ups(&self) -> impl Iterator<Item = &FollowUp> {
        self.follow_ups.iter().filter(|follow_up| follow_up.is_open())
    }

    fn follow_up(&self, task_id: TaskId) -> Option<&FollowUp> {
        self.follow_ups.iter().find(|follow_up| follow_up.task_id == task_id)
    }
}

pub(super) fn schedule(
    opportunity: &Opportunity,
    task_id: TaskId,
    due_on: NaiveDate,
    subject: &str,
    context: &Context,
) -> Result<Vec<OpportunityEvent>, OpportunityError> {
    if let Some(recorded) = opportunity.follow_up(task_id) {
        return if recorded.due_on == due_on && recorded.subject == subject {
            Ok(vec![])
        } else {
            Err(OpportunityError::TaskIdReused(task_id))
        };
    }
    require_open(opportunity)?;
    check_text("subject", subject)?;
    let scheduled_on = context.occurred_at.date_naive();
    if due_on < scheduled_on {
        return Err(OpportunityError::FollowUpDueInPast { due_on, scheduled_on });
    }
    if opportunity.open_follow_ups().count() >= FOLLOW_UPS_OPEN_MAX as usize {
        return Err(OpportunityError::TooManyOpenFollowUps);
    }
    if opportunity.follow_ups.len() >= FOLLOW_UPS_MAX as usize {
        return Err(OpportunityError::FollowUpsExhausted);
    }
    Ok(vec![OpportunityEvent::FollowUpScheduled {
        task_id,
        due_on,
        subject: subject.to_owned(),
        at: context.occurred_at,
    }])
}

/// Completes an open task. Also after the deal closed: work scheduled before the close may be
/// finished and recorded after it.
pub(super) fn complete(
    opportunity: &Opportunity,
    task_id: TaskId,
    context: &Context,
) -> Result<Vec<OpportunityEvent>, OpportunityError> {
    let follow_up = opportunity.follow_up(task_id).ok_or(OpportunityError::UnknownTask(task_id))?;
    if !follow_up.is_open() {
        return Err(OpportunityError::FollowUpAlreadyCompleted(task_id));
    }
    Ok(vec![OpportunityEvent::FollowUpCompleted { task_id, at: context.occurred_at }])
}

/// Records a follow-up event; `evolve` hands these over.
pub(super) fn record(opportunity: &mut Opportunity, event: &OpportunityEvent) {
    match event {
        OpportunityEvent::FollowUpScheduled { task_id, due_on, subject, at } => {
            opportunity.follow_ups.push(FollowUp {
                task_id: *task_id,
                subject: subject.clone(),
                due_on: *due_on,
                scheduled_at: *at,
                completed_at: None,
            });
        }
        OpportunityEvent::FollowUpCompleted { task_id, at } => {
            let follow_up = opportunity
                .follow_ups
                .iter_mut()
                .find(|follow_up| follow_up.task_id == *task_id)
                .expect("decide completes only tasks the opportunity has");
            follow_up.completed_at = Some(*at);
        }
        other => unreachable!("only follow-up events come here, not {}", other.event_type()),
    }
}
