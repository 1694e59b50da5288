//! [`TextTable`]: the aligned text tables `ltc` prints by default (JSON is for machines).
//! Columns are padded to their widest cell; numeric columns align right so digits line up.

pub use ltc_projections::models::amount_text::thousands;

/// A column's alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone)]
pub struct TextTable {
    headers: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl TextTable {
    /// A table with these column headers and alignments.
    pub fn new(headers: &[(&str, Align)]) -> TextTable {
        let headers = headers.iter().map(|(name, align)| ((*name).to_owned(), *align)).collect();
        TextTable { headers, rows: Vec::new() }
    }

    /// Adds a row; missing cells print empty and extra cells are a programmer error.
    pub fn row(&mut self, cells: Vec<String>) {
        assert!(cells.len() <= self.headers.len(), "a row has more cells than the table columns");
        self.rows.push(cells);
    }

    /// The table as lines: header, a rule, then the rows; no trailing spaces.
    pub fn render(&self) -> String {
        let widths: Vec<usize> = self
            .headers
            .iter()
            .enumerate()
            .map(|(column, (header, _))| {
                let widest_cell = self.rows.iter().filter_map(|row| row.get(column));
                widest_cell
                    .map(|cell| cell.chars().count())
                    .fold(header.chars().count(), usize::max)
            })
            .collect();
        let line = |cells: &mut dyn Iterator<Item = &str>| {
            let padded: Vec<String> = cells
                .zip(&self.headers)
                .zip(&widths)
                .map(|((cell, (_, align)), width)| match align {
                    Align::Left => format!("{cell:<width$}"),
                    Align::Right => format!("{cell:>width$}"),
                })
                .collect();
            padded.join("  ").trim_end().to_owned()
        };
        let mut out = line(&mut self.headers.iter().map(|(header, _)| header.as_str()));
        out.push('\n');
        let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
        out.push_str(&rule.join("  "));
        out.push('\n');
        for row in &self.rows {
            let mut cells =
                (0..self.headers.len()).map(|column| row.get(column).map_or("", String::as_str));
            out.push_str(&line(&mut cells));
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;

    #[test]
    fn columns_are_as_wide_as_their_widest_cell_and_numbers_align_right() {
        let mut table = TextTable::new(&[("kind", Align::Left), ("events", Align::Right)]);
        table.row(vec!["opportunity".into(), thousands(12)]);
        table.row(vec!["lead".into(), thousands(1_234_567)]);
        table.row(vec!["order".into()]);
        expect![[r#"
            kind            events
            -----------  ---------
            opportunity         12
            lead         1,234,567
            order
        "#]]
        .assert_eq(&table.render());
    }

    #[test]
    fn thousands_are_separated_by_commas_from_the_right() {
        let cases = [(0, "0"), (999, "999"), (1_000, "1,000"), (123_456_789, "123,456,789")];
        for (value, expected) in cases {
            assert_eq!(thousands(value), expected, "{value}");
        }
    }
}
