//! [`ReadModels`]: the read-model directory, kept apart from the event store's file.
//!
//! The directory holds numbered *generations* of one SQLite database (`gen-000001.db`, …) and a
//! `CURRENT` file naming the one in service. A rebuild writes a new generation beside the live
//! one; the swap rewrites `CURRENT` (write a temporary file, fsync, rename, fsync the directory),
//! which is atomic: whoever reads `CURRENT` sees the old generation or the new, never a mix.
//!
//! Why not rename the new database over the live file: in WAL mode a database is three files
//! (`x.db`, `x.db-wal`, `x.db-shm`). A renamed database would meet the old database's WAL and
//! shared memory under its new name, and SQLite does not check that a WAL belongs to the file
//! beside it; the old WAL's frames would be read into the new database. Each generation keeps
//! its own three files under its own name instead.
//!
//! What a reader sees across a swap: a connection opened before it keeps reading the old
//! generation, complete and consistent but no longer advanced (the runner moves to the new one
//! at its next batch). A connection opened after it ([`ReadModels::reader`]) reads the new one.
//! Old generations stay on disk until [`ReadModels::remove_stale`] or the next
//! [`ReadModels::open`], so no reader loses its file under it; on Unix even a removed file stays
//! readable through connections already open.
//!
//! One process owns a read-model directory at a time, as one writer owns the event store.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use ltc_eventstore::{Clock, EventStore};
use rusqlite::Connection;

use crate::checkpoint::{self, Checkpoint, WriteMode};
use crate::error::ProjectorError;
use crate::limits::GENERATIONS_MAX;

const POINTER_FILE: &str = "CURRENT";
const POINTER_TEMP_FILE: &str = "CURRENT.tmp";

/// One numbered copy of the read-model database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Generation(pub u64);

impl Generation {
    pub fn file_name(self) -> String {
        format!("gen-{:06}.db", self.0)
    }

    fn parse(file_name: &str) -> Option<Generation> {
        let digits = file_name.strip_prefix("gen-")?.strip_suffix(".db")?;
        let valid = digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit());
        valid.then(|| digits.parse().ok().map(Generation)).flatten()
    }
}

/// How far one projection is behind the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lag {
    pub projection: String,
    pub checkpoint: u64,
    pub head: u64,
    /// `head - checkpoint`: events committed to the store and not yet in the read model.
    pub behind: u64,
}

/// A cheap-to-clone handle to a read-model directory.
#[derive(Debug, Clone)]
pub struct ReadModels {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    dir: PathBuf,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    current: Generation,
    /// The highest generation number handed out, so a new one never reuses a file.
    last_numbered: u64,
}

