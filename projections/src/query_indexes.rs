//! A rebuild's query-only indexes ([`Projection::query_indexes`]), set aside while it applies
//! events and created at its end.
//!
//! A rebuild applies events in log order, so every row it adds lands at a random place in an
//! index keyed by customer, opportunity or date: one random page touched per row and index,
//! and once the file outgrows the cache, most of those pages are fetched again for each row.
//! Created at the end, the same index is one sort of the finished rows written out in
//! key order: what SQLite's bulk loaders do. Each rebuild group sorts its own, in its own file,
//! before the second file, indexes and all, is merged into the first ([`crate::merge`]).

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::ProjectorError;
use crate::projection::Projection;

/// The cache while the indexes are sorted, in KiB.
const SORT_CACHE_KIB: i64 = 4 * 1024;

/// The `CREATE INDEX` statements of the indexes set aside, to be run at the end.
#[derive(Debug)]
pub(crate) struct SetAside {
    statements: Vec<String>,
}

impl SetAside {
    /// Drops every query-only index of `projections` from `conn`, remembering how to create it.
    /// Each must exist and belong to one of its projection's tables.
    pub(crate) fn drop_from(
        conn: &Connection,
        projections: &[&dyn Projection],
    ) -> Result<SetAside, ProjectorError> {
        let mut statements = Vec::new();
        for projection in projections {
            for index in projection.query_indexes() {
                let found: Option<(String, Option<String>)> = conn
                    .query_row(
                        "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                        params![index],
                        |row| Ok((row.get(0)?, row.get(1)?)),
                    )
                    .optional()?;
                let refuse = |reason: String| ProjectorError::Migrate {
                    projection: projection.name(),
                    reason,
                };
                let (table, sql) = found.ok_or_else(|| {
                    refuse(format!("query_indexes() names {index}, which migrate did not create"))
                })?;
                if !projection.tables().contains(&table.as_str()) {
                    return Err(refuse(format!(
                        "query index {index} is on table {table}, which tables() does not name"
                    )));
                }
                // An automatic index (a UNIQUE or PRIMARY KEY constraint) has no SQL of its own
                // and cannot be dropped: it is part of the table.
                let sql = sql.ok_or_else(|| {
                    refuse(format!("query index {index} is a constraint of {table}, not an index"))
                })?;
                conn.execute_batch(&format!("DROP INDEX \"{}\"", index.replace('"', "\"\"")))?;
                statements.push(sql);
            }
        }
        Ok(SetAside { statements })
    }

    /// Creates every index set aside, in one transaction. The sorts spill to temporary files
    /// rather than memory (the largest index of a 5M-event rebuild is hundreds of megabytes),
    /// and with a smaller cache, which is also the size of a sort's runs in memory: the first
    /// group sorts while the second may still be applying with a cache of its own, and both
    /// count against a rebuild's memory.
    pub(crate) fn create_in(self, conn: &Connection) -> Result<(), ProjectorError> {
        if self.statements.is_empty() {
            return Ok(());
        }
        // Put back as found, whatever the connection was opened with.
        let cache_size: i64 = conn.query_row("PRAGMA cache_size", [], |row| row.get(0))?;
        let temp_store: i64 = conn.query_row("PRAGMA temp_store", [], |row| row.get(0))?;
        conn.pragma_update(None, "temp_store", "FILE")?;
        conn.pragma_update(None, "cache_size", -SORT_CACHE_KIB)?;
        let tx = conn.unchecked_transaction()?;
        for sql in &self.statements {
            tx.execute_batch(sql)?;
        }
        tx.commit()?;
        conn.pragma_update(None, "cache_size", cache_size)?;
        conn.pragma_update(None, "temp_store", temp_store)?;
        Ok(())
    }
}
