//! [`StreamLocks`]: commands for one stream take turns inside this process.
//!
//! Two commands on the same aggregate at once would both decide on the same version, and all
//! but one would lose the append with a conflict, reload and decide again; under enough
//! contention some run out of retries and the client is told `conflict` for a race the process
//! could have avoided. Queueing them here instead costs nothing they would not have waited for
//! anyway (the second must see the first's events), and commands on other streams still share
//! the writer's group commit. Conflicts remain possible only from another process writing the
//! same store, which the retries still handle.

use std::hash::{DefaultHasher, Hash, Hasher};

use ltc_eventstore::StreamId;
use tokio::sync::{Mutex, MutexGuard};

/// Locks per command path: streams are spread over them by hash, so two busy streams share a
/// lock (and wait for each other) only rarely: with 64 commands in flight on distinct streams,
/// 2,016 pairs ÷ 4,096 stripes ≈ half a colliding pair at any moment.
const STRIPES: usize = 4096;

#[derive(Debug)]
pub(super) struct StreamLocks {
    stripes: Box<[Mutex<()>]>,
}

impl StreamLocks {
    pub(super) fn new() -> StreamLocks {
        StreamLocks { stripes: (0..STRIPES).map(|_| Mutex::new(())).collect() }
    }

    /// Waits for `stream`'s turn (first come, first served); the turn ends when the guard drops.
    pub(super) async fn turn(&self, stream: &StreamId) -> MutexGuard<'_, ()> {
        // A fixed-key hasher: the same stream takes the same stripe in every run.
        let mut hasher = DefaultHasher::new();
        stream.hash(&mut hasher);
        let stripe = (hasher.finish() % self.stripes.len() as u64) as usize;
        self.stripes[stripe].lock().await
    }
}
