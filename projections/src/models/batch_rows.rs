//! [`BatchRows`]: the rows of one table that the batch in hand has touched, kept in memory until
//! the flush ([`crate::Projection::flush`]), and in a rebuild until their stream settles.
//!
//! A row that every event of its stream rewrites (a deal's, a quote's) costs one B-tree search
//! and one rewrite per event when each event updates it in place. A stream has several events in
//! most batches (4.4 opportunity events per opportunity per batch in a rebuild of the 1M-event
//! log), so the batch reads such a row the first time it touches it, changes it in memory with
//! each event, and writes it once at the flush, in key order. Between a live runner's batches
//! nothing is kept: the table stays the only state, as a live runner that restarts expects.
//!
//! **A rebuild keeps rows across batches** ([`BatchRows::keep_across_batches`]): its file is
//! thrown away unless the rebuild finishes, so a checkpoint may run ahead of rows still in
//! memory. A row then stays until its stream [settles](BatchRow::settled) (a deal won or lost),
//! and is written once, at the flush of the batch that settled it, instead of once per batch
//! its stream had events in (8.5 events per opportunity spread over 4.5 batches in the 5M-event
//! log). A stream that changes after all (a reopened deal) is read back from the table. The
//! rest is written at [`BatchRows::finish`]. Open streams are few (at most 6,468 of 63,888
//! opportunities at once in the 1M-event log), and [`KEPT_ROWS_MAX`] bounds them for a log
//! whose streams never settle.

use foldhash::{HashMap, HashMapExt};
use std::collections::hash_map::Entry;

use rusqlite::Transaction;
use uuid::Uuid;

use crate::ProjectionError;
use crate::models::append_rows::PendingRows;

/// The most rows a rebuild keeps across batches in one [`BatchRows`]; past it, a flush also
/// writes and forgets the rows touched least recently. With the rebuild's batches of 64k events
/// that is about one batch's worth of deals in the 5M-event log.
pub const KEPT_ROWS_MAX: usize = 20_000;

/// A rebuild writes and forgets a row its stream has not touched for this many batches, settled
/// or not (a quote nobody answered, a deal left open): the rows kept are those of streams
/// still moving.
pub const IDLE_BATCHES_MAX: u64 = 4;

/// A table row keyed by a stream's id, as [`BatchRows`] reads and writes it. A row is written
/// at most once after it is loaded or created, and then forgotten, so `insert` and `update` may
/// also append rows that hang off it and that it holds until then (a forecast deal's versions):
/// they hand those to `appended`, which the flush writes after every row, 64 to a statement
/// (`models::append_rows`).
pub trait BatchRow: Sized {
    /// The appended rows that hang off this one, pending until the flush ends; `()` for none.
    type Appended: PendingRows;
    /// The row of the stream `id` (its id as the table's key text), if the table has one.
    fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Self>, ProjectionError>;
    /// Writes a row the table does not have yet.
    fn insert(
        &self,
        tx: &Transaction<'_>,
        appended: &mut Self::Appended,
    ) -> Result<(), ProjectionError>;
    /// Writes over the table's row every column an event may have changed since `load`.
    fn update(
        &self,
        tx: &Transaction<'_>,
        appended: &mut Self::Appended,
    ) -> Result<(), ProjectionError>;
    /// No later event of its stream is expected (a deal won or lost): a rebuild writes it at the
    /// next flush and forgets it. A wrong answer costs only speed, never correctness.
    fn settled(&self) -> bool {
        false
    }
}

/// The batch's rows of one table, by stream id.
#[derive(Debug)]
pub struct BatchRows<R: BatchRow> {
    /// Boxed: a hash table keeps room for up to twice its entries, and a row is hundreds of
    /// bytes, tens of thousands of them in a rebuild.
    by_id: HashMap<Uuid, Box<Touched<R>>>,
    /// The keys a flush writes, in key order (kept for its room).
    order: Vec<Uuid>,
    /// A rebuild's: rows stay across batches until they settle or go idle.
    keep: bool,
    /// Flushes so far: the batch in hand's number.
    batch: u64,
    /// What the rows written so far appended, not yet written.
    appended: R::Appended,
}

#[derive(Debug)]
struct Touched<R> {
    row: R,
    /// Created since it was last read: the table has no row yet.
    new: bool,
    /// The batch that last touched it.
    touched_in: u64,
}

impl<R: BatchRow> Default for BatchRows<R> {
    fn default() -> BatchRows<R> {
        BatchRows {
            by_id: HashMap::new(),
            order: Vec::new(),
            keep: false,
            batch: 0,
            appended: R::Appended::default(),
        }
    }
}

impl<R: BatchRow> BatchRows<R> {
    /// From now on a flush writes only the rows that [settled](BatchRow::settled) and keeps the
    /// others for later batches; [`BatchRows::finish`] writes them. Only for a rebuild
    /// ([`crate::Projection::keep_across_batches`]).
    pub fn keep_across_batches(&mut self) {
        self.keep = true;
    }

