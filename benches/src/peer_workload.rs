//! The peer benchmark's workload, defined once and compiled into both of its runners: ltc's
//! (`benches/peer_ltc.rs`) and cqrs-es + sqlite-es's (`benches/peer/`, a workspace of its own,
//! which includes this file by path because sqlx's SQLite cannot be linked beside rusqlite's).
//! So it uses nothing but `std`.
//!
//! The workload is an opportunity aggregate with two commands, open and move-stage, each sent
//! with the same ~100 bytes of metadata (a command id, a correlation id, the actor, the tenant):
//! - (a) `a_sequential`: 2 commands (open, one move) on each of 5,000 aggregates, one at a time;
//! - (b) `b_one_aggregate`: 1,000 commands on one aggregate (open, then 999 moves), the rate
//!   reported around stream lengths 100, 500 and 1,000;
//! - (c) `c_tasks_2`, `c_tasks_64`: the commands of (a) shared by 2 and 64 concurrent tasks;
//! - (d) `d_same_aggregate`: two tasks moving one opened aggregate's stage at once, counting the
//!   conflicts and who retries them.
//!
//! Both runners read every aggregate back through their own engine after a scenario and fold
//! (aggregate, version, stage) into a [`Checksum`], which the table compares across engines: a
//! rate from a run that did different work shows up as a different checksum.

use std::fmt::Write;

/// The open stages of ltc's default sales pipeline, in order; moves cycle through them.
pub const OPEN_STAGES: [&str; 4] = ["qualification", "needs_analysis", "proposal", "negotiation"];

/// The tenant in every command's metadata: 23 bytes, so that ltc's stored metadata (two 16-byte
/// ids, the 45-byte actor `SalesRep:<uuid>`, this) is 100 bytes.
pub const TENANT: &str = "acme-industrial-holding";

/// The user every command is sent as; the actor in the metadata is `SalesRep:<this uuid>`.
pub const ACTOR_USER: u128 = 0xa11ce;

/// The customer every opportunity belongs to (ltc checks it exists; the peer only records it).
pub const CUSTOMER: u128 = 0xc0ffee;

/// Every event's business time: 2026-01-05T09:00:00Z, in seconds since the epoch. Both engines
/// are given it rather than reading a clock, so their events hold the same bytes run to run.
pub const OCCURRED_AT_UNIX_S: i64 = 1_767_603_600;

/// How much of each scenario a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkloadSize {
    pub name: &'static str,
    /// Aggregates of (a) and (c), each receiving [`COMMANDS_PER_AGGREGATE`] commands.
    pub distinct_aggregates: u64,
    /// Concurrent tasks of (c).
    pub tasks: [u64; 2],
    /// Commands of (b) on its one aggregate, and the stream lengths its rate is reported at.
    pub one_aggregate_commands: u64,
    pub one_aggregate_lengths: [u64; 3],
    /// The rate at length L is measured over the commands that took the stream from
    /// L − window to L events.
    pub one_aggregate_window: u64,
    /// Commands each of (d)'s two tasks sends to the shared aggregate.
    pub same_aggregate_commands_per_task: u64,
}

/// (a) and (c) send an open and one move to each aggregate.
pub const COMMANDS_PER_AGGREGATE: u64 = 2;

impl WorkloadSize {
    /// The sizes the issue asks for.
    pub const FULL: WorkloadSize = WorkloadSize {
        name: "full",
        distinct_aggregates: 5_000,
        tasks: [2, 64],
        one_aggregate_commands: 1_000,
        one_aggregate_lengths: [100, 500, 1_000],
        one_aggregate_window: 50,
        same_aggregate_commands_per_task: 250,
    };

    /// A tenth of the work, so that CI and a quick look finish in seconds.
    pub const QUICK: WorkloadSize = WorkloadSize {
        name: "quick",
        distinct_aggregates: 500,
        tasks: [2, 64],
        one_aggregate_commands: 200,
        one_aggregate_lengths: [50, 100, 200],
        one_aggregate_window: 20,
        same_aggregate_commands_per_task: 50,
    };

    pub fn from_quick_flag(quick: bool) -> WorkloadSize {
        if quick { WorkloadSize::QUICK } else { WorkloadSize::FULL }
    }

    pub fn distinct_commands(&self) -> u64 {
        self.distinct_aggregates * COMMANDS_PER_AGGREGATE
    }
}

/// The scenarios, each on a fresh store: (a) and (c) use aggregate ids of their own, so ids
/// never collide within a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    Sequential,
    OneAggregate,
    Tasks(u64),
    SameAggregate,
}

