//! Catch-up subscriptions: history from a position, then live events, as one gap-free sequence.
//!
//! There is no separate "live" path to switch to, so nothing can be lost or doubled at a switch:
//! a background thread reads the log by position, page after page, and when it has read
//! everything it waits on the writer's head signal and reads on. The writer publishes a head only
//! after its commit is durable, so whatever the signal promises is already readable.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::envelope::{Position, RecordedEvent};
use crate::error::ReadError;
use crate::limits::READ_PAGE_EVENTS;
use crate::read::ReaderPool;
use crate::signal::{HeadSignal, Wake};

/// How long an idle subscription waits for a signal before it looks at the log again. It looks
/// anyway because a writer in another process does not signal this one.
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
    loop {
        let page = match readers.read_page(next_position, READ_PAGE_EVENTS) {
            Ok(page) => page,
            Err(error) => {
                let _ = sender.blocking_send(Err(error));
                return;
            }
        };
        if page.is_empty() {
            if sender.is_closed() {
                return;
            }
            match signal.wait_for(next_position, IDLE_RECHECK) {
                Wake::Reached | Wake::TimedOut => continue,
                // One last look: the final batch may have committed just before the stop.
                Wake::WriterStopped => {
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
