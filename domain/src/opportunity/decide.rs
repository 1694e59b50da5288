//! The opportunity's rules: who may do what, and which facts each command establishes.

use crate::decider::Context;
use crate::money::Money;

use super::{
    Opportunity, OpportunityCommand, OpportunityError, OpportunityEvent, OpportunityState,
    StageKey, StageOutcome, Status, TEXT_BYTES_MAX,
};
use crate::actor::Ownership;

pub(super) fn decide(
    state: &OpportunityState,
    command: &OpportunityCommand,
    context: &Context,
) -> Result<Vec<OpportunityEvent>, OpportunityError> {
    let opportunity = match (state, command) {
        (OpportunityState::NotOpened, OpportunityCommand::Open { .. }) => {
            return open(command, context);
        }
        (OpportunityState::Opened(opportunity), OpportunityCommand::Open { .. }) => {
            return if opened_by(opportunity, command) {
                // A repeat of the command that opened it: nothing new to record.
                Ok(vec![])
            } else {
                Err(OpportunityError::AlreadyOpened(opportunity.id))
            };
        }
        (OpportunityState::NotOpened, _) => return Err(OpportunityError::NotOpened),
        (OpportunityState::Opened(opportunity), _) => opportunity,
    };
    if !context.actor.may_change_sales_record(opportunity.ownership) {
        return Err(OpportunityError::Forbidden { role: context.actor.role });
    }
    let at = context.occurred_at;
    match command {
        OpportunityCommand::Open { .. } => unreachable!("handled above"),
        OpportunityCommand::MoveStage { to } => {
            require_open(opportunity)?;
            if &opportunity.current_stage().stage == to {
                return Ok(vec![]);
            }
            let stage = open_stage(opportunity, to)?;
            Ok(vec![OpportunityEvent::StageMoved {
                from: opportunity.current_stage().stage.clone(),
                to: to.clone(),
                probability: stage.probability,
                forecast_category: stage.forecast_category,
                at,
            }])
        }
        OpportunityCommand::ChangeAmount { amount } => {
            require_open(opportunity)?;
            check_amount(opportunity.amount, *amount)?;
            if *amount == opportunity.amount {
                return Ok(vec![]);
            }
            Ok(vec![OpportunityEvent::AmountChanged { from: opportunity.amount, to: *amount }])
        }
        OpportunityCommand::ChangeExpectedClose { expected_close } => {
            require_open(opportunity)?;
            if *expected_close == opportunity.expected_close {
                return Ok(vec![]);
            }
            Ok(vec![OpportunityEvent::ExpectedCloseChanged {
                from: opportunity.expected_close,
                to: *expected_close,
            }])
        }
        OpportunityCommand::Win => {
            if opportunity.status == Status::Won {
                return Ok(vec![]);
            }
            require_open(opportunity)?;
            let stage = closing_stage(opportunity, StageOutcome::Won);
            Ok(vec![OpportunityEvent::Won { stage, amount: opportunity.amount, at }])
        }
        OpportunityCommand::Lose { reason, competitor } => {
            if opportunity.status == Status::Lost {
                return Ok(vec![]);
            }
            require_open(opportunity)?;
            check_text("reason", reason)?;
            if let Some(competitor) = competitor {
                check_text("competitor", competitor)?;
            }
            let stage = closing_stage(opportunity, StageOutcome::Lost);
            Ok(vec![OpportunityEvent::Lost {
                stage,
                reason: reason.clone(),
                competitor: competitor.clone(),
                at,
            }])
        }
        OpportunityCommand::ScheduleFollowUp { task_id, due_on, subject } => {
            super::follow_up::schedule(opportunity, *task_id, *due_on, subject, context)
        }
        OpportunityCommand::CompleteFollowUp { task_id } => {
            super::follow_up::complete(opportunity, *task_id, context)
        }
        OpportunityCommand::Reopen { to } => {
            if opportunity.status == Status::Open {
                return Err(OpportunityError::NotClosed);
            }
            let stage = open_stage(opportunity, to)?;
            Ok(vec![OpportunityEvent::Reopened {
                to: to.clone(),
                probability: stage.probability,
                forecast_category: stage.forecast_category,
                at,
            }])
        }
    }
}

