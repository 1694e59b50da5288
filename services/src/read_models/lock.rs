//! [`DirectoryLock`]: one `ltc` process at a time in a read-model directory.
//!
//! The projection runtime assumes one owner per read-model directory: opening it removes the
//! generations not in service, which would pull a half-written rebuild out from under another
//! process. So every `ltc` command that opens the read models first takes an exclusive lock on
//! `LOCK` in that directory, and a second command waits for the first. The operating system
//! releases the lock when the process ends, however it ends, so a crash leaves nothing to clean.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

/// The name of the lock file inside the read-model directory; the runtime ignores files that
/// are not generations.
pub const LOCK_FILE: &str = "LOCK";

/// Held for as long as this value lives.
#[derive(Debug)]
pub struct DirectoryLock {
    _file: File,
}

impl DirectoryLock {
    /// Takes the lock of the read-model directory `dir` (creating both if need be), waiting for
    /// another process to let go of it and saying so on stderr. The lock belongs to the open
    /// file, not the process: a second acquire in the same process waits as well, so hold one.
    pub fn acquire(dir: &Path) -> std::io::Result<DirectoryLock> {
        std::fs::create_dir_all(dir)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                eprintln!("ltc: waiting for another ltc process to finish with {}", dir.display());
                file.lock()?;
            }
            Err(TryLockError::Error(error)) => return Err(error),
        }
        Ok(DirectoryLock { _file: file })
    }
}

impl DirectoryLock {
    /// Whether another process holds the lock of `dir` right now (a running `ltc serve`'s
    /// projector keeps it for as long as it runs). Takes nothing.
    pub fn is_held_elsewhere(dir: &Path) -> std::io::Result<bool> {
        let file = match OpenOptions::new().write(true).open(dir.join(LOCK_FILE)) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(error) => return Err(error),
        };
        match file.try_lock() {
            Ok(()) => Ok(false),
            Err(TryLockError::WouldBlock) => Ok(true),
            Err(TryLockError::Error(error)) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_second_holder_waits_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirectoryLock::acquire(dir.path()).unwrap();
        let acquired = Arc::new(AtomicBool::new(false));
        let second = std::thread::spawn({
            let (path, acquired) = (dir.path().to_path_buf(), acquired.clone());
            move || {
                let lock = DirectoryLock::acquire(&path).unwrap();
                acquired.store(true, Ordering::SeqCst);
                lock
            }
        });
        std::thread::sleep(Duration::from_millis(200));
        assert!(!acquired.load(Ordering::SeqCst), "the second acquire went past a held lock");
        drop(first);
        drop(second.join().unwrap());
        assert!(acquired.load(Ordering::SeqCst));
    }
}
