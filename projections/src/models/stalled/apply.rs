//! How opportunity and quote events change the stalled model's tables. An activity's time is the
//! envelope's `occurred_at` (the business time the engine gave the command), so only the events
//! whose payload adds something (the deal's facts, the stage entered, a quote's opportunity) are
//! decoded.

use ltc_domain::opportunity::{OpportunityEvent, StageKey};
use ltc_domain::quote::QuoteEvent;
use ltc_eventstore::RecordedEvent;
use rusqlite::{Statement, Transaction, params};

use super::keys::StalledKeys;
use crate::ProjectionError;
use crate::models::append_rows::{AppendRow, AppendRows};
use crate::models::decode::decode;
use crate::models::funnel::position_of;
use crate::models::funnel::shared::uuid_text;
use crate::models::stored;

/// The model's appended rows not yet written (`models::append_rows`): a deal's activities (one
/// per event) and stays (one per stage entered). Nothing reads them while events are applied.
#[derive(Debug, Default)]
pub(super) struct Appended {
    activities: AppendRows<Activity>,
    visits: AppendRows<Visit>,
}

impl Appended {
    pub fn write_pending(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.activities.write_pending(tx)?;
        self.visits.write_pending(tx)
    }

    pub fn discard(&mut self) {
        self.activities.discard();
        self.visits.discard();
    }
}

/// A `stalled_activity_lines` row.
#[derive(Debug)]
struct Activity {
    position: i64,
    opportunity_key: i64,
    at: i64,
    activity: String,
}

impl AppendRow for Activity {
    const INSERT_INTO: &'static str =
        "INSERT INTO stalled_activity_lines (position, opportunity_key, at, activity)";
    const COLUMNS: usize = 4;

    fn bind(&self, statement: &mut Statement<'_>, first: usize) -> rusqlite::Result<()> {
        statement.raw_bind_parameter(first, self.position)?;
        statement.raw_bind_parameter(first + 1, self.opportunity_key)?;
        statement.raw_bind_parameter(first + 2, self.at)?;
        statement.raw_bind_parameter(first + 3, self.activity.as_str())
    }
}

/// A `stalled_visits` row.
#[derive(Debug)]
struct Visit {
    opportunity_key: i64,
    visit_no: i64,
    stage: String,
    outcome: &'static str,
    entered_on: String,
}

impl AppendRow for Visit {
    const INSERT_INTO: &'static str =
        "INSERT INTO stalled_visits (opportunity_key, visit_no, stage, outcome, entered_on)";
    const COLUMNS: usize = 5;

    fn bind(&self, statement: &mut Statement<'_>, first: usize) -> rusqlite::Result<()> {
        statement.raw_bind_parameter(first, self.opportunity_key)?;
        statement.raw_bind_parameter(first + 1, self.visit_no)?;
        statement.raw_bind_parameter(first + 2, self.stage.as_str())?;
        statement.raw_bind_parameter(first + 3, self.outcome)?;
        statement.raw_bind_parameter(first + 4, self.entered_on.as_str())
    }
}

pub(super) fn opportunity(
    tx: &Transaction<'_>,
    keys: &mut StalledKeys,
    appended: &mut Appended,
    event: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let mut buffer = [0u8; 36];
    let id = uuid_text(&event.stream.id, &mut buffer);
    let visit_no = i64::try_from(event.version).unwrap_or(i64::MAX);
    if event.event_type == "OpportunityOpened" {
        return opened(tx, keys, appended, event, id, visit_no);
    }
    let Some(key) = keys.opportunity(tx, &event.stream.id, id)? else { return Ok(()) };
    let activity = match event.event_type.as_str() {
        "OpportunityExpectedCloseChanged" => "expected close changed".to_owned(),
        "OpportunityFollowUpCompleted" => "follow-up completed".to_owned(),
        _ => match &*decode::<OpportunityEvent>(event)? {
            OpportunityEvent::StageMoved { to, at, .. } => {
                let activity = format!("moved to {to}");
                enter(tx, appended, key, visit_no, to, "open", *at)?;
                activity
            }
            OpportunityEvent::Reopened { to, at, .. } => {
                let activity = format!("reopened at {to}");
                enter(tx, appended, key, visit_no, to, "open", *at)?;
                activity
            }
            OpportunityEvent::Won { stage, amount, at } => {
                enter(tx, appended, key, visit_no, stage, "won", *at)?;
                set_amount(tx, key, amount.amount_minor)?;
                "won".to_owned()
            }
            OpportunityEvent::AmountChanged { to, .. } => {
                set_amount(tx, key, to.amount_minor)?;
                "amount changed".to_owned()
            }
            OpportunityEvent::Lost { stage, at, .. } => {
                enter(tx, appended, key, visit_no, stage, "lost", *at)?;
                "lost".to_owned()
            }
            // Filtered out by `wants` or named above without a decode.
            _ => return Ok(()),
        },
    };
    record_activity(tx, appended, event, key, activity)
}

