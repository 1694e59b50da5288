//! Feeds: where the runner's envelopes come from. One projection code, several feeds.
//!
//! - [`StoreFeed`]: the store's catch-up subscription, history then live. The embedded default.
//! - [`HistoryFeed`]: a bounded range of the log, read ahead on a thread; what a rebuild uses.
//! - In step 4, a JetStream consumer: the same [`Feed`] trait, so the same projections.
//!
//! A feed promises nothing about order or completeness: the runner checks every position against
//! its checkpoints, skips what it has applied and refetches what a feed skipped.

use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use ltc_eventstore::{EventStore, Position, ReadError, RecordedEvent, Subscription};

use crate::error::FeedError;

/// What a feed had when asked.
#[derive(Debug)]
pub enum Delivery {
    /// Shared, not owned: a rebuild's runners are handed the same envelope from one reading
    /// thread, and copying it for each cost ≈ 2 % of a rebuild's instructions (five allocations
    /// and the payload per envelope).
    Event(Arc<RecordedEvent>),
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
            Some(Ok(event)) => Ok(Delivery::Event(Arc::new(event))),
            Some(Err(error)) => Err(error.into()),
            None => Ok(Delivery::Ended),
        }
    }
}

/// A payload decoded on a history feed's reading thread, handed to each runner with its envelope.
pub type Predecoded = Arc<dyn Any + Send + Sync>;

/// Work a history feed's reading thread does once per envelope for every runner it feeds.
///
/// Why: a rebuild's two groups decode some of the same payloads (an opportunity's events are
/// decoded by customer360 in one group and by forecast, funnel, stalled and reps in the other;
/// ≈ a fifth of what the groups decode), and decoding is a tenth of a rebuild's instructions.
/// Decoded once on the reading thread, the least busy of a rebuild's three, each payload is
/// decoded once instead of up to twice, and neither group's thread decodes at all (BENCHMARKS.md,
/// "Small costs a rebuild paid per event").
#[derive(Debug, Clone, Copy)]
pub struct Predecoding {
    /// The envelope's payload decoded, if the runners will want it; `None` leaves the decoding
    /// (and reporting any error) to them.
    pub decode: fn(&RecordedEvent) -> Option<Predecoded>,
    /// Called on a runner's thread with the decoded payload of the envelope the feed is about
    /// to deliver to it.
    pub offer: fn(&Predecoded),
}

/// Positions `from..=upto` of the log, then [`Delivery::Ended`]. A thread of its own reads the
/// range a page ahead of the consumer, so reading envelopes and applying them overlap on two
/// cores; at most [`HistoryFeed::PAGES_AHEAD`] pages wait in between. Dropping the feed stops
/// the thread at its next page.
///
/// [`HistoryFeed::split`] gives several runners the same range from one reading thread: a
/// rebuild's two groups each need every envelope, and reading the log once instead of twice
/// saves a core's worth of reading (each page is read once, and its envelopes are shared).
#[derive(Debug)]
pub struct HistoryFeed {
    pages: Receiver<Page>,
    page: Option<Arc<PageOfEvents>>,
    /// The next envelope of `page` to deliver.
    next: usize,
    predecoding: Option<Predecoding>,
}

/// Envelopes read, in log order, and with [`Predecoding`] their payloads decoded (else empty).
#[derive(Debug)]
struct PageOfEvents {
    events: Vec<Arc<RecordedEvent>>,
    decoded: Vec<Option<Predecoded>>,
}

/// What the reading thread hands each feed: a page it shares with the other feeds, or the
/// error that ended the read (every feed gets it).
type Page = Result<Arc<PageOfEvents>, Arc<ReadError>>;

impl HistoryFeed {
    /// Envelopes per page handed from the reading thread to the consumer.
    pub const PAGE_EVENTS: usize = 1024;
    /// Pages read but not yet consumed, per feed: the bound on what the feed holds in memory.
    /// With several feeds the reader waits for the slowest, so this also absorbs how far the
    /// runners drift apart.
    pub const PAGES_AHEAD: usize = 4;

    pub fn new(store: &EventStore, from: Position, upto: Position) -> std::io::Result<HistoryFeed> {
        let mut feeds = HistoryFeed::split(store, from, upto, 1)?;
        Ok(feeds.remove(0))
    }

    /// `n_feeds` feeds (at least one) of the same range, read once. A feed that is dropped
    /// stops getting pages; the reading thread stops when every feed is gone.
    ///
    /// The reader waits for the slowest feed, so every feed must be polled on a thread of its
    /// own (or dropped): one thread draining one feed while it holds another waits forever once
    /// the other's [`HistoryFeed::PAGES_AHEAD`] pages are full.
    pub fn split(
        store: &EventStore,
        from: Position,
        upto: Position,
        n_feeds: usize,
    ) -> std::io::Result<Vec<HistoryFeed>> {
        HistoryFeed::split_with(store, from, upto, n_feeds, None)
    }

