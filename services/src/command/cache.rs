//! The cache of hot aggregates: the state after a stream's last event, and that event's version.
//! Bounded, least recently used first out. A command takes its aggregate's entry out while it
//! decides and puts back the evolved state; an entry found stale is simply not put back.

use lru::LruCache;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub(super) struct Loaded<S> {
    pub state: S,
    pub version: u64,
}

#[derive(Debug)]
pub(super) struct AggregateCache<S> {
    entries: LruCache<Uuid, Loaded<S>>,
}

impl<S: Clone> AggregateCache<S> {
    pub fn new(capacity: std::num::NonZeroUsize) -> AggregateCache<S> {
        AggregateCache { entries: LruCache::new(capacity) }
    }

    pub fn get(&mut self, stream: &Uuid) -> Option<Loaded<S>> {
        self.entries.get(stream).cloned()
    }

    /// Keeps the newer of the cached and the offered copy: two commands on one aggregate may
    /// finish in either order.
    pub fn put(&mut self, stream: Uuid, loaded: Loaded<S>) {
        if self.entries.peek(&stream).is_some_and(|cached| cached.version > loaded.version) {
            return;
        }
        self.entries.put(stream, loaded);
    }

    /// The entry, no longer cached: its holder puts it (or its successor) back.
    pub fn take(&mut self, stream: &Uuid) -> Option<Loaded<S>> {
        self.entries.pop(stream)
    }
}
