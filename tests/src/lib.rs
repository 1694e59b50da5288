//! Helpers shared by the end-to-end tests and their child processes.
