//! The relay's loop: resynchronise with the stream, tail the store from there, publish each
//! event with the expected last sequence, await acks in publish order within the window; on
//! any NATS failure, settle the acks in flight, back off and resynchronise.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_nats::Client;
use async_nats::jetstream::context::PublishError;
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::publish::PublishAck;
use async_nats::jetstream::{self, ContextBuilder};
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesOrdered;
use ltc_eventstore::{EventStore, Position, RecordedEvent};
use tokio::sync::watch;

use super::stream::{self, ResumeError};
use super::{Counters, RelayError, RelayOptions};
use crate::nats::event_message;

/// How a stretch of relaying ended.
enum Ended {
    /// A shutdown was requested; the acks in flight were awaited.
    Stopped,
    /// The store's writer stopped: nothing more will come.
    StoreClosed,
    /// NATS failed (server gone, ack timed out, publish refused): resynchronise.
    Transient(String),
}

type AckFuture = BoxFuture<'static, (u64, Result<PublishAck, PublishError>)>;

pub(super) async fn run(
    client: Client,
    store: EventStore,
    options: RelayOptions,
    counters: Arc<Counters>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), RelayError> {
    // Acks of futures dropped after a failure hold a permit until this timeout too, so the
    // client's permits come back as fast as the window's.
    let jetstream = ContextBuilder::new()
        .timeout(options.ack_timeout)
        .ack_timeout(options.ack_timeout)
        .build(client);
    let mut backoff = options.backoff_min;
    loop {
        if stop_requested(&stop) {
            return Ok(());
        }
        let reason = match stream::resume(&jetstream, &store).await {
            Ok(from) => {
                counters.position.store(from.0 - 1, Ordering::Relaxed);
                tracing::info!(from = from.0, "relay resuming");
                let ended = relay_from(&jetstream, &store, from, &options, &counters, &mut stop);
                let ended = ended.await?;
                if counters.position.load(Ordering::Relaxed) >= from.0 {
                    // Progress: the trouble, if any, was passing.
                    backoff = options.backoff_min;
                }
                match ended {
                    Ended::Stopped => {
                        tracing::info!(
                            position = counters.position.load(Ordering::Relaxed),
                            "relay stopped"
                        );
                        return Ok(());
                    }
                    Ended::StoreClosed => {
                        tracing::info!("relay stopping: the event store closed");
                        return Ok(());
                    }
                    Ended::Transient(reason) => reason,
                }
            }
            Err(ResumeError::Fatal(error)) => {
                tracing::error!(code = error.code(), %error, "relay stopped");
                return Err(error);
            }
            Err(ResumeError::Nats(reason)) => reason,
        };
        let retries = counters.retries.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::warn!(%reason, retries, backoff_ms = backoff.as_millis() as u64, "relay backing off");
        if sleep_unless_stopped(backoff, &mut stop).await {
            return Ok(());
        }
        backoff = (backoff * 2).min(options.backoff_max);
    }
}

/// Publishes from `from` on until a stop, the store's end, or a NATS failure. Only a fatal
/// error (an event without a message form, a broken invariant) is an `Err`.
async fn relay_from(
    jetstream: &jetstream::Context,
    store: &EventStore,
    from: Position,
    options: &RelayOptions,
    counters: &Counters,
    stop: &mut watch::Receiver<bool>,
) -> Result<Ended, RelayError> {
    let mut events = store.subscribe(from);
    let mut in_flight: FuturesOrdered<AckFuture> = FuturesOrdered::new();
    let mut next_position = from.0;
    let ended = loop {
        tokio::select! {
            biased;
            _ = stop.changed() => break Ended::Stopped,
            Some((position, ack)) = in_flight.next(), if !in_flight.is_empty() => {
                if let Err(reason) = settle(position, ack, counters)? {
                    break Ended::Transient(reason);
                }
            }
            event = events.next(), if in_flight.len() < options.window => {
                let event = match event {
                    Some(Ok(event)) => event,
                    Some(Err(error)) => return Err(error.into()),
                    None => break Ended::StoreClosed,
                };
                // The subscription is gap-free and ordered; check again at the boundary.
                assert_eq!(event.position.0, next_position, "the store's subscription skipped");
                next_position += 1;
                match publish(jetstream, &event).await? {
                    Ok(ack) => in_flight.push_back(ack),
                    Err(reason) => break Ended::Transient(reason),
                }
            }
        }
    };
    // Whatever ended the stretch, the acks in flight are settled (each within the ack
    // timeout), so the status is exact and the client's permits come back.
    let mut failure = None;
    while let Some((position, ack)) = in_flight.next().await {
        if failure.is_none()
            && let Err(reason) = settle(position, ack, counters)?
        {
            failure = Some(reason);
        }
    }
    Ok(match (ended, failure) {
        (Ended::Transient(reason), _) | (_, Some(reason)) => Ended::Transient(reason),
        (ended, None) => ended,
    })
}

/// Sends one event; the ack comes later through the returned future.
async fn publish(
    jetstream: &jetstream::Context,
    event: &RecordedEvent,
) -> Result<Result<AckFuture, String>, RelayError> {
    let message = event_message::to_message(event)?;
    let position = event.position.0;
    // The header that makes the stream's sequence equal the position (module docs).
    let publish = PublishMessage::build()
        .payload(message.body)
        .headers(message.headers)
        .expected_last_sequence(position - 1);
    match jetstream.send_publish(message.subject, publish).await {
        Ok(ack) => Ok(Ok(Box::pin(async move { (position, ack.await) }))),
        Err(error) => Ok(Err(format!("publishing position {position}: {error}"))),
    }
}

/// Records one ack. `Ok(Err(reason))` is a NATS failure to recover from.
fn settle(
    position: u64,
    ack: Result<PublishAck, PublishError>,
    counters: &Counters,
) -> Result<Result<(), String>, RelayError> {
    let ack = match ack {
        Ok(ack) => ack,
        Err(error) => return Ok(Err(format!("ack of position {position}: {error}"))),
    };
    if ack.sequence != position {
        return Err(RelayError::AckSequence { position, sequence: ack.sequence });
    }
    if ack.duplicate {
        counters.duplicates.fetch_add(1, Ordering::Relaxed);
    } else {
        counters.published.fetch_add(1, Ordering::Relaxed);
    }
    // Acks are settled in publish order, so this only ever moves forward by one.
    counters.position.fetch_max(position, Ordering::Relaxed);
    Ok(Ok(()))
}

fn stop_requested(stop: &watch::Receiver<bool>) -> bool {
    // A dropped handle stops the relay too.
    *stop.borrow() || stop.has_changed().is_err()
}

/// Sleeps `pause`; true when a stop was requested meanwhile.
async fn sleep_unless_stopped(pause: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(pause) => stop_requested(stop),
        _ = stop.changed() => true,
    }
}
