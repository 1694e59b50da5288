//! [`JetStreamFeed`]: the `LTC_EVENTS` stream as a projector [`Feed`].
//!
//! An ordered consumer (ephemeral, no acks, recreated by the client at the next sequence after a
//! gap or a lost server) starts at the position the runner wants next. The read model's own
//! checkpoint is the only cursor, so nothing on the server needs acknowledging or cleaning up.
//! A task on the caller's runtime pumps messages, decoded back into envelopes, into a bounded
//! channel; the runner's thread polls the other end.
//!
//! The feed promises neither order nor completeness, and does not need to: the runner skips what
//! it has applied and refetches from the store whatever the feed skipped. So a message that does
//! not decode (another publisher on `ltc.evt.>`, a newer relay's schema) is logged and left out,
//! and the runner fills its position from the store when the next one arrives. A consumer that
//! fails ends the feed with [`FeedError::Transport`]; the caller starts a new feed at
//! `Projector::next_position`.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, consumer};
use futures::StreamExt;
use ltc_eventstore::{Position, RecordedEvent};
use ltc_projections::{Delivery, Feed, FeedError};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::event_message;
use super::subjects::EVENTS_STREAM;

/// A JetStream consumer as a feed. Polled from a thread outside any async runtime (like
/// `StoreFeed`): its waits block. Dropping it stops its consumer.
#[derive(Debug)]
pub struct JetStreamFeed {
    events: mpsc::Receiver<Result<RecordedEvent, FeedError>>,
    /// Runs the feed's waits; the pump runs on the caller's runtime.
    waits: tokio::runtime::Runtime,
    pump: JoinHandle<()>,
}

impl JetStreamFeed {
    /// How long a waiting poll blocks before it answers [`Delivery::Idle`].
    pub const WAIT: Duration = Duration::from_millis(100);
    /// Envelopes decoded but not yet taken by the runner: a slow runner slows the consumer
    /// rather than growing memory.
    pub const BUFFER_EVENTS: usize = 2_048;

    /// A feed of `LTC_EVENTS` from `from` on (pass `Projector::next_position`), its consumer
    /// run on `runtime`.
    pub fn start(
        runtime: &tokio::runtime::Handle,
        jetstream: jetstream::Context,
        from: Position,
    ) -> std::io::Result<JetStreamFeed> {
        let waits = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
        let (sender, events) = mpsc::channel(JetStreamFeed::BUFFER_EVENTS);
        let pump = runtime.spawn(pump(jetstream, from, sender));
        Ok(JetStreamFeed { events, waits, pump })
    }
}

impl Drop for JetStreamFeed {
    fn drop(&mut self) {
        self.pump.abort();
    }
}

impl Feed for JetStreamFeed {
    fn poll(&mut self, wait: bool) -> Result<Delivery, FeedError> {
        let next = if wait {
            let events = &mut self.events;
            // The timer must be made inside the runtime, which owns the clock it runs on.
            let waited = self
                .waits
                .block_on(async { tokio::time::timeout(JetStreamFeed::WAIT, events.recv()).await });
            match waited {
                Ok(next) => next,
                Err(_elapsed) => return Ok(Delivery::Idle),
            }
        } else {
            match self.events.try_recv() {
                Ok(next) => Some(next),
                Err(mpsc::error::TryRecvError::Empty) => return Ok(Delivery::Idle),
                Err(mpsc::error::TryRecvError::Disconnected) => None,
            }
        };
        match next {
            Some(Ok(event)) => Ok(Delivery::Event(Arc::new(event))),
            Some(Err(error)) => Err(error),
            // The pump only stops after sending an error, unless it was cancelled.
            None => Ok(Delivery::Ended),
        }
    }
}

type Sender = mpsc::Sender<Result<RecordedEvent, FeedError>>;

/// How long the consumer may deliver nothing before the pump asks the stream whether it is
/// behind, and if it is, ends the feed so the runner starts a new one. After a nats-server
/// restart the client's ordered consumer was seen still silent a second later while the stream
/// had grown (its ephemeral consumer died with the server), so the pump does not rely on the
/// client's own recovery alone. A stream whose last message was deleted would look behind
/// forever and restart the feed every second: `LTC_EVENTS` denies deletes.
const STALL_CHECK: Duration = Duration::from_secs(1);

async fn pump(jetstream: jetstream::Context, from: Position, sender: Sender) {
    let transport = |error: &dyn std::fmt::Display| Err(FeedError::Transport(error.to_string()));
    let (events, mut messages) = match ordered_consumer(&jetstream, from).await {
        Ok(opened) => opened,
        Err(error) => {
            let _ = sender.send(transport(&error)).await;
            return;
        }
    };
    tracing::debug!(from = from.0, "JetStream feed started");
    let mut last_delivered = from.0.saturating_sub(1);
    loop {
        let message = match tokio::time::timeout(STALL_CHECK, messages.next()).await {
            Ok(Some(Ok(message))) => message,
            Ok(Some(Err(error))) => {
                let _ = sender.send(transport(&error)).await;
                return;
            }
            Ok(None) => {
                let _ = sender.send(transport(&"the JetStream consumer ended")).await;
                return;
            }
            Err(_idle) => {
                let last_sequence = events.get_info().await.map(|info| info.state.last_sequence);
                if let Ok(last_sequence) = last_sequence
                    && last_sequence > last_delivered
                {
                    let stalled = format!(
                        "the consumer is stalled at sequence {last_delivered}; the stream holds {last_sequence}"
                    );
                    let _ = sender.send(transport(&stalled)).await;
                    return;
                }
                continue;
            }
        };
        if let Ok(info) = message.info() {
            last_delivered = last_delivered.max(info.stream_sequence);
        }
        match decode(&message) {
            Ok(event) => {
                if sender.send(Ok(event)).await.is_err() {
                    return; // The feed was dropped.
                }
            }
            Err(reason) => {
                tracing::error!(%reason, "undecodable message in {EVENTS_STREAM} left out; the runner fills its position from the store");
            }
        }
    }
}

async fn ordered_consumer(
    jetstream: &jetstream::Context,
    from: Position,
) -> Result<(jetstream::stream::Stream, consumer::pull::Ordered), async_nats::Error> {
    let events = jetstream.get_stream(EVENTS_STREAM).await?;
    let config = consumer::pull::OrderedConfig {
        description: Some("an ltc projector's feed".to_owned()),
        deliver_policy: consumer::DeliverPolicy::ByStartSequence { start_sequence: from.0.max(1) },
        ..Default::default()
    };
    let messages = events.create_consumer(config).await?.messages().await?;
    Ok((events, messages))
}

/// The envelope in a message, checked against the stream sequence it arrived at.
fn decode(message: &jetstream::Message) -> Result<RecordedEvent, String> {
    let sequence = message.info().map_err(|error| error.to_string())?.stream_sequence;
    let empty = async_nats::HeaderMap::new();
    let headers = message.headers.as_ref().unwrap_or(&empty);
    let event =
        event_message::from_message(Some(message.subject.as_str()), headers, &message.payload)
            .map_err(|error| format!("sequence {sequence}: {error}"))?;
    if event.position.0 != sequence {
        return Err(format!("sequence {sequence} carries position {}", event.position));
    }
    Ok(event)
}
