//! The merge as a rebuild uses it: two files opened as a rebuild's writers, the second's
//! b-trees appended to the first. Every merged file must pass `PRAGMA integrity_check` and hold
//! exactly both files' rows, whatever shapes the b-trees take: rowid tables and WITHOUT ROWID
//! ones, indexes, rows too large for a page (overflow chains), free pages left by deletes.

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use rusqlite::{Connection, params};

use super::btree_pages::LockPage;
use super::{merge_part, merge_part_around};
use crate::checkpoint::{self, WriteMode};
use crate::error::ProjectorError;

struct Files {
    _dir: tempfile::TempDir,
    main: PathBuf,
    part: PathBuf,
}

fn files() -> Files {
    let dir = tempfile::tempdir().unwrap();
    let (main, part) = (dir.path().join("gen.db"), dir.path().join("gen.db-part"));
    Files { _dir: dir, main, part }
}

/// A table of `rows` rows of `size`-byte text (past ≈ 4 KB a row spills onto overflow pages),
/// keyed by rowid or, `without_rowid`, by its text, with an index on its text's length, and a
/// checkpoint row for `projection`.
fn fill(conn: &Connection, table: &str, rows: u32, size: usize, without_rowid: bool) {
    let (key, suffix) = match without_rowid {
        true => ("id TEXT PRIMARY KEY, n INTEGER", " WITHOUT ROWID"),
        false => ("n INTEGER PRIMARY KEY, id TEXT UNIQUE", ""),
    };
    conn.execute_batch(&format!(
        "CREATE TABLE {table} ({key}, body TEXT NOT NULL){suffix};
         CREATE INDEX {table}_by_size ON {table} (length(body), body);"
    ))
    .unwrap();
    let mut insert =
        conn.prepare(&format!("INSERT INTO {table} (n, id, body) VALUES (?1, ?2, ?3)")).unwrap();
    for n in 0..rows {
        let body: String = format!("{n:08}-").repeat(size / 9 + 1)[..size.max(1)].to_owned();
        insert.execute(params![n, format!("{table}-{n:06}"), body]).unwrap();
    }
    let now = Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap();
    checkpoint::store(conn, table, 1, u64::from(rows), None, now).unwrap();
}

fn dump(conn: &Connection, table: &str) -> Vec<(i64, String, String)> {
    let sql = format!("SELECT n, id, body FROM {table} ORDER BY n");
    let mut statement = conn.prepare(&sql).unwrap();
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?))).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn integrity(conn: &Connection) -> String {
    conn.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap()
}

