//! Commits by other processes, noticed within milliseconds. The head signal wakes a subscription
//! when this process's writer commits; a writer in another process (`ltc serve --role command`
//! beside `--role relay`) signals nothing, and a subscription used to find its events only when
//! it looked at the log again, every 100 ms: that was the floor of the projection lag of parts
//! run as separate processes. `PRAGMA data_version` changes whenever another connection has
//! committed, and answering it reads only the WAL index in shared memory, so an idle
//! subscription can ask every few milliseconds for less than re-reading the log costs.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

/// A connection of its own that tells whether anyone else committed since it last asked.
#[derive(Debug)]
pub(crate) struct ChangeWatch {
    conn: Connection,
    seen: Option<i64>,
}

impl ChangeWatch {
    pub(crate) fn open(path: &Path) -> rusqlite::Result<ChangeWatch> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(ChangeWatch { conn, seen: None })
    }

    /// Whether another connection committed since the last call. True on the first call and
    /// whenever the question fails: the caller then reads the log, which reports a real failure.
    pub(crate) fn changed(&mut self) -> bool {
        // Prepared once: parsing the pragma each time cost more than answering it.
        let version = self
            .conn
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut statement| statement.query_row([], |row| row.get::<_, i64>(0)));
        match version {
            Ok(version) if self.seen == Some(version) => false,
            Ok(version) => {
                self.seen = Some(version);
                true
            }
            Err(_) => {
                self.seen = None;
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_on_another_connection_is_seen_once_and_nothing_else_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("watched.db");
        let writer = Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        writer.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();

        let mut watch = ChangeWatch::open(&path).unwrap();
        assert!(watch.changed(), "the first question has nothing to compare with");
        assert!(!watch.changed(), "nothing was committed since");
        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        assert!(watch.changed(), "a commit by another connection");
        assert!(!watch.changed(), "the same commit is not seen twice");
        writer.execute_batch("BEGIN; INSERT INTO t VALUES (2); ROLLBACK;").unwrap();
        assert!(!watch.changed(), "a rolled-back transaction commits nothing");
    }
}
