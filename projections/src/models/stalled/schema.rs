//! The stalled model's tables and views. docs/read-models/stalled.md describes each column for BI
//! users; this file is what `migrate` runs.
//!
//! An activity is one row per event of a deal (a 5M-event log has ≈ 2.7M), so it names its deal
//! by a short key (`opportunity_key`, `models::short_keys`) and its time by Unix seconds, and a
//! deal names the stages of its pipeline by the pipeline's key: most deals open with one of a
//! handful of pipelines, where schema version 1 copied six stage rows into every deal. The
//! views `stalled_activities` and `stalled_stages` give version 1's columns (the first, and
//! Unix seconds as `at_s`).

/// Every table and view the projection creates, in the order `migrate` creates them.
pub(super) const TABLES: &[&str] = &[
    "stalled_pipelines",
    "stalled_pipeline_stages",
    "stalled_opportunities",
    "stalled_visits",
    "stalled_activity_lines",
    "stalled_quotes",
    "stalled_stages",
    "stalled_activities",
];

/// The index only the query reads: `apply` appends activities in position order.
pub(super) const QUERY_INDEXES: &[&str] = &["stalled_activities_by_opportunity"];

pub(super) const DDL: &str = "
CREATE TABLE stalled_pipelines (
    pipeline_key     INTEGER PRIMARY KEY,
    definition       TEXT    NOT NULL UNIQUE
);
CREATE TABLE stalled_pipeline_stages (
    pipeline_key     INTEGER NOT NULL,
    stage            TEXT    NOT NULL,
    outcome          TEXT    NOT NULL,
    stall_after_days INTEGER,
    PRIMARY KEY (pipeline_key, stage)
) WITHOUT ROWID;
CREATE TABLE stalled_opportunities (
    opportunity_key  INTEGER PRIMARY KEY,
    opportunity_id   TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    customer_id      TEXT    NOT NULL,
    owner_id         TEXT    NOT NULL,
    team_id          TEXT,
    currency         TEXT    NOT NULL,
    amount_minor     INTEGER NOT NULL,
    opened_on        TEXT    NOT NULL,
    pipeline_key     INTEGER NOT NULL
);
CREATE TABLE stalled_visits (
    opportunity_key  INTEGER NOT NULL,
    visit_no         INTEGER NOT NULL,
    stage            TEXT    NOT NULL,
    outcome          TEXT    NOT NULL,
    entered_on       TEXT    NOT NULL,
    PRIMARY KEY (opportunity_key, visit_no)
) WITHOUT ROWID;
CREATE TABLE stalled_activity_lines (
    position         INTEGER PRIMARY KEY,
    opportunity_key  INTEGER NOT NULL,
    at               INTEGER NOT NULL,
    activity         TEXT    NOT NULL
);
CREATE INDEX stalled_activities_by_opportunity
    ON stalled_activity_lines (opportunity_key, at);
CREATE TABLE stalled_quotes (
    quote_id         TEXT    PRIMARY KEY,
    opportunity_key  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE VIEW stalled_stages AS
    SELECT o.opportunity_id, s.stage, s.outcome, s.stall_after_days
    FROM stalled_opportunities o
    JOIN stalled_pipeline_stages s ON s.pipeline_key = o.pipeline_key;
CREATE VIEW stalled_activities AS
    SELECT a.position, o.opportunity_id,
           strftime('%Y-%m-%dT%H:%M:%SZ', a.at, 'unixepoch') AS at, a.activity, a.at AS at_s
    FROM stalled_activity_lines a
    JOIN stalled_opportunities o ON o.opportunity_key = a.opportunity_key;
";
