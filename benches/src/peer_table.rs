//! The peer benchmark's summary: reads the result lines of every round of every engine
//! (`benches/peer/run` collects them in one file) and renders the medians, their spread and the
//! ratios to the peer, and checks that every engine did the same work (checksums).

use std::collections::BTreeMap;

use serde_json::Value;

/// The engine every ratio is taken against.
pub const BASELINE: &str = "cqrs-es";

/// One result line, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub engine: String,
    pub scenario: String,
    pub commands_per_s: f64,
    pub bytes_per_event: Option<f64>,
    pub conflicts: Option<u64>,
    pub caller_retries: Option<u64>,
    pub checksum: Option<String>,
    pub expected_checksum: Option<String>,
}

/// Reads the JSON lines of `text`; lines that are not JSON objects (progress, build output)
/// are skipped.
pub fn parse(text: &str) -> Result<Vec<Sample>, String> {
    let mut samples = Vec::new();
    for (line_idx, line) in text.lines().enumerate() {
        let line = line.trim();
        if !line.starts_with('{') {
            continue;
        }
        let value: Value = serde_json::from_str(line)
            .map_err(|error| format!("line {}: {error}", line_idx + 1))?;
        let text = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
        let required = |name: &str| text(name).ok_or(format!("line {}: no {name}", line_idx + 1));
        samples.push(Sample {
            engine: required("engine")?,
            scenario: required("scenario")?,
            commands_per_s: value
                .get("commands_per_s")
                .and_then(Value::as_f64)
                .ok_or(format!("line {}: no commands_per_s", line_idx + 1))?,
            bytes_per_event: value.get("bytes_per_event").and_then(Value::as_f64),
            conflicts: value.get("conflicts").and_then(Value::as_u64),
            caller_retries: value.get("caller_retries").and_then(Value::as_u64),
            checksum: text("checksum"),
            expected_checksum: text("expected_checksum"),
        });
    }
    Ok(samples)
}

/// The rendered tables, and every way the samples disagree on what was done.
#[derive(Debug)]
pub struct Summary {
    pub table: String,
    pub problems: Vec<String>,
}

pub fn summarize(samples: &[Sample]) -> Summary {
    let mut engines: Vec<&str> = Vec::new();
    let mut scenarios: Vec<&str> = Vec::new();
    let mut by_cell: BTreeMap<(&str, &str), Vec<&Sample>> = BTreeMap::new();
    for sample in samples {
        if !engines.contains(&sample.engine.as_str()) {
            engines.push(&sample.engine);
        }
        if !scenarios.contains(&sample.scenario.as_str()) {
            scenarios.push(&sample.scenario);
        }
        by_cell.entry((&sample.scenario, &sample.engine)).or_default().push(sample);
    }
    // The baseline first, the others in the order they first ran.
    engines.sort_by_key(|engine| *engine != BASELINE);
    let others: Vec<&str> = engines.iter().copied().filter(|e| *e != BASELINE).collect();

    let mut table = String::new();
    let mut header = vec!["scenario (commands/s)".to_owned()];
    header.extend(engines.iter().map(|engine| format!("{engine} median (min–max)")));
    header.extend(others.iter().map(|engine| format!("{engine} / {BASELINE}")));
    push_row(&mut table, &header);
    push_row(&mut table, &vec!["---".to_owned(); header.len()]);
    for scenario in &scenarios {
        let rate = |engine: &str| {
            by_cell.get(&(*scenario, engine)).map(|cell| {
                let values: Vec<f64> = cell.iter().map(|sample| sample.commands_per_s).collect();
                Stats::of(&values)
            })
        };
        let mut row = vec![scenario.to_string()];
        for engine in &engines {
            row.push(rate(engine).map_or("—".to_owned(), |stats| stats.render()));
        }
        for engine in &others {
            row.push(match (rate(engine), rate(BASELINE)) {
                (Some(ours), Some(theirs)) => format!("{:.1}×", ours.median / theirs.median),
                _ => "—".to_owned(),
            });
        }
        push_row(&mut table, &row);
    }

    table.push('\n');
    let mut header = vec!["scenario (bytes/event; conflicts, caller retries)".to_owned()];
    header.extend(engines.iter().map(|engine| engine.to_string()));
    push_row(&mut table, &header);
    push_row(&mut table, &vec!["---".to_owned(); header.len()]);
    for scenario in &scenarios {
        let mut row = vec![scenario.to_string()];
        for engine in &engines {
            let cell = by_cell.get(&(*scenario, *engine)).map(Vec::as_slice).unwrap_or(&[]);
            row.push(disk_and_conflicts(cell));
        }
        push_row(&mut table, &row);
    }

    Summary { table, problems: problems(samples) }
}

/// A median with the smallest and largest value around it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Stats {
    pub fn of(values: &[f64]) -> Stats {
        assert!(!values.is_empty(), "no values to summarize");
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let middle = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[middle]
        } else {
            (sorted[middle - 1] + sorted[middle]) / 2.0
        };
        Stats { median, min: sorted[0], max: sorted[sorted.len() - 1] }
    }

    fn render(&self) -> String {
        format!("{} ({}–{})", thousands(self.median), thousands(self.min), thousands(self.max))
    }
}