/// The deal's row, with the key its later rows name it by, and its first stay.
fn opened(
    tx: &Transaction<'_>,
    keys: &mut StalledKeys,
    appended: &mut Appended,
    event: &RecordedEvent,
    id: &str,
    visit_no: i64,
) -> Result<(), ProjectionError> {
    let OpportunityEvent::Opened {
        ref name,
        customer_id,
        ownership,
        amount,
        ref pipeline,
        ref stage,
        at,
        ..
    } = *decode::<OpportunityEvent>(event)?
    else {
        return Err(ProjectionError::Unexpected(format!(
            "an OpportunityOpened at position {} decodes as another event",
            event.position.0
        )));
    };
    let pipeline_key = keys.pipeline(tx, pipeline)?;
    let key: i64 = tx
        .prepare_cached(
            "INSERT INTO stalled_opportunities (opportunity_id, name, customer_id, owner_id, \
             team_id, currency, amount_minor, opened_on, pipeline_key) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING opportunity_key",
        )?
        .query_row(
            params![
                id,
                name,
                customer_id.0.to_string(),
                ownership.owner.0.to_string(),
                ownership.team.map(|team| team.0.to_string()),
                amount.currency.code(),
                amount.amount_minor,
                stored::day_text(at.date_naive()),
                pipeline_key,
            ],
            |row| row.get(0),
        )?;
    keys.opened(event.stream.id, key);
    enter(tx, appended, key, visit_no, stage, "open", at)?;
    record_activity(tx, appended, event, key, "opened".to_owned())
}

pub(super) fn quote(
    tx: &Transaction<'_>,
    keys: &mut StalledKeys,
    appended: &mut Appended,
    event: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let mut buffer = [0u8; 36];
    let quote_id = uuid_text(&event.stream.id, &mut buffer);
    let activity = match event.event_type.as_str() {
        "QuoteCreated" => {
            if let QuoteEvent::Created { opportunity_id, .. } = &*decode::<QuoteEvent>(event)? {
                let mut deal = [0u8; 36];
                let deal_text = uuid_text(&opportunity_id.0, &mut deal);
                if let Some(key) = keys.opportunity(tx, &opportunity_id.0, deal_text)? {
                    tx.prepare_cached(
                        "INSERT INTO stalled_quotes (quote_id, opportunity_key) VALUES (?1, ?2)",
                    )?
                    .execute(params![quote_id, key])?;
                    keys.quote_created(event.stream.id, key);
                }
            }
            "quote created"
        }
        "QuoteRevised" => "quote revised",
        "QuoteSent" => "quote sent",
        "QuoteAccepted" => "quote accepted",
        "QuoteDeclined" => "quote declined",
        _ => return Ok(()),
    };
    // A quote of a deal this model never saw open has no row, and its activities none either.
    let Some(key) = keys.quote(tx, &event.stream.id, quote_id)? else { return Ok(()) };
    record_activity(tx, appended, event, key, activity.to_owned())
}

fn set_amount(tx: &Transaction<'_>, key: i64, amount_minor: i64) -> Result<(), ProjectionError> {
    tx.prepare_cached(
        "UPDATE stalled_opportunities SET amount_minor = ?2 WHERE opportunity_key = ?1",
    )?
    .execute(params![key, amount_minor])?;
    Ok(())
}

fn enter(
    tx: &Transaction<'_>,
    appended: &mut Appended,
    key: i64,
    visit_no: i64,
    stage: &StageKey,
    outcome: &'static str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), ProjectionError> {
    let entered_on = stored::day_text(at.date_naive());
    let visit =
        Visit { opportunity_key: key, visit_no, stage: stage.0.clone(), outcome, entered_on };
    appended.visits.push(tx, visit)
}

/// The activity at the event's business time, to the second.
fn record_activity(
    tx: &Transaction<'_>,
    appended: &mut Appended,
    event: &RecordedEvent,
    key: i64,
    activity: String,
) -> Result<(), ProjectionError> {
    let at = event.occurred_at.timestamp();
    let activity = Activity { position: position_of(event), opportunity_key: key, at, activity };
    appended.activities.push(tx, activity)
}
