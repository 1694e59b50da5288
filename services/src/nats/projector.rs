//! The step-3 projections fed from JetStream: [`run_nats_projector`] keeps the read models of a
//! read-model directory up with `LTC_EVENTS` until told to stop.
//!
//! The runner (`ltc_projections::Projector`) does the hard part: each batch and the checkpoints
//! it moves commit in one SQLite transaction; a position at or below the checkpoint (a
//! redelivery) is skipped; a position past the one due is a hole, filled from the event store
//! or, if the store cannot, the run stops with `ProjectorError::Hole` — an event is never
//! skipped. This module only supplies the feed ([`JetStreamFeed`] at the runner's next
//! position) and starts a new one, after a backoff, whenever the old one fails: a lost server,
//! a stream not created yet. The ordered consumer needs no acks, so there is nothing to
//! acknowledge after a commit: the checkpoint is the only cursor.
//!
//! Like every `ltc` process that writes read models, the run holds the directory's lock
//! (`DirectoryLock`) for as long as it lasts.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_nats::{Client, jetstream};
use ltc_eventstore::{EventStore, SystemClock};
use ltc_projections::{
    FeedState, Projection, Projector, ProjectorError, ProjectorOptions, ReadModels,
};
use serde::Serialize;

use super::feed::JetStreamFeed;
use crate::read_models::{DirectoryLock, ReadModelsError, projection_named, projections};

/// The first pause before a new feed after a failed one; doubled up to [`BACKOFF_MAX`].
const BACKOFF_MIN: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// What a run did, for logs and for measuring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NatsProjectorTotals {
    /// Positions applied (each offered to every projection still below it).
    pub applied: u64,
    /// Delivered positions already applied, skipped.
    pub duplicates: u64,
    /// Positions read from the store: holes in the feed filled, and what the feed had
    /// delivered past a swapped-in older generation.
    pub refetched: u64,
    /// Feeds started again after a failure.
    pub feed_restarts: u64,
    /// The lowest checkpoint when the run ended.
    pub position: u64,
}

/// Why the run stopped on its own. Each variant's doc says what an operator does.
#[derive(Debug, thiserror::Error)]
pub enum NatsProjectorError {
    /// The runner failed for a reason a new feed does not cure: a hole the store cannot fill,
    /// a projection that cannot apply an event, the read-model database. Nothing half-applied
    /// was kept; see the message.
    #[error(transparent)]
    Projector(#[from] ProjectorError),
    /// A projection name this build does not have, or the directory's lock.
    #[error(transparent)]
    ReadModels(#[from] ReadModelsError),
    /// The runner's thread panicked.
    #[error("the projector thread ended abnormally: {0}")]
    Task(String),
}

impl NatsProjectorError {
    /// A stable machine-readable code per variant.
    pub fn code(&self) -> &'static str {
        match self {
            NatsProjectorError::Projector(ProjectorError::Hole { .. }) => "projector.hole",
            NatsProjectorError::Projector(_) => "projector.failed",
            NatsProjectorError::ReadModels(error) => error.code(),
            NatsProjectorError::Task(_) => "projector.task",
        }
    }
}

/// Runs the projections named in `names` (every projection of this build when empty) over the
/// read models in `read_models_dir`, fed from `LTC_EVENTS`, until `shutdown` resolves (then the
/// batch under way commits and the totals are returned) or a failure a new feed cannot cure.
/// The runner works on a blocking thread; the consumer on the current runtime.
pub async fn run_nats_projector(
    client: Client,
    store: EventStore,
    read_models_dir: PathBuf,
    names: &[&str],
    shutdown: impl Future<Output = ()>,
) -> Result<NatsProjectorTotals, NatsProjectorError> {
    let chosen: Vec<Box<dyn Projection>> = if names.is_empty() {
        projections()
    } else {
        names.iter().map(|name| projection_named(name)).collect::<Result<_, _>>()?
    };
    let stop = Arc::new(AtomicBool::new(false));
    let runner = Runner {
        runtime: tokio::runtime::Handle::current(),
        jetstream: jetstream::new(client),
        store,
        read_models_dir,
        stop: stop.clone(),
    };
    let mut task = tokio::task::spawn_blocking(move || runner.run(chosen));
    let shutdown = std::pin::pin!(shutdown);
    tokio::select! {
        ended = &mut task => return joined(ended),
        () = shutdown => {}
    }
    stop.store(true, Ordering::Relaxed);
    joined(task.await)
}

fn joined(
    ended: Result<Result<NatsProjectorTotals, NatsProjectorError>, tokio::task::JoinError>,
) -> Result<NatsProjectorTotals, NatsProjectorError> {
    ended.map_err(|error| NatsProjectorError::Task(error.to_string()))?
}

struct Runner {
    runtime: tokio::runtime::Handle,
    jetstream: jetstream::Context,
    store: EventStore,
    read_models_dir: PathBuf,
    stop: Arc<AtomicBool>,
}

impl Runner {
    fn run(
        self,
        chosen: Vec<Box<dyn Projection>>,
    ) -> Result<NatsProjectorTotals, NatsProjectorError> {
        let _lock = DirectoryLock::acquire(&self.read_models_dir).map_err(ReadModelsError::from)?;
        let read_models = ReadModels::open(&self.read_models_dir, Arc::new(SystemClock))?;
        let mut projector =
            Projector::open(self.store.clone(), &read_models, chosen, ProjectorOptions::default())?;
        let mut totals = NatsProjectorTotals::default();
        let mut backoff = BACKOFF_MIN;
        while !self.stopped() {
            let from = projector.next_position();
            tracing::info!(from = from.0, "projector feed starting");
            let mut feed = JetStreamFeed::start(&self.runtime, self.jetstream.clone(), from)
                .map_err(ProjectorError::Thread)?;
            let failure = loop {
                if self.stopped() {
                    break None;
                }
                match projector.apply_batch(&mut feed, true) {
                    Ok(outcome) => {
                        totals.applied += outcome.applied;
                        totals.duplicates += outcome.duplicates;
                        totals.refetched += outcome.refetched;
                        if outcome.applied > 0 {
                            backoff = BACKOFF_MIN;
                        }
                        if outcome.feed == FeedState::Ended {
                            break Some("the feed ended".to_owned());
                        }
                    }
                    Err(ProjectorError::Feed(error)) => break Some(error.to_string()),
                    Err(error) => {
                        tracing::error!(%error, "projector stopped");
                        return Err(error.into());
                    }
                }
            };
            let Some(reason) = failure else { break };
            totals.feed_restarts += 1;
            tracing::warn!(%reason, backoff_ms = backoff.as_millis() as u64, "projector feed failed; starting a new one");
            drop(feed);
            self.sleep(backoff);
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
        totals.position = projector.next_position().0 - 1;
        Ok(totals)
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Sleeps `pause` in short steps, so a stop is noticed.
    fn sleep(&self, pause: Duration) {
        let step = Duration::from_millis(20);
        let mut slept = Duration::ZERO;
        while slept < pause && !self.stopped() {
            std::thread::sleep(step);
            slept += step;
        }
    }
}
