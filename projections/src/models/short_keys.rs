//! Short keys: an integer that stands for a UUID (or another long name) in a read model's most
//! numerous rows, so that a row and its index entries carry 1–8 bytes instead of 36 of text.
//! The key is handed out by the table that owns the name, the first time a row needs it, so keys
//! follow log order: a rebuild and an incremental build of the same log hand out the same keys.
//!
//! [`KnownKeys`] is what a projection remembers of them, so that a row costs no look-up: for one
//! batch in a live runner (whose next batch may be written into another generation after a
//! swap, perhaps an older one that has no row for the name yet), for the whole run in a rebuild
//! (up to [`KEYS_REMEMBERED_MAX`]), and never past a rolled-back batch, whose keys were rolled
//! back with it.

use foldhash::{HashMap, HashMapExt};
use std::hash::Hash;

use rusqlite::{OptionalExtension, Params, Transaction};

use crate::ProjectionError;

/// The most keys of one kind remembered at once: ≈ 3.5 MB of UUIDs. A log with more starts
/// over, and a name forgotten costs one look-up the next time.
pub(crate) const KEYS_REMEMBERED_MAX: usize = 100_000;

/// The keys a projection has read or handed out, by name.
#[derive(Debug)]
pub(crate) struct KnownKeys<Name> {
    by_name: HashMap<Name, i64>,
    /// A rebuild's keys stay known across batches: its file is thrown away if a batch fails.
    across_batches: bool,
}

impl<Name> Default for KnownKeys<Name> {
    fn default() -> KnownKeys<Name> {
        KnownKeys { by_name: HashMap::new(), across_batches: false }
    }
}

impl<Name: Hash + Eq> KnownKeys<Name> {
    pub fn get<Q>(&self, name: &Q) -> Option<i64>
    where
        Name: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.by_name.get(name).copied()
    }

    /// Remembers a key the table holds (or has just handed out in this batch).
    pub fn remember(&mut self, name: Name, key: i64) {
        if self.by_name.len() >= KEYS_REMEMBERED_MAX {
            self.by_name.clear();
        }
        self.by_name.insert(name, key);
    }

    /// Called once by a rebuild before its first batch.
    pub fn keep_across_batches(&mut self) {
        self.across_batches = true;
    }

    pub fn kept_across_batches(&self) -> bool {
        self.across_batches
    }

    /// The batch's rows are written: a live runner forgets the keys it saw.
    pub fn batch_written(&mut self) {
        if !self.across_batches {
            self.forget();
        }
    }

    /// The batch rolled back, and any key handed out in it with it.
    pub fn forget(&mut self) {
        self.by_name.clear();
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_name.len()
    }
}

/// The key `find` reads, or else the one `hand_out` inserts and returns.
pub(crate) fn stored_key_or_new<P: Params + Copy>(
    tx: &Transaction<'_>,
    find: &str,
    hand_out: &str,
    params: P,
) -> Result<i64, ProjectionError> {
    stored_key_or_new_with(tx, find, hand_out, params, |_| Ok(()))
}

/// [`stored_key_or_new`], and a key handed out now is passed to `with_new`, which writes the rows
/// that come with it (a pipeline's stages).
pub(crate) fn stored_key_or_new_with<P: Params + Copy>(
    tx: &Transaction<'_>,
    find: &str,
    hand_out: &str,
    params: P,
    with_new: impl FnOnce(i64) -> Result<(), ProjectionError>,
) -> Result<i64, ProjectionError> {
    if let Some(key) = stored_key(tx, find, params)? {
        return Ok(key);
    }
    let key = tx.prepare_cached(hand_out)?.query_row(params, |row| row.get(0))?;
    with_new(key)?;
    Ok(key)
}

/// The key `find` reads, if the table has one.
pub(crate) fn stored_key<P: Params>(
    tx: &Transaction<'_>,
    find: &str,
    params: P,
) -> Result<Option<i64>, ProjectionError> {
    Ok(tx.prepare_cached(find)?.query_row(params, |row| row.get(0)).optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_runner_forgets_at_each_batch_and_a_rebuild_only_when_told() {
        let mut live = KnownKeys::default();
        live.remember(7u32, 1);
        live.batch_written();
        assert_eq!(live.get(&7), None);

        let mut rebuild = KnownKeys::default();
        rebuild.keep_across_batches();
        rebuild.remember(7u32, 1);
        rebuild.batch_written();
        assert_eq!(rebuild.get(&7), Some(1));
        rebuild.forget();
        assert_eq!(rebuild.get(&7), None, "a rolled-back batch's keys are gone");
    }

    #[test]
    fn past_the_most_remembered_it_starts_over() {
        let mut keys = KnownKeys::default();
        for n in 0..=KEYS_REMEMBERED_MAX {
            keys.remember(n, n as i64);
        }
        assert_eq!(
            (keys.len(), keys.get(&KEYS_REMEMBERED_MAX)),
            (1, Some(KEYS_REMEMBERED_MAX as i64))
        );
    }
}
