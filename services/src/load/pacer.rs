//! [`Pacer`]: the due times of an open-loop load, each handed over within about a tenth of a
//! millisecond of when it falls due.
//!
//! Why not `tokio::time::sleep_until`: tokio's timer wheel ticks once a millisecond and rounds
//! every deadline up to the next tick, so a generator paced by it sends each request 0–1 ms after
//! its due time, and in bursts of `rate / 1000`. Latency is measured from the due time (so a
//! service that falls behind shows it), which made that millisecond the service's: at the
//! issue's p99 ≤ 2 ms it is half the budget. A thread of its own that sleeps with
//! `std::thread::sleep` (nanosleep: tens of µs late on Linux) and sends each due time over a
//! channel wakes the runtime close to on time instead. How late each request really left is
//! reported beside the latencies ([`crate::load::LoadReport::pacing_late`]), so the generator's
//! own error is on record with every run.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

/// `total` due times, `interval` apart from `started`. Dropping it stops the thread.
#[derive(Debug)]
pub struct Pacer {
    due_times: mpsc::UnboundedReceiver<Instant>,
    thread: Option<JoinHandle<()>>,
}

impl Pacer {
    pub fn start(started: Instant, interval: Duration, total: u64) -> std::io::Result<Pacer> {
        let (sender, due_times) = mpsc::unbounded_channel();
        let thread =
            std::thread::Builder::new().name("ltc-load-pacer".into()).spawn(move || {
                for idx in 0..total {
                    // From the start each time, not from the last one: a late wake-up never drifts
                    // the schedule, the next sleep is just shorter.
                    let due = started + interval.mul_f64(idx as f64);
                    let now = Instant::now();
                    if due > now {
                        std::thread::sleep(due - now);
                    }
                    if sender.send(due).is_err() {
                        return; // The generator stopped listening.
                    }
                }
            })?;
        Ok(Pacer { due_times, thread: Some(thread) })
    }

    /// The next due time, once it has come; `None` after the last.
    pub async fn next(&mut self) -> Option<Instant> {
        self.due_times.recv().await
    }
}

impl Drop for Pacer {
    fn drop(&mut self) {
        self.due_times.close();
        if let Some(thread) = self.thread.take() {
            // It notices the closed channel at its next due time, at most one interval away.
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn due_times_come_in_order_evenly_spaced_and_never_early() {
        let started = Instant::now();
        let interval = Duration::from_micros(200);
        let mut pacer = Pacer::start(started, interval, 500).unwrap();
        let mut expected = 0u64;
        while let Some(due) = pacer.next().await {
            assert_eq!(due, started + interval.mul_f64(expected as f64));
            assert!(Instant::now() >= due, "due time {expected} handed over early");
            expected += 1;
        }
        assert_eq!(expected, 500);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_dropped_pacer_stops_its_thread() {
        let mut pacer = Pacer::start(Instant::now(), Duration::from_millis(1), u64::MAX).unwrap();
        assert!(pacer.next().await.is_some());
        drop(pacer); // Joins the thread: the test would hang if it ran on.
    }
}
