//! The data directory every `ltc` subcommand takes as `--data DIR`: the event store and the read
//! models live side by side in it, in separate SQLite files.

use std::path::{Path, PathBuf};

/// Where `ltc` keeps its files when `--data` is not given.
pub const DEFAULT_DATA_DIR: &str = "./ltc-data";

#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The append-only event log.
    pub fn event_store(&self) -> PathBuf {
        self.root.join("events.db")
    }

    /// The read models' directory: generations of one SQLite database and the `CURRENT` file
    /// that names the one in service (see `ltc_projections::ReadModels`).
    pub fn read_models(&self) -> PathBuf {
        self.root.join("read-models")
    }

    /// The user table (`ltc::users`): who may send commands over NATS, with which role.
    pub fn users(&self) -> PathBuf {
        self.root.join("users.json")
    }
}
