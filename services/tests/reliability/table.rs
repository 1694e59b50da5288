//! The suite's result: one row per scenario, rendered as the Markdown table README.md shows.

/// What one scenario tried, and how many times a guarantee broke (must be 0).
#[derive(Debug)]
pub struct Row {
    pub scenario: &'static str,
    /// What was done, in words with counts: "4 SIGKILLs while 8 clients sent commands".
    pub tried: String,
    /// What was checked, with counts: "1,532 acknowledged commands".
    pub checked: String,
    /// The guarantee, in words: "acknowledged commands lost".
    pub broken_means: &'static str,
    pub broken: u64,
}

impl Row {
    pub fn survived(&self) -> bool {
        self.broken == 0
    }
}

#[derive(Debug)]
pub struct Table {
    size: &'static str,
    seed: u64,
    rows: Vec<Row>,
}

impl Table {
    pub fn new(size: &'static str, seed: u64) -> Table {
        Table { size, seed, rows: Vec::new() }
    }

    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn render(&self) -> String {
        let mut out = format!("Reliability suite, sizes `{}`, seed {}\n\n", self.size, self.seed);
        out.push_str("| scenario | tried | checked | broken | result |\n");
        out.push_str("|---|---|---|---|---|\n");
        for row in &self.rows {
            let result = if row.survived() { "survived" } else { "BROKEN" };
            out.push_str(&format!(
                "| {} | {} | {} | {}: **{}** | {} |\n",
                row.scenario, row.tried, row.checked, row.broken_means, row.broken, result
            ));
        }
        out
    }
}

/// `1532` as `1,532`, for the table.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (idx, digit) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
