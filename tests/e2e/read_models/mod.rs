//! The read models against generated histories.

mod customer360;
mod equivalence;