impl Scenario {
    /// The first half of each aggregate id (a UUIDv7-shaped high word, one per scenario).
    fn id_prefix(self) -> u64 {
        match self {
            Scenario::Sequential => 0x0192_0000_0000_7000,
            Scenario::OneAggregate => 0x0192_0000_0001_7000,
            Scenario::Tasks(tasks) => 0x0192_0000_0002_7000 | (tasks << 32),
            Scenario::SameAggregate => 0x0192_0000_0003_7000,
        }
    }
}

/// The id of aggregate `aggregate_idx` of `scenario`, as the two halves of a UUID.
pub fn aggregate_id(scenario: Scenario, aggregate_idx: u64) -> (u64, u64) {
    (scenario.id_prefix(), 0x8000_0000_0000_0000 | aggregate_idx)
}

/// The id of the `command_idx`-th command a runner sends, as the two halves of a UUID.
pub fn command_id(command_idx: u64) -> (u64, u64) {
    (0x0193_0000_0000_7000, 0x8000_0000_0000_0000 | command_idx)
}

/// The stage the `step`-th command on an aggregate moves it to (step 0 opens it at the first
/// stage). Consecutive steps never name the same stage, so every move records one event.
pub fn stage_of_step(step: u64) -> usize {
    (step % OPEN_STAGES.len() as u64) as usize
}

/// The stages (d)'s task `task_idx` (0 or 1) alternates between. The two tasks' pairs are
/// disjoint and neither starts at the opening stage, so no move is ever a no-op whatever the
/// interleaving: each accepted command records exactly one event.
pub fn same_aggregate_stage(task_idx: u64, step: u64) -> usize {
    assert!(task_idx < 2, "(d) has two tasks");
    match (task_idx, step % 2) {
        (0, 0) => 1,
        (0, _) => 2,
        (_, 0) => 3,
        (_, _) => 0,
    }
}

/// The position of `stage` in [`OPEN_STAGES`], for the checksum.
pub fn stage_index(stage: &str) -> Option<usize> {
    OPEN_STAGES.iter().position(|open| *open == stage)
}

/// A fold of (aggregate, version, stage) over the aggregates a scenario touched, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checksum(u64);

impl Checksum {
    pub fn new() -> Checksum {
        Checksum(0x6c74_6370_6565_7221)
    }

    pub fn add(&mut self, aggregate_idx: u64, version: u64, stage_idx: usize) {
        for word in [aggregate_idx, version, stage_idx as u64] {
            self.0 = mix(self.0 ^ word);
        }
    }

    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }

    /// What (a) and (c) must end with: every aggregate at version 2, one move past the first
    /// stage.
    pub fn expected_distinct(n_aggregates: u64) -> Checksum {
        let mut checksum = Checksum::new();
        for aggregate_idx in 0..n_aggregates {
            let last_step = COMMANDS_PER_AGGREGATE - 1;
            checksum.add(aggregate_idx, COMMANDS_PER_AGGREGATE, stage_of_step(last_step));
        }
        checksum
    }

    /// What (b) must end with: one aggregate at version `n_commands`.
    pub fn expected_one_aggregate(n_commands: u64) -> Checksum {
        let mut checksum = Checksum::new();
        checksum.add(0, n_commands, stage_of_step(n_commands - 1));
        checksum
    }

    /// What (d) must end with: the opening event and one event per accepted move. The last
    /// stage depends on the interleaving, so it is left out.
    pub fn expected_same_aggregate(moves: u64) -> Checksum {
        let mut checksum = Checksum::new();
        checksum.add(0, moves + 1, 0);
        checksum
    }
}

impl Default for Checksum {
    fn default() -> Checksum {
        Checksum::new()
    }
}

/// SplitMix64's finaliser (the same as `ltc_benches::mix64`, repeated so this file stays
/// `std`-only).
fn mix(value: u64) -> u64 {
    let mut z = value;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One field of a result line.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Int(u64),
    Real(f64),
    Text(String),
}

/// One machine-readable result: a JSON object on one line, its fields in the order given.
/// Every line has `engine`, `scenario`, `commands`, `seconds` and `commands_per_s`; the rest
/// depend on the scenario.
#[derive(Debug, Clone)]
pub struct ResultLine {
    fields: Vec<(&'static str, Field)>,
}

impl ResultLine {
    pub fn new(engine: &str, scenario: &str, commands: u64, seconds: f64) -> ResultLine {
        let fields = vec![
            ("engine", Field::Text(engine.to_owned())),
            ("scenario", Field::Text(scenario.to_owned())),
            ("commands", Field::Int(commands)),
            ("seconds", Field::Real(seconds)),
            ("commands_per_s", Field::Real(commands as f64 / seconds.max(1e-9))),
        ];
        ResultLine { fields }
    }

