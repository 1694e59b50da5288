//! The append benchmark's configurations, their first-principles estimates, and the ratios
//! between configurations measured in the same run.

use std::time::Duration;

use ltc_eventstore::Durability;

/// Writer-thread CPU per one-event append, from the statements it runs: a command-id lookup,
/// a stream-version lookup, an event-id lookup, the event insert with its blake3 hash and two
/// index entries, and the command insert, about 5 × 3–4 µs.
const WRITER_CPU_PER_APPEND: Duration = Duration::from_micros(18);

/// Each further event of the same append: an event-id lookup and the insert, ~8 µs; the
/// command and stream look-ups are paid once.
const WRITER_CPU_PER_EXTRA_EVENT: Duration = Duration::from_micros(8);

#[derive(Debug, Clone, Copy)]
pub struct AppendConfig {
    pub durability: Durability,
    pub group_commit: bool,
    pub concurrency: u64,
    /// Events per append: 1 is the worst case; a command typically records 1 to 4 facts.
    pub events_per_append: u64,
}

impl AppendConfig {
    pub fn label(&self) -> String {
        let durability = match self.durability {
            Durability::Full => "full",
            Durability::Normal => "normal",
        };
        let commit = if self.group_commit { "group_commit" } else { "commit_each" };
        match self.events_per_append {
            1 => format!("{durability}_{commit}"),
            n => format!("{durability}_{commit}_{n}_events"),
        }
    }

    /// Events per second from first principles, given the measured fsync.
    ///
    /// Without group commit every append is its own transaction: one fsync plus the writer's
    /// CPU. With it, the writer takes whatever is queued; while it commits one batch, the
    /// appenders it did not just answer queue up again, so batches alternate and two commits
    /// carry `c` events: c / (2·fsync + c·cpu). Under NORMAL no commit waits for the disk.
    pub fn estimate(&self, fsync: Duration) -> f64 {
        let extra_events = self.events_per_append.saturating_sub(1) as f64;
        let cpu = WRITER_CPU_PER_APPEND.as_secs_f64()
            + extra_events * WRITER_CPU_PER_EXTRA_EVENT.as_secs_f64();
        let fsync = match self.durability {
            Durability::Full => fsync.as_secs_f64(),
            Durability::Normal => 0.0,
        };
        let c = self.concurrency as f64;
        let events = self.events_per_append as f64;
        events
            * if !self.group_commit || self.concurrency == 1 {
                1.0 / (fsync + cpu)
            } else {
                c / (2.0 * fsync + c * cpu)
            }
    }
}

/// Peers in the same run, as ratios: group commit against committing each append, and
/// NORMAL against FULL.
pub fn print_append_ratios(measured: &[(AppendConfig, f64)]) {
    let rate = |durability, group_commit, concurrency| {
        measured.iter().find_map(|(config, rate)| {
            (config.durability == durability
                && config.group_commit == group_commit
                && config.concurrency == concurrency
                && config.events_per_append == 1)
                .then_some(*rate)
        })
    };
    for concurrency in [1, 16, 64] {
        if let (Some(on), Some(off)) =
            (rate(Durability::Full, true, concurrency), rate(Durability::Full, false, concurrency))
        {
            println!("append c={concurrency}: group commit / commit each = {:.1}×", on / off);
        }
    }
    if let (Some(normal), Some(full)) =
        (rate(Durability::Normal, true, 64), rate(Durability::Full, true, 64))
    {
        println!("append c=64 group commit: NORMAL / FULL = {:.2}×", normal / full);
    }
}
