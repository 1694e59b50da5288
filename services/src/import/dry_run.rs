//! `--dry-run`: the real import, against a scratch copy of the log that is thrown away.
//!
//! Validating a row means more than parsing it: whether a lead is a duplicate, whether the
//! actor may create the record, whether a customer named by key exists all depend on the log
//! and on the rows before it. A second, decide-only path would have to repeat every one of those
//! rules and could drift from them; running the one path on a copy cannot. The copy costs a
//! read of the log (SQLite's `VACUUM INTO`, a consistent snapshot even while another process
//! appends), which is the price of an exact answer.

use std::path::Path;

use anyhow::Context;
use ltc_eventstore::{EventStore, StoreOptions};

/// Runs `work` on a store that holds what `log` holds now (an empty store if there is no log
/// yet), in a temporary directory removed afterwards.
pub fn with_scratch_copy<T>(
    log: &Path,
    work: impl FnOnce(EventStore) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let scratch = tempfile::tempdir().context("creating a scratch directory for the dry run")?;
    let copy = scratch.path().join("events.db");
    if log.exists() {
        let source = rusqlite::Connection::open_with_flags(
            log,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("opening {} to copy it", log.display()))?;
        let target = copy.to_str().context("the scratch path is not UTF-8")?;
        source
            .execute("VACUUM INTO ?1", [target])
            .with_context(|| format!("copying {} for the dry run", log.display()))?;
    }
    let store = EventStore::open(&copy, StoreOptions::default())
        .with_context(|| format!("opening the scratch copy {}", copy.display()))?;
    work(store)
}
