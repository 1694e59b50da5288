//! The customer's timeline: one line per event that reached the customer, in words
//! ([`super::words`]), in the order things happened: by business time (to the second), events of
//! the same second in log order. (Log order alone would put a process manager's reaction, which
//! carries the time of its cause, after whatever a person did in between.) Written by every
//! event's update ([`TimelineWriter::record`]), under short keys (`timeline_keys.rs`); read by
//! [`timeline`].
//!
//! A lead's lines are written before anyone knows which customer the lead will become: they
//! wait with `customer_key` NULL under the lead's id, move to the customer when the lead converts
//! ([`TimelineWriter::claim_lead`]), follow a duplicate into its survivor
//! ([`TimelineWriter::pass_lead`]), and go when the lead is disqualified
//! ([`TimelineWriter::drop_lead`]). Each keeps its own time and position, so the timeline stays
//! in order whenever the lines joined it.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Statement, Transaction, params};
use schemars::JsonSchema;
use serde::Serialize;

use super::envelope::Envelope;
use super::parse::{QueryError, unix_time};
use super::timeline_keys::TimelineKeys;
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
/// (`timeline_keys.rs`) and the lines not yet written, 64 to a statement
/// (`models::append_rows`). Every change to lines already recorded writes the pending ones
/// first, so it sees them all.
#[derive(Debug, Default)]
pub(super) struct TimelineWriter {
    keys: TimelineKeys,
    lines: AppendRows<Line>,
}

/// A `c360_timeline_lines` row.
#[derive(Debug)]
struct Line {
    position: i64,
    customer_key: Option<i64>,
    lead_id: Option<String>,
    occurred_at: i64,
    kind: i64,
    text: String,
}

impl AppendRow for Line {
    const INSERT_INTO: &'static str = "INSERT INTO c360_timeline_lines \
         (position, customer_key, lead_id, occurred_at, kind, text)";
    const COLUMNS: usize = 6;

    fn bind(&self, statement: &mut Statement<'_>, first: usize) -> rusqlite::Result<()> {
        statement.raw_bind_parameter(first, self.position)?;
        statement.raw_bind_parameter(first + 1, self.customer_key)?;
        statement.raw_bind_parameter(first + 2, self.lead_id.as_deref())?;
        statement.raw_bind_parameter(first + 3, self.occurred_at)?;
        statement.raw_bind_parameter(first + 4, self.kind)?;
        statement.raw_bind_parameter(first + 5, self.text.as_str())
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
        let keys = &mut self.keys;
        let (customer_key, lead_id) = match owner {
            Owner::Customer(customer_id) => (Some(keys.customer(tx, customer_id)?), None),
            Owner::Lead(lead_id) => (None, Some(lead_id.to_owned())),
            Owner::LeadOf { lead_id, customer_id } => {
                (Some(keys.customer(tx, customer_id)?), Some(lead_id.to_owned()))
            }
        };
        let kind = keys.kind(tx, envelope.actor, envelope.stream_kind, envelope.event_type)?;
        let line = Line {
            position: envelope.position,
            customer_key,
            lead_id,
            occurred_at: envelope.occurred_at.timestamp(),
            kind,
            text,
        };
        self.lines.push(tx, line)
    }

    /// The converted lead's waiting lines become the customer's.
    pub fn claim_lead(
        &mut self,
        tx: &Transaction<'_>,
        lead_id: &str,
        customer_id: &str,
    ) -> Result<(), ProjectionError> {
        self.lines.write_pending(tx)?;
        let customer_key = self.keys.customer(tx, customer_id)?;
        tx.prepare_cached(
            "UPDATE c360_timeline_lines SET customer_key = ?2 \
             WHERE lead_id = ?1 AND customer_key IS NULL",
        )?
        .execute(params![lead_id, customer_key])?;
        Ok(())
    }

    /// A merged duplicate's waiting lines wait on under its survivor.
    pub fn pass_lead(
        &mut self,
        tx: &Transaction<'_>,
        duplicate_id: &str,
        survivor_id: &str,
    ) -> Result<(), ProjectionError> {
        self.lines.write_pending(tx)?;
        tx.prepare_cached(
            "UPDATE c360_timeline_lines SET lead_id = ?2 \
             WHERE lead_id = ?1 AND customer_key IS NULL",
        )?
        .execute(params![duplicate_id, survivor_id])?;
        Ok(())
    }

    /// A disqualified lead reaches no customer: its waiting lines go.
    pub fn drop_lead(
        &mut self,
        tx: &Transaction<'_>,
        lead_id: &str,
    ) -> Result<(), ProjectionError> {
        self.lines.write_pending(tx)?;
        tx.prepare_cached(
            "DELETE FROM c360_timeline_lines WHERE lead_id = ?1 AND customer_key IS NULL",
        )?
        .execute(params![lead_id])?;
        Ok(())
    }

    /// The end of a batch: every line is written, and a live runner forgets the keys it saw.
    pub fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.lines.write_pending(tx)?;
        self.keys.batch_written();
        Ok(())
    }

    /// The batch rolled back: its lines, and any key handed out in it, with it.
    pub fn discard(&mut self) {
        self.lines.discard();
        self.keys.forget();
    }

    /// Called once by a rebuild before its first batch: keys are kept for the whole run.
    pub fn keep_across_batches(&mut self) {
        self.keys.keep_across_batches();
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
        "SELECT line.position, line.occurred_at, kind.actor, kind.stream_kind, kind.event_type, \
         line.text FROM \
         (SELECT * FROM c360_timeline_lines WHERE customer_key = \
          (SELECT customer_key FROM c360_customer_keys WHERE customer_id = ?1) \
          ORDER BY occurred_at DESC, position DESC LIMIT ?2) AS line \
         JOIN c360_timeline_kinds AS kind ON kind.kind = line.kind \
         ORDER BY line.occurred_at, line.position",
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
            occurred_at: unix_time("c360_timeline_lines.occurred_at", occurred_at)?,
            actor,
            stream_kind,
            event_type,
            text,
        });
    }
    Ok(entries)
}

/// When the customer's latest line happened: the customer's last activity.
pub(super) fn last_activity(
    conn: &Connection,
    customer_id: &str,
) -> Result<Option<DateTime<Utc>>, QueryError> {
    let mut statement = conn.prepare_cached(
        "SELECT occurred_at FROM c360_timeline_lines WHERE customer_key = \
         (SELECT customer_key FROM c360_customer_keys WHERE customer_id = ?1) \
         ORDER BY occurred_at DESC, position DESC LIMIT 1",
    )?;
    let mut rows = statement.query(params![customer_id])?;
    match rows.next()? {
        Some(row) => Ok(Some(unix_time("c360_timeline_lines.occurred_at", row.get(0)?)?)),
        None => Ok(None),
    }
}
