//! Feeds: where the runner's envelopes come from. One projection code, several feeds.
//!
//! - [`StoreFeed`]: the store's catch-up subscription, history then live. The embedded default.
//! - [`HistoryFeed`]: a bounded range of the log, read ahead on a thread; what a rebuild uses.
//! - In step 4, a JetStream consumer: the same [`Feed`] trait, so the same projections.
//!
//! A feed promises nothing about order or completeness: the runner checks every position against
//! its checkpoints, skips what it has applied and refetches what a feed skipped.

use std::future::Future;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use ltc_eventstore::{EventStore, Position, ReadError, RecordedEvent, Subscription};

use crate::error::FeedError;

/// What a feed had when asked.
#[derive(Debug)]
#[allow(clippy::large_enum_variant, reason = "a boxed envelope is one allocation per event")]
pub enum Delivery {
    Event(RecordedEvent),
    /// Nothing right now; more may come.
    Idle,
    /// Nothing now and nothing ever: a bounded feed is exhausted or a live one closed.
    Ended,
}

/// A source of envelopes, polled by one runner thread.
pub trait Feed {
    /// The next envelope. With `wait`, blocks a short while (well under a second) for one to
    /// arrive before answering [`Delivery::Idle`], so a caller can check for a stop request in
    /// between; without it, answers at once.
    fn poll(&mut self, wait: bool) -> Result<Delivery, FeedError>;
}

/// The store's catch-up subscription as a feed. Its blocking waits run on a private
/// current-thread runtime, so it must not be polled from inside another async runtime.
#[derive(Debug)]
pub struct StoreFeed {
    subscription: Subscription,
    runtime: tokio::runtime::Runtime,
    wait: Duration,
}

impl StoreFeed {
    /// How long a waiting poll blocks before it answers [`Delivery::Idle`].
    pub const WAIT: Duration = Duration::from_millis(100);

    /// Every event from `from` on: pass [`crate::Projector::next_position`].
    pub fn new(store: &EventStore, from: Position) -> std::io::Result<StoreFeed> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
        Ok(StoreFeed { subscription: store.subscribe(from), runtime, wait: StoreFeed::WAIT })
    }
}

impl Feed for StoreFeed {
    fn poll(&mut self, wait: bool) -> Result<Delivery, FeedError> {
        let next = if wait {
            let (subscription, wait) = (&mut self.subscription, self.wait);
            // The timer must be made inside the runtime, which owns the clock it runs on.
            let waited = self
                .runtime
                .block_on(async { tokio::time::timeout(wait, subscription.next()).await });
            match waited {
                Ok(next) => next,
                Err(_elapsed) => return Ok(Delivery::Idle),
            }
        } else {
            // One poll with a waker that does nothing: the channel answers at once whether an
            // event is buffered, and the subscription's `recv` may be abandoned safely.
            let mut next = std::pin::pin!(self.subscription.next());
            match next.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                Poll::Ready(next) => next,
                Poll::Pending => return Ok(Delivery::Idle),
            }
        };
        match next {
            Some(Ok(event)) => Ok(Delivery::Event(event)),
            Some(Err(error)) => Err(error.into()),
            None => Ok(Delivery::Ended),
        }
    }
}

/// Positions `from..=upto` of the log, then [`Delivery::Ended`]. A thread of its own reads the
/// range a page ahead of the consumer, so reading envelopes and applying them overlap on two
/// cores; at most [`HistoryFeed::PAGES_AHEAD`] pages wait in between. Dropping the feed stops
/// the thread at its next page.
#[derive(Debug)]
pub struct HistoryFeed {
    pages: Receiver<Result<Vec<RecordedEvent>, ReadError>>,
    page: std::vec::IntoIter<RecordedEvent>,
}

impl HistoryFeed {
    /// Envelopes per page handed from the reading thread to the consumer.
    pub const PAGE_EVENTS: usize = 1024;
    /// Pages read but not yet consumed: the bound on what the feed holds in memory.
    pub const PAGES_AHEAD: usize = 2;

    pub fn new(store: &EventStore, from: Position, upto: Position) -> std::io::Result<HistoryFeed> {
        let n_events = (upto.0 + 1).saturating_sub(from.0.max(1));
        let (sender, pages) = sync_channel(HistoryFeed::PAGES_AHEAD);
        let store = store.clone();
        std::thread::Builder::new()
            .name("ltc-projections-history".into())
            .spawn(move || read_ahead(&store, from, n_events, &sender))?;
        Ok(HistoryFeed { pages, page: Vec::new().into_iter() })
    }
}

/// Never [`Delivery::Idle`]: the range exists, so a poll waits for the reading thread.
impl Feed for HistoryFeed {
    fn poll(&mut self, _wait: bool) -> Result<Delivery, FeedError> {
        loop {
            if let Some(event) = self.page.next() {
                return Ok(Delivery::Event(event));
            }
            match self.pages.recv() {
                Ok(Ok(page)) => self.page = page.into_iter(),
                Ok(Err(error)) => return Err(error.into()),
                // The reader has sent everything and hung up.
                Err(_) => return Ok(Delivery::Ended),
            }
        }
    }
}

fn read_ahead(
    store: &EventStore,
    from: Position,
    n_events: u64,
    sender: &SyncSender<Result<Vec<RecordedEvent>, ReadError>>,
) {
    let mut page = Vec::with_capacity(HistoryFeed::PAGE_EVENTS);
    for event in store.read_all(from, n_events) {
        match event {
            Ok(event) => page.push(event),
            Err(error) => {
                let _ = sender.send(Err(error));
                return;
            }
        }
        if page.len() == HistoryFeed::PAGE_EVENTS {
            let full = std::mem::replace(&mut page, Vec::with_capacity(HistoryFeed::PAGE_EVENTS));
            if sender.send(Ok(full)).is_err() {
                return; // The feed was dropped.
            }
        }
    }
    if !page.is_empty() {
        let _ = sender.send(Ok(page));
    }
}
