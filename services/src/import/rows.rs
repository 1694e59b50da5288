//! The file's rows: read with the `csv` crate (quotes, embedded newlines), each with the line
//! it starts on, its cells trimmed and keyed by the field its column holds.

use std::collections::BTreeMap;

use super::mapping::Columns;
use super::report::RowError;

/// The most rows one file may hold: an import is a load of records, not a stream.
pub const ROWS_MAX: usize = 1_000_000;

/// One data row before its cells are read as fields.
#[derive(Debug, Clone)]
pub struct RawRow {
    /// The line the row starts on, counting the header as line 1, as a spreadsheet shows it.
    pub line: u64,
    pub cells: Result<Vec<String>, RowError>,
}

/// One row as fields: only the non-empty ones, defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub values: BTreeMap<&'static str, String>,
}

/// Why the file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("the file has no header row")]
    NoHeader,
    #[error("the header row is not readable: {0}")]
    Header(csv::Error),
    #[error("the file has more than {ROWS_MAX} rows; split it")]
    TooManyRows,
}

/// The header row and every data row of `bytes`.
pub fn read(bytes: &[u8], delimiter: u8) -> Result<(Vec<String>, Vec<RawRow>), FileError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        // A short row is a row with empty cells at its end, reported per field, not a broken file.
        .flexible(true)
        .from_reader(bytes);
    let headers = reader.headers().map_err(FileError::Header)?.clone();
    if headers.is_empty() {
        return Err(FileError::NoHeader);
    }
    let headers: Vec<String> = headers
        .iter()
        .enumerate()
        // Spreadsheets often save UTF-8 with a byte order mark before the first header.
        .map(|(index, header)| {
            let header = if index == 0 { header.trim_start_matches('\u{feff}') } else { header };
            header.trim().to_owned()
        })
        .collect();
    let mut rows = Vec::new();
    for record in reader.byte_records() {
        if rows.len() == ROWS_MAX {
            return Err(FileError::TooManyRows);
        }
        let row = match record {
            Ok(record) => {
                let line = record.position().map_or(0, |position| position.line());
                let cells = record
                    .iter()
                    .enumerate()
                    .map(|(index, cell)| {
                        String::from_utf8(cell.to_vec()).map_err(|_| {
                            RowError::new(
                                "malformed_row",
                                format!("cell {} is not UTF-8", index + 1),
                            )
                        })
                    })
                    .collect();
                RawRow { line, cells }
            }
            Err(error) => {
                let line = error.position().map_or(0, |position| position.line());
                RawRow { line, cells: Err(RowError::new("malformed_row", error.to_string())) }
            }
        };
        rows.push(row);
    }
    Ok((headers, rows))
}

impl Columns {
    /// The row's fields: trimmed non-empty cells, then the mapping's defaults for the rest.
    /// Cells beyond the header row are refused: they belong to no column.
    pub fn row(&self, line: u64, cells: &[String]) -> Result<Row, RowError> {
        if cells.len() > self.fields.len()
            && cells[self.fields.len()..].iter().any(|c| !c.trim().is_empty())
        {
            return Err(RowError::new(
                "malformed_row",
                format!("{} cells, but the header has {} columns", cells.len(), self.fields.len()),
            ));
        }
        let mut values = BTreeMap::new();
        for (field, cell) in self.fields.iter().zip(cells) {
            let cell = cell.trim();
            if let Some(field) = field
                && !cell.is_empty()
            {
                values.insert(*field, cell.to_owned());
            }
        }
        for (field, value) in &self.defaults {
            values.entry(*field).or_insert_with(|| value.clone());
        }
        Ok(Row { line, values })
    }
}

impl Row {
    /// The field's value, if the row has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.values.get(field).map(String::as_str)
    }

    /// The field's value, or the row fails naming it.
    pub fn required(&self, field: &'static str) -> Result<&str, RowError> {
        self.get(field).ok_or_else(|| RowError::new("missing_field", format!("{field} is empty")))
    }
}