fn open(
    command: &OpportunityCommand,
    context: &Context,
) -> Result<Vec<OpportunityEvent>, OpportunityError> {
    let OpportunityCommand::Open {
        opportunity_id,
        customer_id,
        name,
        owner,
        team,
        amount,
        expected_close,
        pipeline,
    } = command
    else {
        unreachable!("only called with Open")
    };
    let ownership = Ownership { owner: *owner, team: *team };
    if !context.actor.may_change_sales_record(ownership) {
        return Err(OpportunityError::Forbidden { role: context.actor.role });
    }
    check_text("name", name)?;
    if amount.is_negative() {
        return Err(OpportunityError::NegativeAmount);
    }
    pipeline.validate()?;
    let first = pipeline.first_stage();
    Ok(vec![OpportunityEvent::Opened {
        opportunity_id: *opportunity_id,
        customer_id: *customer_id,
        name: name.clone(),
        ownership,
        amount: *amount,
        expected_close: *expected_close,
        pipeline: pipeline.clone(),
        stage: first.key.clone(),
        probability: first.probability,
        forecast_category: first.forecast_category,
        at: context.occurred_at,
    }])
}

/// Whether `command` (an `Open`) asks for exactly the opportunity as it was opened.
fn opened_by(opportunity: &Opportunity, command: &OpportunityCommand) -> bool {
    let OpportunityCommand::Open {
        opportunity_id,
        customer_id,
        name,
        owner,
        team,
        amount,
        expected_close,
        pipeline,
    } = command
    else {
        unreachable!("only called with Open")
    };
    // Id, customer, name, owner and pipeline never change after opening; the amount and the
    // expected close do, so they are compared with the values kept from the opening.
    *opportunity_id == opportunity.id
        && *customer_id == opportunity.customer_id
        && *name == opportunity.name
        && Ownership { owner: *owner, team: *team } == opportunity.ownership
        && *amount == opportunity.opened_amount
        && *expected_close == opportunity.opened_expected_close
        && *pipeline == opportunity.pipeline
}

pub(super) fn require_open(opportunity: &Opportunity) -> Result<(), OpportunityError> {
    match opportunity.status {
        Status::Open => Ok(()),
        closed => Err(OpportunityError::Closed(closed)),
    }
}

/// The stage named `key`, which must exist and must not close the deal.
fn open_stage<'a>(
    opportunity: &'a Opportunity,
    key: &StageKey,
) -> Result<&'a super::Stage, OpportunityError> {
    let stage = opportunity
        .pipeline
        .stage(key)
        .ok_or_else(|| OpportunityError::UnknownStage(key.clone()))?;
    if stage.outcome != StageOutcome::Open {
        return Err(OpportunityError::ClosingStage(key.clone()));
    }
    Ok(stage)
}

fn closing_stage(opportunity: &Opportunity, outcome: StageOutcome) -> StageKey {
    opportunity
        .pipeline
        .closing_stage(outcome)
        .expect("the pipeline was validated at opening: it has one won and one lost stage")
        .key
        .clone()
}

fn check_amount(current: Money, proposed: Money) -> Result<(), OpportunityError> {
    if proposed.currency != current.currency {
        return Err(OpportunityError::CurrencyMismatch {
            expected: current.currency,
            got: proposed.currency,
        });
    }
    if proposed.is_negative() {
        return Err(OpportunityError::NegativeAmount);
    }
    Ok(())
}

pub(super) fn check_text(field: &'static str, text: &str) -> Result<(), OpportunityError> {
    if text.trim().is_empty() || text.len() > TEXT_BYTES_MAX {
        return Err(OpportunityError::Text { field });
    }
    Ok(())
}
