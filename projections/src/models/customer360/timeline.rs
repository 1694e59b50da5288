//! The customer's timeline: one line per event that reached the customer, in words
//! ([`super::words`]), in the order things happened: by business time (to the second), events of
//! the same second in log order. (Log order alone would put a process manager's reaction, which
//! carries the time of its cause, after whatever a person did in between.) Written by every
//! event's update ([`TimelineWriter::record`]), under short keys (`timeline_keys.rs`), a page of
//! lines to a row (`timeline_pages.rs`); read by [`timeline`].
//!
//! A lead's lines are written before anyone knows which customer the lead will become: they
//! wait a row each in `c360_timeline_waiting` under the lead's id, join the customer when the
//! lead converts ([`TimelineWriter::claim_lead`]), follow a duplicate into its survivor
//! ([`TimelineWriter::pass_lead`]), and go when the lead is disqualified
//! ([`TimelineWriter::drop_lead`]). Each keeps its own time and position, so the timeline stays
//! in order whenever the lines joined it.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Statement, Transaction, params};
use schemars::JsonSchema;
use serde::Serialize;

use super::envelope::Envelope;
use super::parse::{QueryError, parse_id, unix_time};
use super::timeline_keys::TimelineKeys;
use super::timeline_pages::{PageLine, TimelinePages};
use crate::ProjectionError;
use crate::models::append_rows::{AppendRow, AppendRows};

/// The most lines one [`timeline`] call returns.
pub const TIMELINE_LIMIT_MAX: u32 = 10_000;

/// One line of a customer's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct TimelineEntry {
    /// The event's log position: the order of events of the same second.
    pub position: u64,
    pub occurred_at: DateTime<Utc>,
    /// Who acted, in words: "sales rep", "finance", "automation", ….
    pub actor: String,
    /// The stream kind the event belongs to: customer, lead, opportunity, quote, order, payment.
    pub stream_kind: String,
    pub event_type: String,
    pub text: String,
}