    pub fn with(mut self, name: &'static str, value: Field) -> ResultLine {
        self.fields.push((name, value));
        self
    }

    pub fn to_json(&self) -> String {
        let mut line = String::from("{");
        for (field_idx, (name, value)) in self.fields.iter().enumerate() {
            if field_idx > 0 {
                line.push(',');
            }
            let _ = write!(line, "\"{name}\":");
            match value {
                Field::Int(int) => {
                    let _ = write!(line, "{int}");
                }
                Field::Real(real) if real.is_finite() => {
                    let _ = write!(line, "{real:.6}");
                }
                Field::Real(_) => line.push_str("null"),
                Field::Text(text) => {
                    line.push('"');
                    for ch in text.chars() {
                        match ch {
                            '"' => line.push_str("\\\""),
                            '\\' => line.push_str("\\\\"),
                            ch if (ch as u32) < 0x20 => {
                                let _ = write!(line, "\\u{:04x}", ch as u32);
                            }
                            ch => line.push(ch),
                        }
                    }
                    line.push('"');
                }
            }
        }
        line.push('}');
        line
    }
}

/// The durations of (b)'s commands, the `step`-th taking the stream to `step + 1` events.
#[derive(Debug, Default)]
pub struct StreamTimings {
    pub seconds_per_command: Vec<f64>,
}

impl StreamTimings {
    /// Commands per second over the window of commands that took the stream to `length`.
    pub fn rate_at(&self, length: u64, window: u64) -> f64 {
        assert!(window > 0 && window <= length, "window {window} does not fit length {length}");
        assert!(length as usize <= self.seconds_per_command.len(), "length {length} not reached");
        let range = (length - window) as usize..length as usize;
        let seconds: f64 = self.seconds_per_command[range].iter().sum();
        window as f64 / seconds.max(1e-9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_on_one_aggregate_never_repeat_the_current_stage() {
        for step in 1..1_000 {
            assert_ne!(stage_of_step(step), stage_of_step(step - 1), "step {step}");
        }
    }

    #[test]
    fn same_aggregate_moves_never_name_a_stage_the_aggregate_may_already_be_in() {
        // The aggregate is where the other task put it, where this task last put it, or, before
        // this task's first move, possibly still at the opening stage.
        for task_idx in 0..2 {
            let others: Vec<usize> =
                (0..2).map(|step| same_aggregate_stage(1 - task_idx, step)).collect();
            for step in 0..100 {
                let target = same_aggregate_stage(task_idx, step);
                assert!(!others.contains(&target), "task {task_idx} step {step}");
                let before = if step == 0 {
                    stage_of_step(0)
                } else {
                    same_aggregate_stage(task_idx, step - 1)
                };
                assert_ne!(target, before, "task {task_idx} step {step}");
            }
        }
    }

    #[test]
    fn tenant_makes_ltc_metadata_one_hundred_bytes() {
        let actor = format!("SalesRep:{}", "00000000-0000-0000-0000-0000000a11ce");
        assert_eq!(16 + 16 + actor.len() + TENANT.len(), 100);
    }

    #[test]
    fn checksum_tells_versions_and_stages_apart() {
        let mut first = Checksum::new();
        first.add(0, 2, 1);
        let mut second = Checksum::new();
        second.add(0, 2, 2);
        let mut third = Checksum::new();
        third.add(0, 3, 1);
        assert_ne!(first, second);
        assert_ne!(first, third);
        assert_eq!(Checksum::expected_distinct(3), Checksum::expected_distinct(3));
        assert_ne!(Checksum::expected_distinct(3), Checksum::expected_distinct(4));
    }

    #[test]
    fn result_line_is_one_json_object_with_escaped_text() {
        let line = ResultLine::new("ltc-full", "a_sequential", 10, 0.5)
            .with("checksum", Field::Text("a\"b".to_owned()))
            .with("events", Field::Int(11))
            .to_json();
        assert_eq!(
            line,
            "{\"engine\":\"ltc-full\",\"scenario\":\"a_sequential\",\"commands\":10,\
             \"seconds\":0.500000,\"commands_per_s\":20.000000,\"checksum\":\"a\\\"b\",\
             \"events\":11}"
        );
    }

    #[test]
    fn rate_at_a_length_uses_the_commands_just_before_it() {
        let timings = StreamTimings {
            seconds_per_command: (1..=10).map(|step| step as f64 / 1_000.0).collect(),
        };
        // Commands 9 and 10 took 9 ms and 10 ms: 2 commands in 19 ms.
        let rate = timings.rate_at(10, 2);
        assert!((rate - 2.0 / 0.019).abs() < 1e-6, "{rate}");
    }
}
