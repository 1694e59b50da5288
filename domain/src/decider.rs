//! The decider: the shape every aggregate takes. `decide` holds the rules and returns facts or a
//! typed rejection; `evolve` only records facts. Neither reads a clock nor does I/O: the shell
//! puts the time and the actor into the [`Context`] before calling.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::Actor;

/// What every command is decided with besides its own fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    pub actor: Actor,
    /// When the command takes effect in the business (now, or a historical time on import).
    pub occurred_at: DateTime<Utc>,
}

pub trait Decider {
    type Command;
    type Event;
    type State: Default;
    type Error;

    /// The facts the command establishes, or why it may not. An idempotent repeat returns
    /// `Ok(vec![])`.
    fn decide(
        state: &Self::State,
        command: &Self::Command,
        context: &Context,
    ) -> Result<Vec<Self::Event>, Self::Error>;

    /// The state after one more fact. Records only: every rule lives in `decide`.
    fn evolve(state: Self::State, event: &Self::Event) -> Self::State;

    /// True when no command can change the state any more.
    fn is_terminal(state: &Self::State) -> bool;

    /// The state after a history of facts.
    fn replay<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self::State
    where
        Self::Event: 'a,
    {
        events.into_iter().fold(Self::State::default(), Self::evolve)
    }
}
