//! A customer's timeline lines, stored a page to a row: `c360_timeline_pages` holds, for each
//! customer and each [`BUCKET_EVENTS`]-position stretch of the log, the lines that joined the
//! customer's timeline in that stretch, in the order they joined, as one text of JSON arrays
//! (`[position,occurred_at,kind,"text"]`, a fifth element the lead's id for a lead's line).
//!
//! Why pages: the timeline has a line per event, 76 % of a rebuild's customer360 rows, and a
//! row per line with a by-customer index cost a rebuild about a third of customer360's time
//! (BENCHMARKS.md, "The timeline a page per customer"). A page is one row for ≈ 50–100 lines,
//! and its key is the by-customer index. The view `c360_timeline` expands a page into its
//! lines (`json_each`), so readers still see a row per line.
//!
//! A page's text depends on nothing but the log: lines join in log order, and which page a line
//! joins is fixed by the position at which it joined (a lead's waiting lines join at the lead's
//! conversion, `timeline.rs`). So a live runner, which appends each batch's lines to their pages
//! (`lines || ',' || new`), and a rebuild, which keeps the open stretch's pages in memory and
//! writes each once, build the same rows, as the equivalence property demands.

use std::collections::BTreeMap;

use rusqlite::{Transaction, params};

use crate::ProjectionError;

/// Log positions to a page: a page holds a customer's lines that joined within one stretch of
/// this many positions. A rebuild keeps the stretch in hand in memory (at most this many lines,
/// ≈ 2–4 MB), and a live runner rewrites a page's text each time it appends to it, so a
/// customer's busiest page stays as short as the stretch.
pub(super) const BUCKET_EVENTS: i64 = 1 << 14;

/// Room a rebuild's new page starts with. A rebuild's pages average ≈ 490 bytes at 1M events;
/// grown from empty, each was reallocated and copied about six times on the way there. A live
/// runner's pending pages hold a batch's line or two, so they start empty.
const PAGE_BYTES_RESERVED: usize = 512;

/// One line of a page, as the caller knows it.
pub(super) struct PageLine<'a> {
    pub position: i64,
    pub occurred_at: i64,
    pub kind: i64,
    pub text: &'a str,
    pub lead_id: Option<&'a str>,
}

/// The pages' lines not yet written, by (stretch, customer key): a live runner's are the
/// batch's (appended to the pages at the flush), a rebuild's the open stretch's (written whole
/// once the log has moved past it).
#[derive(Debug, Default)]
pub(super) struct TimelinePages {
    /// JSON text, kept as bytes so serde_json's escaping writes straight into it.
    pending: BTreeMap<(i64, i64), Vec<u8>>,
    /// A rebuild's: pages are written when their stretch ends, not at every flush.
    kept_across_batches: bool,
    /// The stretch of the latest line joined: every stretch before it has ended.
    newest_bucket: i64,
}

impl TimelinePages {
    /// Adds a line to the customer's page for the stretch of `joined_at`, after the lines
    /// already there. A rebuild's first line of a new stretch writes the pages of the stretches
    /// before it at once: a rebuild's batch spans several stretches, and keeping their pages
    /// until its flush took ≈ 15 MB.
    pub fn push(
        &mut self,
        tx: &Transaction<'_>,
        customer_key: i64,
        joined_at: i64,
        line: &PageLine<'_>,
    ) -> Result<(), ProjectionError> {
        let bucket = joined_at.div_euclid(BUCKET_EVENTS);
        if bucket > self.newest_bucket {
            self.newest_bucket = bucket;
            if self.kept_across_batches {
                self.write_ended(tx)?;
            }
        }
        let text = self.pending.entry((bucket, customer_key)).or_insert_with(|| {
            match self.kept_across_batches {
                true => Vec::with_capacity(PAGE_BYTES_RESERVED),
                false => Vec::new(),
            }
        });
        if !text.is_empty() {
            text.push(b',');
        }
        encode(text, line);
        Ok(())
    }

    /// The end of a batch: a live runner appends every pending line to its page; a rebuild
    /// writes the pages whose stretch has ended.
    pub fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        match self.kept_across_batches {
            true => self.write_ended(tx),
            false => self.finish(tx),
        }
    }

    fn write_ended(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        let open = self.pending.split_off(&(self.newest_bucket, i64::MIN));
        let ended = std::mem::replace(&mut self.pending, open);
        write(tx, ended)
    }

    /// Writes every pending line: a live runner's every flush, a rebuild's last write.
    pub fn finish(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        write(tx, std::mem::take(&mut self.pending))
    }

    /// The batch rolled back: nothing pending is written (a rebuild whose batch failed is
    /// thrown away, so what it kept from earlier batches goes too).
    pub fn discard(&mut self) {
        self.pending.clear();
    }

    /// Called once by a rebuild before its first batch.
    pub fn keep_across_batches(&mut self) {
        self.kept_across_batches = true;
    }
}

/// Appends the lines to their pages, creating the pages that do not exist yet.
fn write(
    tx: &Transaction<'_>,
    pages: BTreeMap<(i64, i64), Vec<u8>>,
) -> Result<(), ProjectionError> {
    if pages.is_empty() {
        return Ok(());
    }
    let mut statement = tx.prepare_cached(
        "INSERT INTO c360_timeline_pages (customer_key, bucket, lines) VALUES (?1, ?2, ?3) \
         ON CONFLICT (customer_key, bucket) DO UPDATE SET lines = lines || ',' || excluded.lines",
    )?;
    for ((bucket, customer_key), lines) in pages {
        // Only `encode` wrote it: numbers, brackets and serde_json's strings.
        let lines = std::str::from_utf8(&lines).expect("a page's JSON is UTF-8");
        statement.execute(params![customer_key, bucket, lines])?;
    }
    Ok(())
}

