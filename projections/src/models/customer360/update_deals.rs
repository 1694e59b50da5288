//! How opportunity and quote events change the tables. Every event after a stream's first finds
//! its row by the stream id; the row says whose customer it is and the deal's name, which its
//! timeline line shows.

use ltc_domain::opportunity::OpportunityEvent;
use ltc_domain::quote::QuoteEvent;
use ltc_eventstore::RecordedEvent;
use rusqlite::Transaction;

use super::codes::{self, quote_status};
use super::deal_rows::{DealRows, LOST, OPEN, Opportunity, Quote, WON};
use super::envelope::{Envelope, id_text};
use super::timeline::{Owner, TimelineWriter};
use super::words;
use crate::ProjectionError;
use crate::models::decode::decode;

pub(super) fn opportunity(
    tx: &Transaction<'_>,
    timeline: &mut TimelineWriter,
    rows: &mut DealRows,
    recorded: &RecordedEvent,
    envelope: &Envelope<'_>,
) -> Result<(), ProjectionError> {
    let decoded = decode::<OpportunityEvent>(recorded)?;
    let event: &OpportunityEvent = &decoded;
    let id = envelope.stream_id.as_str();
    if let OpportunityEvent::FollowUpScheduled { .. } | OpportunityEvent::FollowUpCompleted { .. } =
        event
    {
        // Work on the deal, not a change to it: the row is read, not taken into the batch, so a
        // live batch does not write it back unchanged.
        let read = rows
            .opportunities
            .peek(tx, recorded.stream.id, id, |row| (row.customer_id, row.name.clone()))?;
        let (customer_id, name) = routed(read, id)?;
        let text = words::opportunity(event, &words::deal(Some(&name)));
        return timeline.record(tx, envelope, Owner::Customer(&id_text(customer_id)), text);
    }
    let opportunity = match event {
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
            let opened = Opportunity {
                opportunity_id: recorded.stream.id,
                customer_id: customer_id.0,
                name: name.as_str().into(),
                owner_id: ownership.owner.0,
                stage: stage.0.as_str().into(),
                status: OPEN,
                amount_minor: amount.amount_minor,
                currency: amount.currency,
                probability_bps: probability.0,
                forecast_category: codes::forecast_category(*forecast_category),
                expected_close: *expected_close,
                opened_at: *at,
                closed_at: None,
            };
            rows.opportunities.create(recorded.stream.id, opened)?
        }
        _ => {
            let opportunity = rows.opportunities.existing(tx, recorded.stream.id, id)?;
            match event {
                OpportunityEvent::Opened { .. }
                | OpportunityEvent::FollowUpScheduled { .. }
                | OpportunityEvent::FollowUpCompleted { .. } => {}
                OpportunityEvent::StageMoved { to, probability, forecast_category, .. }
                | OpportunityEvent::Reopened { to, probability, forecast_category, .. } => {
                    opportunity.stage = to.0.as_str().into();
                    opportunity.probability_bps = probability.0;
                    opportunity.forecast_category = codes::forecast_category(*forecast_category);
                    if matches!(event, OpportunityEvent::Reopened { .. }) {
                        opportunity.status = OPEN;
                        opportunity.closed_at = None;
                    }
                }
                OpportunityEvent::AmountChanged { to, .. } => {
                    opportunity.amount_minor = to.amount_minor;
                }
                OpportunityEvent::ExpectedCloseChanged { to, .. } => {
                    opportunity.expected_close = *to;
                }
                OpportunityEvent::Won { stage, amount, at } => {
                    opportunity.stage = stage.0.as_str().into();
                    opportunity.status = WON;
                    opportunity.amount_minor = amount.amount_minor;
                    opportunity.probability_bps = 10_000;
                    opportunity.forecast_category = "closed";
                    opportunity.closed_at = Some(*at);
                }
                OpportunityEvent::Lost { stage, at, .. } => {
                    opportunity.stage = stage.0.as_str().into();
                    opportunity.status = LOST;
                    opportunity.probability_bps = 0;
                    opportunity.forecast_category = "omitted";
                    opportunity.closed_at = Some(*at);
                }
            }
            opportunity
        }
    };
    let text = words::opportunity(event, &words::deal(Some(&opportunity.name)));
    timeline.record(tx, envelope, Owner::Customer(&id_text(opportunity.customer_id)), text)
}

pub(super) fn quote(
    tx: &Transaction<'_>,
    timeline: &mut TimelineWriter,
    rows: &mut DealRows,
    recorded: &RecordedEvent,
    envelope: &Envelope<'_>,
) -> Result<(), ProjectionError> {
    let decoded = decode::<QuoteEvent>(recorded)?;
    let event: &QuoteEvent = &decoded;
    let id = envelope.stream_id.as_str();
    let quote = match event {
        QuoteEvent::Created {
            opportunity_id,
            customer_id,
            version,
            valid_until,
            total,
            at,
            ..
        } => {
            let opportunity_text = id_text(opportunity_id.0);
            let deal = rows
                .opportunities
                .peek(tx, opportunity_id.0, &opportunity_text, |row| row.name.clone())?;
            let created = Quote {
                quote_id: recorded.stream.id,
                customer_id: customer_id.0,
                opportunity_id: opportunity_id.0,
                deal,
                version: *version,
                status: quote_status::DRAFT,
                total_minor: total.amount_minor,
                currency: total.currency,
                valid_until: *valid_until,
                created_at: *at,
            };
            rows.quotes.create(recorded.stream.id, created)?
        }
        _ => {
            let quote = rows.quotes.existing(tx, recorded.stream.id, id)?;
            quote.status = match event {
                QuoteEvent::Created { .. } => quote.status,
                QuoteEvent::Revised { version, total, valid_until, .. } => {
                    quote.version = *version;
                    quote.total_minor = total.amount_minor;
                    quote.valid_until = *valid_until;
                    quote_status::DRAFT
                }
                QuoteEvent::SubmittedForApproval { .. } => quote_status::PENDING_APPROVAL,
                QuoteEvent::Approved { .. } => quote_status::APPROVED,
                QuoteEvent::ApprovalRejected { .. } => quote_status::APPROVAL_REJECTED,
                QuoteEvent::Sent { .. } => quote_status::SENT,
                QuoteEvent::Accepted { .. } => quote_status::ACCEPTED,
                QuoteEvent::Declined { .. } => quote_status::DECLINED,
            };
            quote
        }
    };
    let text = words::quote(event, &words::deal(quote.deal.as_deref()));
    timeline.record(tx, envelope, Owner::Customer(&id_text(quote.customer_id)), text)
}

/// The row of a stream that an event after its first changes. A stream whose first event never
/// reached this read model cannot be routed to a customer: the projection and the log disagree,
/// so that is an error, never a skip.
pub(super) fn routed<T>(row: Option<T>, id: &str) -> Result<T, ProjectionError> {
    row.ok_or_else(|| ProjectionError::Unexpected(format!("no row for stream {id}")))
}
