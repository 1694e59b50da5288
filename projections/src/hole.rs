//! [`Hole`]: what a runner is owed from the event store rather than its feed. A feed may skip
//! positions (a hole, before the event held beyond it) or, after a swap moved the runner back to
//! an older generation, have delivered already what the runner now needs again; either range is
//! read from the store (the second as far as the store has it) before the feed's next event is
//! taken.

use std::sync::Arc;

use ltc_eventstore::{EventStore, Position, ReadAll, RecordedEvent};

use crate::error::ProjectorError;
use crate::projector::BatchOutcome;

/// What the runner is owed from the store rather than the feed: the range of a hole before the
/// event held beyond it, or what the feed delivered past a runner that moved back.
#[derive(Debug, Default)]
pub(crate) struct Hole {
    /// A delivered event beyond a hole, held until the hole is filled.
    pub(crate) held: Option<Arc<RecordedEvent>>,
    /// The store read filling what is owed.
    pub(crate) refetch: Option<ReadAll>,
    /// The last position the feed has delivered.
    pub(crate) fed_through: u64,
    /// Raised at each swap the runner follows to the last position its feed had delivered or it
    /// had passed, which the feed will not deliver again: what a swap to an older generation is
    /// owed. Lowered only to the store's last event when the store has no more of it. (A
    /// rolled-back batch owes nothing here: its caller recreates the feed after a feed error,
    /// and otherwise the feed's next event shows the hole.)
    pub(crate) owed_through: u64,
}

impl Hole {
    /// The next event owed before the feed's: the refetched range of a hole, then the event
    /// held beyond it; or, after a swap moved the runner back, what its feed had delivered past
    /// it, as far as the store has it. `None` when nothing is owed.
    pub(crate) fn next_owed(
        &mut self,
        next_position: u64,
        store: &EventStore,
        outcome: &mut BatchOutcome,
    ) -> Result<Option<Arc<RecordedEvent>>, ProjectorError> {
        let owed_through = match &self.held {
            Some(held) if held.position.0 <= next_position => {
                self.refetch = None;
                return Ok(self.held.take());
            }
            Some(held) => held.position.0 - 1,
            None if next_position <= self.owed_through => self.owed_through,
            None => {
                self.refetch = None;
                return Ok(None);
            }
        };
        let refetch = self.refetch.get_or_insert_with(|| {
            store.read_all(Position(next_position), owed_through + 1 - next_position)
        });
        match refetch.next() {
            Some(Ok(event)) => {
                outcome.refetched += 1;
                Ok(Some(Arc::new(event)))
            }
            Some(Err(error)) => Err(error.into()),
            None => {
                self.refetch = None;
                let Some(held) = &self.held else {
                    // Only a held event proves a hole. Past the store's head the feed was
                    // ahead of this store (a replica catching up): it is left to the feed.
                    self.owed_through = next_position - 1;
                    return Ok(None);
                };
                Err(ProjectorError::Hole {
                    expected: next_position,
                    delivered: held.position.0,
                    store_head: store.head().position,
                })
            }
        }
    }
}