/// A whole number with thousands separators: 12345.6 → "12,346".
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut grouped = String::new();
    for (digit_idx, digit) in digits.chars().enumerate() {
        if digit_idx > 0 && (digits.len() - digit_idx) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if value < 0.0 && digits != "0" { format!("-{grouped}") } else { grouped }
}

fn disk_and_conflicts(cell: &[&Sample]) -> String {
    if cell.is_empty() {
        return "—".to_owned();
    }
    let bytes: Vec<f64> = cell.iter().filter_map(|sample| sample.bytes_per_event).collect();
    let mut text = if bytes.is_empty() {
        "—".to_owned()
    } else {
        format!("{} B", thousands(Stats::of(&bytes).median))
    };
    let conflicts: Vec<f64> =
        cell.iter().filter_map(|sample| sample.conflicts).map(|n| n as f64).collect();
    let retries: Vec<f64> =
        cell.iter().filter_map(|sample| sample.caller_retries).map(|n| n as f64).collect();
    if !conflicts.is_empty() && !retries.is_empty() {
        let conflicts = Stats::of(&conflicts);
        let retries = Stats::of(&retries);
        text.push_str(&format!(
            "; {} ({}–{}), {} ({}–{})",
            thousands(conflicts.median),
            thousands(conflicts.min),
            thousands(conflicts.max),
            thousands(retries.median),
            thousands(retries.min),
            thousands(retries.max),
        ));
    }
    text
}

/// Lines without a checksum, checksums that differ from what the line expected, and scenarios
/// whose engines ended with different checksums.
fn problems(samples: &[Sample]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut by_scenario: BTreeMap<&str, Vec<&Sample>> = BTreeMap::new();
    for sample in samples {
        by_scenario.entry(&sample.scenario).or_default().push(sample);
        match (&sample.checksum, &sample.expected_checksum) {
            (Some(got), Some(expected)) if got == expected => {}
            (got, expected) => problems.push(format!(
                "{} {}: checksum {got:?}, expected {expected:?}",
                sample.engine, sample.scenario
            )),
        }
    }
    for (scenario, cell) in by_scenario {
        let first = &cell[0].checksum;
        if let Some(other) = cell.iter().find(|sample| &sample.checksum != first) {
            problems.push(format!(
                "{scenario}: {} ended with checksum {:?}, {} with {:?}",
                cell[0].engine, first, other.engine, other.checksum
            ));
        }
    }
    problems
}

fn push_row(table: &mut String, cells: &[String]) {
    table.push_str("| ");
    table.push_str(&cells.join(" | "));
    table.push_str(" |\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(engine: &str, scenario: &str, rate: f64, checksum: &str) -> String {
        format!(
            "{{\"engine\":\"{engine}\",\"scenario\":\"{scenario}\",\"commands\":10,\
             \"seconds\":1.0,\"commands_per_s\":{rate},\"bytes_per_event\":500.0,\
             \"checksum\":\"{checksum}\",\"expected_checksum\":\"c1\"}}"
        )
    }

    #[test]
    fn median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(Stats::of(&[4.0, 1.0, 3.0, 2.0]), Stats { median: 2.5, min: 1.0, max: 4.0 });
        assert_eq!(Stats::of(&[5.0, 1.0, 3.0]).median, 3.0);
    }

    #[test]
    fn thousands_groups_digits_in_threes() {
        assert_eq!(thousands(0.4), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_000.0), "1,000");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
    }

    #[test]
    fn table_puts_the_baseline_first_and_divides_medians_by_its_median() {
        let text = [
            "building…".to_owned(),
            line("ltc-full", "a_sequential", 3_000.0, "c1"),
            line("cqrs-es", "a_sequential", 1_000.0, "c1"),
            line("cqrs-es", "a_sequential", 2_000.0, "c1"),
            line("cqrs-es", "a_sequential", 3_000.0, "c1"),
        ]
        .join("\n");
        let summary = summarize(&parse(&text).expect("parses"));
        let first_row = summary.table.lines().nth(2).expect("a row");
        assert_eq!(
            first_row,
            "| a_sequential | 2,000 (1,000–3,000) | 3,000 (3,000–3,000) | 1.5× |"
        );
        assert!(summary.problems.is_empty(), "{:?}", summary.problems);
    }

    #[test]
    fn a_checksum_that_differs_from_the_expected_one_or_another_engine_is_a_problem() {
        let text = [
            line("cqrs-es", "a_sequential", 1_000.0, "c1"),
            line("ltc-full", "a_sequential", 3_000.0, "c2"),
        ]
        .join("\n");
        let problems = summarize(&parse(&text).expect("parses")).problems;
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("ltc-full a_sequential: checksum"));
        assert!(problems[1].starts_with("a_sequential: cqrs-es ended with checksum"));
    }
}
