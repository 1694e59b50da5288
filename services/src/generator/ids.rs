//! Ids derived from the seed: a UUIDv5 of a per-seed namespace and a running counter, so the same
//! seed names every customer, deal, document and command the same way on every run.

use uuid::Uuid;

#[derive(Debug)]
pub(super) struct IdSource {
    namespace: Uuid,
    issued: u64,
}

impl IdSource {
    pub fn new(seed: u64) -> IdSource {
        IdSource { namespace: Uuid::from_u64_pair(0x17c0_9e4e_7a70_5eed, seed), issued: 0 }
    }

    /// The next id; `kind` only makes ids of different kinds easier to tell apart in a debugger.
    pub fn next(&mut self, kind: &str) -> Uuid {
        self.issued += 1;
        let mut name = kind.as_bytes().to_vec();
        name.extend_from_slice(&self.issued.to_le_bytes());
        Uuid::new_v5(&self.namespace, &name)
    }
}
