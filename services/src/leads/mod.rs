//! Lead intake in the shell: what capturing a lead needs beyond the lead's own stream. The
//! [`LeadDirectory`] knows, from the lead events in the log alone, which open lead each
//! normalised email, phone and company belongs to, how many open leads each rep owns, and whose
//! turn it is under each assignment rule. The [`LeadIntake`] uses it to send a capture with the
//! survivor it duplicates, to assign a new lead by the rules, and to merge a duplicate into its
//! survivor.

mod claims;
mod directory;
mod intake;
mod settings;
#[cfg(test)]
mod tests;

pub use directory::{DirectoryError, LeadDirectory, MERGE_CHAIN_MAX};
pub use intake::{Assignment, CaptureRequest, Captured, IntakeError, LeadIntake, Merged};
pub use settings::{AssignmentSettings, REPS_MAX, RepCapacity, SettingsError};