    /// [`HistoryFeed::split`], the reading thread also doing `predecoding` for every feed.
    pub fn split_with(
        store: &EventStore,
        from: Position,
        upto: Position,
        n_feeds: usize,
        predecoding: Option<Predecoding>,
    ) -> std::io::Result<Vec<HistoryFeed>> {
        let n_events = (upto.0 + 1).saturating_sub(from.0.max(1));
        let (senders, receivers): (Vec<_>, Vec<_>) =
            (0..n_feeds.max(1)).map(|_| sync_channel(HistoryFeed::PAGES_AHEAD)).unzip();
        let store = store.clone();
        std::thread::Builder::new()
            .name("ltc-projections-history".into())
            .spawn(move || read_ahead(&store, from, n_events, predecoding, senders))?;
        Ok(receivers
            .into_iter()
            .map(|pages| HistoryFeed { pages, page: None, next: 0, predecoding })
            .collect())
    }

    /// The next envelope of the page in hand, if any, with its decoded payload if it has one.
    fn next_of_page(&mut self) -> Option<(Arc<RecordedEvent>, Option<Predecoded>)> {
        let page = self.page.as_ref()?;
        let Some(event) = page.events.get(self.next) else {
            self.page = None;
            return None;
        };
        let decoded = page.decoded.get(self.next).cloned().flatten();
        self.next += 1;
        Some((Arc::clone(event), decoded))
    }
}

/// Never [`Delivery::Idle`]: the range exists, so a poll waits for the reading thread.
impl Feed for HistoryFeed {
    fn poll(&mut self, _wait: bool) -> Result<Delivery, FeedError> {
        loop {
            if let Some((event, decoded)) = self.next_of_page() {
                if let (Some(predecoding), Some(decoded)) = (self.predecoding, &decoded) {
                    (predecoding.offer)(decoded);
                }
                return Ok(Delivery::Event(event));
            }
            match self.pages.recv() {
                Ok(Ok(page)) => {
                    self.page = Some(page);
                    self.next = 0;
                }
                Ok(Err(error)) => {
                    return Err(match Arc::try_unwrap(error) {
                        Ok(error) => FeedError::Store(error),
                        Err(shared) => FeedError::SharedRead(shared),
                    });
                }
                // The reader has sent everything and hung up.
                Err(_) => return Ok(Delivery::Ended),
            }
        }
    }
}

/// Sends `page` to every feed still listening, and forgets the ones that hung up; false once
/// none is left. The last feed gets `page` itself and the others a clone, so that the reader
/// keeps no reference: a page is freed as soon as the last feed is done with it, and the last
/// holder of an error can take it whole.
fn send_to_every_feed(senders: &mut Vec<SyncSender<Page>>, page: Page) -> bool {
    let Some(last) = senders.pop() else { return false };
    senders.retain(|sender| sender.send(page.clone()).is_ok());
    if last.send(page).is_ok() {
        senders.push(last);
    }
    !senders.is_empty()
}

fn read_ahead(
    store: &EventStore,
    from: Position,
    n_events: u64,
    predecoding: Option<Predecoding>,
    mut senders: Vec<SyncSender<Page>>,
) {
    let mut send = |page: Page| send_to_every_feed(&mut senders, page);
    let empty_page = || PageOfEvents {
        events: Vec::with_capacity(HistoryFeed::PAGE_EVENTS),
        decoded: Vec::with_capacity(predecoding.map_or(0, |_| HistoryFeed::PAGE_EVENTS)),
    };
    let mut page = empty_page();
    for event in store.read_all(from, n_events) {
        match event {
            Ok(event) => {
                if let Some(predecoding) = predecoding {
                    // A decode that panics is left to the runner, which decodes the payload
                    // again and panics with its own message on its own thread: here it would
                    // only end the feed, which runners take for the end of the range.
                    let decode = || (predecoding.decode)(&event);
                    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode));
                    page.decoded.push(decoded.ok().flatten());
                }
                page.events.push(Arc::new(event));
            }
            Err(error) => {
                send(Err(Arc::new(error)));
                return;
            }
        }
        if page.events.len() == HistoryFeed::PAGE_EVENTS {
            let full = std::mem::replace(&mut page, empty_page());
            if !send(Ok(Arc::new(full))) {
                return; // Every feed was dropped.
            }
        }
    }
    if !page.events.is_empty() {
        send(Ok(Arc::new(page)));
    }
}
