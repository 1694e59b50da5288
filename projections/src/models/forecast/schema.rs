//! The forecast read model's tables. docs/read-models/forecast.md describes each column for BI
//! users; this file is what `migrate` runs.
//!
//! Times are stored as fixed-width RFC 3339 UTC text with microseconds ([`timestamp`]), so text
//! order is time order and an "as of" cut is a plain string comparison.
//!
//! A deal's history (`forecast_deal_history`, one row per event that changed its forecast
//! fields: ≈ 1.5M rows at 5M events) holds only what an event can change. Owner, team and
//! currency are the deal's for good (no opportunity event changes them), so they are read from
//! `forecast_deals`, where schema version 1 repeated ≈ 75 bytes of them in every version; the
//! view `forecast_deal_versions` gives version 1's columns. An event that could change them would
//! have to bring them back into the history.
//!
//! Schema version 3 added a deal's decision (`decided_position`, `decided_at`,
//! `idle_days_at_decision`: `decision.rs`), which the win model's examples are now cut at, and
//! the clock (`clock.rs`).

use chrono::{DateTime, SecondsFormat, Utc};

/// Every table the projection creates, in the order `migrate` creates them.
pub const TABLES: &[&str] = &[
    "forecast_deals",
    "forecast_deal_history",
    "forecast_deal_channels",
    "forecast_lead_channels",
    "forecast_customers",
    "forecast_quota_versions",
    "forecast_model_examples",
    "forecast_model_counts",
    "forecast_clock",
    "forecast_deal_versions",
];

pub const DDL: &str = "
CREATE TABLE forecast_deals (
    opportunity_id    TEXT    PRIMARY KEY,
    customer_id       TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    owner             TEXT    NOT NULL,
    team              TEXT,
    currency          TEXT    NOT NULL,
    amount_minor      INTEGER NOT NULL,
    expected_close    TEXT    NOT NULL,
    stage             TEXT    NOT NULL,
    probability_bps   INTEGER NOT NULL,
    forecast_category TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    closed_on         TEXT,
    opened_at         TEXT    NOT NULL,
    last_activity_at  TEXT    NOT NULL,
    decided_position      INTEGER,
    decided_at            TEXT,
    idle_days_at_decision INTEGER
) WITHOUT ROWID;
CREATE TABLE forecast_deal_history (
    opportunity_id    TEXT    NOT NULL,
    position          INTEGER NOT NULL,
    recorded_at       TEXT    NOT NULL,
    amount_minor      INTEGER NOT NULL,
    expected_close    TEXT    NOT NULL,
    stage             TEXT    NOT NULL,
    probability_bps   INTEGER NOT NULL,
    forecast_category TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    closed_on         TEXT,
    PRIMARY KEY (opportunity_id, position)
) WITHOUT ROWID;
CREATE TABLE forecast_deal_channels (
    opportunity_id TEXT PRIMARY KEY,
    lead_id        TEXT NOT NULL,
    channel        TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE forecast_lead_channels (
    lead_id TEXT PRIMARY KEY,
    channel TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE forecast_customers (
    customer_id TEXT PRIMARY KEY,
    industry    TEXT NOT NULL,
    region      TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE forecast_quota_versions (
    rep            TEXT    NOT NULL,
    period         TEXT    NOT NULL,
    position       INTEGER NOT NULL,
    recorded_at    TEXT    NOT NULL,
    team           TEXT,
    currency       TEXT    NOT NULL,
    quota_minor    INTEGER NOT NULL,
    commission_bps INTEGER NOT NULL,
    PRIMARY KEY (rep, period, position)
) WITHOUT ROWID;
CREATE TABLE forecast_model_examples (
    opportunity_id TEXT PRIMARY KEY,
    outcome        TEXT NOT NULL,
    stages         TEXT NOT NULL,
    channel        TEXT NOT NULL,
    industry       TEXT NOT NULL,
    region         TEXT NOT NULL,
    amount_band    TEXT NOT NULL,
    recency        TEXT NOT NULL,
    decided_by     TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE forecast_model_counts (
    feature TEXT    NOT NULL,
    value   TEXT    NOT NULL,
    n_won   INTEGER NOT NULL,
    n_lost  INTEGER NOT NULL,
    PRIMARY KEY (feature, value)
) WITHOUT ROWID;
CREATE TABLE forecast_clock (
    clock     INTEGER PRIMARY KEY CHECK (clock = 0),
    latest_at TEXT    NOT NULL
);
CREATE VIEW forecast_deal_versions AS
    SELECT h.opportunity_id, h.position, h.recorded_at, d.owner, d.team, d.currency,
           h.amount_minor, h.expected_close, h.stage, h.probability_bps, h.forecast_category,
           h.status, h.closed_on
    FROM forecast_deal_history h
    JOIN forecast_deals d ON d.opportunity_id = h.opportunity_id;
";

/// A time as the tables store it: `2026-03-31T09:15:00.000000Z`, always this width.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn stored_times_have_one_width_so_text_order_is_time_order() {
        let early = Utc.with_ymd_and_hms(2026, 3, 9, 8, 0, 0).unwrap();
        let late = early + chrono::TimeDelta::microseconds(1_500_000);
        assert_eq!(timestamp(early), "2026-03-09T08:00:00.000000Z");
        assert_eq!(timestamp(early).len(), timestamp(late).len());
        assert!(timestamp(early) < timestamp(late));
    }
}
