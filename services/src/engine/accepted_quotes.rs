//! Which quote each opportunity has accepted, learned from the log. The quote decider enforces
//! "at most one accepted quote per opportunity" with the answer the engine gives it; the engine
//! keeps that answer true by catching up with the log and holding a lock from the lookup to the
//! append, so two accepts in one process cannot both pass. Two engine processes writing one
//! store could still race; the embedded default runs one.

use std::collections::HashMap;

use ltc_domain::ids::{OpportunityId, QuoteId};
use ltc_domain::quote::QuoteEvent;
use ltc_eventstore::{EventStore, Position};

use super::EngineError;

const QUOTE_ACCEPTED: &str = "QuoteAccepted";

#[derive(Debug, Default)]
pub(super) struct AcceptedQuotes {
    by_opportunity: HashMap<OpportunityId, QuoteId>,
    /// The next position to read (0 before the first read).
    next: u64,
}

impl AcceptedQuotes {
    /// Reads every event appended since the last call.
    pub fn catch_up(&mut self, store: &EventStore) -> Result<(), EngineError> {
        let internal = |error: &dyn std::fmt::Display| EngineError::Internal(error.to_string());
        for recorded in store.read_all(Position(self.next.max(Position::START.0)), u64::MAX) {
            let recorded = recorded.map_err(|error| internal(&error))?;
            self.next = recorded.position.0 + 1;
            if recorded.stream.kind.as_str() != "quote" || recorded.event_type != QUOTE_ACCEPTED {
                continue;
            }
            let event: QuoteEvent =
                ltc_projections::decode_event(&recorded).map_err(|error| internal(&error))?;
            if let QuoteEvent::Accepted { opportunity_id, .. } = event {
                self.by_opportunity.insert(opportunity_id, QuoteId(recorded.stream.id));
            }
        }
        Ok(())
    }

    pub fn of(&self, opportunity_id: OpportunityId) -> Option<QuoteId> {
        self.by_opportunity.get(&opportunity_id).copied()
    }
}
