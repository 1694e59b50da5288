//! Merging a rebuild's second file into its first: how a rebuild uses both cores and still ends
//! as one read-model database.
//!
//! A rebuild that splits its projections into two groups ([`crate::rebuild`]) builds each group
//! in a file of its own on a thread of its own (SQLite writes one file from one connection at a
//! time, so two files are what lets two cores write). At the end the second file, which holds
//! nothing but its group's tables, their indexes and its checkpoints, goes into the first:
//! its b-tree pages are appended to the first file as they are ([`btree_pages`]), the
//! schema rows naming them are added, then its checkpoint rows, views and triggers. The
//! generation that results is one ordinary file, which `PRAGMA integrity_check` passes, holding
//! the rows a rebuild on one thread would have made; nobody ever reads the second file.
//!
//! Copied row by row instead (`INSERT … SELECT`, which SQLite's transfer optimisation already
//! made a copy of records in key order), the second file of a 5M-event rebuild took ≈ 5 s on
//! one core while the other stood idle, and its query indexes had to be sorted after it, on the
//! same core (BENCHMARKS.md, "The second file's pages appended").

use std::fs::{File, OpenOptions};
use std::path::Path;

use rusqlite::{Connection, OpenFlags, params};

use crate::error::ProjectorError;

mod btree_pages;

use btree_pages::{LockPage, Renumbering};
#[cfg(test)]
mod tests;

const PART_SCHEMA: &str = "ltc_part";

/// One row of a file's `sqlite_master`.
#[derive(Debug)]
struct SchemaRow {
    kind: String,
    name: String,
    table: String,
    root: u32,
    sql: Option<String>,
}

/// Moves every table and index of the database at `part` (with their rows), its views and
/// triggers and its checkpoint rows into the database at `main`, which `conn` has open. `conn`
/// must hold none of those objects or checkpoints yet, and no transaction; `part` must be
/// closed. `main` is left half written on error, so it must be a rebuild's unpublished file.
pub(crate) fn merge_part(
    conn: &Connection,
    main: &Path,
    part: &Path,
) -> Result<(), ProjectorError> {
    merge_part_around(conn, main, part, LockPage::Sqlites)
}

/// [`merge_part`], with the page SQLite never uses where `lock_page` says.
fn merge_part_around(
    conn: &Connection,
    main: &Path,
    part: &Path,
    lock_page: LockPage,
) -> Result<(), ProjectorError> {
    let objects = part_objects(part)?;
    refuse_names_taken(conn, &objects)?;
    let with_pages: Vec<&SchemaRow> = objects.iter().filter(|row| row.root != 0).collect();
    // SQLite must let go of the file while its pages are written behind its back, and read it
    // afresh afterwards: in the normal locking mode the lock goes at the end of the next
    // statement, and the next lock sees the header's change counter moved and drops the cache.
    conn.pragma_update(None, "locking_mode", "NORMAL")?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
    let renumbering = {
        let main_file =
            OpenOptions::new().read(true).write(true).open(main).map_err(ProjectorError::Merge)?;
        let part_file = File::open(part).map_err(ProjectorError::Merge)?;
        let roots: Vec<u32> = with_pages.iter().map(|row| row.root).collect();
        btree_pages::append_btrees(&main_file, &part_file, &roots, lock_page)
            .map_err(ProjectorError::Merge)?
    };
    register(conn, &with_pages, &renumbering)?;
    copy_checkpoints_and_sql_objects(conn, part, &objects)?;
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
    Ok(())
}

/// The part's schema rows in the order SQLite wrote them (a table before its automatic
/// indexes), less the checkpoint table, which the main file has already.
fn part_objects(part: &Path) -> Result<Vec<SchemaRow>, ProjectorError> {
    let conn = Connection::open_with_flags(part, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut statement = conn
        .prepare("SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY rowid")?;
    let rows = statement.query_map([], |row| {
        Ok(SchemaRow {
            kind: row.get(0)?,
            name: row.get(1)?,
            table: row.get(2)?,
            root: row.get(3)?,
            sql: row.get(4)?,
        })
    })?;
    let mut objects = Vec::new();
    for row in rows {
        let row = row?;
        if row.table == "projection_checkpoints" {
            continue;
        }
        // SQLite's own tables (AUTOINCREMENT's counters, ANALYZE's statistics) would have to
        // be merged with the main file's rows of the same name, which no read model needs.
        if row.table.starts_with("sqlite_") && row.kind == "table" {
            return Err(ProjectorError::Merge(std::io::Error::other(format!(
                "the part holds SQLite's table {}, which a merge cannot carry",
                row.name
            ))));
        }
        objects.push(row);
    }
    Ok(objects)
}

fn refuse_names_taken(conn: &Connection, objects: &[SchemaRow]) -> Result<(), ProjectorError> {
    let mut statement = conn.prepare("SELECT 1 FROM sqlite_master WHERE name = ?1")?;
    for object in objects {
        if statement.exists(params![object.name])? {
            return Err(ProjectorError::Merge(std::io::Error::other(format!(
                "both files hold {} {}",
                object.kind, object.name
            ))));
        }
    }
    Ok(())
}

/// Adds a schema row for each appended table and index, at its new root page, and has every
/// connection (this one too) read the schema again.
fn register(conn: &Connection, rows: &[&SchemaRow], pages: &Renumbering) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    let cookie: i64 = tx.query_row("PRAGMA schema_version", [], |row| row.get(0))?;
    tx.pragma_update(None, "writable_schema", "ON")?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for row in rows {
            let root = pages.main_page(row.root);
            insert.execute(params![row.kind, row.name, row.table, root, row.sql])?;
        }
    }
    // Other connections notice a changed schema by this number; this one is told below.
    tx.pragma_update(None, "schema_version", cookie + 1)?;
    tx.commit()?;
    conn.pragma_update(None, "writable_schema", "RESET")
}

/// The part's checkpoint rows, then its views and triggers, whose tables are all in now.
fn copy_checkpoints_and_sql_objects(
    conn: &Connection,
    part: &Path,
    objects: &[SchemaRow],
) -> rusqlite::Result<()> {
    let part_text =
        part.to_str().ok_or_else(|| rusqlite::Error::InvalidPath(part.to_path_buf()))?;
    conn.execute(&format!("ATTACH DATABASE ?1 AS {PART_SCHEMA}"), params![part_text])?;
    let copied = conn.execute_batch(&format!(
        "INSERT INTO main.projection_checkpoints SELECT * FROM {PART_SCHEMA}.projection_checkpoints"
    ));
    // Detached whatever happened, so the connection is left as it was found.
    let detached = conn.execute_batch(&format!("DETACH DATABASE {PART_SCHEMA}"));
    copied.and(detached)?;
    let tx = conn.unchecked_transaction()?;
    for object in objects.iter().filter(|row| row.root == 0) {
        if let Some(sql) = &object.sql {
            // The stored SQL names no schema, so it creates the object in `main`.
            tx.execute_batch(sql)?;
        }
    }
    tx.commit()
}
