//! The customer's timeline: one line per event that reached the customer, in words
//! ([`super::words`]), in the order things happened: by business time (to the second), events of
//! the same second in log order. (Log order alone would put a process manager's reaction, which
//! carries the time of its cause, after whatever a person did in between.) Written by every
//! event's update ([`record`]), under short keys (`timeline_keys.rs`); read by [`timeline`].
//!
//! A lead's lines are written before anyone knows which customer the lead will become: they
//! wait with `customer_key` NULL under the lead's id, move to the customer when the lead converts
//! ([`claim_lead`]), follow a duplicate into its survivor ([`pass_lead`]), and go when the lead
//! is disqualified ([`drop_lead`]). Each keeps its own time and position, so the timeline stays
//! in order whenever the lines joined it.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction, params};
use schemars::JsonSchema;
use serde::Serialize;

use super::envelope::Envelope;
use super::parse::{QueryError, unix_time};
use super::timeline_keys::TimelineKeys;
use crate::ProjectionError;

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

/// Adds the event's line to its owner's timeline.
pub(super) fn record(
    tx: &Transaction<'_>,
    keys: &mut TimelineKeys,
    envelope: &Envelope<'_>,
    owner: Owner<'_>,
    text: &str,
) -> Result<(), ProjectionError> {
    let (customer_key, lead_id) = match owner {
        Owner::Customer(customer_id) => (Some(keys.customer(tx, customer_id)?), None),
        Owner::Lead(lead_id) => (None, Some(lead_id)),
        Owner::LeadOf { lead_id, customer_id } => {
            (Some(keys.customer(tx, customer_id)?), Some(lead_id))
        }
    };
    let kind = keys.kind(tx, envelope.actor, envelope.stream_kind, envelope.event_type)?;
    tx.prepare_cached(
        "INSERT INTO c360_timeline_lines \
         (position, customer_key, lead_id, occurred_at, kind, text) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        envelope.position,
        customer_key,
        lead_id,
        envelope.occurred_at.timestamp(),
        kind,
        text
    ])?;
    Ok(())
}

/// The converted lead's waiting lines become the customer's.
pub(super) fn claim_lead(
    tx: &Transaction<'_>,
    keys: &mut TimelineKeys,
    lead_id: &str,
    customer_id: &str,
) -> Result<(), ProjectionError> {
    let customer_key = keys.customer(tx, customer_id)?;
    tx.prepare_cached(
        "UPDATE c360_timeline_lines SET customer_key = ?2 \
         WHERE lead_id = ?1 AND customer_key IS NULL",
    )?
    .execute(params![lead_id, customer_key])?;
    Ok(())
}

/// A merged duplicate's waiting lines wait on under its survivor.
pub(super) fn pass_lead(
    tx: &Transaction<'_>,
    duplicate_id: &str,
    survivor_id: &str,
) -> Result<(), ProjectionError> {
    tx.prepare_cached(
        "UPDATE c360_timeline_lines SET lead_id = ?2 WHERE lead_id = ?1 AND customer_key IS NULL",
    )?
    .execute(params![duplicate_id, survivor_id])?;
    Ok(())
}

/// A disqualified lead reaches no customer: its waiting lines go.
pub(super) fn drop_lead(tx: &Transaction<'_>, lead_id: &str) -> Result<(), ProjectionError> {
    tx.prepare_cached(
        "DELETE FROM c360_timeline_lines WHERE lead_id = ?1 AND customer_key IS NULL",
    )?
    .execute(params![lead_id])?;
    Ok(())
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