/// `[position,occurred_at,kind,"text"]`, or with the lead's id as a fifth element.
fn encode(out: &mut Vec<u8>, line: &PageLine<'_>) {
    // `itoa` rather than `write!`: the formatting machinery cost more than the digits.
    let mut digits = itoa::Buffer::new();
    out.push(b'[');
    for number in [line.position, line.occurred_at, line.kind] {
        out.extend_from_slice(digits.format(number).as_bytes());
        out.push(b',');
    }
    // Serialising a str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, line.text);
    if let Some(lead_id) = line.lead_id {
        out.push(b',');
        let _ = serde_json::to_writer(&mut *out, lead_id);
    }
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    fn database() -> Connection {
        let conn = Connection::open_in_memory().expect("an in-memory database");
        conn.execute_batch(
            "CREATE TABLE c360_timeline_pages (customer_key INTEGER NOT NULL, \
             bucket INTEGER NOT NULL, lines TEXT NOT NULL, PRIMARY KEY (customer_key, bucket))",
        )
        .expect("the table");
        conn
    }

    fn line(position: i64, text: &str) -> PageLine<'_> {
        PageLine { position, occurred_at: 1_700_000_000 + position, kind: 1, text, lead_id: None }
    }

    fn pages(conn: &Connection) -> Vec<(i64, i64, String)> {
        let mut statement = conn
            .prepare("SELECT customer_key, bucket, lines FROM c360_timeline_pages ORDER BY 1, 2")
            .expect("the select");
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)));
        rows.expect("the rows").map(|row| row.expect("a row")).collect()
    }

    /// Feeds the same lines in batches ending after the given positions (the last batch has the
    /// rest), then finishes.
    fn build(kept_across_batches: bool, batch_ends: &[i64]) -> Vec<(i64, i64, String)> {
        let mut conn = database();
        let mut writer = TimelinePages::default();
        if kept_across_batches {
            writer.keep_across_batches();
        }
        let joins = [(7, 1), (7, 2), (8, 3), (7, BUCKET_EVENTS + 1), (8, 2 * BUCKET_EVENTS + 5)];
        let mut next = 0;
        for &end in batch_ends.iter().chain([&i64::MAX]) {
            let tx = conn.transaction().expect("a transaction");
            while next < joins.len() && joins[next].1 <= end {
                let (customer, position) = joins[next];
                writer
                    .push(&tx, customer, position, &line(position, "said \"hi\""))
                    .expect("a push");
                next += 1;
            }
            writer.flush(&tx).expect("the flush");
            tx.commit().expect("the commit");
        }
        let tx = conn.transaction().expect("a transaction");
        writer.finish(&tx).expect("the finish");
        tx.commit().expect("the commit");
        pages(&conn)
    }

    #[test]
    fn a_page_holds_a_customers_lines_of_one_stretch_in_the_order_they_joined() {
        let built = build(false, &[i64::MAX]);
        let first = "[1,1700000001,1,\"said \\\"hi\\\"\"],[2,1700000002,1,\"said \\\"hi\\\"\"]";
        assert_eq!(built[0], (7, 0, first.to_owned()));
        assert_eq!(
            built.iter().map(|page| (page.0, page.1)).collect::<Vec<_>>(),
            [(7, 0), (7, 1), (8, 0), (8, 2)]
        );
    }

    #[test]
    fn live_batches_and_a_rebuild_write_the_same_pages_however_the_batches_fall() {
        let once = build(true, &[i64::MAX]);
        for ends in [&[1, 2, 3][..], &[2, BUCKET_EVENTS + 1], &[1, 3 * BUCKET_EVENTS]] {
            assert_eq!(build(false, ends), once, "live, batches ending at {ends:?}");
            assert_eq!(build(true, ends), once, "rebuild, batches ending at {ends:?}");
        }
    }

    #[test]
    fn a_rebuild_writes_a_page_once_its_stretch_has_ended_and_not_before() {
        let mut conn = database();
        let mut writer = TimelinePages::default();
        writer.keep_across_batches();
        let tx = conn.transaction().expect("a transaction");
        writer.push(&tx, 7, 1, &line(1, "first")).expect("a push");
        writer.flush(&tx).expect("the flush");
        assert_eq!(pages(&tx).len(), 0, "its stretch is still open");
        writer.push(&tx, 7, BUCKET_EVENTS, &line(BUCKET_EVENTS, "next stretch")).expect("a push");
        assert_eq!(pages(&tx).len(), 1, "the first stretch ended, within the batch");
        writer.finish(&tx).expect("the finish");
        assert_eq!(pages(&tx).len(), 2);
    }

    #[test]
    fn a_lines_lead_is_its_fifth_element() {
        let mut text = Vec::new();
        let line = PageLine { lead_id: Some("L-1"), ..line(4, "captured") };
        encode(&mut text, &line);
        assert_eq!(text, b"[4,1700000004,1,\"captured\",\"L-1\"]");
    }
}
