//! The read models against generated histories.

mod funnel;
mod leads;
mod stalled;
