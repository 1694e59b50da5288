//! The outbox relay: the event log IS the outbox, and the relay copies it, in position order,
//! into the JetStream stream `LTC_EVENTS`.
//!
//! How it never skips and never reorders: every event is published with
//! `Nats-Expected-Last-Sequence: position - 1`, so JetStream stores it only as the message right
//! after the one before it, and the stream's sequence equals the store's position by
//! construction. The stream itself is therefore the relay's checkpoint: on start and after every
//! error the relay reads the stream's last sequence and resumes at the next position. A publish
//! that was lost fails every publish after it (wrong last sequence), which sends the relay back
//! to that resynchronisation; a publish that the server stored but whose ack was lost comes
//! again after the resync and is recognised by `Nats-Msg-Id` (the event id) within the
//! stream's duplicate window, acknowledged with its original sequence. Before resuming, the
//! relay checks that the stream's last message is the store's event at that position, so a
//! stream fed by another store (or by someone else publishing on `ltc.evt.>`) stops it loudly.
//!
//! Acks are awaited in a bounded window (at most [`WINDOW_MAX`] in flight: the client blocks
//! forever past 5,000 un-awaited acks, shared/NATS.md) and in publish order; the acknowledged
//! position only moves when an ack for exactly that position arrives.
//!
//! Run one relay per store: two would not corrupt the stream (the sequence check refuses the
//! loser's publishes) but would spend their time resynchronising.
//!
//! - `mod.rs`: [`Relay::start`], [`RelayOptions`], [`RelayHandle`], [`RelayStatus`], errors.
//! - `stream.rs`: the `LTC_EVENTS` stream's configuration and the resume point.
//! - `run.rs`: the loop: resynchronise, tail the store, publish, await acks, back off.
//! - `service.rs`: the `ltc-relay` NATS micro service whose `$SRV.STATS` shows the lag.

mod run;
mod service;
mod stream;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_nats::Client;
use ltc_eventstore::{EventStore, ReadError};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::event_message::EventMessageError;

pub use service::RELAY_STATUS_SUBJECT;
pub use stream::events_stream_config;

/// The most acks the relay keeps in flight: well below the client's 5,000 permits.
pub const WINDOW_MAX: usize = 4_096;

#[derive(Debug, Clone)]
pub struct RelayOptions {
    /// Publishes awaiting their ack at once, 1 to [`WINDOW_MAX`].
    pub window: usize,
    /// How long one ack may take before the relay resynchronises.
    pub ack_timeout: Duration,
    /// The first pause after an error; doubled after each further error up to `backoff_max`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for RelayOptions {
    /// 1,024 acks in flight measured 145–184 k msgs/s on file storage (shared/NATS.md); an ack
    /// takes ~0.1 ms, so 2 s only passes when the server is gone.
    fn default() -> RelayOptions {
        RelayOptions {
            window: 1_024,
            ack_timeout: Duration::from_secs(2),
            backoff_min: Duration::from_millis(50),
            backoff_max: Duration::from_secs(2),
        }
    }
}

/// Why the relay stopped or could not start. Each variant's doc says what an operator does.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The options are out of range: fix the program.
    #[error("invalid relay options: {0}")]
    Options(String),
    /// The `ltc-relay` service could not be registered on the connection.
    #[error("starting the ltc-relay service: {0}")]
    Service(String),
    /// An event has no message form in this build (see the source); the relay stops rather
    /// than skip it. Fix the build, then start the relay again.
    #[error(transparent)]
    Encode(#[from] EventMessageError),
    /// The stream holds a position the store does not have: the stream belongs to another
    /// store, or this store lost events. Nothing was published.
    #[error(
        "{stream} ends at sequence {stream_last}, beyond the store's last position {store_head}"
    )]
    StreamAhead { stream: &'static str, stream_last: u64, store_head: u64 },
    /// The stream's message at `sequence` is not the store's event there: the stream was fed
    /// by another store or by another publisher on its subjects.
    #[error("{stream} sequence {sequence} holds message {found:?}, the store has event {expected}")]
    StreamMismatch { stream: &'static str, sequence: u64, found: String, expected: String },
    /// JetStream acknowledged a position at another sequence: a programmer error (the
    /// expected-last-sequence check makes it impossible).
    #[error("position {position} was acknowledged at stream sequence {sequence}")]
    AckSequence { position: u64, sequence: u64 },
    /// Reading the event store failed.
    #[error("reading the event store: {0}")]
    Store(#[from] ReadError),
    /// The relay's task panicked or was cancelled.
    #[error("the relay task ended abnormally: {0}")]
    Task(String),
}

impl RelayError {
    /// A stable machine-readable code per variant.
    pub fn code(&self) -> &'static str {
        match self {
            RelayError::Options(_) => "relay.options",
            RelayError::Service(_) => "relay.service",
            RelayError::Encode(_) => "relay.encode",
            RelayError::StreamAhead { .. } => "relay.stream_ahead",
            RelayError::StreamMismatch { .. } => "relay.stream_mismatch",
            RelayError::AckSequence { .. } => "relay.ack_sequence",
            RelayError::Store(_) => "relay.store",
            RelayError::Task(_) => "relay.task",
        }
    }
}

/// How far the relay is, as `$SRV.STATS` shows it in the `data` of its endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RelayStatus {
    /// The last position JetStream acknowledged (the stream's last sequence).
    pub position: u64,
    /// The store's last position, as this process sees it.
    pub head: u64,
    /// `head - position`: events committed but not yet in JetStream.
    pub lag: u64,
    /// Events this relay published and JetStream stored (duplicates not counted).
    pub published: u64,
    /// Publishes JetStream answered as duplicates (stored earlier, ack lost).
    pub duplicates: u64,
    /// Resynchronisations after an error (a lost server, a timed-out or refused publish).
    pub retries: u64,
}

