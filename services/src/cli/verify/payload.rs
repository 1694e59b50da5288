//! The half of `ltc verify` only this crate can do: the store checks rows as bytes, this checks
//! that each payload is an event this build can read, at a schema version it reads, and is the very
//! event its envelope names (a forger could put one event's valid payload under another's name).

use ltc_domain::customer::CustomerDecider;
use ltc_domain::lead::LeadDecider;
use ltc_domain::opportunity::OpportunityDecider;
use ltc_domain::order::OrderDecider;
use ltc_domain::payment::PaymentDecider;
use ltc_domain::quota::QuotaDecider;
use ltc_domain::quote::QuoteDecider;
use ltc_eventstore::RecordedEvent;
use ltc_projections::decode_event;

use crate::command::Aggregate;

/// `Err` says, in words, why `event`'s payload is not the event its envelope names.
pub(super) fn check_payload(event: &RecordedEvent) -> Result<(), String> {
    match event.stream.kind.as_str() {
        LeadDecider::KIND => names_its_event::<LeadDecider>(event),
        CustomerDecider::KIND => names_its_event::<CustomerDecider>(event),
        OpportunityDecider::KIND => names_its_event::<OpportunityDecider>(event),
        QuoteDecider::KIND => names_its_event::<QuoteDecider>(event),
        OrderDecider::KIND => names_its_event::<OrderDecider>(event),
        PaymentDecider::KIND => names_its_event::<PaymentDecider>(event),
        QuotaDecider::KIND => names_its_event::<QuotaDecider>(event),
        other => Err(format!("no aggregate has stream kind {other:?}")),
    }
}

/// Decodes to the domain type directly, through the upcasters every reader uses (which refuse a
/// schema version this build does not read): the JSON form (`event_json`) would cost a quarter
/// of a whole verify more and check nothing else.
fn names_its_event<A: Aggregate>(event: &RecordedEvent) -> Result<(), String> {
    let decoded: A::Event = decode_event(event).map_err(|error| error.to_string())?;
    let decoded_type = A::event_type(&decoded);
    if decoded_type != event.event_type {
        return Err(format!(
            "the envelope names a {} but the payload is a {decoded_type}",
            event.event_type
        ));
    }
    Ok(())
}
