//! The read models against generated histories.

mod equivalence;
