//! Process managers: automation that reacts to events by issuing commands. Each command's id is
//! derived from the event that caused it, so running a process manager again over events it has
//! already handled (after a crash, or from position 1) is answered as a duplicate and appends
//! nothing: they are idempotent and restart-safe without a checkpoint of their own.
//!
//! What a process manager decides is read from the log as it stood at the causing event (the
//! causing stream with [`state_as_of`], whose states `replayed.rs` keeps between events, other
//! streams with [`state_at`]), so a rerun from
//! position 1 issues exactly the commands the first run issued, and those are answered as
//! duplicates.

mod conversion;
mod follow_up;
mod invoicing;
mod placement;
mod replayed;
mod runner;
mod settlement;
#[cfg(test)]
mod tests;

use ltc_domain::actor::{Actor, Role};
use ltc_domain::ids::UserId;
use ltc_eventstore::{
    CodecError, EventStore, HeaderFilter, Position, ReadError, ReadFiltered, RecordedEvent,
    StreamId,
};
use uuid::Uuid;

use crate::command::Aggregate;

pub use conversion::{Conversion, ConversionDefaults, ConversionError};
pub use follow_up::{FollowUpError, FollowUpSettings, FollowUps};
pub use invoicing::{Invoicing, InvoicingError};
pub use placement::{PaymentTermsPolicy, Placement, PlacementError, PlacementSettings};
pub use runner::{ProcessManagers, ProcessManagersError, checkpoint_path};
pub use settlement::{Settlement, SettlementError};

use crate::command::CommandMeta;
use crate::derived_id::derived_id;

/// The user the automation acts as. An admin, because it carries out what the business already
/// decided (an invoice was issued, so its receivable opens).
pub const SYSTEM_USER: UserId = UserId(Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_5157_e301));

/// The command `cause` leads process manager `process` to issue as its `index`th reaction.
pub fn caused_command(cause: &RecordedEvent, process: &str, index: u32) -> CommandMeta {
    let mut name = process.as_bytes().to_vec();
    name.extend_from_slice(&index.to_le_bytes());
    let command_id = derived_id(cause.event_id.0, &name);
    CommandMeta {
        command_id,
        correlation_id: cause.metadata.correlation_id,
        causation_id: Some(cause.event_id.0),
        actor: Actor { user: SYSTEM_USER, role: Role::Admin, team: None },
        tenant: cause.metadata.tenant.clone(),
        expected_version: None,
    }
}

/// The state of the aggregate `cause` belongs to, as it stood right after `cause`: what a process
/// manager reacting to that event knew at the time, whatever happened to the stream since.
pub fn state_as_of<A: Aggregate>(
    store: &EventStore,
    cause: &RecordedEvent,
) -> Result<A::State, StateAsOfError> {
    let mut state = A::State::default();
    for recorded in store.read_stream(&cause.stream, 1)? {
        if recorded.version > cause.version {
            break;
        }
        let event: A::Event = ltc_projections::decode_event(&recorded)?;
        state = A::evolve(state, &event);
    }
    Ok(state)
}

/// The state of aggregate `id` as it stood at log position `position`, events after it unseen:
/// what a process manager reacting to the event at `position` knew of another stream.
pub fn state_at<A: Aggregate>(
    store: &EventStore,
    id: Uuid,
    position: Position,
) -> Result<A::State, StateAsOfError> {
    let stream = StreamId::new(A::KIND, id).expect("aggregate kinds are valid stream kinds");
    let mut state = A::State::default();
    for recorded in store.read_stream(&stream, 1)? {
        if recorded.position > position {
            break;
        }
        let event: A::Event = ltc_projections::decode_event(&recorded)?;
        state = A::evolve(state, &event);
    }
    Ok(state)
}

#[derive(Debug, thiserror::Error)]
pub enum StateAsOfError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// A stored event is of a schema version this build cannot read.
    #[error(transparent)]
    Upcast(#[from] ltc_projections::DecodeError),
}

/// The events from `from` to the head that a process manager reacts to: those of one of the
/// `(stream kind, event types)` pairs in `causes`. SQLite passes over every other event without
/// building it; reading the whole log and looking at two header fields was a fifth of the command
/// role's CPU, five process managers each building every event.
pub(crate) fn causes_from(
    store: &EventStore,
    from: Position,
    causes: &[(&str, &[&str])],
) -> ReadFiltered {
    let filter = HeaderFilter::Any(
        causes
            .iter()
            .map(|(kind, types)| {
                HeaderFilter::All(vec![
                    HeaderFilter::KindIn(vec![(*kind).to_owned()]),
                    HeaderFilter::TypeIn(types.iter().map(|t| (*t).to_owned()).collect()),
                ])
            })
            .collect(),
    );
    store.read_filtered(from, Position(store.head().position), &filter)
}
