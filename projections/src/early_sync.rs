//! Writing a rebuild's file to disk while the rebuild is still finishing it.
//!
//! A rebuild writes with `synchronous=OFF`, so a 5M-event rebuild ends with gigabytes in the
//! kernel's cache, and the fsync that makes the generation durable waited ≈ 3 s for them on one
//! core while the other stood idle. From the moment the first group has applied every event, a
//! thread of its own flushes the file again and again (sorting indexes and merging keep adding
//! pages), so that the last fsync finds little left to write. It never makes the file durable by
//! itself: the checkpoint's fsync ([`crate::checkpoint::make_durable`]) still runs after it.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::checkpoint::sync_failed;
use crate::error::ProjectorError;

/// Between two flushes: long enough not to flush every page SQLite writes as it writes it.
const PAUSE: Duration = Duration::from_millis(200);

#[derive(Debug)]
pub(crate) struct EarlySync {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    /// Taken by [`EarlySync::stop`]; still here when a panic unwinds past it.
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl EarlySync {
    pub(crate) fn start(path: &Path) -> Result<EarlySync, ProjectorError> {
        let file = File::open(path).map_err(|error| storage(path, error))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("ltc-rebuild-sync".into())
            .spawn(move || -> io::Result<()> {
                while !stopped.load(Ordering::Relaxed) {
                    file.sync_data()?;
                    std::thread::park_timeout(PAUSE);
                }
                Ok(())
            })
            .map_err(ProjectorError::Thread)?;
        Ok(EarlySync { path: path.to_path_buf(), stop, thread: Some(thread) })
    }

    /// Stops the flushing. An error any flush met is returned: the kernel reports a failed
    /// write-back once, perhaps only to the flush that met it, so it must not be dropped here.
    pub(crate) fn stop(mut self) -> Result<(), ProjectorError> {
        let Some(thread) = self.thread.take() else { return Ok(()) };
        self.stop.store(true, Ordering::Relaxed);
        thread.thread().unpark();
        let flushed = thread.join().unwrap_or_else(|_| Err(io::Error::other("it panicked")));
        flushed.map_err(|error| storage(&self.path, error))
    }
}

/// A panic between `start` and `stop` must not leave the thread flushing a file that the
/// rebuild throws away.
impl Drop for EarlySync {
    fn drop(&mut self) {
        if let Some(thread) = &self.thread {
            self.stop.store(true, Ordering::Relaxed);
            thread.thread().unpark();
        }
    }
}

fn storage(path: &Path, error: io::Error) -> ProjectorError {
    ProjectorError::Storage(sync_failed(path, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_written_while_it_is_flushed_keeps_every_byte_and_the_flushing_stops_cleanly() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("rebuild.db");
        std::fs::write(&path, b"").expect("the file");
        let sync = EarlySync::start(&path).expect("the flushing starts");
        let mut written = Vec::new();
        for chunk in 0..50u8 {
            written.extend(std::iter::repeat_n(chunk, 4096));
            std::fs::write(&path, &written).expect("a write");
        }
        sync.stop().expect("no flush failed");
        assert_eq!(std::fs::read(&path).expect("the file"), written);
    }

    #[test]
    fn a_file_that_is_not_there_cannot_be_flushed() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let error = EarlySync::start(&dir.path().join("missing.db")).unwrap_err();
        assert!(matches!(error, ProjectorError::Storage(_)), "{error}");
        assert!(error.to_string().contains("missing.db"), "{error}");
    }
}
