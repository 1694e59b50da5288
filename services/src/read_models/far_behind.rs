//! When a catch-up rebuilds instead of applying event by event.
//!
//! A catch-up applies the events its checkpoint has not seen, one batch per transaction through
//! the live runner: a journal and a commit per batch, and one thread. A rebuild writes a new
//! generation beside the one in service: no journal, the projections split over two threads,
//! one fsync at the end, then a swap. It replays the whole log, but over a million-event log it
//! ran 2.2× as fast (1,035,650 events: a catch-up from nothing 44.4 s, `ltc rebuild` 19.9 s;
//! BENCHMARKS.md, "Read-model rebuilds"). So when every read model is that far behind, a
//! catch-up first rebuilds them all up to the head, and then applies whatever arrived meanwhile
//! as usual. That happens on the first question asked of a log that was imported, restored
//! or generated without its read models.
//!
//! Only when *every* projection is far behind: rebuilding some of them means first copying the
//! others' tables into the new generation, which can cost more than it saves. And never while
//! the directory holds a read model this build no longer serves, whose tables a rebuild of
//! everything would drop. A rebuild is all or nothing: stopped halfway, it leaves the models as
//! they were, and the next catch-up starts it again.

/// Below this many events behind, a catch-up never rebuilds: the new generation, the merge of
/// its two halves and the swap cost more than applying a few thousand events.
pub(super) const REBUILD_WHEN_BEHIND_EVENTS_MIN: u64 = 10_000;

/// Whether catching up from `checkpoint` to `head` costs more than rebuilding from position 1.
/// A rebuild replays the whole log at about twice the catch-up's rate, so it pays once at
/// least half the log is still to apply, and `at_least` events are.
pub(super) fn rebuild_instead(checkpoint: u64, head: u64, at_least: u64) -> bool {
    let behind = head.saturating_sub(checkpoint);
    behind >= at_least.max(1) && behind.saturating_mul(2) >= head
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_model_never_built_over_a_large_log_is_rebuilt() {
        assert!(rebuild_instead(0, 1_000_000, REBUILD_WHEN_BEHIND_EVENTS_MIN));
        assert!(rebuild_instead(0, REBUILD_WHEN_BEHIND_EVENTS_MIN, REBUILD_WHEN_BEHIND_EVENTS_MIN));
    }

    #[test]
    fn a_small_log_or_a_short_lag_is_caught_up_event_by_event() {
        assert!(!rebuild_instead(
            0,
            REBUILD_WHEN_BEHIND_EVENTS_MIN - 1,
            REBUILD_WHEN_BEHIND_EVENTS_MIN
        ));
        assert!(!rebuild_instead(990_000, 1_000_000, REBUILD_WHEN_BEHIND_EVENTS_MIN));
    }

    #[test]
    fn half_the_log_behind_is_where_rebuilding_starts_to_pay() {
        assert!(rebuild_instead(500_000, 1_000_000, REBUILD_WHEN_BEHIND_EVENTS_MIN));
        assert!(!rebuild_instead(500_001, 1_000_000, REBUILD_WHEN_BEHIND_EVENTS_MIN));
    }

    #[test]
    fn a_checkpoint_past_the_head_is_nothing_behind() {
        assert!(!rebuild_instead(20, 10, 1));
        assert!(!rebuild_instead(0, 0, 0), "an empty log has nothing to rebuild");
    }
}
