//! Plain-text tables for the `render` functions of collections and rep performance: labels
//! left-aligned, figures right-aligned, columns as wide as their widest cell.

/// A table being filled row by row.
#[derive(Debug)]
pub(crate) struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// How many leading columns are labels (left-aligned); the rest are figures.
    n_label_columns: usize,
}

impl Table {
    pub(crate) fn new(header: &[&str], n_label_columns: usize) -> Table {
        Table {
            header: header.iter().map(|title| (*title).to_owned()).collect(),
            rows: Vec::new(),
            n_label_columns,
        }
    }

    /// Appends a row; it must have one cell per column.
    pub(crate) fn push(&mut self, cells: Vec<String>) {
        assert_eq!(cells.len(), self.header.len(), "a row has one cell per column");
        self.rows.push(cells);
    }

    /// The table with a header line and a rule, one line per row, or a line saying it is empty.
    pub(crate) fn render(&self) -> String {
        if self.rows.is_empty() {
            return "(no rows)\n".to_owned();
        }
        let widths: Vec<usize> = (0..self.header.len())
            .map(|column| {
                let cells = self.rows.iter().map(|row| &row[column]);
                std::iter::once(&self.header[column])
                    .chain(cells)
                    .map(|cell| cell.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut text = String::new();
        self.line(&mut text, &self.header, &widths);
        let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
        self.line(&mut text, &rule, &widths);
        for row in &self.rows {
            self.line(&mut text, row, &widths);
        }
        text
    }

    fn line(&self, text: &mut String, cells: &[String], widths: &[usize]) {
        let mut line = String::new();
        for (column, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if column > 0 {
                line.push_str("  ");
            }
            if column < self.n_label_columns {
                line.push_str(&format!("{cell:<width$}"));
            } else {
                line.push_str(&format!("{cell:>width$}"));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
}

/// Basis points as a percentage with two decimals (`87.50%`).
pub(crate) fn percent(bps: i64) -> String {
    let sign = if bps < 0 { "-" } else { "" };
    let abs = bps.unsigned_abs();
    format!("{sign}{}.{:02}%", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::amount_text::amount_text;

    #[test]
    fn labels_align_left_figures_right_and_amounts_show_two_decimals() {
        let mut table = Table::new(&["currency", "amount"], 1);
        table.push(vec!["EUR".into(), amount_text(123_456)]);
        table.push(vec!["USD".into(), amount_text(-5)]);
        assert_eq!(
            table.render(),
            "currency    amount\n--------  --------\nEUR       1,234.56\nUSD          -0.05\n"
        );
        assert_eq!(percent(8_750), "87.50%");
        assert_eq!(Table::new(&["x"], 1).render(), "(no rows)\n");
    }
}
