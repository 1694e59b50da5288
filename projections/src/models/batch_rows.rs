//! [`BatchRows`]: the rows of one table that the batch in hand has touched, kept in memory until
//! the flush ([`crate::Projection::flush`]).
//!
//! A row that every event of its stream rewrites (a deal's, a quote's) costs one B-tree search
//! and one rewrite per event when each event updates it in place. A stream has several events in
//! most batches (4.4 opportunity events per opportunity per batch in a rebuild of the 1M-event
//! log), so the batch reads such a row the first time it touches it, changes it in memory with
//! each event, and writes it once at the flush, in key order. Between batches nothing is kept:
//! the table stays the only state, as a live runner that restarts expects.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use rusqlite::Transaction;
use uuid::Uuid;

use crate::ProjectionError;

/// A table row keyed by a stream's id, as [`BatchRows`] reads and writes it.
pub trait BatchRow: Sized {
    /// The row of the stream `id` (its id as the table's key text), if the table has one.
    fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Self>, ProjectionError>;
    /// Writes a row the table does not have yet.
    fn insert(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError>;
    /// Writes over the table's row every column an event may have changed.
    fn update(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError>;
}

/// The batch's rows of one table, by stream id.
#[derive(Debug)]
pub struct BatchRows<R> {
    by_id: HashMap<Uuid, Touched<R>>,
    /// `by_id`'s keys in key order, at the flush (kept for its room).
    order: Vec<Uuid>,
}

#[derive(Debug)]
struct Touched<R> {
    row: R,
    /// Created in this batch: the table has no row yet.
    new: bool,
}

impl<R> Default for BatchRows<R> {
    fn default() -> BatchRows<R> {
        BatchRows { by_id: HashMap::new(), order: Vec::new() }
    }
}

impl<R: BatchRow> BatchRows<R> {
    /// A row the batch's event creates; inserted at the flush. Creating one that the batch
    /// already holds is refused here; one the table already has fails the insert at the flush,
    /// which the runner reports at the batch's last position rather than the creating event's.
    pub fn create(&mut self, id: Uuid, row: R) -> Result<&mut R, ProjectionError> {
        match self.by_id.entry(id) {
            Entry::Occupied(_) => {
                Err(ProjectionError::Unexpected(format!("stream {id} created its row twice")))
            }
            Entry::Vacant(slot) => Ok(&mut slot.insert(Touched { row, new: true }).row),
        }
    }

    /// The row as it stands, read from the table the first time the batch touches it; `None`
    /// if the table has none either. `id_text` is `id` as the table's key.
    pub fn get_mut(
        &mut self,
        tx: &Transaction<'_>,
        id: Uuid,
        id_text: &str,
    ) -> Result<Option<&mut R>, ProjectionError> {
        match self.by_id.entry(id) {
            Entry::Occupied(slot) => Ok(Some(&mut slot.into_mut().row)),
            Entry::Vacant(slot) => Ok(match R::load(tx, id_text)? {
                Some(row) => Some(&mut slot.insert(Touched { row, new: false }).row),
                None => None,
            }),
        }
    }

    /// Writes every row the batch touched, in key order, and forgets them, written or not: a
    /// failed write fails the batch, which rolls back.
    pub fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let written = self.write(tx);
        self.discard();
        written
    }

    fn write(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.order.clear();
        self.order.extend(self.by_id.keys().copied());
        // A UUID's bytes sort as its lower-case hyphenated text does: the tables' key order.
        self.order.sort_unstable();
        for id in &self.order {
            let touched = &self.by_id[id];
            if touched.new {
                touched.row.insert(tx)?;
            } else {
                touched.row.update(tx)?;
            }
        }
        Ok(())
    }

    /// The batch rolled back: nothing of it is written.
    pub fn discard(&mut self) {
        self.by_id.clear();
        self.order.clear();
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, OptionalExtension, params};

    use super::*;

    /// A row of `totals (id TEXT PRIMARY KEY, n INTEGER)`.
    #[derive(Debug, PartialEq)]
    struct Total {
        id: String,
        n: i64,
    }

    impl BatchRow for Total {
        fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Total>, ProjectionError> {
            let n = tx
                .query_row("SELECT n FROM totals WHERE id = ?1", [id], |row| row.get(0))
                .optional()?;
            Ok(n.map(|n| Total { id: id.to_owned(), n }))
        }

        fn insert(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
            tx.execute("INSERT INTO totals (id, n) VALUES (?1, ?2)", params![self.id, self.n])?;
            Ok(())
        }

        fn update(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
            tx.execute("UPDATE totals SET n = ?2 WHERE id = ?1", params![self.id, self.n])?;
            Ok(())
        }
    }

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE totals (id TEXT PRIMARY KEY, n INTEGER NOT NULL)")
            .unwrap();
        conn
    }