/// Whose timeline a line joins.
#[derive(Debug, Clone, Copy)]
pub(super) enum Owner<'a> {
    Customer(&'a str),
    /// A lead's line, waiting for the lead's customer.
    Lead(&'a str),
    /// A line of a converted lead, already the customer's.
    LeadOf {
        lead_id: &'a str,
        customer_id: &'a str,
    },
}

/// What the timeline keeps between statements: the keys it has handed out
/// (`timeline_keys.rs`), the customers' lines not yet on their pages (`timeline_pages.rs`), and
/// the waiting lines not yet written, 64 to a statement (`models::append_rows`). Every change
/// to waiting lines already recorded writes the pending ones first, so it sees them all.
#[derive(Debug, Default)]
pub(super) struct TimelineWriter {
    keys: TimelineKeys,
    pages: TimelinePages,
    waiting: AppendRows<WaitingLine>,
}

/// A `c360_timeline_waiting` row: a line of a lead that has not converted yet.
#[derive(Debug)]
struct WaitingLine {
    position: i64,
    lead_id: String,
    occurred_at: i64,
    kind: i64,
    text: String,
}

impl AppendRow for WaitingLine {
    const INSERT_INTO: &'static str = "INSERT INTO c360_timeline_waiting \
         (position, lead_id, occurred_at, kind, text)";
    const COLUMNS: usize = 5;

    fn bind(&self, statement: &mut Statement<'_>, first: usize) -> rusqlite::Result<()> {
        statement.raw_bind_parameter(first, self.position)?;
        statement.raw_bind_parameter(first + 1, self.lead_id.as_str())?;
        statement.raw_bind_parameter(first + 2, self.occurred_at)?;
        statement.raw_bind_parameter(first + 3, self.kind)?;
        statement.raw_bind_parameter(first + 4, self.text.as_str())
    }
}

impl TimelineWriter {
    /// Adds the event's line to its owner's timeline.
    pub fn record(
        &mut self,
        tx: &Transaction<'_>,
        envelope: &Envelope<'_>,
        owner: Owner<'_>,
        text: String,
    ) -> Result<(), ProjectionError> {
        let kind = self.keys.kind(tx, envelope.actor, envelope.stream_kind, envelope.event_type)?;
        let (customer_id, lead_id) = match owner {
            Owner::Customer(customer_id) => (customer_id, None),
            Owner::LeadOf { lead_id, customer_id } => (customer_id, Some(lead_id)),
            Owner::Lead(lead_id) => {
                let line = WaitingLine {
                    position: envelope.position,
                    lead_id: lead_id.to_owned(),
                    occurred_at: envelope.occurred_at.timestamp(),
                    kind,
                    text,
                };
                return self.waiting.push(tx, line);
            }
        };
        let customer_key = self.keys.customer(tx, customer_id)?;
        let line = PageLine {
            position: envelope.position,
            occurred_at: envelope.occurred_at.timestamp(),
            kind,
            text: &text,
            lead_id,
        };
        self.pages.push(tx, customer_key, envelope.position, &line)
    }

    /// The converted lead's waiting lines join the customer's timeline, in their own order, at
    /// `joined_at` (the conversion's position).
    pub fn claim_lead(
        &mut self,
        tx: &Transaction<'_>,
        lead_id: &str,
        customer_id: &str,
        joined_at: i64,
    ) -> Result<(), ProjectionError> {
        self.waiting.write_pending(tx)?;
        let customer_key = self.keys.customer(tx, customer_id)?;
        let mut statement = tx.prepare_cached(
            "DELETE FROM c360_timeline_waiting WHERE lead_id = ?1 \
             RETURNING position, occurred_at, kind, text",
        )?;
        let rows = statement.query_map(params![lead_id], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get(2)?,
                row.get::<_, String>(3)?,
            ))
        })?;
        let mut lines = rows.collect::<Result<Vec<_>, _>>()?;
        // RETURNING promises no order; the lines join in the order they happened.
        lines.sort_unstable_by_key(|line| line.0);
        for (position, occurred_at, kind, text) in &lines {
            let line = PageLine {
                position: *position,
                occurred_at: *occurred_at,
                kind: *kind,
                text,
                lead_id: Some(lead_id),
            };
            self.pages.push(tx, customer_key, joined_at, &line)?;
        }
        Ok(())
    }

    /// A merged duplicate's waiting lines wait on under its survivor.
    pub fn pass_lead(
        &mut self,
        tx: &Transaction<'_>,
        duplicate_id: &str,
        survivor_id: &str,
    ) -> Result<(), ProjectionError> {
        self.waiting.write_pending(tx)?;
        tx.prepare_cached("UPDATE c360_timeline_waiting SET lead_id = ?2 WHERE lead_id = ?1")?
            .execute(params![duplicate_id, survivor_id])?;
        Ok(())
    }

    /// A disqualified lead reaches no customer: its waiting lines go.
    pub fn drop_lead(
        &mut self,
        tx: &Transaction<'_>,
        lead_id: &str,
    ) -> Result<(), ProjectionError> {
        self.waiting.write_pending(tx)?;
        tx.prepare_cached("DELETE FROM c360_timeline_waiting WHERE lead_id = ?1")?
            .execute(params![lead_id])?;
        Ok(())
    }

    /// The end of a batch: every waiting line is written, the customers' lines go on their pages
    /// (a rebuild's: once their stretch has ended), and a live runner forgets the keys it saw.
    pub fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.waiting.write_pending(tx)?;
        self.pages.flush(tx)?;
        self.keys.batch_written();
        Ok(())
    }

    /// A rebuild's last write: every line still in hand.
    pub fn finish(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.waiting.write_pending(tx)?;
        self.pages.finish(tx)?;
        self.keys.batch_written();
        Ok(())
    }

    /// The batch rolled back: its lines, and any key handed out in it, with it.
    pub fn discard(&mut self) {
        self.waiting.discard();
        self.pages.discard();
        self.keys.forget();
    }

    /// Called once by a rebuild before its first batch: keys are kept for the whole run, and
    /// pages until their stretch of the log has ended.
    pub fn keep_across_batches(&mut self) {
        self.keys.keep_across_batches();
        self.pages.keep_across_batches();
    }
}

