//! Ids derived from the seed: a UUIDv5 of a per-seed namespace and a running counter, so the same
//! seed names every customer, deal, document and command the same way on every run.
//!
//! Asked for time-ordered ids ([`IdSource::sort_by_time`]), the source makes each a UUIDv7 at
//! the simulated clock's millisecond, with the same hash in its random bits: the same seed
//! still gives the same ids, and records created together sort together, as a client minting
//! UUIDv7 would send them.

use std::sync::Arc;

use ltc_eventstore::{Clock, ManualClock};
use uuid::{Builder, Uuid};

#[derive(Debug)]
pub(super) struct IdSource {
    namespace: Uuid,
    issued: u64,
    /// The simulated clock whose time leads each id, when ids sort by time.
    time_ordered_by: Option<Arc<ManualClock>>,
}

impl IdSource {
    pub fn new(seed: u64) -> IdSource {
        IdSource {
            namespace: Uuid::from_u64_pair(0x17c0_9e4e_7a70_5eed, seed),
            issued: 0,
            time_ordered_by: None,
        }
    }

    /// From now on, ids are UUIDv7 at `clock`'s time.
    pub fn sort_by_time(&mut self, clock: Arc<ManualClock>) {
        self.time_ordered_by = Some(clock);
    }

    /// The next id; `kind` only makes ids of different kinds easier to tell apart in a debugger.
    pub fn next(&mut self, kind: &str) -> Uuid {
        self.issued += 1;
        let mut name = kind.as_bytes().to_vec();
        name.extend_from_slice(&self.issued.to_le_bytes());
        let hashed = Uuid::new_v5(&self.namespace, &name);
        match &self.time_ordered_by {
            None => hashed,
            Some(clock) => {
                // Before 1970 there is no UUIDv7 time; the generator's dates are all after it.
                let millis = u64::try_from(clock.now().timestamp_millis()).unwrap_or(0);
                let mut random = [0u8; 10];
                random.copy_from_slice(&hashed.as_bytes()[6..]);
                Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
            }
        }
    }
}
