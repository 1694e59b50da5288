//! One customer's story told from the log: its creation, then one opportunity (or all of them)
//! with its quotes, orders and receivables, in log order, one line per event in plain words.

use std::collections::HashSet;

use ltc_domain::customer::CustomerEvent;
use ltc_domain::ids::{CustomerId, OpportunityId};
use ltc_domain::opportunity::OpportunityEvent;
use ltc_domain::order::OrderEvent;
use ltc_domain::payment::{PaymentEvent, PaymentMethod};
use ltc_domain::quote::{ApprovalBasis, QuoteEvent};
use ltc_eventstore::{EventStore, Position, RecordedEvent, codec};
use uuid::Uuid;

use super::GeneratorError;

/// The events of `customer` (and, if given, only of `opportunity` among its deals), one line
/// each: business date and time, who, and what happened.
pub fn story(
    store: &EventStore,
    customer: CustomerId,
    opportunity: Option<OpportunityId>,
) -> Result<Vec<String>, GeneratorError> {
    let mut related: HashSet<Uuid> = HashSet::from([customer.0]);
    let mut lines = Vec::new();
    for recorded in store.read_all(Position::START, u64::MAX) {
        let recorded = recorded?;
        let Some(text) = describe(&recorded, customer, opportunity, &mut related)? else {
            continue;
        };
        let who = recorded.metadata.actor.split(':').next().unwrap_or_default().to_owned();
        lines.push(format!(
            "{}  {:<13} {text}",
            recorded.occurred_at.format("%Y-%m-%d %H:%M"),
            role_words(&who)
        ));
    }
    Ok(lines)
}

fn role_words(role: &str) -> &'static str {
    match role {
        "SalesRep" => "sales rep",
        "SalesManager" => "sales manager",
        "Finance" => "finance",
        "Admin" => "automation",
        _ => "someone",
    }
}

/// The event in words if it belongs to the story; a stream joins the story by its first event.
fn describe(
    recorded: &RecordedEvent,
    customer: CustomerId,
    opportunity: Option<OpportunityId>,
    related: &mut HashSet<Uuid>,
) -> Result<Option<String>, GeneratorError> {
    let stream = recorded.stream.id;
    // A stream joins by its first event: later events of a stream outside the story are not
    // even decoded, which keeps telling a story from a large log quick.
    if recorded.version > 1 && !related.contains(&stream) {
        return Ok(None);
    }
    let (codec, payload) = (recorded.codec, &recorded.payload[..]);
    let text = match recorded.stream.kind.as_str() {
        "customer" if stream == customer.0 => customer_words(&codec::decode(codec, payload)?),
        "opportunity" => {
            let event: OpportunityEvent = codec::decode(codec, payload)?;
            if let OpportunityEvent::Opened { customer_id, opportunity_id, .. } = &event
                && *customer_id == customer
                && opportunity.is_none_or(|only| only == *opportunity_id)
            {
                related.insert(stream);
            }
            if !related.contains(&stream) {
                return Ok(None);
            }
            opportunity_words(&event)
        }
        "quote" => {
            let event: QuoteEvent = codec::decode(codec, payload)?;
            if let QuoteEvent::Created { opportunity_id, .. } = &event
                && related.contains(&opportunity_id.0)
            {
                related.insert(stream);
            }
            if !related.contains(&stream) {
                return Ok(None);
            }
            quote_words(&event)
        }
        "order" => {
            let event: OrderEvent = codec::decode(codec, payload)?;
            if let OrderEvent::Placed { quote_id, .. } = &event
                && related.contains(&quote_id.0)
            {
                related.insert(stream);
            }
            if !related.contains(&stream) {
                return Ok(None);
            }
            order_words(&event)
        }
        "payment" => {
            let event: PaymentEvent = codec::decode(codec, payload)?;
            if let PaymentEvent::ReceivableOpened { order_id, .. } = &event
                && related.contains(&order_id.0)
            {
                related.insert(stream);
            }
            if !related.contains(&stream) {
                return Ok(None);
            }
            payment_words(&event)
        }
        _ => return Ok(None),
    };
    Ok(Some(text))
}

fn customer_words(event: &CustomerEvent) -> String {
    match event {
        CustomerEvent::Created { profile, .. } => format!(
            "customer {} created: {:?} tier, {} region, {}",
            profile.name, profile.tier, profile.region, profile.industry
        ),
        CustomerEvent::ContactAdded { contact, .. } => {
            format!("contact added: {} <{}>", contact.name, contact.email)
        }
        other => format!("customer record changed ({})", other.event_type()),
    }
}