    /// A row the batch's event creates; inserted at the flush. Creating one that the batch
    /// already holds is refused here; one the table already has fails the insert at the flush,
    /// which the runner reports at the batch's last position rather than the creating event's
    /// (in a rebuild, at the position of the batch, or of the rebuild's end, that writes it).
    pub fn create(&mut self, id: Uuid, row: R) -> Result<&mut R, ProjectionError> {
        match self.by_id.entry(id) {
            Entry::Occupied(_) => {
                Err(ProjectionError::Unexpected(format!("stream {id} created its row twice")))
            }
            Entry::Vacant(slot) => {
                let touched = Touched { row, new: true, touched_in: self.batch };
                Ok(&mut slot.insert(Box::new(touched)).row)
            }
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
        let batch = self.batch;
        match self.by_id.entry(id) {
            Entry::Occupied(slot) => {
                let touched = slot.into_mut();
                touched.touched_in = batch;
                Ok(Some(&mut touched.row))
            }
            Entry::Vacant(slot) => Ok(match R::load(tx, id_text)? {
                Some(row) => {
                    let touched = Touched { row, new: false, touched_in: batch };
                    Some(&mut slot.insert(Box::new(touched)).row)
                }
                None => None,
            }),
        }
    }

    /// [`BatchRows::get_mut`] for an event after its stream's first: a stream with no row means
    /// the read model missed that first event (it and the log disagree), an error, never a skip.
    pub fn existing(
        &mut self,
        tx: &Transaction<'_>,
        id: Uuid,
        id_text: &str,
    ) -> Result<&mut R, ProjectionError> {
        self.get_mut(tx, id, id_text)?.ok_or_else(|| {
            ProjectionError::Unexpected(format!("stream {id_text} has no row before this event"))
        })
    }

    /// Looks at the row as it stands without taking it into the batch: from the batch if it holds
    /// it, else read from the table (and not kept, so an unchanged row is never written back).
    pub fn peek<T>(
        &self,
        tx: &Transaction<'_>,
        id: Uuid,
        id_text: &str,
        look: impl FnOnce(&R) -> T,
    ) -> Result<Option<T>, ProjectionError> {
        Ok(match self.by_id.get(&id) {
            Some(touched) => Some(look(&touched.row)),
            None => R::load(tx, id_text)?.as_ref().map(look),
        })
    }

    /// The end of a batch: writes every row the batch touched, in key order, and forgets them,
    /// written or not (a failed write fails the batch, which rolls back). A rebuild's flush
    /// writes and forgets only the rows that settled or went idle ([`IDLE_BATCHES_MAX`]), unless
    /// it would keep more than [`KEPT_ROWS_MAX`]: then the least recently touched go too.
    pub fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let batch = self.batch;
        self.batch += 1;
        if !self.keep {
            return self.finish(tx);
        }
        let done = |touched: &Touched<R>| {
            touched.row.settled() || batch - touched.touched_in >= IDLE_BATCHES_MAX
        };
        self.order.clear();
        self.order.extend(self.by_id.iter().filter(|(_, t)| done(t)).map(|(id, _)| *id));
        let excess = (self.by_id.len() - self.order.len()).saturating_sub(KEPT_ROWS_MAX);
        if excess > 0 {
            let mut by_age: Vec<(u64, Uuid)> = (self.by_id.iter())
                .filter(|(_, touched)| !done(touched))
                .map(|(id, touched)| (touched.touched_in, *id))
                .collect();
            by_age.select_nth_unstable(excess - 1);
            self.order.extend(by_age[..excess].iter().map(|(_, id)| *id));
        }
        let written = self.write(tx);
        for id in &self.order {
            self.by_id.remove(id);
        }
        if written.is_err() {
            self.discard();
        }
        written
    }

    /// Writes every row held, in key order, and forgets them all: a live runner's every flush,
    /// a rebuild's last write.
    pub fn finish(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.order.clear();
        self.order.extend(self.by_id.keys().copied());
        let written = self.write(tx);
        self.discard();
        written
    }

    /// Writes the rows `order` names, sorted first.
    fn write(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        // A UUID's bytes sort as its lower-case hyphenated text does: the tables' key order.
        self.order.sort_unstable();
        for id in &self.order {
            let touched = &self.by_id[id];
            if touched.new {
                touched.row.insert(tx, &mut self.appended)?;
            } else {
                touched.row.update(tx, &mut self.appended)?;
            }
        }
        self.appended.write_pending(tx)
    }

