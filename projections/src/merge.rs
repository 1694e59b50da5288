//! Merging a rebuild's second file into its first: how a rebuild uses both cores and still ends
//! as one read-model database.
//!
//! A rebuild that splits its projections into two groups ([`crate::rebuild`]) builds each group
//! in a file of its own on a thread of its own (SQLite writes one file from one connection at a
//! time, so two files are what lets two cores write). At the end the second file, which holds
//! nothing but its group's tables and checkpoints, is copied into the first: every table's rows
//! in key order, then its indexes and triggers, built once from sorted data, then the
//! checkpoint rows. The generation that results is one ordinary file, the same as a rebuild on
//! one thread would have made; nobody ever reads the second file.

use std::path::Path;

use rusqlite::{Connection, params};

const PART_SCHEMA: &str = "ltc_part";

/// Copies every object of the database at `part` (tables with their rows, then indexes, triggers
/// and views) and its checkpoint rows into `conn`'s main database, in one transaction.
/// `conn` must hold none of those objects or checkpoints yet.
pub(crate) fn merge_part(conn: &Connection, part: &Path) -> rusqlite::Result<()> {
    let part_text =
        part.to_str().ok_or_else(|| rusqlite::Error::InvalidPath(part.to_path_buf()))?;
    conn.execute("ATTACH DATABASE ?1 AS ltc_part", params![part_text])?;
    let merged = copy_objects(conn);
    // Detached whatever happened, so the connection is left as it was found.
    let detached = conn.execute_batch("DETACH DATABASE ltc_part");
    merged.and(detached)
}

fn copy_objects(conn: &Connection) -> rusqlite::Result<()> {
    // Tables first, so that their indexes are built after their rows are in (one sort each,
    // rather than one B-tree insert per row) and no trigger fires on copied rows.
    let objects: Vec<(String, String, String)> = {
        let mut statement = conn.prepare(&format!(
            "SELECT type, name, sql FROM {PART_SCHEMA}.sqlite_master \
             WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' \
             AND name <> 'projection_checkpoints' \
             ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END, rowid"
        ))?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let tx = conn.unchecked_transaction()?;
    for (kind, name, sql) in &objects {
        // The stored SQL names no schema, so it creates the object in `main`.
        tx.execute_batch(sql)?;
        if kind == "table" {
            let quoted = name.replace('"', "\"\"");
            tx.execute_batch(&format!(
                "INSERT INTO main.\"{quoted}\" SELECT * FROM {PART_SCHEMA}.\"{quoted}\""
            ))?;
        }
    }
    tx.execute_batch(&format!(
        "INSERT INTO main.projection_checkpoints SELECT * FROM {PART_SCHEMA}.projection_checkpoints"
    ))?;
    tx.commit()
}
