//! Where a stream belongs, as its own events say: the customer it serves and the stream it grew
//! out of. Lead → customer → opportunity → quote → order → receivable is recorded in the events
//! that start each stream (and in a lead's conversion and merges), so the trail is found from
//! the log alone, without the read models.

use ltc_domain::customer::{CustomerDecider, CustomerEvent, Origin};
use ltc_domain::lead::{ConvertTo, LeadDecider, LeadEvent};
use ltc_domain::opportunity::{OpportunityDecider, OpportunityEvent};
use ltc_domain::order::{OrderDecider, OrderEvent};
use ltc_domain::payment::{PaymentDecider, PaymentEvent};
use ltc_domain::quote::{QuoteDecider, QuoteEvent};
use std::sync::LazyLock;

use ltc_eventstore::{HeaderFilter, RecordedEvent, StreamId};
use ltc_projections::decode_event;
use uuid::Uuid;

use crate::command::Aggregate;
use crate::queries::QueryError;

/// What one event says about where a stream belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Link {
    /// `stream` serves `customer` and grew out of `from` (`None`: it starts a trail).
    Belongs { stream: StreamId, customer: Uuid, from: Option<StreamId> },
    /// Lead `duplicate` was merged into the lead whose stream holds this event.
    MergedDuplicate { duplicate: StreamId, survivor: StreamId },
}

/// The lead events that carry a link: a conversion names the customer, a merge the duplicate
/// (`link_of`). Every other lead event is passed over.
const LEAD_LINKING_TYPES: [&str; 2] = ["LeadConverted", "LeadDuplicateMerged"];

/// The events that may carry a link, told by their envelope alone: a stream's first event, or
/// a lead's conversion or merge (they come later in a lead's life). The rest is never decoded,
/// and a scan through this filter never even reads them out of SQLite.
pub(super) static LINKING_EVENTS: LazyLock<HeaderFilter> = LazyLock::new(|| {
    let first_events_of = [
        CustomerDecider::KIND,
        OpportunityDecider::KIND,
        QuoteDecider::KIND,
        OrderDecider::KIND,
        PaymentDecider::KIND,
    ];
    HeaderFilter::Any(vec![
        HeaderFilter::All(vec![
            HeaderFilter::KindIn(vec![LeadDecider::KIND.to_owned()]),
            HeaderFilter::TypeIn(LEAD_LINKING_TYPES.map(str::to_owned).to_vec()),
        ]),
        HeaderFilter::All(vec![
            HeaderFilter::FirstOfItsStream,
            HeaderFilter::KindIn(first_events_of.map(str::to_owned).to_vec()),
        ]),
    ])
});

/// Whether `event` may carry a link: [`LINKING_EVENTS`] selects it.
pub(super) fn may_link(event: &RecordedEvent) -> bool {
    LINKING_EVENTS.selects(event)
}

/// The link `event` records, if any.
pub(super) fn link_of(event: &RecordedEvent) -> Result<Option<Link>, QueryError> {
    let stream = event.stream.clone();
    let belongs = |customer: Uuid, from: Option<StreamId>| {
        Some(Link::Belongs { stream: stream.clone(), customer, from })
    };
    Ok(match event.stream.kind.as_str() {
        LeadDecider::KIND => match decoded::<LeadDecider>(event)? {
            LeadEvent::Converted {
                customer: ConvertTo::NewCustomer(customer) | ConvertTo::ExistingCustomer(customer),
                ..
            } => belongs(customer.0, None),
            LeadEvent::DuplicateMerged { duplicate, .. } => Some(Link::MergedDuplicate {
                duplicate: stream_of::<LeadDecider>(duplicate.0),
                survivor: stream.clone(),
            }),
            _ => None,
        },
        CustomerDecider::KIND => match decoded::<CustomerDecider>(event)? {
            CustomerEvent::Created { customer_id, origin, .. } => {
                let from = match origin {
                    Origin::ConvertedLead(lead) => Some(stream_of::<LeadDecider>(lead.0)),
                    Origin::Direct => None,
                };
                belongs(customer_id.0, from)
            }
            _ => None,
        },
        OpportunityDecider::KIND => match decoded::<OpportunityDecider>(event)? {
            OpportunityEvent::Opened { customer_id, .. } => {
                belongs(customer_id.0, Some(stream_of::<CustomerDecider>(customer_id.0)))
            }
            _ => None,
        },
        QuoteDecider::KIND => match decoded::<QuoteDecider>(event)? {
            QuoteEvent::Created { customer_id, opportunity_id, .. } => {
                belongs(customer_id.0, Some(stream_of::<OpportunityDecider>(opportunity_id.0)))
            }
            _ => None,
        },
        OrderDecider::KIND => match decoded::<OrderDecider>(event)? {
            OrderEvent::Placed { customer_id, quote_id, .. } => {
                belongs(customer_id.0, Some(stream_of::<QuoteDecider>(quote_id.0)))
            }
            _ => None,
        },
        PaymentDecider::KIND => match decoded::<PaymentDecider>(event)? {
            PaymentEvent::ReceivableOpened { customer_id, order_id, .. } => {
                belongs(customer_id.0, Some(stream_of::<OrderDecider>(order_id.0)))
            }
            _ => None,
        },
        _ => None,
    })
}

fn decoded<A: Aggregate>(event: &RecordedEvent) -> Result<A::Event, QueryError> {
    decode_event(event).map_err(|error| {
        QueryError::Corrupt(format!("the event at position {}: {error}", event.position.0))
    })
}

fn stream_of<A: Aggregate>(id: Uuid) -> StreamId {
    StreamId::new(A::KIND, id).expect("aggregate kinds are valid stream kinds")
}

#[cfg(test)]
mod tests {
    use ltc_eventstore::Position;

    use super::*;
    use crate::generator::small_history;

    #[tokio::test]
    async fn the_linking_filter_selects_every_event_that_carries_a_link() {
        let (_dir, store) = small_history().await;
        let (mut linking, mut passed_over) = (0, 0);
        for event in store.read_all(Position::START, u64::MAX) {
            let event = event.unwrap();
            let link = link_of(&event).unwrap();
            if may_link(&event) {
                linking += 1;
            } else {
                passed_over += 1;
                assert_eq!(link, None, "a link the filter would miss at {}", event.position);
            }
        }
        let merges = store
            .read_all(Position::START, u64::MAX)
            .map(Result::unwrap)
            .filter(|event| event.event_type == LEAD_LINKING_TYPES[1])
            .count();
        assert!(merges > 0, "the history merges duplicate leads, so that link is exercised");
        assert!(linking > 0 && passed_over > linking, "{linking} selected, {passed_over} not");
    }
}
