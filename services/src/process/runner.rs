//! The process managers at work in a running service (`ltc serve`): every few milliseconds,
//! each handles what the log recorded since the last round, in causal order (conversion,
//! placement, invoicing, settlement, follow-ups), so a lead converted over NATS becomes a
//! customer and an opportunity, an accepted quote an order, an invoice a receivable.
//!
//! Their commands' ids derive from the causing events, so handling an event twice appends
//! nothing: the position they have handled is saved after each round (at least once, never
//! lost), in `<data>/process-managers.json`, and a restart resumes there. A reaction that fails
//! (a storage error, a rule the automation broke) is logged and the round retried with backoff;
//! commands keep being served meanwhile.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ltc_domain::money::Currency;
use ltc_eventstore::{EventStore, Position};
use serde::{Deserialize, Serialize};

use super::{
    Conversion, ConversionDefaults, FollowUpSettings, FollowUps, Invoicing, Placement,
    PlacementSettings, Settlement,
};
use crate::engine::Engine;

/// How often an idle runner looks at the log's head.
const IDLE_POLL: Duration = Duration::from_millis(20);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// How often a busy runner saves its position. The position only spares a restart from
/// re-reading what was handled (a rerun appends nothing), so under load it is saved once a
/// second, not after each round (a file written and renamed per commit was measurable CPU),
/// and always when the runner stops.
const SAVE_EVERY: Duration = Duration::from_secs(1);

/// Why a round of the process managers failed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessManagersError {
    #[error("the conversion process manager: {0}")]
    Conversion(#[from] super::ConversionError),
    #[error("the placement process manager: {0}")]
    Placement(#[from] super::PlacementError),
    #[error("the invoicing process manager: {0}")]
    Invoicing(#[from] super::InvoicingError),
    #[error("the settlement process manager: {0}")]
    Settlement(#[from] super::SettlementError),
    #[error("the follow-up process manager: {0}")]
    FollowUp(#[from] super::FollowUpError),
    #[error("saving the process managers' position: {0}")]
    Checkpoint(#[from] std::io::Error),
}

/// All five, over one engine's command paths (sharing its caches).
#[derive(Debug)]
pub struct ProcessManagers {
    conversion: Conversion,
    placement: Placement,
    invoicing: Invoicing,
    settlement: Settlement,
    follow_ups: FollowUps,
}

#[derive(Debug, Serialize, Deserialize)]
struct Checkpoint {
    /// Every event up to here has been handled by every process manager.
    position: u64,
}

impl ProcessManagers {
    pub fn new(engine: &Engine) -> ProcessManagers {
        let (store, paths, settings) = (engine.store().clone(), engine.paths(), engine.settings());
        // A converted lead's deal is in the company's currency: its first price book's.
        let currency = settings
            .pricing
            .price_books
            .first()
            .map_or_else(|| Currency::new("EUR").expect("EUR is a currency"), |book| book.currency);
        let defaults = ConversionDefaults { currency, pipeline: settings.pipeline.clone() };
        let placement = PlacementSettings {
            enabled: true,
            payment_terms: Arc::new(settings.payment_terms.clone()),
        };
        ProcessManagers {
            conversion: Conversion::new(
                store.clone(),
                paths.customers.clone(),
                paths.opportunities.clone(),
                defaults,
            ),
            placement: Placement::new(store.clone(), paths.orders.clone(), placement),
            invoicing: Invoicing::new(store.clone(), paths.payments.clone()),
            settlement: Settlement::new(
                store.clone(),
                paths.orders.clone(),
                paths.opportunities.clone(),
            ),
            follow_ups: FollowUps::new(
                store,
                paths.opportunities.clone(),
                FollowUpSettings::default(),
            ),
        }
    }

    /// One round over every event from `from` on; returns the commands that appended.
    pub async fn run_from(&self, from: Position) -> Result<u64, ProcessManagersError> {
        Ok(self.conversion.run_from(from).await?
            + self.placement.run_from(from).await?
            + self.invoicing.run_from(from).await?
            + self.settlement.run_from(from).await?
            + self.follow_ups.run_from(from).await?)
    }

    /// Follows `store` from the saved position until `stop` turns true.
    pub async fn follow(
        &self,
        store: &EventStore,
        checkpoint_file: &Path,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut handled = read_checkpoint(checkpoint_file);
        let mut saved = (handled, Instant::now());
        let mut backoff = IDLE_POLL;
        while !*stop.borrow() {
            if saved.0 != handled && saved.1.elapsed() >= SAVE_EVERY {
                save(checkpoint_file, handled);
                saved = (handled, Instant::now());
            }
            let head = store.head().position;
            if head > handled {
                match self.run_from(Position(handled + 1)).await {
                    Ok(appended) => {
                        if appended > 0 {
                            tracing::debug!(appended, through = head, "process managers");
                        }
                        handled = head;
                        backoff = IDLE_POLL;
                        continue;
                    }
                    Err(error) => {
                        backoff = (backoff * 2).min(BACKOFF_MAX);
                        tracing::error!(%error, from = handled + 1, retry_in = ?backoff,
                            "a process manager failed; retrying");
                    }
                }
            }
            let pause = if backoff > IDLE_POLL { backoff } else { IDLE_POLL };
            let _ = tokio::time::timeout(pause, stop.changed()).await;
        }
        if saved.0 != handled {
            save(checkpoint_file, handled);
        }
    }
}

/// `<data>/process-managers.json`.
pub fn checkpoint_path(data: &crate::data_dir::DataDir) -> PathBuf {
    data.root().join("process-managers.json")
}

fn read_checkpoint(path: &Path) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str::<Checkpoint>(&text).ok())
        .map_or(0, |checkpoint| checkpoint.position)
}

fn save(checkpoint_file: &Path, handled: u64) {
    if let Err(error) = write_checkpoint(checkpoint_file, handled) {
        tracing::warn!(%error, "saving the process managers' position");
    }
}

/// Written beside and renamed over, so a crash leaves the old position or the new, never half.
fn write_checkpoint(path: &Path, position: u64) -> std::io::Result<()> {
    let text = serde_json::to_string(&Checkpoint { position }).expect("a checkpoint serializes");
    let partial = path.with_extension("json.partial");
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, path)
}
