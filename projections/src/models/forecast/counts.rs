//! The win model's counts for the batch in hand. Closing and reopening deals only add to and take
//! from `forecast_model_counts`, and a few dozen (feature, value) rows take every example's
//! counts, so one upsert per feature value per closed deal hit the same hot rows over and over.
//! A batch's changes are summed here and written at the flush, once per row, in key order.
//!
//! A row is written for every value the batch touched, even when its changes cancel out (a deal
//! won and reopened in one batch): a value once counted always has a row, whatever the batches
//! were, so a rebuild and a live build write the same table.

use std::collections::BTreeMap;

use rusqlite::{Transaction, params};

use crate::ProjectionError;

/// (won, lost) to add, per feature, per value.
#[derive(Debug, Default)]
pub(super) struct PendingCounts {
    by_feature: BTreeMap<String, BTreeMap<String, (i64, i64)>>,
}

impl PendingCounts {
    /// Adds `(won, lost)` examples (each 1, -1 or 0) to one feature value's counts.
    pub(super) fn add(&mut self, feature: &str, value: &str, (won, lost): (i64, i64)) {
        let values = match self.by_feature.get_mut(feature) {
            Some(values) => values,
            None => self.by_feature.entry(feature.to_owned()).or_default(),
        };
        let counts = match values.get_mut(value) {
            Some(counts) => counts,
            None => values.entry(value.to_owned()).or_default(),
        };
        counts.0 += won;
        counts.1 += lost;
    }

    /// Writes the batch's sums and forgets them, written or not (a failed write fails the batch).
    pub(super) fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let written = self.write(tx);
        self.discard();
        written
    }

    fn write(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        if self.by_feature.is_empty() {
            return Ok(());
        }
        let mut upsert = tx.prepare_cached(
            "INSERT INTO forecast_model_counts (feature, value, n_won, n_lost) \
             VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (feature, value) DO UPDATE SET \
             n_won = n_won + excluded.n_won, n_lost = n_lost + excluded.n_lost",
        )?;
        for (feature, values) in &self.by_feature {
            for (value, (n_won, n_lost)) in values {
                upsert.execute(params![feature, value, n_won, n_lost])?;
            }
        }
        Ok(())
    }

    /// The batch rolled back: nothing of it is written.
    pub(super) fn discard(&mut self) {
        self.by_feature.clear();
    }
}
