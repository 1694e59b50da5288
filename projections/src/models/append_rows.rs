//! [`AppendRows`]: rows a projection inserts one or more per event and does not read back before
//! the batch's flush (a timeline line, a deal's activity, stay or version, a receivable's
//! instalment, application or document), written [`ROWS_PER_STATEMENT`] to an `INSERT`
//! statement instead of one each.
//!
//! These are a rebuild's most numerous rows (2.64M of the 4.66M statements a rebuild of the
//! 1M-event log ran were such inserts), and one row is little work for the statement that writes
//! it: the prepared statement's look-up by its text, binding, starting the program and resetting
//! it cost about as much as the row's own B-tree insert. Sixty-four rows to a statement took
//! 258–260 ns a row against 418–506 ns one at a time (a 4-column table, 2M rows, measured with
//! this crate's SQLite; BENCHMARKS.md, "Appended rows written 64 to a statement").
//!
//! Rows wait in memory until 64 are pending, or the projection's flush
//! ([`crate::Projection::flush`]) writes the rest one by one, so every row is in the table when
//! the batch commits, with the checkpoint. Until then the table does not hold them: a
//! projection that reads or changes its appended rows while it applies (a converted lead's
//! waiting lines) writes the pending ones first ([`AppendRows::write_pending`]). A failing row
//! (a duplicate key: the model and the log disagree) fails the statement that writes it, at a
//! later event of the batch or at its flush, and so the batch, as a failing row always does.

use rusqlite::{Statement, Transaction};

use crate::ProjectionError;

/// Rows one multi-row statement writes: past about 64 a larger statement saves nothing more
/// (256: 263–266 ns a row, against 258–260 ns at 64).
pub const ROWS_PER_STATEMENT: usize = 64;

/// A row an [`AppendRows`] writes.
pub trait AppendRow {
    /// The table and its columns: `INSERT INTO table (a, b, c)`, without `VALUES`.
    const INSERT_INTO: &'static str;
    /// How many columns `INSERT_INTO` names, and so how many values `bind` binds.
    const COLUMNS: usize;
    /// Binds the row's values to the statement's parameters `first`, `first + 1`, … (1-based),
    /// in `INSERT_INTO`'s order.
    fn bind(&self, statement: &mut Statement<'_>, first: usize) -> rusqlite::Result<()>;
}

/// The rows appended and not yet written, and the two statements that write them.
#[derive(Debug)]
pub struct AppendRows<R> {
    pending: Vec<R>,
    /// `INSERT INTO … VALUES (…), (…), …` for [`ROWS_PER_STATEMENT`] rows.
    many: String,
    /// The same for one row: what writes the rest at a flush.
    one: String,
}

impl<R: AppendRow> Default for AppendRows<R> {
    fn default() -> AppendRows<R> {
        AppendRows {
            pending: Vec::with_capacity(ROWS_PER_STATEMENT),
            many: insert_sql::<R>(ROWS_PER_STATEMENT),
            one: insert_sql::<R>(1),
        }
    }
}

impl<R: AppendRow> AppendRows<R> {
    /// Appends a row; the 64th pending row writes all of them.
    pub fn push(&mut self, tx: &Transaction<'_>, row: R) -> Result<(), ProjectionError> {
        self.pending.push(row);
        if self.pending.len() < ROWS_PER_STATEMENT {
            return Ok(());
        }
        let mut statement = tx.prepare_cached(&self.many)?;
        for (idx, row) in self.pending.iter().enumerate() {
            row.bind(&mut statement, idx * R::COLUMNS + 1)?;
        }
        self.pending.clear();
        statement.raw_execute()?;
        Ok(())
    }

    /// Writes every pending row: at the projection's flush, and before a statement of the
    /// projection's own that reads or changes the table.
    pub fn write_pending(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut statement = tx.prepare_cached(&self.one)?;
        for row in self.pending.drain(..) {
            row.bind(&mut statement, 1)?;
            statement.raw_execute()?;
        }
        Ok(())
    }

