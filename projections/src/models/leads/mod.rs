//! The leads read model: leads by channel, score band and owner, each group's conversion, and the
//! time to first touch.
//!
//! **First touch** is the first activity a person logged on the lead itself (a call, an email, a
//! meeting or a note), and the time to it runs from the capture. Assignment is not a touch: it is
//! routing, mostly done by the rules in the same instant as the capture; its delay is reported
//! beside it as the time to assignment. Activities a survivor adopted from a merged duplicate
//! do not count as the survivor's touch. Both times are measured in seconds between the events'
//! business times and reported as a mean in whole minutes (rounded once, half up).
//!
//! One row per lead (`leads_facts`); the query groups them. Duplicates (captured as one, or
//! merged into another lead later) are counted apart and left out of every other figure: they
//! are the same buyer as their survivor. Documented in docs/read-models/leads.md.

mod query;
mod render;
#[cfg(test)]
mod tests;

use chrono::SecondsFormat;
use ltc_domain::lead::LeadEvent;
use ltc_eventstore::RecordedEvent;
use rusqlite::{Transaction, params};

use super::decode::decode;
use super::funnel::channel_name;
use super::funnel::shared::uuid_text;
use crate::models::stored;
use crate::{Projection, ProjectionError};

pub use query::{LeadDimension, LeadRow, leads};
pub use render::render;

#[derive(Debug, Default)]
pub struct Leads;

impl Leads {
    pub const NAME: &'static str = "leads";
    pub const TABLES: &'static [&'static str] = &["leads_facts"];
}

impl Projection for Leads {
    fn name(&self) -> &'static str {
        Leads::NAME
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn tables(&self) -> &'static [&'static str] {
        Leads::TABLES
    }

    fn migrate(&self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        tx.execute_batch(
            "CREATE TABLE leads_facts (
                lead_id           TEXT    PRIMARY KEY,
                channel           TEXT    NOT NULL,
                owner_id          TEXT,
                team_id           TEXT,
                captured_at       TEXT    NOT NULL,
                captured_on       TEXT    NOT NULL,
                status            TEXT    NOT NULL,
                score             INTEGER,
                survivor_id       TEXT,
                assigned_at       TEXT,
                first_activity_at TEXT,
                n_activities      INTEGER NOT NULL,
                qualified_on      TEXT,
                converted_on      TEXT,
                disqualified_on   TEXT
            ) WITHOUT ROWID;",
        )?;
        Ok(())
    }

    /// Its share, in rounded per cent, of an all-models rebuild's work: the CPU seconds of this
    /// model rebuilt alone from the 1M-event log, less the cheapest model's (reading the log),
    /// on 2026-12-02 (BENCHMARKS.md, "Appended rows written 64 to a statement").
    fn rebuild_cost(&self) -> u32 {
        1
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        // LeadDuplicateMerged changes nothing this model shows: adopted activities are not the
        // survivor's touch.
        event.stream.kind.as_str() == "lead" && event.event_type != "LeadDuplicateMerged"
    }

    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        let mut buffer = [0u8; 36];
        let lead_id = uuid_text(&event.stream.id, &mut buffer);
        let time =
            |at: chrono::DateTime<chrono::Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
        match &*decode::<LeadEvent>(event)? {
            LeadEvent::Captured { channel, ownership, at, .. } => {
                tx.prepare_cached(
                    "INSERT INTO leads_facts (lead_id, channel, owner_id, team_id, captured_at, \
                     captured_on, status, assigned_at, n_activities) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7, 0)",
                )?
                .execute(params![
                    lead_id,
                    channel_name(*channel),
                    ownership.map(|o| o.owner.0.to_string()),
                    ownership.and_then(|o| o.team).map(|team| team.0.to_string()),
                    time(*at),
                    stored::day_text(at.date_naive()),
                    // An owner from the start (a rep met the lead) is an assignment at capture.
                    ownership.map(|_| time(*at)),
                ])?;
            }
            LeadEvent::CapturedAsDuplicate { survivor } => {
                tx.prepare_cached(
                    "UPDATE leads_facts SET status = 'duplicate', survivor_id = ?2 \
                     WHERE lead_id = ?1",
                )?
                .execute(params![lead_id, survivor.0.to_string()])?;
            }
            LeadEvent::Scored { score, .. } => {
                tx.prepare_cached("UPDATE leads_facts SET score = ?2 WHERE lead_id = ?1")?
                    .execute(params![lead_id, score.total])?;
            }
            LeadEvent::Assigned { ownership, at, .. } => {
                tx.prepare_cached(
                    "UPDATE leads_facts SET owner_id = ?2, team_id = ?3, \
                     assigned_at = COALESCE(assigned_at, ?4) WHERE lead_id = ?1",
                )?
                .execute(params![
                    lead_id,
                    ownership.owner.0.to_string(),
                    ownership.team.map(|team| team.0.to_string()),
                    time(*at)
                ])?;
            }
            LeadEvent::ActivityLogged { at, .. } => {
                tx.prepare_cached(
                    "UPDATE leads_facts SET n_activities = n_activities + 1, \
                     first_activity_at = COALESCE(first_activity_at, ?2) WHERE lead_id = ?1",
                )?
                .execute(params![lead_id, time(*at)])?;
            }
            LeadEvent::Qualified { at } => {
                tx.prepare_cached(
                    "UPDATE leads_facts SET status = 'qualified', qualified_on = ?2 \
                     WHERE lead_id = ?1",
                )?
                .execute(params![lead_id, stored::day_text(at.date_naive())])?;
            }
            LeadEvent::Disqualified { at, .. } => {
                tx.prepare_cached(
                    "UPDATE leads_facts SET status = 'disqualified', disqualified_on = ?2 \
                     WHERE lead_id = ?1",
                )?
                .execute(params![lead_id, stored::day_text(at.date_naive())])?;
            }
            LeadEvent::Converted { ownership, at, .. } => {
                tx.prepare_cached(
                    "UPDATE leads_facts SET status = 'converted', converted_on = ?2, \
                     owner_id = ?3, team_id = ?4 WHERE lead_id = ?1",
                )?
                .execute(params![
                    lead_id,
                    stored::day_text(at.date_naive()),
                    ownership.owner.0.to_string(),
                    ownership.team.map(|team| team.0.to_string())
                ])?;
            }
            LeadEvent::MergedInto { survivor, .. } => {
                tx.prepare_cached(
                    "UPDATE leads_facts SET status = 'merged', survivor_id = ?2 WHERE lead_id = ?1",
                )?
                .execute(params![lead_id, survivor.0.to_string()])?;
            }
            LeadEvent::DuplicateMerged { .. } => {}
        }
        Ok(())
    }
}
