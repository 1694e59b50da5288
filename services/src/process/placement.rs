//! Quote accepted → order placed, when the business has switched this on. The order is built
//! from the quote's own state as of its acceptance (never from what anyone says it contained),
//! under the payment terms a [`PaymentTermsPolicy`] gives for that quote, and its id derives from
//! the quote id, so a rerun addresses the same order stream.

use std::sync::Arc;

use ltc_domain::ids::{OrderId, QuoteId};
use ltc_domain::money::Bps;
use ltc_domain::order::{
    AcceptedQuote, OrderCommand, OrderDecider, OrderError, PaymentTerms, TermPart,
};
use ltc_domain::quote::{Quote, QuoteDecider, QuoteState};
use ltc_eventstore::{EventStore, Position, RecordedEvent};
use uuid::Uuid;

use super::replayed::ReplayedStates;
use super::{StateAsOfError, caused_command};
use crate::command::{CommandPath, ExecuteError};

const PROCESS: &str = "placement";

/// The payment terms an order placed from `quote` gets: usually what was agreed with the
/// customer. A fixed [`PaymentTerms`] is a policy that gives every order the same terms.
pub trait PaymentTermsPolicy: std::fmt::Debug + Send + Sync {
    fn terms_for(&self, quote: &Quote) -> PaymentTerms;
}

impl PaymentTermsPolicy for PaymentTerms {
    fn terms_for(&self, _quote: &Quote) -> PaymentTerms {
        self.clone()
    }
}

/// Whether accepted quotes become orders automatically, and on which terms.
#[derive(Debug, Clone)]
pub struct PlacementSettings {
    /// Off, an accepted quote waits for someone to place its order by hand.
    pub enabled: bool,
    pub payment_terms: Arc<dyn PaymentTermsPolicy>,
}

impl Default for PlacementSettings {
    /// Enabled; everything due 30 days after the invoice date (100 % net 30).
    fn default() -> PlacementSettings {
        let net_30 = PaymentTerms { parts: vec![TermPart { share: Bps(10_000), days_after: 30 }] };
        PlacementSettings { enabled: true, payment_terms: Arc::new(net_30) }
    }
}

#[derive(Debug)]
pub struct Placement {
    store: EventStore,
    /// The causing streams' states, kept between events.
    replayed: ReplayedStates<QuoteDecider>,
    orders: Arc<CommandPath<OrderDecider>>,
    settings: PlacementSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum PlacementError {
    #[error(transparent)]
    Read(#[from] ltc_eventstore::ReadError),
    #[error("replaying the quote: {0}")]
    Quote(#[from] StateAsOfError),
    #[error("placing the order failed: {0}")]
    Order(#[from] ExecuteError<OrderError>),
}

impl Placement {
    pub fn new(
        store: EventStore,
        orders: Arc<CommandPath<OrderDecider>>,
        settings: PlacementSettings,
    ) -> Placement {
        Placement { store, orders, settings, replayed: ReplayedStates::default() }
    }

    /// The order placed from a quote: derived from the quote id, the same on every run. A quote
    /// is accepted at most once, so it has at most one order.
    pub fn order_of(quote_id: QuoteId) -> OrderId {
        OrderId(Uuid::new_v5(&quote_id.0, b"order"))
    }

    /// Handles every event from `from` on; returns the orders it placed now (a repeat run, or
    /// a run with placement switched off, places none). Stops at the first failure.
    pub async fn run_from(&self, from: Position) -> Result<u64, PlacementError> {
        if !self.settings.enabled {
            return Ok(0);
        }
        let mut placed = 0;
        for event in super::causes_from(&self.store, from, &[("quote", &["QuoteAccepted"])]) {
            placed += u64::from(self.react(&event?).await?);
        }
        Ok(placed)
    }

    async fn react(&self, cause: &RecordedEvent) -> Result<bool, PlacementError> {
        let QuoteState::Created(quote) = self.replayed.as_of(&self.store, cause)? else {
            unreachable!("a quote stream starts with QuoteCreated")
        };
        let accepted = AcceptedQuote::from_quote(&quote)
            .expect("right after QuoteAccepted the quote's current version is accepted");
        let order_id = Self::order_of(quote.id);
        let command = OrderCommand::Place {
            order_id,
            quote: accepted,
            payment_terms: self.settings.payment_terms.terms_for(&quote),
        };
        let meta = caused_command(cause, PROCESS, 0);
        let executed =
            self.orders.execute_at(order_id.0, &command, &meta, cause.occurred_at).await?;
        Ok(executed.appended_now())
    }
}
