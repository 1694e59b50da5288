//! How opportunity and quote events change the tables. Every event after a stream's first finds
//! its row by the stream id; the row says whose customer it is and the deal's name, which its
//! timeline line shows.

use ltc_domain::opportunity::OpportunityEvent;
use ltc_domain::quote::QuoteEvent;
use ltc_eventstore::RecordedEvent;
use rusqlite::{OptionalExtension, Params, Transaction, params};

use super::codes::{self, quote_status};
use super::envelope::{Envelope, date_text, id_text, time_text};
use super::timeline::{self, Owner};
use super::words;
use crate::ProjectionError;
use crate::models::decode::decode;

pub(super) fn opportunity(
    tx: &Transaction<'_>,
    recorded: &RecordedEvent,
    envelope: &Envelope<'_>,
) -> Result<(), ProjectionError> {
    let event: OpportunityEvent = decode(recorded)?;
    let id = envelope.stream_id.as_str();
    let (customer_id, deal) = match &event {
        OpportunityEvent::Opened {
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
            let customer_id = id_text(customer_id.0);
            tx.prepare_cached(
                "INSERT INTO c360_opportunities (opportunity_id, customer_id, name, owner_id, \
                 stage, status, amount_minor, currency, probability_bps, forecast_category, \
                 expected_close, opened_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                id,
                customer_id,
                name,
                id_text(ownership.owner.0),
                stage.0,
                amount.amount_minor,
                amount.currency.code(),
                probability.0,
                codes::forecast_category(*forecast_category),
                date_text(*expected_close),
                time_text(*at)
            ])?;
            (customer_id, Some(name.clone()))
        }
        OpportunityEvent::StageMoved { to, probability, forecast_category, .. } => routed(
            tx,
            id,
            "UPDATE c360_opportunities SET stage = ?2, probability_bps = ?3, \
             forecast_category = ?4 WHERE opportunity_id = ?1 RETURNING customer_id, name",
            params![id, to.0, probability.0, codes::forecast_category(*forecast_category)],
        )?,
        OpportunityEvent::AmountChanged { to, .. } => routed(
            tx,
            id,
            "UPDATE c360_opportunities SET amount_minor = ?2 WHERE opportunity_id = ?1 \
             RETURNING customer_id, name",
            params![id, to.amount_minor],
        )?,
        OpportunityEvent::ExpectedCloseChanged { to, .. } => routed(
            tx,
            id,
            "UPDATE c360_opportunities SET expected_close = ?2 WHERE opportunity_id = ?1 \
             RETURNING customer_id, name",
            params![id, date_text(*to)],
        )?,
        OpportunityEvent::Won { stage, amount, at } => routed(
            tx,
            id,
            "UPDATE c360_opportunities SET stage = ?2, status = 'won', amount_minor = ?3, \
             probability_bps = 10000, forecast_category = 'closed', closed_at = ?4 \
             WHERE opportunity_id = ?1 RETURNING customer_id, name",
            params![id, stage.0, amount.amount_minor, time_text(*at)],
        )?,
        OpportunityEvent::Lost { stage, at, .. } => routed(
            tx,
            id,
            "UPDATE c360_opportunities SET stage = ?2, status = 'lost', probability_bps = 0, \
             forecast_category = 'omitted', closed_at = ?3 \
             WHERE opportunity_id = ?1 RETURNING customer_id, name",
            params![id, stage.0, time_text(*at)],
        )?,
        OpportunityEvent::Reopened { to, probability, forecast_category, .. } => routed(
            tx,
            id,
            "UPDATE c360_opportunities SET stage = ?2, status = 'open', probability_bps = ?3, \
             forecast_category = ?4, closed_at = NULL \
             WHERE opportunity_id = ?1 RETURNING customer_id, name",
            params![id, to.0, probability.0, codes::forecast_category(*forecast_category)],
        )?,
        OpportunityEvent::FollowUpScheduled { .. } | OpportunityEvent::FollowUpCompleted { .. } => {
            routed(
                tx,
                id,
                "SELECT customer_id, name FROM c360_opportunities WHERE opportunity_id = ?1",
                params![id],
            )?
        }
    };
    let text = words::opportunity(&event, &words::deal(deal.as_deref()));
    timeline::record(tx, envelope, Owner::Customer(&customer_id), &text)
}

pub(super) fn quote(
    tx: &Transaction<'_>,
    recorded: &RecordedEvent,
    envelope: &Envelope<'_>,
) -> Result<(), ProjectionError> {
    let event: QuoteEvent = decode(recorded)?;
    let id = envelope.stream_id.as_str();
    let set_status = |status: &str| {
        routed(
            tx,
            id,
            "UPDATE c360_quotes SET status = ?2 WHERE quote_id = ?1 RETURNING customer_id, deal",
            params![id, status],
        )
    };
    let (customer_id, deal) = match &event {
        QuoteEvent::Created {
            opportunity_id,
            customer_id,
            version,
            valid_until,
            total,
            at,
            ..
        } => {
            let customer_id = id_text(customer_id.0);
            let opportunity_id = id_text(opportunity_id.0);
            let deal: Option<String> = tx
                .prepare_cached("SELECT name FROM c360_opportunities WHERE opportunity_id = ?1")?
                .query_row(params![opportunity_id], |row| row.get(0))
                .optional()?;
            tx.prepare_cached(
                "INSERT INTO c360_quotes (quote_id, customer_id, opportunity_id, deal, version, \
                 status, total_minor, currency, valid_until, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                id,
                customer_id,
                opportunity_id,
                deal,
                version,
                quote_status::DRAFT,
                total.amount_minor,
                total.currency.code(),
                date_text(*valid_until),
                time_text(*at)
            ])?;
            (customer_id, deal)
        }
        QuoteEvent::Revised { version, total, valid_until, .. } => routed(
            tx,
            id,
            "UPDATE c360_quotes SET version = ?2, status = ?3, total_minor = ?4, \
             valid_until = ?5 WHERE quote_id = ?1 RETURNING customer_id, deal",
            params![id, version, quote_status::DRAFT, total.amount_minor, date_text(*valid_until)],
        )?,
        QuoteEvent::SubmittedForApproval { .. } => set_status(quote_status::PENDING_APPROVAL)?,
        QuoteEvent::Approved { .. } => set_status(quote_status::APPROVED)?,
        QuoteEvent::ApprovalRejected { .. } => set_status(quote_status::APPROVAL_REJECTED)?,
        QuoteEvent::Sent { .. } => set_status(quote_status::SENT)?,
        QuoteEvent::Accepted { .. } => set_status(quote_status::ACCEPTED)?,
        QuoteEvent::Declined { .. } => set_status(quote_status::DECLINED)?,
    };
    let text = words::quote(&event, &words::deal(deal.as_deref()));
    timeline::record(tx, envelope, Owner::Customer(&customer_id), &text)
}

/// Runs `sql` (an update or select returning `customer_id` and a deal name) on the row of the
/// stream `id`. A stream whose first event never reached this read model cannot be routed to a
/// customer: the projection and the log disagree, so that is an error, never a skip.
pub(super) fn routed(
    tx: &Transaction<'_>,
    id: &str,
    sql: &str,
    params: impl Params,
) -> Result<(String, Option<String>), ProjectionError> {
    tx.prepare_cached(sql)?
        .query_row(params, |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?
        .ok_or_else(|| ProjectionError::Unexpected(format!("no row for stream {id}: {sql}")))
}
