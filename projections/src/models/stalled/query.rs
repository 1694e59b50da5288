//! The stalled query: as of a date, each opportunity's stay at that date, kept when it is an open
//! stage held longer than the stage's threshold, with the last activity up to that date's end.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, SecondsFormat, Utc};
use rusqlite::{Connection, params};
use schemars::JsonSchema;
use serde::Serialize;

use crate::models::funnel::shared::QueryError;

/// One stalled opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct StalledRow {
    pub opportunity_id: String,
    pub name: String,
    pub customer_id: String,
    pub owner_id: String,
    pub team_id: Option<String>,
    pub stage: String,
    pub entered_on: NaiveDate,
    /// Whole days from entering the stage to the as-of date.
    pub days_in_stage: i64,
    pub stall_after_days: i64,
    /// `days_in_stage - stall_after_days`, at least 1.
    pub days_over: i64,
    pub currency: String,
    pub amount_minor: i64,
    /// The last activity up to the end of the as-of date (RFC 3339 UTC), what it was, and the
    /// whole days from its date to the as-of date.
    pub last_activity_at: Option<String>,
    pub last_activity: Option<String>,
    pub days_since_activity: Option<i64>,
}

/// The opportunities stalled on `as_of`, the most overdue first (then by id).
pub fn stalled(conn: &Connection, as_of: NaiveDate) -> Result<Vec<StalledRow>, QueryError> {
    let as_of_text = as_of.to_string();
    // Activities are stored with their time in Unix seconds; everything before the next day's
    // first instant happened on or before `as_of`.
    let day_after = as_of
        .checked_add_days(Days::new(1))
        .map_or(i64::MAX, |day| day.and_time(NaiveTime::MIN).and_utc().timestamp());
    // SQLite takes a bare column's value from the row that gives MAX its value, so `stage`,
    // `outcome` and `entered_on` are those of the latest stay begun by `as_of`.
    let mut statement = conn.prepare_cached(
        "WITH current AS (SELECT opportunity_key, MAX(visit_no) AS visit_no, stage, outcome, \
           entered_on FROM stalled_visits WHERE entered_on <= ?1 GROUP BY opportunity_key) \
         SELECT o.opportunity_id, o.name, o.customer_id, o.owner_id, o.team_id, c.stage, \
           c.entered_on, s.stall_after_days, o.currency, o.amount_minor, o.opportunity_key \
         FROM current c \
         JOIN stalled_opportunities o ON o.opportunity_key = c.opportunity_key \
         JOIN stalled_pipeline_stages s ON s.pipeline_key = o.pipeline_key AND s.stage = c.stage \
         WHERE c.outcome = 'open' AND s.stall_after_days IS NOT NULL",
    )?;
    let mut last_activity = conn.prepare_cached(
        "SELECT at, activity FROM stalled_activity_lines WHERE opportunity_key = ?1 AND at < ?2 \
         ORDER BY at DESC, position DESC LIMIT 1",
    )?;
    let mut rows = Vec::new();
    let mut result = statement.query(params![as_of_text])?;
    while let Some(record) = result.next()? {
        let opportunity_id: String = record.get(0)?;
        let entered_on = date(&record.get::<_, String>(6)?)?;
        let stall_after_days: i64 = record.get(7)?;
        let days_in_stage = (as_of - entered_on).num_days();
        if days_in_stage <= stall_after_days {
            continue;
        }
        let key: i64 = record.get(10)?;
        let activity: Option<(i64, String)> = last_activity
            .query(params![key, day_after])?
            .next()?
            .map(|found| Ok::<_, rusqlite::Error>((found.get(0)?, found.get(1)?)))
            .transpose()?;
        let (last_activity_at, last_activity, days_since_activity) = match activity {
            Some((at, what)) => {
                let at = instant(at)?;
                let days_since = (as_of - at.date_naive()).num_days();
                (Some(at.to_rfc3339_opts(SecondsFormat::Secs, true)), Some(what), Some(days_since))
            }
            None => (None, None, None),
        };
        rows.push(StalledRow {
            opportunity_id,
            name: record.get(1)?,
            customer_id: record.get(2)?,
            owner_id: record.get(3)?,
            team_id: record.get(4)?,
            stage: record.get(5)?,
            entered_on,
            days_in_stage,
            stall_after_days,
            days_over: days_in_stage - stall_after_days,
            currency: record.get(8)?,
            amount_minor: record.get(9)?,
            last_activity_at,
            last_activity,
            days_since_activity,
        });
    }
    rows.sort_by(|a, b| {
        b.days_over.cmp(&a.days_over).then_with(|| a.opportunity_id.cmp(&b.opportunity_id))
    });
    Ok(rows)
}

/// An activity's time as the projection writes it (Unix seconds).
fn instant(seconds: i64) -> Result<DateTime<Utc>, QueryError> {
    DateTime::from_timestamp(seconds, 0)
        .ok_or_else(|| QueryError::Corrupt(format!("{seconds} is not a time in Unix seconds")))
}

/// A date column as the projection writes it (ISO text).
fn date(text: &str) -> Result<NaiveDate, QueryError> {
    text.parse().map_err(|_| QueryError::Corrupt(format!("{text:?} is not an ISO date")))
}
