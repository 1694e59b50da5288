//! What an import did, row by row, and its summary: as text for people and as JSON (`--json`)
//! for scripts.

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use super::ImportKind;

/// Why one row did not go in: a stable code (`missing_field`, `invalid_money`,
/// `lead.invalid_email`, `lead.forbidden`, …) and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub code: String,
    pub reason: String,
}

impl RowError {
    pub fn new(code: impl Into<String>, reason: impl Into<String>) -> RowError {
        RowError { code: code.into(), reason: reason.into() }
    }
}

/// What happened to one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Appended now. A lead whose email, phone or company matches an open lead is recorded as
    /// that lead's duplicate (`duplicate_of`, and the line that lead came from if it was in
    /// this file), as the dedupe rules say.
    Imported {
        id: Uuid,
        #[serde(skip_serializing_if = "Option::is_none")]
        duplicate_of: Option<Uuid>,
        #[serde(skip_serializing_if = "Option::is_none")]
        duplicate_of_line: Option<u64>,
    },
    /// An earlier import of this record went in: nothing appended.
    AlreadyImported {
        id: Uuid,
    },
    /// The same record as an earlier line of this file: nothing appended.
    SameAsLine {
        id: Uuid,
        same_as_line: u64,
    },
    Failed(RowError),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowReport {
    pub line: u64,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The whole import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub kind: ImportKind,
    pub dry_run: bool,
    /// Headers that matched no field and were not mapped.
    pub ignored_columns: Vec<String>,
    pub rows: Vec<RowReport>,
}

/// The counts of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub rows: u64,
    pub imported: u64,
    /// Of `imported`: leads recorded as duplicates of open leads.
    pub imported_as_duplicates: u64,
    /// From an earlier import, or the same record earlier in this file.
    pub skipped: u64,
    pub failed: u64,
    pub failed_by_reason: BTreeMap<String, u64>,
}

impl ImportReport {
    pub fn summary(&self) -> Summary {
        let mut summary = Summary { rows: self.rows.len() as u64, ..Summary::default() };
        for row in &self.rows {
            match &row.outcome {
                Outcome::Imported { duplicate_of, .. } => {
                    summary.imported += 1;
                    summary.imported_as_duplicates += u64::from(duplicate_of.is_some());
                }
                Outcome::AlreadyImported { .. } | Outcome::SameAsLine { .. } => {
                    summary.skipped += 1;
                }
                Outcome::Failed(error) => {
                    summary.failed += 1;
                    *summary.failed_by_reason.entry(error.code.clone()).or_default() += 1;
                }
            }
        }
        summary
    }

    /// The report as JSON: the summary's counts, then every row.
    pub fn to_json(&self) -> serde_json::Value {
        let mut json = serde_json::to_value(self.summary()).expect("a summary serialises");
        let object = json.as_object_mut().expect("a summary is an object");
        object.insert("kind".into(), serde_json::json!(self.kind));
        object.insert("dry_run".into(), serde_json::json!(self.dry_run));
        object.insert("ignored_columns".into(), serde_json::json!(self.ignored_columns));
        object.insert("row_reports".into(), serde_json::json!(self.rows));
        json
    }

    /// One line per row that did not simply go in, then the summary.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        for row in &self.rows {
            let line = row.line;
            let said = match &row.outcome {
                Outcome::Imported { duplicate_of: None, .. } => continue,
                Outcome::Imported { duplicate_of: Some(survivor), duplicate_of_line, .. } => {
                    let from =
                        duplicate_of_line.map(|l| format!(" (line {l})")).unwrap_or_default();
                    format!("imported as a duplicate of lead {survivor}{from}")
                }
                Outcome::AlreadyImported { .. } => "skipped: already imported".to_owned(),
                Outcome::SameAsLine { same_as_line, .. } => {
                    format!("skipped: the same record as line {same_as_line}")
                }
                Outcome::Failed(error) => format!("failed ({}): {}", error.code, error.reason),
            };
            text.push_str(&format!("line {line}: {said}\n"));
        }
        let summary = self.summary();
        let verb = if self.dry_run { "would import" } else { "imported" };
        let duplicates = match summary.imported_as_duplicates {
            0 => String::new(),
            n => format!(" ({n} as duplicates of open leads)"),
        };
        text.push_str(&format!(
            "ltc import {}{}: {} rows: {} {verb}{duplicates}, {} skipped (already imported, or \
             repeated in the file), {} failed\n",
            self.kind.plural(),
            if self.dry_run { " (dry run: nothing appended)" } else { "" },
            summary.rows,
            summary.imported,
            summary.skipped,
            summary.failed,
        ));
        if !summary.failed_by_reason.is_empty() {
            let reasons: Vec<String> =
                summary.failed_by_reason.iter().map(|(code, n)| format!("{code} {n}")).collect();
            text.push_str(&format!("  failed by reason: {}\n", reasons.join(", ")));
        }
        if !self.ignored_columns.is_empty() {
            text.push_str(&format!(
                "  ignored columns (no such field; map them with --mapping): {}\n",
                self.ignored_columns.join(", ")
            ));
        }
        text
    }
}
