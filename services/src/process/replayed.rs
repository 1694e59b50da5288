//! The states a process manager replays, kept between its events, so the next event of a stream
//! costs the replay of what followed, not of the whole stream.
//!
//! [`state_as_of`](super::state_as_of) replays the causing stream from its first event for every
//! event handled: a stream of n events handled event by event costs n²/2 decodes, and each call
//! is a read transaction started cold (a profile of the command service put 7 % of its samples
//! there). A stream's events never change once written, so the state after version v stays the
//! state after version v: a kept state is never stale, only possibly behind.

use std::sync::Mutex;

use lru::LruCache;
use ltc_eventstore::{EventStore, RecordedEvent};
use uuid::Uuid;

use super::StateAsOfError;
use crate::command::Aggregate;

/// How many streams' states each process manager keeps. A flow's events arrive close together,
/// so the streams in flight are what matter; a stream evicted is replayed once more.
const KEPT_STREAMS: usize = 4096;

pub struct ReplayedStates<A: Aggregate> {
    kept: Mutex<LruCache<Uuid, (u64, A::State)>>,
}

impl<A: Aggregate> std::fmt::Debug for ReplayedStates<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.kept.lock().map(|kept| kept.len()).unwrap_or_default();
        f.debug_struct("ReplayedStates").field("kind", &A::KIND).field("kept", &kept).finish()
    }
}

impl<A: Aggregate> Default for ReplayedStates<A> {
    fn default() -> ReplayedStates<A> {
        let capacity = std::num::NonZeroUsize::new(KEPT_STREAMS).expect("keeps some");
        ReplayedStates { kept: Mutex::new(LruCache::new(capacity)) }
    }
}

impl<A: Aggregate> ReplayedStates<A> {
    /// The state of `cause`'s aggregate right after `cause`, as [`super::state_as_of`] gives it:
    /// from a kept state at or before `cause` plus the events after it, else from the start.
    pub fn as_of(
        &self,
        store: &EventStore,
        cause: &RecordedEvent,
    ) -> Result<A::State, StateAsOfError> {
        let kept = self.kept.lock().expect("kept states lock").pop(&cause.stream.id);
        // A state kept past `cause` (an older event handled again) cannot be rewound.
        let (mut version, mut state) = kept
            .filter(|(version, _)| *version <= cause.version)
            .unwrap_or_else(|| (0, A::State::default()));
        if version < cause.version {
            for recorded in store.read_stream(&cause.stream, version + 1)? {
                if recorded.version > cause.version {
                    break;
                }
                let event: A::Event = ltc_projections::decode_event(&recorded)?;
                state = A::evolve(state, &event);
                version = recorded.version;
            }
        }
        self.kept.lock().expect("kept states lock").put(cause.stream.id, (version, state.clone()));
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use ltc_domain::lead::LeadDecider;
    use ltc_domain::opportunity::OpportunityDecider;
    use ltc_domain::quote::QuoteDecider;
    use ltc_eventstore::Position;

    use super::*;
    use crate::generator::small_history;
    use crate::process::state_as_of;

    async fn generated_history() -> (tempfile::TempDir, EventStore, Vec<RecordedEvent>) {
        let (dir, store) = small_history().await;
        let events = store.read_all(Position(1), u64::MAX).map(Result::unwrap).collect();
        (dir, store, events)
    }

    /// Every event of `A`'s kind, handled in `order`, gets the state a full replay gives.
    fn equals_full_replay<A: Aggregate>(
        store: &EventStore,
        order: impl Iterator<Item = RecordedEvent>,
    ) -> usize
    where
        A::State: PartialEq + std::fmt::Debug,
    {
        let replayed = ReplayedStates::<A>::default();
        let mut checked = 0;
        for cause in order.filter(|event| event.stream.kind.as_str() == A::KIND) {
            let kept = replayed.as_of(store, &cause).unwrap();
            let full = state_as_of::<A>(store, &cause).unwrap();
            assert_eq!(kept, full, "{} at position {}", A::KIND, cause.position.0);
            checked += 1;
        }
        checked
    }

    #[tokio::test]
    async fn kept_states_equal_a_full_replay_in_log_order_and_when_events_are_handled_again() {
        let (_dir, store, events) = generated_history().await;
        let in_order = || events.iter().cloned();
        // Handled again from the start, as after a restart: kept states are then ahead.
        let twice = || in_order().chain(in_order());
        let checked = equals_full_replay::<OpportunityDecider>(&store, twice())
            + equals_full_replay::<LeadDecider>(&store, twice())
            + equals_full_replay::<QuoteDecider>(&store, twice());
        assert!(checked > 1000, "the history exercised {checked} events only");
    }

    #[tokio::test]
    async fn kept_states_equal_a_full_replay_in_reverse_order() {
        let (_dir, store, events) = generated_history().await;
        let checked = equals_full_replay::<OpportunityDecider>(&store, events.into_iter().rev());
        assert!(checked > 100, "the history exercised {checked} events only");
    }
}
