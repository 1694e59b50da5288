//! Catch-up subscriptions: history from a position, then live events, as one gap-free sequence.
//!
//! There is no separate "live" path to switch to, so nothing can be lost or doubled at a switch:
//! a background thread reads the log by position, page after page, and when it has read
//! everything it waits on the writer's head signal and reads on. The writer publishes a head only
//! after its commit is durable, so whatever the signal promises is already readable. A writer in
//! another process signals nothing; its commits are noticed by a [`ChangeWatch`] asked every
//! [`FOREIGN_COMMIT_POLL`] to [`FOREIGN_COMMIT_POLL_MAX`] while the subscription waits.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::change_watch::ChangeWatch;
use crate::envelope::{Position, RecordedEvent};
use crate::error::ReadError;
use crate::limits::READ_PAGE_EVENTS;
use crate::read::ReaderPool;
use crate::signal::{HeadSignal, Wake};

/// How often a waiting subscription asks whether a writer in another process committed, while
/// that writer keeps committing: the delay such a commit adds (it was 100 ms, the only recheck).
const FOREIGN_COMMIT_POLL: Duration = Duration::from_millis(2);

/// The longest pause between questions: each question that finds nothing doubles the pause up
/// to this, so an idle subscription asks ≈ 30 times a second, not 500 (measured: 1.9 % of a
/// core for an idle relay at a fixed 2 ms), and the first commit after a quiet spell waits at
/// most this long.
const FOREIGN_COMMIT_POLL_MAX: Duration = Duration::from_millis(32);

/// How long a waiting subscription without a [`ChangeWatch`] (its connection did not open)
/// waits for a signal before it looks at the log again.
const IDLE_RECHECK: Duration = Duration::from_millis(100);

/// Events delivered but not yet taken by the consumer; a slow consumer slows the reader thread
/// rather than growing memory.
const DELIVERY_BUFFER_EVENTS: usize = 2 * READ_PAGE_EVENTS;

/// Every event from a start position on, in position order, each exactly once. Dropping it
/// stops its reader thread.
#[derive(Debug)]
pub struct Subscription {
    events: mpsc::Receiver<Result<RecordedEvent, ReadError>>,
    _reader: JoinHandle<()>,
}

impl Subscription {
    pub(crate) fn start(
        readers: Arc<ReaderPool>,
        signal: Arc<HeadSignal>,
        from: Position,
    ) -> Subscription {
        let (sender, events) = mpsc::channel(DELIVERY_BUFFER_EVENTS);
        let reader = std::thread::Builder::new()
            .name("ltc-eventstore-subscription".into())
            .spawn(move || deliver(&readers, &signal, from.0.max(1), &sender))
            .expect("spawning a subscription thread");
        Subscription { events, _reader: reader }
    }

    /// The next event, waiting for one to be committed if need be. `None` once the store's
    /// writer has stopped and every committed event was delivered, or after an error.
    pub async fn next(&mut self) -> Option<Result<RecordedEvent, ReadError>> {
        self.events.recv().await
    }

    /// [`Subscription::next`] for callers outside an async runtime.
    pub fn next_blocking(&mut self) -> Option<Result<RecordedEvent, ReadError>> {
        self.events.blocking_recv()
    }
}

fn deliver(
    readers: &ReaderPool,
    signal: &HeadSignal,
    mut next_position: u64,
    sender: &mpsc::Sender<Result<RecordedEvent, ReadError>>,
) {
    let mut watch = ChangeWatch::open(readers.path()).ok().map(ForeignCommits::new);
    loop {
        let page = match readers.read_page(next_position, READ_PAGE_EVENTS) {
            Ok(page) => page,
            Err(error) => {
                let _ = sender.blocking_send(Err(error));
                return;
            }
        };
        if page.is_empty() {
            match wait_for_commit(signal, watch.as_mut(), next_position, sender) {
                None => return,
                Some(Wake::Reached | Wake::TimedOut) => continue,
                // One last look: the final batch may have committed just before the stop.
                Some(Wake::WriterStopped) => {
                    if readers.read_page(next_position, 1).map_or(true, |page| page.is_empty()) {
                        return;
                    }
                    continue;
                }
            }
        }
        for event in page {
            // Positions are gap-free by construction; check again after reading.
            if event.position.0 != next_position {
                let _ = sender.blocking_send(Err(ReadError::Corrupt {
                    position: next_position,
                    reason: format!("expected position {next_position}, read {}", event.position),
                }));
                return;
            }
            next_position += 1;
            if sender.blocking_send(Ok(event)).is_err() {
                return;
            }
        }
    }
}

/// Waits until the log may hold `position`: this process's writer signalled it, another
/// connection committed, or [`IDLE_RECHECK`] passed (without a watch). `None` once the consumer
/// is gone.
fn wait_for_commit(
    signal: &HeadSignal,
    mut foreign: Option<&mut ForeignCommits>,
    position: u64,
    sender: &mpsc::Sender<Result<RecordedEvent, ReadError>>,
) -> Option<Wake> {
    loop {
        if sender.is_closed() {
            return None;
        }
        let Some(foreign) = foreign.as_deref_mut() else {
            return Some(signal.wait_for(position, IDLE_RECHECK));
        };
        match signal.wait_for(position, foreign.pause) {
            Wake::TimedOut if !foreign.committed() => continue,
            wake => return Some(wake),
        }
    }
}

/// A [`ChangeWatch`] and the pause before its next question.
#[derive(Debug)]
struct ForeignCommits {
    watch: ChangeWatch,
    pause: Duration,
}

impl ForeignCommits {
    fn new(watch: ChangeWatch) -> ForeignCommits {
        ForeignCommits { watch, pause: FOREIGN_COMMIT_POLL }
    }

    /// Whether another connection committed; asks again soon if so, later if not.
    fn committed(&mut self) -> bool {
        let committed = self.watch.changed();
        self.pause = if committed {
            FOREIGN_COMMIT_POLL
        } else {
            (self.pause * 2).min(FOREIGN_COMMIT_POLL_MAX)
        };
        committed
    }
}
