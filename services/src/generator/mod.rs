//! The deterministic history generator: a seeded simulation of a small software company's sales
//! team, driven day by day through the real command path (never by appending events directly).
//! Leads arrive from the channels through lead intake, some of them duplicates, and are worked,
//! qualified or disqualified, merged, or converted by the conversion process manager into
//! customers whose opportunities join the deal flow. Customers are created, opportunities opened,
//! moved, won or lost; quotes priced from a catalog and price books, approved or rejected by a
//! manager, sent, accepted or declined; orders placed from accepted quotes by the placement
//! process manager, confirmed, fulfilled and invoiced; the invoicing process manager opens the
//! receivables; customers pay on time, late, in part, too much, or never; the settlement process
//! manager records orders paid (and wins the deals reps left open), and the follow-up process
//! manager gives reps tasks after each stage change.
//!
//! The same seed and scale give the same log, byte for byte, and so the same chain head hash:
//! every id comes from the seed, every time from the simulated business day, and the store's
//! `recorded_at` from the [`ManualClock`] the simulation advances.

mod automation;
mod cash;
pub(crate) mod catalog;
mod delivery;
mod ids;
mod lead_work;
mod leads;
mod people;
mod plan;
mod quotas;
mod sales;
mod simulation;
mod summary;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use chrono::NaiveDate;
use ltc_eventstore::{EventStore, ManualClock};

use crate::client_ids::ClientIds;

pub use leads::{ChannelCount, LeadSummary};
pub use summary::Summary;

/// The first simulated business day.
pub fn start_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 5).expect("a calendar date")
}

/// The demo company's settings: the catalog and price books the simulation sells from, with the
/// documented defaults for everything else.
pub fn demo_settings() -> crate::engine::Settings {
    crate::engine::Settings::with_pricing(catalog::pricing_data(chrono::Datelike::year(
        &start_date(),
    )))
}

/// The tenant every generated command belongs to.
pub const TENANT: &str = "demo";

/// How much history to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// 3 months, 20 customers: a few hundred events, seconds even in a debug build.
    Small,
    /// 12 months, 200 customers: some tens of thousands of events.
    Medium,
    /// 36 months, 2,000 customers: hundreds of thousands of events.
    Large,
}

impl Scale {
    pub fn months(self) -> u32 {
        match self {
            Scale::Small => 3,
            Scale::Medium => 12,
            Scale::Large => 36,
        }
    }

    pub fn customers(self) -> usize {
        match self {
            Scale::Small => 20,
            Scale::Medium => 200,
            Scale::Large => 2_000,
        }
    }
}

/// Why generation stopped. Any of these is a bug in the generator or the store, not bad input:
/// the simulation only sends commands the rules accept.
#[derive(Debug, thiserror::Error)]
pub enum GeneratorError {
    /// The command path refused or failed a command the simulation believed valid.
    #[error("{kind} command on {id} failed on {day}: {error}")]
    Command { kind: &'static str, id: uuid::Uuid, day: NaiveDate, error: String },
    #[error("the invoicing process manager failed: {0}")]
    Invoicing(#[from] crate::process::InvoicingError),
    #[error(transparent)]
    Automation(#[from] automation::AutomationError),
    #[error("the conversion process manager failed: {0}")]
    Conversion(#[from] crate::process::ConversionError),
    /// Lead intake refused or failed a capture, assignment or merge.
    #[error("lead intake failed on {day}: {error}")]
    Intake { day: NaiveDate, error: crate::leads::IntakeError },
    /// An aggregate the simulation reads back could not be loaded.
    #[error("loading {kind} {id}: {error}")]
    Load { kind: &'static str, id: uuid::Uuid, error: String },
    #[error(transparent)]
    Read(#[from] ltc_eventstore::ReadError),
    #[error(transparent)]
    Codec(#[from] ltc_eventstore::CodecError),
    /// A stored event is of a schema version this build cannot read.
    #[error(transparent)]
    Upcast(#[from] ltc_projections::DecodeError),
    /// The store already holds events: a history is only generated into an empty log.
    #[error("the event store already holds {0} events")]
    NotEmpty(u64),
}

/// Generates the history of `scale` with `seed` into `store`, whose clock must be `clock`.
/// The user table of the history `seed` generates: its managers, reps and finance clerk under
/// their first names, plus `admin` and `auditor`, whose ids are derived from the seed too.
pub fn users(seed: u64) -> Vec<crate::users::User> {
    use ltc_domain::actor::Role;
    use ltc_domain::ids::UserId;

    let mut ids = ids::IdSource::new(seed);
    let people = people::People::new(&mut ids);
    let mut users: Vec<crate::users::User> = people
        .everyone()
        .map(|person| crate::users::User {
            id: person.actor.user,
            name: person.name.clone(),
            role: person.actor.role,
            team: person.actor.team,
        })
        .collect();
    for (name, role) in [("admin", Role::Admin), ("auditor", Role::Auditor)] {
        let id = uuid::Uuid::new_v5(&ids.next("user"), name.as_bytes());
        users.push(crate::users::User { id: UserId(id), name: name.into(), role, team: None });
    }
    users
}

pub async fn generate(
    store: &EventStore,
    clock: Arc<ManualClock>,
    seed: u64,
    scale: Scale,
) -> Result<Summary, GeneratorError> {
    generate_with_ids(store, clock, seed, scale, ClientIds::Random).await
}

/// [`generate`], its records named with `ids`: the same history (the same events, amounts and
/// dates) whichever kind, only the ids of customers, deals, documents and commands differ.
pub async fn generate_with_ids(
    store: &EventStore,
    clock: Arc<ManualClock>,
    seed: u64,
    scale: Scale,
    ids: ClientIds,
) -> Result<Summary, GeneratorError> {
    let head = store.head().position;
    if head != 0 {
        return Err(GeneratorError::NotEmpty(head));
    }
    let mut engine = simulation::Simulation::new(store.clone(), clock, seed, scale, ids);
    engine.run().await?;
    engine.summary()
}

/// The small seeded history (seed 42, starting 2026-01-05) in a store of its own, for tests
/// that need a real log of every kind of event.
#[cfg(test)]
pub(crate) async fn small_history() -> (tempfile::TempDir, EventStore) {
    use chrono::TimeZone;

    let dir = tempfile::tempdir().expect("a temporary directory");
    let start = chrono::Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).single().expect("a valid date");
    let clock = Arc::new(ManualClock::new(start));
    let options = ltc_eventstore::StoreOptions { clock: clock.clone(), ..Default::default() };
    let store = EventStore::open(dir.path().join("events.db"), options).expect("open the store");
    generate(&store, clock, 42, Scale::Small).await.expect("generate the small history");
    (dir, store)
}
