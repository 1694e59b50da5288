//! The lead-to-cash rules as pure deciders (`decide`, `evolve`): lead, customer, opportunity,
//! quote, order and payment.
//!
//! **Invariant:** nothing here does I/O, reads a clock or draws a random number. Time, the actor
//! and any prices or rates arrive inside the command and its [`decider::Context`]; the same
//! history always evolves to the same state.

pub mod actor;
pub mod customer;
pub mod decider;
pub mod ids;
pub mod instant_text;
pub mod lead;
pub mod money;
pub mod opportunity;
pub mod order;
pub mod payment;
pub mod quota;
pub mod quote;
pub mod schema;
#[cfg(test)]
mod testing;