fn opportunity_words(event: &OpportunityEvent) -> String {
    match event {
        OpportunityEvent::Opened { name, amount, expected_close, .. } => {
            format!("opportunity \"{name}\" opened at {amount}, expected to close {expected_close}")
        }
        OpportunityEvent::StageMoved { from, to, probability, .. } => {
            format!("opportunity moved from {from} to {to} ({probability} likely)")
        }
        OpportunityEvent::AmountChanged { from, to } => {
            format!("opportunity amount changed from {from} to {to}")
        }
        OpportunityEvent::ExpectedCloseChanged { to, .. } => {
            format!("expected close moved to {to}")
        }
        OpportunityEvent::Won { amount, .. } => format!("opportunity WON at {amount}"),
        OpportunityEvent::Lost { reason, competitor, .. } => match competitor {
            Some(competitor) => format!("opportunity lost to {competitor}: {reason}"),
            None => format!("opportunity lost: {reason}"),
        },
        OpportunityEvent::Reopened { to, .. } => format!("opportunity reopened in {to}"),
        OpportunityEvent::FollowUpScheduled { subject, due_on, .. } => {
            format!("follow-up scheduled for {due_on}: {subject}")
        }
        OpportunityEvent::FollowUpCompleted { .. } => "follow-up done".into(),
    }
}

fn quote_words(event: &QuoteEvent) -> String {
    match event {
        QuoteEvent::Created { lines, total, valid_until, .. } => format!(
            "quote v1 priced: {} line(s), total {total}, valid until {valid_until}",
            lines.len()
        ),
        QuoteEvent::Revised { version, total, .. } => {
            format!("quote revised to v{version}: total {total}")
        }
        QuoteEvent::SubmittedForApproval { version, reasons, .. } => format!(
            "quote v{version} sent to the manager for approval ({} reason(s), e.g. a discount above the rep's limit)",
            reasons.len()
        ),
        QuoteEvent::Approved { version, basis: ApprovalBasis::ByApprover, .. } => {
            format!("quote v{version} approved by the manager")
        }
        QuoteEvent::Approved { version, .. } => {
            format!("quote v{version} approved: within the rep's discount limits")
        }
        QuoteEvent::ApprovalRejected { version, reason, .. } => {
            format!("quote v{version} rejected by the manager: {reason}")
        }
        QuoteEvent::Sent { version, .. } => format!("quote v{version} sent to the customer"),
        QuoteEvent::Accepted { version, total, .. } => {
            format!("quote v{version} accepted by the customer at {total}")
        }
        QuoteEvent::Declined { version, reason, .. } => {
            format!("quote v{version} declined: {reason}")
        }
    }
}

fn order_words(event: &OrderEvent) -> String {
    match event {
        OrderEvent::Placed { lines, total, payment_terms, .. } => {
            let terms: Vec<String> = payment_terms
                .parts
                .iter()
                .map(|part| format!("{} at {} days", part.share, part.days_after))
                .collect();
            format!(
                "order placed: {} line(s), {total}; payment terms {}",
                lines.len(),
                terms.join(" + ")
            )
        }
        OrderEvent::Confirmed { .. } => "order confirmed".into(),
        OrderEvent::Fulfilled { lines, .. } => {
            let units: u64 = lines.iter().map(|line| u64::from(line.quantity)).sum();
            format!("delivered {units} unit(s) on {} line(s)", lines.len())
        }
        OrderEvent::Invoiced { amount, instalments, .. } => {
            let due: Vec<String> = instalments
                .iter()
                .map(|instalment| format!("{} due {}", instalment.amount, instalment.due_on))
                .collect();
            format!("invoiced {amount}: {}", due.join(", "))
        }
        OrderEvent::LinesCancelled { amount, reason, .. } => {
            format!("order lines cancelled ({amount}): {reason}")
        }
        OrderEvent::Paid { received, paid_on, .. } => {
            format!("order PAID in full: {received} received, the last on {paid_on}")
        }
    }
}

fn payment_words(event: &PaymentEvent) -> String {
    match event {
        PaymentEvent::ReceivableOpened { invoice_reference, total, schedule, .. } => format!(
            "receivable opened for {total} ({} instalment(s)), invoice {}",
            schedule.len(),
            &invoice_reference[..invoice_reference.len().min(12)]
        ),
        PaymentEvent::PaymentReceived { amount, method, received_on, credit, .. } => {
            let credit = if credit.amount_minor > 0 {
                format!(", {credit} kept as credit")
            } else {
                String::new()
            };
            let method = match method {
                PaymentMethod::BankTransfer => "bank transfer",
                PaymentMethod::Card => "card",
                PaymentMethod::Cash => "cash",
                PaymentMethod::Cheque => "cheque",
                PaymentMethod::Other => "other means",
            };
            format!("payment of {amount} received by {method} on {received_on}{credit}")
        }
        PaymentEvent::CreditRefunded { amount, .. } => format!("credit of {amount} refunded"),
        PaymentEvent::CreditNoteIssued { amount, reason, .. } => {
            format!("credit note of {amount}: {reason}")
        }
        PaymentEvent::WrittenOff { amount, reason, .. } => {
            format!("{amount} written off: {reason}")
        }
        PaymentEvent::ReceivableSettled { settled_on, .. } => {
            format!("receivable settled on {settled_on}: paid in full")
        }
    }
}