fn checkpoints(conn: &Connection) -> Vec<(String, i64)> {
    let mut statement =
        conn.prepare("SELECT name, position FROM projection_checkpoints ORDER BY 1").unwrap();
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn writer(path: &Path) -> Connection {
    checkpoint::open_writer(path, WriteMode::Rebuild).unwrap()
}

#[test]
fn a_merged_file_passes_the_integrity_check_and_holds_both_files_rows_indexes_and_checkpoints() {
    let files = files();
    let main = writer(&files.main);
    fill(&main, "mine", 3_000, 150, false);
    let part = writer(&files.part);
    fill(&part, "theirs_small", 5_000, 40, true);
    fill(&part, "theirs_large", 60, 9_000, false);
    fill(&part, "theirs_keyed_large", 40, 6_000, true);
    // Deleted rows leave free pages in the part, which must not be lost nor used twice.
    part.execute("DELETE FROM theirs_small WHERE n % 3 = 0", []).unwrap();
    part.execute_batch("CREATE VIEW theirs_view AS SELECT count(*) AS n FROM theirs_small")
        .unwrap();
    let expected: Vec<_> = ["theirs_small", "theirs_large", "theirs_keyed_large"]
        .iter()
        .map(|table| dump(&part, table))
        .collect();
    let mine = dump(&main, "mine");
    drop(part);

    merge_part(&main, &files.main, &files.part).unwrap();

    assert_eq!(integrity(&main), "ok");
    assert_eq!(dump(&main, "mine"), mine);
    for (table, rows) in ["theirs_small", "theirs_large", "theirs_keyed_large"].iter().zip(expected)
    {
        assert_eq!(dump(&main, table), rows, "{table}");
        let through_index: i64 = main
            .query_row(
                &format!(
                    "SELECT count(*) FROM {table} INDEXED BY {table}_by_size WHERE length(body) > 0"
                ),
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(through_index as usize, dump(&main, table).len(), "{table}'s index");
    }
    let view: i64 = main.query_row("SELECT n FROM theirs_view", [], |row| row.get(0)).unwrap();
    assert_eq!(view, 3_333);
    let expected = [("mine", 3_000), ("theirs_keyed_large", 40), ("theirs_large", 60)];
    let mut expected: Vec<(String, i64)> =
        expected.iter().map(|(name, position)| (name.to_string(), *position)).collect();
    expected.push(("theirs_small".into(), 5_000));
    assert_eq!(checkpoints(&main), expected);
}

#[test]
fn the_merged_file_goes_on_being_written_and_read_by_the_same_and_new_connections() {
    let files = files();
    let main = writer(&files.main);
    fill(&main, "mine", 500, 100, false);
    let part = writer(&files.part);
    fill(&part, "theirs", 2_000, 300, true);
    drop(part);
    merge_part(&main, &files.main, &files.part).unwrap();

    main.execute("INSERT INTO theirs (n, id, body) VALUES (2000, 'theirs-002000', 'new')", [])
        .unwrap();
    main.execute("DELETE FROM theirs WHERE n < 1000", []).unwrap();
    main.execute("INSERT INTO mine (n, id, body) VALUES (500, 'mine-000500', 'new')", []).unwrap();
    assert_eq!(integrity(&main), "ok");
    drop(main);
    let reopened = Connection::open(&files.main).unwrap();
    assert_eq!(integrity(&reopened), "ok");
    assert_eq!(dump(&reopened, "theirs").len(), 1_001);
    assert_eq!(dump(&reopened, "mine").len(), 501);
}

#[test]
fn a_part_page_number_outside_the_part_is_refused_not_followed() {
    let files = files();
    let main = writer(&files.main);
    fill(&main, "mine", 10, 10, false);
    let part = writer(&files.part);
    fill(&part, "theirs", 2_000, 300, false);
    let root: u32 = part
        .query_row("SELECT rootpage FROM sqlite_master WHERE name = 'theirs'", [], |row| row.get(0))
        .unwrap();
    drop(part);
    // The root of a table of 600 KB is an interior page; its right-most child moves far away.
    let bytes = std::fs::read(&files.part).unwrap();
    let mut corrupt = bytes.clone();
    let at = (root as usize - 1) * 4096;
    assert_eq!(corrupt[at], 0x05, "an interior table page");
    corrupt[at + 8..at + 12].copy_from_slice(&1_000_000u32.to_be_bytes());
    std::fs::write(&files.part, corrupt).unwrap();

    let error = merge_part(&main, &files.main, &files.part).unwrap_err();
    assert!(
        matches!(&error, ProjectorError::Merge(io) if io.to_string().contains("out of range")),
        "{error}"
    );
}

#[test]
fn a_part_holding_a_table_the_main_file_has_is_refused_before_anything_is_written() {
    let files = files();
    let main = writer(&files.main);
    fill(&main, "shared", 10, 10, false);
    let part = writer(&files.part);
    fill(&part, "shared", 20, 10, false);
    drop(part);
    let before = std::fs::read(&files.main).unwrap();

    let error = merge_part(&main, &files.main, &files.part).unwrap_err();
    assert!(error.to_string().contains("both files hold table shared"), "{error}");
    assert_eq!(std::fs::read(&files.main).unwrap(), before);
}

#[test]
fn free_pages_needing_several_trunks_join_a_main_free_list_that_has_its_own() {
    let files = files();
    let main = writer(&files.main);
    fill(&main, "mine", 1_000, 2_000, false);
    main.execute("DELETE FROM mine WHERE n % 2 = 0", []).unwrap();
    let main_free: u32 = main.query_row("PRAGMA freelist_count", [], |row| row.get(0)).unwrap();
    assert!(main_free > 0, "the main file has free pages of its own");
    let part = writer(&files.part);
    fill(&part, "theirs", 100, 10, false);
    fill(&part, "gone", 3_000, 2_000, true);
    part.execute("DELETE FROM gone", []).unwrap();
    let part_free: u32 = part.query_row("PRAGMA freelist_count", [], |row| row.get(0)).unwrap();
    assert!(part_free > 2 * 1_016, "more free pages than two trunks list: {part_free}");
    let theirs = dump(&part, "theirs");
    drop(part);

    merge_part(&main, &files.main, &files.part).unwrap();

    assert_eq!(integrity(&main), "ok");
    assert_eq!(dump(&main, "theirs"), theirs);
    let free: u32 = main.query_row("PRAGMA freelist_count", [], |row| row.get(0)).unwrap();
    assert!(free >= main_free + part_free, "{free} free pages");
    // The free pages are reused: 1,500 rows of 2 KB (≈ 750 pages) grow no file.
    let pages: u32 = main.query_row("PRAGMA page_count", [], |row| row.get(0)).unwrap();
    let added = main
        .execute(
            "WITH RECURSIVE k(n) AS (SELECT 1000 UNION ALL SELECT n + 1 FROM k WHERE n < 2499) \
             INSERT INTO mine (n, id, body) SELECT n, 'new-' || n, printf('%2000d', n) FROM k",
            [],
        )
        .unwrap();
    assert_eq!(added, 1_500);
    assert_eq!(integrity(&main), "ok");
    let after: u32 = main.query_row("PRAGMA page_count", [], |row| row.get(0)).unwrap();
    assert_eq!(after, pages);
}

/// Every complaint of `PRAGMA integrity_check`, one per row.
fn complaints(conn: &Connection) -> Vec<String> {
    let mut statement = conn.prepare("PRAGMA integrity_check").unwrap();
    let rows = statement.query_map([], |row| row.get(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// SQLite never uses the page holding the byte at 1 GiB. A test cannot write a gigabyte, so it
/// names another page as the lock page: that page must then be the only one the merged file
/// leaves unused (which `integrity_check` reports, not knowing the page is special), and every
/// row must be where it was, whether the page that would have landed there is in a b-tree
/// (`in_a_btree`) or free.
fn merging_around_a_lock_page(in_a_btree: bool) {
    let files = files();
    let main = writer(&files.main);
    fill(&main, "mine", 200, 100, false);
    let part = writer(&files.part);
    fill(&part, "theirs", 2_000, 300, true);
    let (mine, theirs) = (dump(&main, "mine"), dump(&part, "theirs"));
    let root: u32 = part
        .query_row("SELECT rootpage FROM sqlite_master WHERE name = 'theirs'", [], |row| row.get(0))
        .unwrap();
    drop(part);
    let main_pages: u32 = main.query_row("PRAGMA page_count", [], |row| row.get(0)).unwrap();
    // Part page 1 (its schema) is never copied into a b-tree: it becomes a free page.
    let lock_page = main_pages + if in_a_btree { root } else { 1 };

    merge_part_around(&main, &files.main, &files.part, LockPage::At(lock_page)).unwrap();

    assert_eq!(
        complaints(&main),
        [format!("*** in database main ***\nPage {lock_page}: never used")]
    );
    assert_eq!(dump(&main, "mine"), mine);
    assert_eq!(dump(&main, "theirs"), theirs);
    main.execute("DELETE FROM theirs WHERE n % 2 = 0", []).unwrap();
    main.execute("INSERT INTO mine (n, id, body) VALUES (200, 'mine-000200', 'new')", []).unwrap();
    assert_eq!(dump(&main, "theirs").len(), 1_000);
}

#[test]
fn a_part_root_that_would_land_on_the_lock_page_goes_to_the_end_instead() {
    merging_around_a_lock_page(true);
}

#[test]
fn a_free_part_page_that_would_land_on_the_lock_page_is_left_out_of_the_free_list() {
    merging_around_a_lock_page(false);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Any number and size of rows, in either kind of table on either side, with any share of
    /// either file's rows deleted (so both may have free pages).
    #[test]
    fn any_two_files_merge_into_one_that_is_sound_and_holds_every_row(
        main_rows in 0u32..3_000,
        main_size in 1usize..6_000,
        part_rows in 0u32..3_000,
        part_size in 1usize..12_000,
        part_without_rowid in any::<bool>(),
        deleted_every in 2u32..10,
    ) {
        let files = files();
        let main = writer(&files.main);
        fill(&main, "mine", main_rows, main_size, !part_without_rowid);
        main.execute("DELETE FROM mine WHERE n % ?1 = 1", [deleted_every]).unwrap();
        let part = writer(&files.part);
        fill(&part, "theirs", part_rows, part_size, part_without_rowid);
        part.execute("DELETE FROM theirs WHERE n % ?1 = 0", [deleted_every]).unwrap();
        let (mine, theirs) = (dump(&main, "mine"), dump(&part, "theirs"));
        drop(part);

        merge_part(&main, &files.main, &files.part).unwrap();

        prop_assert_eq!(integrity(&main), "ok");
        prop_assert_eq!(dump(&main, "mine"), mine);
        prop_assert_eq!(dump(&main, "theirs"), theirs);
    }
}