    /// The batch rolled back: nothing of it is written, and nothing kept from earlier batches
    /// either (a rebuild whose batch failed is thrown away).
    pub fn discard(&mut self) {
        self.by_id.clear();
        self.order.clear();
        self.appended.discard();
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
        type Appended = ();

        fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<Total>, ProjectionError> {
            let n = tx
                .query_row("SELECT n FROM totals WHERE id = ?1", [id], |row| row.get(0))
                .optional()?;
            Ok(n.map(|n| Total { id: id.to_owned(), n }))
        }

        fn insert(&self, tx: &Transaction<'_>, _: &mut ()) -> Result<(), ProjectionError> {
            tx.execute("INSERT INTO totals (id, n) VALUES (?1, ?2)", params![self.id, self.n])?;
            Ok(())
        }

        fn update(&self, tx: &Transaction<'_>, _: &mut ()) -> Result<(), ProjectionError> {
            tx.execute("UPDATE totals SET n = ?2 WHERE id = ?1", params![self.id, self.n])?;
            Ok(())
        }

        /// A total of 100 or more is done.
        fn settled(&self) -> bool {
            self.n >= 100
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

    /// One batch: `change` on a transaction, then the flush, committed.
    fn batch(
        conn: &mut Connection,
        rows: &mut BatchRows<Total>,
        change: impl FnOnce(&mut BatchRows<Total>, &Transaction<'_>),
    ) {
        let tx = conn.transaction().unwrap();
        change(rows, &tx);
        rows.flush(&tx).unwrap();
        tx.commit().unwrap();
    }

    fn finish(conn: &mut Connection, rows: &mut BatchRows<Total>) {
        let tx = conn.transaction().unwrap();
        rows.finish(&tx).unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn a_rebuild_keeps_an_unsettled_row_across_flushes_and_writes_it_once_at_the_finish() {
        let mut conn = table();
        let mut rows = BatchRows::<Total>::default();
        rows.keep_across_batches();
        let id = Uuid::from_u128(8);
        batch(&mut conn, &mut rows, |rows, _| {
            rows.create(id, Total { id: id.to_string(), n: 1 }).unwrap();
        });
        batch(&mut conn, &mut rows, |rows, tx| add(rows, tx, id, 1));
        assert!(stored(&conn).is_empty(), "an unsettled row stays in memory");
        finish(&mut conn, &mut rows);
        assert_eq!(stored(&conn), vec![(id.to_string(), 2)]);
    }

    #[test]
    fn a_rebuild_writes_a_settled_row_at_the_flush_and_reads_it_back_if_it_changes_again() {
        let mut conn = table();
        let mut rows = BatchRows::<Total>::default();
        rows.keep_across_batches();
        let id = Uuid::from_u128(9);
        batch(&mut conn, &mut rows, |rows, _| {
            rows.create(id, Total { id: id.to_string(), n: 100 }).unwrap();
        });
        assert_eq!(stored(&conn), vec![(id.to_string(), 100)], "settled, so written");
        batch(&mut conn, &mut rows, |rows, tx| add(rows, tx, id, -50));
        finish(&mut conn, &mut rows);
        assert_eq!(stored(&conn), vec![(id.to_string(), 50)], "read back and updated");
    }

    #[test]
    fn a_rebuild_writes_a_row_left_idle_for_its_limit_of_batches() {
        let mut conn = table();
        let mut rows = BatchRows::<Total>::default();
        rows.keep_across_batches();
        let (idle, busy) = (Uuid::from_u128(10), Uuid::from_u128(11));
        batch(&mut conn, &mut rows, |rows, _| {
            rows.create(idle, Total { id: idle.to_string(), n: 1 }).unwrap();
            rows.create(busy, Total { id: busy.to_string(), n: 1 }).unwrap();
        });
        for _ in 1..IDLE_BATCHES_MAX {
            batch(&mut conn, &mut rows, |rows, tx| add(rows, tx, busy, 1));
            assert!(stored(&conn).is_empty(), "not idle for long enough yet");
        }
        batch(&mut conn, &mut rows, |rows, tx| add(rows, tx, busy, 1));
        assert_eq!(stored(&conn), vec![(idle.to_string(), 1)], "only the idle row is written");
        finish(&mut conn, &mut rows);
        let busy_total = 1 + i64::try_from(IDLE_BATCHES_MAX).unwrap();
        assert_eq!(stored(&conn), vec![(idle.to_string(), 1), (busy.to_string(), busy_total)]);
    }

    #[test]
    fn a_rebuild_over_its_limit_of_rows_writes_the_least_recently_touched() {
        let mut conn = table();
        let mut rows = BatchRows::<Total>::default();
        rows.keep_across_batches();
        let (older, newer) = (Uuid::from_u128(1), Uuid::from_u128(2));
        batch(&mut conn, &mut rows, |rows, _| {
            rows.create(older, Total { id: older.to_string(), n: 1 }).unwrap();
            for key in 3..=KEPT_ROWS_MAX as u128 + 1 {
                let id = Uuid::from_u128(key);
                rows.create(id, Total { id: id.to_string(), n: 1 }).unwrap();
            }
        });
        assert!(stored(&conn).is_empty(), "at the limit, nothing is written");
        batch(&mut conn, &mut rows, |rows, tx| {
            rows.create(newer, Total { id: newer.to_string(), n: 1 }).unwrap();
            for key in 3..=KEPT_ROWS_MAX as u128 + 1 {
                add(rows, tx, Uuid::from_u128(key), 1);
            }
        });
        assert_eq!(stored(&conn), vec![(older.to_string(), 1)], "one over: the oldest goes");
        finish(&mut conn, &mut rows);
        assert_eq!(stored(&conn).len(), KEPT_ROWS_MAX + 1);
    }
}
