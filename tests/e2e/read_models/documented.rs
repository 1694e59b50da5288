//! "Every table is documented so a BI tool can open the file and use it directly": every table,
//! view and column a read-model file holds is named in the read-model docs, each model's in its
//! own page, and each column in its own table's section (under a heading that names the table,
//! else in the sections that mention it), so a column added without a word for BI users fails
//! here even when another table's section happens to use its name.

use std::collections::BTreeMap;
use std::path::Path;

use ltc_eventstore::{EventStore, StoreOptions};
use ltc_services::data_dir::DataDir;
use ltc_services::read_models::EmbeddedReadModels;
use rusqlite::Connection;

/// The page that documents each table, by the table's prefix; anything else is in the overview.
const PAGES: &[(&str, &str)] = &[
    ("c360_", "customer360.md"),
    ("collections_", "collections.md"),
    ("event_counts", "events.md"),
    ("forecast_", "forecast.md"),
    ("funnel_", "funnel.md"),
    ("leads_", "leads.md"),
    ("reps_", "reps.md"),
    ("stalled_", "stalled.md"),
];

fn docs_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs"))
}

fn page_of(table: &str) -> String {
    let page = PAGES.iter().find(|(prefix, _)| table.starts_with(prefix));
    let path = match page {
        Some((_, page)) => docs_root().join("read-models").join(page),
        None => docs_root().join("read-models.md"),
    };
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Every table and view of the file with its columns, SQLite's own ones left out.
fn schema(conn: &Connection) -> BTreeMap<String, Vec<String>> {
    let mut names = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') \
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .unwrap();
    let names: Vec<String> =
        names.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
    names
        .into_iter()
        .map(|name| {
            let mut columns = conn.prepare(&format!("PRAGMA table_info({name})")).unwrap();
            let columns: Vec<String> =
                columns.query_map([], |row| row.get(1)).unwrap().map(Result::unwrap).collect();
            (name, columns)
        })
        .collect()
}

/// The text that documents `table` on `page`: the sections whose heading names it, else every
/// section that mentions it (a table defined in a sentence, with its columns in parentheses).
fn sections_of(page: &str, table: &str) -> String {
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in page.lines() {
        if line.starts_with('#') || sections.is_empty() {
            sections.push((line.to_owned(), String::new()));
        }
        let body = &mut sections.last_mut().expect("a section").1;
        body.push_str(line);
        body.push('\n');
    }
    let headed: Vec<&str> = sections
        .iter()
        .filter(|(heading, _)| names(heading, table))
        .map(|(_, body)| body.as_str())
        .collect();
    if headed.is_empty() {
        sections
            .iter()
            .filter(|(_, body)| names(body, table))
            .map(|(_, body)| body.as_str())
            .collect()
    } else {
        headed.concat()
    }
}

/// Whether `page` has `word` as a whole name (in a column list, a table's header, a sentence),
/// not only inside a longer one (`on` in `opened_on`).
fn names(page: &str, word: &str) -> bool {
    let part_of_a_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    page.match_indices(word).any(|(at, _)| {
        let before = page[..at].chars().next_back();
        let after = page[at + word.len()..].chars().next();
        !before.is_some_and(part_of_a_name) && !after.is_some_and(part_of_a_name)
    })
}

#[test]
fn every_table_view_and_column_of_the_read_models_is_named_in_its_docs_page() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path());
    let store = EventStore::open(data.event_store(), StoreOptions::default()).unwrap();
    let models = EmbeddedReadModels::open(&data, store).unwrap();
    models.catch_up(&mut |_| {}).unwrap();
    let schema = schema(&models.reader().unwrap());
    assert!(schema.len() > 40, "every model's tables: {:?}", schema.keys());
    let mut undocumented = Vec::new();
    for (table, columns) in &schema {
        let page = page_of(table);
        if !names(&page, table) {
            undocumented.push(table.clone());
            continue;
        }
        let section = sections_of(&page, table);
        for column in columns {
            if !names(&section, column) {
                undocumented.push(format!("{table}.{column}"));
            }
        }
    }
    assert!(undocumented.is_empty(), "not named in their docs page: {undocumented:#?}");
}
