//! Which column holds which field. Spreadsheets name columns anything ("E-mail", "Company
//! Name"); a header matches a field by its name, ignoring case, spaces and dashes
//! ("Company Name" is `company_name`), and `--mapping FILE` names the rest:
//!
//! ```json
//! {
//!   "columns": {"E-mail": "email", "Full name": "name", "Notes": null},
//!   "defaults": {"currency": "EUR", "channel": "event"},
//!   "decimal_separator": ",",
//!   "delimiter": ";"
//! }
//! ```
//!
//! `columns` maps a header, exactly as written in the file, to a field (`null` ignores the
//! column); `defaults` fills a field whose cell is empty or whose column is absent;
//! `decimal_separator` (`.` or `,`) says how money columns are written; `delimiter` (one ASCII
//! character, `,` by default) what separates cells.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use super::ImportKind;
use super::money::DecimalSeparator;

/// The mapping file, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    #[serde(default)]
    pub columns: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub defaults: BTreeMap<String, String>,
    #[serde(default)]
    pub decimal_separator: Option<String>,
    /// The character between cells: `,` unless the file says otherwise (`;` is common where
    /// the comma is the decimal separator).
    #[serde(default)]
    pub delimiter: Option<char>,
}

/// Why a mapping or a header row cannot be used; the import stops before any row.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("reading the mapping {path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("the mapping {path} is not valid: {error}")]
    Format { path: String, error: serde_json::Error },
    #[error("the mapping maps column {column:?} to {field:?}, which is no {kind} field ({known})")]
    UnknownField { kind: ImportKind, column: String, field: String, known: String },
    #[error("the mapping's default {field:?} is no {kind} field ({known})")]
    UnknownDefault { kind: ImportKind, field: String, known: String },
    #[error("decimal_separator must be \".\" or \",\", not {0:?}")]
    DecimalSeparator(String),
    #[error("delimiter must be one ASCII character, not {0:?}")]
    Delimiter(char),
    #[error("columns {first:?} and {second:?} both hold {field}")]
    TwoColumns { field: &'static str, first: String, second: String },
    #[error(
        "no column holds {missing}, which every {kind} row needs (columns found: {found}); \
         rename the column or map it with --mapping"
    )]
    MissingColumn { kind: ImportKind, missing: String, found: String },
}

/// The mapping applied to one file's header row.
#[derive(Debug, Clone)]
pub struct Columns {
    /// For each column index, the field it holds (`None`: ignored).
    pub fields: Vec<Option<&'static str>>,
    pub defaults: BTreeMap<&'static str, String>,
    pub decimal_separator: DecimalSeparator,
    /// Headers that matched no field and were not mapped: reported, never guessed.
    pub ignored: Vec<String>,
}

impl MappingFile {
    pub fn load(path: &Path) -> Result<MappingFile, MappingError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|error| MappingError::Io { path: shown.clone(), error })?;
        serde_json::from_str(&text).map_err(|error| MappingError::Format { path: shown, error })
    }

    /// Resolves `headers` for `kind`: each to its field, every required field present
    /// (or given a default).
    pub fn columns(&self, kind: ImportKind, headers: &[String]) -> Result<Columns, MappingError> {
        let known = || kind.fields().join(", ");
        let mut mapped: BTreeMap<&str, Option<&'static str>> = BTreeMap::new();
        for (column, field) in &self.columns {
            let field = match field {
                Some(name) => Some(kind.field(name).ok_or_else(|| MappingError::UnknownField {
                    kind,
                    column: column.clone(),
                    field: name.clone(),
                    known: known(),
                })?),
                None => None,
            };
            mapped.insert(column.as_str(), field);
        }
        let mut defaults = BTreeMap::new();
        for (field, value) in &self.defaults {
            let field = kind.field(field).ok_or_else(|| MappingError::UnknownDefault {
                kind,
                field: field.clone(),
                known: known(),
            })?;
            defaults.insert(field, value.clone());
        }
        let decimal_separator = match self.decimal_separator.as_deref() {
            None | Some(".") => DecimalSeparator::Point,
            Some(",") => DecimalSeparator::Comma,
            Some(other) => return Err(MappingError::DecimalSeparator(other.to_owned())),
        };
        let mut fields = Vec::with_capacity(headers.len());
        let mut ignored = Vec::new();
        let mut seen: BTreeMap<&'static str, &str> = BTreeMap::new();
        for header in headers {
            let field = match mapped.get(header.as_str()) {
                Some(field) => *field,
                None => {
                    let field = kind.field(&normalized(header));
                    if field.is_none() {
                        ignored.push(header.clone());
                    }
                    field
                }
            };
            if let Some(field) = field
                && let Some(first) = seen.insert(field, header)
            {
                return Err(MappingError::TwoColumns {
                    field,
                    first: first.to_owned(),
                    second: header.clone(),
                });
            }
            fields.push(field);
        }
        let present: BTreeSet<&str> =
            seen.keys().copied().chain(defaults.keys().copied()).collect();
        for group in kind.required_columns() {
            if !group.iter().any(|field| present.contains(field)) {
                return Err(MappingError::MissingColumn {
                    kind,
                    missing: group.join(" or "),
                    found: headers.iter().map(|h| format!("{h:?}")).collect::<Vec<_>>().join(", "),
                });
            }
        }
        Ok(Columns { fields, defaults, decimal_separator, ignored })
    }
}

/// A header as a field name: lower case, spaces and dashes as underscores.
fn normalized(header: &str) -> String {
    header
        .trim()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_lowercase() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn headers_match_fields_by_name_and_the_mapping_names_the_rest() {
        let mapping: MappingFile = serde_json::from_str(
            r#"{"columns": {"E-mail": "email", "Notes": null}, "defaults": {"channel": "event"}}"#,
        )
        .unwrap();
        let columns = mapping
            .columns(
                ImportKind::Leads,
                &headers(&["Name", "E-mail", "Company Name", "Notes", "Fax"]),
            )
            .unwrap();
        assert_eq!(columns.fields, [Some("name"), Some("email"), Some("company_name"), None, None]);
        assert_eq!(columns.ignored, ["Fax"]);
        assert_eq!(columns.defaults.get("channel").map(String::as_str), Some("event"));
    }

    #[test]
    fn a_missing_required_column_or_an_unknown_field_stops_the_import_with_the_reason() {
        let none = MappingFile::default();
        let error = none.columns(ImportKind::Leads, &headers(&["E-mail"])).unwrap_err();
        assert!(
            matches!(&error, MappingError::MissingColumn { missing, .. } if missing == "name"),
            "{error}"
        );
        let error = none
            .columns(
                ImportKind::Opportunities,
                &headers(&["name", "amount", "currency", "expected_close"]),
            )
            .unwrap_err();
        assert!(error.to_string().contains("customer_id or customer_key or customer"), "{error}");
        let typo: MappingFile = serde_json::from_str(r#"{"columns": {"Mail": "e_mail"}}"#).unwrap();
        assert!(matches!(
            typo.columns(ImportKind::Leads, &headers(&["name"])),
            Err(MappingError::UnknownField { .. })
        ));
        assert!(matches!(
            none.columns(ImportKind::Leads, &headers(&["name", "Name"])),
            Err(MappingError::TwoColumns { field: "name", .. })
        ));
    }
}