impl ReadModels {
    /// Opens the directory (creating it and a first, empty generation if need be) and removes
    /// generations other than the current one, left by earlier swaps or abandoned rebuilds.
    /// `clock` stamps checkpoints' `updated_at`.
    pub fn open(
        dir: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
    ) -> Result<ReadModels, ProjectorError> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir)?;
        let current = match std::fs::read_to_string(dir.join(POINTER_FILE)) {
            Ok(text) => Generation::parse(text.trim()).ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{POINTER_FILE} names {:?}, not a generation", text.trim()),
                )
            })?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let first = Generation(1);
                drop(checkpoint::open_writer(&dir.join(first.file_name()), WriteMode::Live)?);
                write_pointer(&dir, first)?;
                first
            }
            Err(error) => return Err(error.into()),
        };
        let last_numbered = generations_in(&dir)?.into_iter().map(|g| g.0).max().unwrap_or(0);
        let read_models = ReadModels {
            shared: Arc::new(Shared {
                dir,
                clock,
                state: Mutex::new(State { current, last_numbered: last_numbered.max(current.0) }),
            }),
        };
        read_models.remove_stale()?;
        Ok(read_models)
    }

    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// The generation in service.
    pub fn current(&self) -> Generation {
        self.state().current
    }

    pub fn path_of(&self, generation: Generation) -> PathBuf {
        self.shared.dir.join(generation.file_name())
    }

    pub fn current_path(&self) -> PathBuf {
        self.path_of(self.current())
    }

    /// A read-only connection to the generation in service. It keeps reading that generation
    /// after a swap; open another to follow.
    pub fn reader(&self) -> Result<Connection, ProjectorError> {
        Ok(checkpoint::open_reader(&self.current_path())?)
    }

    /// Every projection's checkpoint in the generation in service.
    pub fn checkpoints(&self) -> Result<Vec<Checkpoint>, ProjectorError> {
        Ok(checkpoint::load_all(&self.reader()?)?)
    }

    /// Per projection, how far it is behind the store's head.
    pub fn lag(&self, store: &EventStore) -> Result<Vec<Lag>, ProjectorError> {
        let head = store.head().position;
        Ok(self
            .checkpoints()?
            .into_iter()
            .map(|checkpoint| Lag {
                projection: checkpoint.name,
                checkpoint: checkpoint.position,
                head,
                behind: head.saturating_sub(checkpoint.position),
            })
            .collect())
    }

    /// Puts `generation` in service: rewrites `CURRENT` atomically. Its file must be complete and
    /// durable (a finished rebuild's is). The live runner moves to it at its next batch.
    pub fn swap_to(&self, generation: Generation) -> Result<(), ProjectorError> {
        let mut state = self.state();
        let path = self.path_of(generation);
        if !path.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("generation file {} does not exist", path.display()),
            )
            .into());
        }
        write_pointer(&self.shared.dir, generation)?;
        state.current = generation;
        Ok(())
    }

    /// Deletes every generation's files except the one in service; returns how many
    /// generations went. Call it when no reader and no rebuild uses an older one any more.
    pub fn remove_stale(&self) -> Result<u32, ProjectorError> {
        let current = self.current();
        let mut n_removed = 0;
        for generation in generations_in(&self.shared.dir)? {
            if generation != current {
                remove_generation_files(&self.path_of(generation))?;
                n_removed += 1;
            }
        }
        Ok(n_removed)
    }

    /// A fresh generation number and its path, for a rebuild to fill.
    pub(crate) fn new_generation(&self) -> Result<(Generation, PathBuf), ProjectorError> {
        let mut state = self.state();
        if state.last_numbered >= GENERATIONS_MAX {
            return Err(std::io::Error::other("generation numbers are exhausted").into());
        }
        state.last_numbered += 1;
        let generation = Generation(state.last_numbered);
        let path = self.path_of(generation);
        remove_generation_files(&path)?;
        Ok((generation, path))
    }

    /// Removes a generation that is not in service (a failed rebuild's).
    pub(crate) fn discard(&self, generation: Generation) -> Result<(), ProjectorError> {
        assert_ne!(generation, self.current(), "the generation in service is never discarded");
        Ok(remove_generation_files(&self.path_of(generation))?)
    }

    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.shared.clock
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is two integers, each written whole: a panic elsewhere cannot tear it.
        self.shared.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn write_pointer(dir: &Path, generation: Generation) -> std::io::Result<()> {
    let temp = dir.join(POINTER_TEMP_FILE);
    let mut file = File::create(&temp)?;
    writeln!(file, "{}", generation.file_name())?;
    file.sync_all()?;
    std::fs::rename(&temp, dir.join(POINTER_FILE))?;
    // The rename is durable only once the directory entry is.
    File::open(dir)?.sync_all()
}

fn generations_in(dir: &Path) -> std::io::Result<Vec<Generation>> {
    let mut generations = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        if let Some(generation) = entry?.file_name().to_str().and_then(Generation::parse) {
            generations.push(generation);
        }
    }
    Ok(generations)
}

/// Removes a generation's database with its WAL, shared memory and journal, and a rebuild's
/// second file beside it ([`crate::rebuild`]) with its own.
fn remove_generation_files(db_path: &Path) -> std::io::Result<()> {
    let part = crate::rebuild::PART_SUFFIX;
    let journals = ["", "-wal", "-shm", "-journal"];
    for suffix in
        journals.iter().map(|s| (*s).to_owned()).chain(journals.map(|s| format!("{part}{s}")))
    {
        let mut path = db_path.as_os_str().to_owned();
        path.push(&suffix);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}
