//! The leads query: `leads_facts` grouped by channel, score band or owner, over the leads
//! captured in a date range.

use rusqlite::{Connection, params};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::models::funnel::shared::{DateRange, QueryError, count, divide_rounded, ratio_bps};

/// What the rows of the leads query are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadDimension {
    Channel,
    /// The latest score: `0-24`, `25-49`, `50-74`, `75-100`, or `(unscored)`.
    ScoreBand,
    /// The current owner's user id, or `(unassigned)`.
    Owner,
}

impl LeadDimension {
    pub const ALL: [LeadDimension; 3] =
        [LeadDimension::Channel, LeadDimension::ScoreBand, LeadDimension::Owner];

    pub fn name(self) -> &'static str {
        match self {
            LeadDimension::Channel => "channel",
            LeadDimension::ScoreBand => "score_band",
            LeadDimension::Owner => "owner",
        }
    }

    pub fn parse(name: &str) -> Option<LeadDimension> {
        LeadDimension::ALL.into_iter().find(|dimension| dimension.name() == name)
    }

    fn key_sql(self) -> &'static str {
        match self {
            LeadDimension::Channel => "channel",
            // The band labels sort in score order as text.
            LeadDimension::ScoreBand => {
                "CASE WHEN score IS NULL THEN '(unscored)' WHEN score < 25 THEN '0-24' \
                 WHEN score < 50 THEN '25-49' WHEN score < 75 THEN '50-74' ELSE '75-100' END"
            }
            LeadDimension::Owner => "COALESCE(owner_id, '(unassigned)')",
        }
    }
}

/// One value of the dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[derive(JsonSchema)]
pub struct LeadRow {
    pub key: String,
    /// Every lead captured, duplicates included.
    pub captured: u64,
    /// Captured as a duplicate or merged into another lead; not in any figure below.
    pub duplicates: u64,
    /// `captured - duplicates`: distinct buyers.
    pub leads: u64,
    /// Still being worked: neither qualified, disqualified nor converted.
    pub open: u64,
    /// Qualified at some point (every converted lead was).
    pub qualified: u64,
    pub converted: u64,
    pub disqualified: u64,
    /// `converted ÷ leads`.
    pub conversion_bps: Option<u32>,
    /// Leads with at least one activity logged, and the mean minutes from capture to the first.
    pub touched: u64,
    pub first_touch_minutes_avg: Option<i64>,
    /// Leads with an owner, and the mean minutes from capture to the first owner.
    pub assigned: u64,
    pub assignment_minutes_avg: Option<i64>,
}

/// The leads captured in `range`, grouped by `by`, ordered by key.
pub fn leads(
    conn: &Connection,
    by: LeadDimension,
    range: DateRange,
) -> Result<Vec<LeadRow>, QueryError> {
    let (from, to) = range.bounds_text();
    let sql = format!(
        "WITH facts AS (SELECT {key} AS key, status IN ('duplicate', 'merged') AS duplicate, \
           status, qualified_on, converted_on, \
           unixepoch(first_activity_at) - unixepoch(captured_at) AS touch_seconds, \
           unixepoch(assigned_at) - unixepoch(captured_at) AS assignment_seconds \
         FROM leads_facts WHERE captured_on BETWEEN ?1 AND ?2) \
         SELECT key, COUNT(*), SUM(duplicate), \
           SUM(NOT duplicate AND status = 'open'), \
           SUM(NOT duplicate AND qualified_on IS NOT NULL), \
           SUM(NOT duplicate AND converted_on IS NOT NULL), \
           SUM(NOT duplicate AND status = 'disqualified'), \
           SUM(NOT duplicate AND touch_seconds IS NOT NULL), \
           COALESCE(SUM(CASE WHEN NOT duplicate THEN touch_seconds END), 0), \
           SUM(NOT duplicate AND assignment_seconds IS NOT NULL), \
           COALESCE(SUM(CASE WHEN NOT duplicate THEN assignment_seconds END), 0) \
         FROM facts GROUP BY key ORDER BY key",
        key = by.key_sql()
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map(params![from, to], |record| {
        let captured = count(record, 1)?;
        let duplicates = count(record, 2)?;
        let leads = captured - duplicates;
        let converted = count(record, 5)?;
        let touched = count(record, 7)?;
        let touch_seconds: i64 = record.get(8)?;
        let assigned = count(record, 9)?;
        let assignment_seconds: i64 = record.get(10)?;
        Ok(LeadRow {
            key: record.get(0)?,
            captured,
            duplicates,
            leads,
            open: count(record, 3)?,
            qualified: count(record, 4)?,
            converted,
            disqualified: count(record, 6)?,
            conversion_bps: ratio_bps(converted, leads),
            touched,
            first_touch_minutes_avg: minutes_avg(touch_seconds, touched),
            assigned,
            assignment_minutes_avg: minutes_avg(assignment_seconds, assigned),
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The mean of `n` durations summing to `seconds`, in whole minutes, rounded once.
fn minutes_avg(seconds: i64, n: u64) -> Option<i64> {
    divide_rounded(i128::from(seconds), i128::from(n) * 60)
}
