//! What the command path needs to know about an aggregate beyond its decider: its stream kind,
//! its state's schema (for snapshots) and its events' names. Each event type's schema version
//! is its enum's [`EventSchema`] (in `ltc_domain::schema`), which also reads older versions.

use ltc_domain::customer::{CustomerDecider, CustomerEvent};
use ltc_domain::decider::Decider;
use ltc_domain::lead::{LeadDecider, LeadEvent};
use ltc_domain::opportunity::{OpportunityDecider, OpportunityEvent};
use ltc_domain::order::{OrderDecider, OrderEvent};
use ltc_domain::payment::{PaymentDecider, PaymentEvent};
use ltc_domain::quota::{QuotaDecider, QuotaEvent};
use ltc_domain::quote::{QuoteDecider, QuoteEvent};
use ltc_domain::schema::EventSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub trait Aggregate:
    Decider<
        State: Clone + Serialize + DeserializeOwned + Send,
        Event: Serialize + DeserializeOwned + EventSchema,
        Error: std::error::Error,
    >
{
    /// The stream kind, such as `opportunity`.
    const KIND: &'static str;
    /// Describes the state's shape. Change it whenever the state type changes: snapshots taken
    /// with another description are then ignored rather than misread.
    const STATE_SCHEMA: &'static str;
    fn event_type(event: &Self::Event) -> &'static str;
}

impl Aggregate for OpportunityDecider {
    const KIND: &'static str = "opportunity";
    const STATE_SCHEMA: &'static str =
        "OpportunityState v3: the amount and expected close as opened kept; follow-up tasks";

    fn event_type(event: &OpportunityEvent) -> &'static str {
        event.event_type()
    }
}

impl Aggregate for PaymentDecider {
    const KIND: &'static str = "payment";
    const STATE_SCHEMA: &'static str =
        "PaymentState v2: refunds, credit notes and write-offs kept whole";

    fn event_type(event: &PaymentEvent) -> &'static str {
        event.event_type()
    }
}

impl Aggregate for CustomerDecider {
    const KIND: &'static str = "customer";
    const STATE_SCHEMA: &'static str = "CustomerState v2: the profile as created kept";

    fn event_type(event: &CustomerEvent) -> &'static str {
        event.event_type()
    }
}

impl Aggregate for OrderDecider {
    const KIND: &'static str = "order";
    const STATE_SCHEMA: &'static str =
        "OrderState v3: invoices keep their amounts; settlements once paid";

    fn event_type(event: &OrderEvent) -> &'static str {
        event.event_type()
    }
}

impl Aggregate for QuoteDecider {
    const KIND: &'static str = "quote";
    const STATE_SCHEMA: &'static str = "QuoteState v1";

    fn event_type(event: &QuoteEvent) -> &'static str {
        event.event_type()
    }
}

impl Aggregate for LeadDecider {
    const KIND: &'static str = "lead";
    const STATE_SCHEMA: &'static str = "LeadState v2: the lead as captured kept";

    fn event_type(event: &LeadEvent) -> &'static str {
        event.event_type()
    }
}

impl Aggregate for QuotaDecider {
    const KIND: &'static str = "quota";
    const STATE_SCHEMA: &'static str = "QuotaState v1";

    fn event_type(event: &QuotaEvent) -> &'static str {
        event.event_type()
    }
}