    /// Forgets the pending rows: the batch rolled back.
    pub fn discard(&mut self) {
        self.pending.clear();
    }
}

/// Appended rows pending in one or more [`AppendRows`], written or forgotten together: what a
/// [`crate::models::batch_rows::BatchRow`] hands the rows that hang off it to (`()`: none).
pub trait PendingRows: Default + std::fmt::Debug {
    fn write_pending(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError>;
    fn discard(&mut self);
}

impl PendingRows for () {
    fn write_pending(&mut self, _tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        Ok(())
    }

    fn discard(&mut self) {}
}

impl<R: AppendRow + std::fmt::Debug> PendingRows for AppendRows<R> {
    fn write_pending(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        AppendRows::write_pending(self, tx)
    }

    fn discard(&mut self) {
        AppendRows::discard(self);
    }
}

impl<A: PendingRows, B: PendingRows> PendingRows for (A, B) {
    fn write_pending(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.0.write_pending(tx)?;
        self.1.write_pending(tx)
    }

    fn discard(&mut self) {
        self.0.discard();
        self.1.discard();
    }
}

fn insert_sql<R: AppendRow>(rows: usize) -> String {
    let row = |idx: usize| {
        let values: Vec<String> =
            (1..=R::COLUMNS).map(|column| format!("?{}", idx * R::COLUMNS + column)).collect();
        format!("({})", values.join(", "))
    };
    let rows: Vec<String> = (0..rows).map(row).collect();
    format!("{} VALUES {}", R::INSERT_INTO, rows.join(", "))
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    struct Line(i64, &'static str);

    impl AppendRow for Line {
        const INSERT_INTO: &'static str = "INSERT INTO lines (position, text)";
        const COLUMNS: usize = 2;
        fn bind(&self, statement: &mut Statement<'_>, first: usize) -> rusqlite::Result<()> {
            statement.raw_bind_parameter(first, self.0)?;
            statement.raw_bind_parameter(first + 1, self.1)
        }
    }

    fn lines(conn: &Connection) -> Vec<(i64, String)> {
        let mut statement =
            conn.prepare("SELECT position, text FROM lines ORDER BY position").unwrap();
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE lines (position INTEGER PRIMARY KEY, text TEXT NOT NULL)")
            .unwrap();
        conn
    }

    #[test]
    fn every_row_appended_is_in_the_table_after_write_pending_whatever_their_number() {
        for n_rows in [0, 1, 63, 64, 65, 200] {
            let conn = table();
            let tx = conn.unchecked_transaction().unwrap();
            let mut rows = AppendRows::<Line>::default();
            let texts = ["a", "b", "c"];
            for position in 1..=n_rows {
                rows.push(&tx, Line(position, texts[position as usize % 3])).unwrap();
            }
            rows.write_pending(&tx).unwrap();
            tx.commit().unwrap();
            let expected: Vec<(i64, String)> =
                (1..=n_rows).map(|p| (p, texts[p as usize % 3].to_owned())).collect();
            assert_eq!(lines(&conn), expected, "{n_rows} rows");
        }
    }

    #[test]
    fn rows_wait_in_memory_until_sixty_four_are_pending() {
        let conn = table();
        let tx = conn.unchecked_transaction().unwrap();
        let mut rows = AppendRows::<Line>::default();
        for position in 1..=63 {
            rows.push(&tx, Line(position, "x")).unwrap();
        }
        assert!(lines(&tx).is_empty());
        rows.push(&tx, Line(64, "x")).unwrap();
        assert_eq!(lines(&tx).len(), 64);
    }

    #[test]
    fn a_duplicate_key_fails_the_statement_that_writes_it() {
        let conn = table();
        let tx = conn.unchecked_transaction().unwrap();
        let mut rows = AppendRows::<Line>::default();
        rows.push(&tx, Line(7, "first")).unwrap();
        rows.push(&tx, Line(7, "again")).unwrap();
        assert!(rows.write_pending(&tx).is_err());
    }

    #[test]
    fn discarded_rows_are_never_written() {
        let conn = table();
        let tx = conn.unchecked_transaction().unwrap();
        let mut rows = AppendRows::<Line>::default();
        rows.push(&tx, Line(1, "rolled back")).unwrap();
        rows.discard();
        rows.write_pending(&tx).unwrap();
        assert!(lines(&tx).is_empty());
    }
}
