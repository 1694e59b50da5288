//! Read models held to the log of a generated history.

mod collections;
mod reps;