    fn stored(conn: &Connection) -> Vec<(String, i64)> {
        let mut statement = conn.prepare("SELECT id, n FROM totals ORDER BY id").unwrap();
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    fn add(rows: &mut BatchRows<Total>, tx: &Transaction<'_>, id: Uuid, by: i64) {
        let row = rows.get_mut(tx, id, &id.to_string()).unwrap().expect("a row");
        row.n += by;
    }

    #[test]
    fn a_row_changed_by_several_events_of_a_batch_is_written_once_as_the_last_left_it() {
        let mut conn = table();
        let mut rows = BatchRows::<Total>::default();
        let (a, b) = (Uuid::from_u128(2), Uuid::from_u128(1));
        let tx = conn.transaction().unwrap();
        rows.create(a, Total { id: a.to_string(), n: 1 }).unwrap();
        rows.create(b, Total { id: b.to_string(), n: 10 }).unwrap();
        add(&mut rows, &tx, a, 1);
        add(&mut rows, &tx, a, 1);
        assert!(stored(&tx).is_empty(), "nothing is written before the flush");
        rows.flush(&tx).unwrap();
        tx.commit().unwrap();
        assert_eq!(stored(&conn), vec![(b.to_string(), 10), (a.to_string(), 3)]);
    }

    #[test]
    fn a_later_batch_reads_the_row_the_table_holds_and_updates_it() {
        let mut conn = table();
        let mut rows = BatchRows::<Total>::default();
        let id = Uuid::from_u128(7);
        let tx = conn.transaction().unwrap();
        rows.create(id, Total { id: id.to_string(), n: 5 }).unwrap();
        rows.flush(&tx).unwrap();
        tx.commit().unwrap();

        let tx = conn.transaction().unwrap();
        add(&mut rows, &tx, id, 2);
        rows.flush(&tx).unwrap();
        tx.commit().unwrap();
        assert_eq!(stored(&conn), vec![(id.to_string(), 7)]);
    }

    #[test]
    fn a_stream_without_a_row_has_none() {
        let mut conn = table();
        let mut rows = BatchRows::<Total>::default();
        let tx = conn.transaction().unwrap();
        let id = Uuid::from_u128(3);
        assert!(rows.get_mut(&tx, id, &id.to_string()).unwrap().is_none());
    }

    #[test]
    fn a_discarded_batch_leaves_nothing_for_the_next_flush() {
        let mut conn = table();
        let mut rows = BatchRows::<Total>::default();
        let id = Uuid::from_u128(4);
        let tx = conn.transaction().unwrap();
        rows.create(id, Total { id: id.to_string(), n: 1 }).unwrap();
        rows.discard();
        rows.flush(&tx).unwrap();
        tx.commit().unwrap();
        assert!(stored(&conn).is_empty());
    }

    #[test]
    fn creating_a_row_the_batch_holds_is_refused() {
        let mut rows = BatchRows::<Total>::default();
        let id = Uuid::from_u128(5);
        rows.create(id, Total { id: id.to_string(), n: 1 }).unwrap();
        let again = rows.create(id, Total { id: id.to_string(), n: 2 });
        assert!(matches!(again, Err(ProjectionError::Unexpected(_))), "{again:?}");
    }
}
