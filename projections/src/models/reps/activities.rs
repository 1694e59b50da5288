//! Activities per rep, day and kind for the batch in hand. Counting is all `reps_activities`
//! does, so a batch's activities are summed here and each (rep, day, kind) row is written once
//! at the flush, in key order, instead of one upsert per activity at a random leaf of the
//! table's B-tree.

use std::collections::BTreeMap;

use rusqlite::{Transaction, params};

use crate::ProjectionError;

/// (rep id, day, kind) → activities the batch adds.
#[derive(Debug, Default)]
pub(super) struct PendingActivities {
    counts: BTreeMap<(String, String, &'static str), i64>,
}

impl PendingActivities {
    pub(super) fn count(&mut self, rep_id: String, day: String, kind: &'static str) {
        *self.counts.entry((rep_id, day, kind)).or_default() += 1;
    }

    /// Writes the batch's sums and forgets them, written or not (a failed write fails the batch).
    pub(super) fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let written = self.write(tx);
        self.discard();
        written
    }

    fn write(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        if self.counts.is_empty() {
            return Ok(());
        }
        let mut upsert = tx.prepare_cached(
            "INSERT INTO reps_activities (rep_id, day, kind, n_activities) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (rep_id, day, kind) DO UPDATE SET \
             n_activities = n_activities + excluded.n_activities",
        )?;
        for ((rep_id, day, kind), n_activities) in &self.counts {
            upsert.execute(params![rep_id, day, kind, n_activities])?;
        }
        Ok(())
    }

    /// The batch rolled back: nothing of it is written.
    pub(super) fn discard(&mut self) {
        self.counts.clear();
    }
}