/// The relay's counters, shared by its loop, its service and its handle.
#[derive(Debug, Default)]
struct Counters {
    position: AtomicU64,
    published: AtomicU64,
    duplicates: AtomicU64,
    retries: AtomicU64,
}

impl Counters {
    fn status(&self, store: &EventStore) -> RelayStatus {
        let position = self.position.load(Ordering::Relaxed);
        // Another process may write the store; what was relayed is committed in any case.
        let head = store.head().position.max(position);
        RelayStatus {
            position,
            head,
            lag: head - position,
            published: self.published.load(Ordering::Relaxed),
            duplicates: self.duplicates.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
        }
    }
}

/// The outbox relay; see the module docs.
#[derive(Debug)]
pub struct Relay;

impl Relay {
    /// Registers the `ltc-relay` service on `client` and starts relaying `store` in a task of
    /// the current runtime. A server that is away is waited for (with backoff), not an error.
    pub async fn start(
        client: Client,
        store: EventStore,
        options: RelayOptions,
    ) -> Result<RelayHandle, RelayError> {
        if options.window == 0 || options.window > WINDOW_MAX {
            return Err(RelayError::Options(format!(
                "window of {}; use 1 to {WINDOW_MAX}",
                options.window
            )));
        }
        if options.backoff_min.is_zero() || options.backoff_min > options.backoff_max {
            return Err(RelayError::Options("backoff_min must be > 0 and <= backoff_max".into()));
        }
        let counters = Arc::new(Counters::default());
        let service = service::start(&client, store.clone(), counters.clone()).await?;
        let (stop, stop_requested) = watch::channel(false);
        let task = tokio::spawn(run::run(
            client,
            store.clone(),
            options,
            counters.clone(),
            stop_requested,
        ));
        Ok(RelayHandle { store, counters, stop, task, service })
    }
}

/// A running relay. Dropping it stops the relay without waiting; [`RelayHandle::shutdown`]
/// waits for the acks in flight.
#[derive(Debug)]
pub struct RelayHandle {
    store: EventStore,
    counters: Arc<Counters>,
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<(), RelayError>>,
    service: service::RelayService,
}

impl RelayHandle {
    pub fn status(&self) -> RelayStatus {
        self.counters.status(&self.store)
    }

    /// Whether the relay has stopped (after a shutdown or a fatal error).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Stops taking new events, awaits the acks in flight, stops the service and returns the
    /// final status, or the error that had stopped the relay.
    pub async fn shutdown(self) -> Result<RelayStatus, RelayError> {
        let _ = self.stop.send(true);
        self.finish().await
    }

    /// Waits until the relay stops by itself, which only a fatal error makes it do.
    pub async fn wait(self) -> Result<RelayStatus, RelayError> {
        self.finish().await
    }

    async fn finish(self) -> Result<RelayStatus, RelayError> {
        let ended = self.task.await;
        self.service.stop().await;
        match ended {
            Ok(Ok(())) => Ok(self.counters.status(&self.store)),
            Ok(Err(error)) => Err(error),
            Err(join_error) => Err(RelayError::Task(join_error.to_string())),
        }
    }
}