/// The customer's last `limit` lines (at most [`TIMELINE_LIMIT_MAX`]), oldest first: what
/// happened lately, read in the order it happened. Empty for an unknown customer.
pub fn timeline(
    conn: &Connection,
    customer_id: uuid::Uuid,
    limit: u32,
) -> Result<Vec<TimelineEntry>, QueryError> {
    let limit = limit.min(TIMELINE_LIMIT_MAX);
    let mut statement = conn.prepare_cached(
        "SELECT position, occurred_at_s, actor, stream_kind, event_type, text FROM \
         (SELECT * FROM c360_timeline WHERE customer_id = ?1 \
          ORDER BY occurred_at_s DESC, position DESC LIMIT ?2) \
         ORDER BY occurred_at_s, position",
    )?;
    let rows = statement.query_map(params![customer_id.to_string(), limit], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, String>(4)?,
            row.get::<_, String>(5)?,
        ))
    })?;
    let mut entries = Vec::new();
    for row in rows {
        let (position, occurred_at, actor, stream_kind, event_type, text) = row?;
        entries.push(TimelineEntry {
            position: u64::try_from(position).unwrap_or_default(),
            occurred_at: unix_time("c360_timeline.occurred_at_s", occurred_at)?,
            actor,
            stream_kind,
            event_type,
            text,
        });
    }
    Ok(entries)
}

/// The customer whose timeline has the most lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullestTimeline {
    pub customer_id: uuid::Uuid,
    pub name: String,
    pub lines: u64,
}

/// The customer with the most timeline lines (the first by name, then id, on a tie; `None`
/// without customers): the fullest story to show. Counted from each page's lines in SQLite,
/// without reading any line into a row.
pub fn fullest_timeline(conn: &Connection) -> Result<Option<FullestTimeline>, QueryError> {
    let mut statement = conn.prepare_cached(
        "SELECT c.customer_id, c.name, COALESCE(t.lines, 0) AS lines FROM c360_customers AS c \
         LEFT JOIN (SELECT k.customer_id, SUM(json_array_length('[' || p.lines || ']')) AS lines \
                    FROM c360_timeline_pages AS p \
                    JOIN c360_customer_keys AS k ON k.customer_key = p.customer_key \
                    GROUP BY p.customer_key) AS t ON t.customer_id = c.customer_id \
         ORDER BY lines DESC, c.name, c.customer_id LIMIT 1",
    )?;
    let mut rows = statement.query([])?;
    let Some(row) = rows.next()? else { return Ok(None) };
    Ok(Some(FullestTimeline {
        customer_id: parse_id("c360_customers.customer_id", &row.get::<_, String>(0)?)?,
        name: row.get(1)?,
        lines: u64::try_from(row.get::<_, i64>(2)?).unwrap_or_default(),
    }))
}

/// When the customer's latest line happened: the customer's last activity.
pub(super) fn last_activity(
    conn: &Connection,
    customer_id: &str,
) -> Result<Option<DateTime<Utc>>, QueryError> {
    let mut statement = conn.prepare_cached(
        "SELECT max(json_extract(line.value, '$[1]')) FROM c360_timeline_pages AS page, \
         json_each('[' || page.lines || ']') AS line WHERE page.customer_key = \
         (SELECT customer_key FROM c360_customer_keys WHERE customer_id = ?1)",
    )?;
    let latest: Option<i64> = statement.query_row(params![customer_id], |row| row.get(0))?;
    latest.map(|at| unix_time("c360_timeline_pages.lines", at)).transpose()
}
