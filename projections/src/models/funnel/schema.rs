//! The funnel's tables: facts at the grain of one lead, one opportunity, one stage an
//! opportunity reached and one stay in a stage, plus the two look-ups the dimensions need (a
//! customer's industry and region, a quote's main product). Every aggregate is computed by the
//! query, so any period and dimension can be asked for without a table per combination.
//! Documented in docs/read-models/funnel.md.
//!
//! A deal's pipeline is stored once per distinct pipeline (`funnel_pipelines`,
//! `funnel_pipeline_stages`) and a deal keeps a row only for each stage it reached: schema version
//! 1 copied every stage of the pipeline into every deal (six rows, most never reached). The view
//! `funnel_stages` gives version 1's rows, one per stage of the deal's pipeline.

use rusqlite::Transaction;

use crate::ProjectionError;

pub const TABLES: &[&str] = &[
    "funnel_leads",
    "funnel_pipelines",
    "funnel_pipeline_stages",
    "funnel_opportunities",
    "funnel_stages_reached",
    "funnel_stage_visits",
    "funnel_customers",
    "funnel_quotes",
    "funnel_stages",
];

pub fn migrate(tx: &Transaction<'_>) -> Result<(), ProjectionError> {
    tx.execute_batch(
        "CREATE TABLE funnel_leads (
            lead_id          TEXT    PRIMARY KEY,
            channel          TEXT    NOT NULL,
            owner_id         TEXT,
            team_id          TEXT,
            industry         TEXT,
            region           TEXT,
            captured_on      TEXT    NOT NULL,
            captured_month   TEXT    NOT NULL,
            captured_quarter TEXT    NOT NULL,
            status           TEXT    NOT NULL,
            qualified_on     TEXT,
            converted_on     TEXT,
            opportunity_id   TEXT
        ) WITHOUT ROWID;
        CREATE INDEX funnel_leads_by_opportunity ON funnel_leads (opportunity_id);
        CREATE TABLE funnel_pipelines (
            pipeline_key     INTEGER PRIMARY KEY,
            definition       TEXT    NOT NULL UNIQUE
        );
        CREATE TABLE funnel_pipeline_stages (
            pipeline_key     INTEGER NOT NULL,
            stage            TEXT    NOT NULL,
            stage_position   INTEGER NOT NULL,
            outcome          TEXT    NOT NULL,
            PRIMARY KEY (pipeline_key, stage)
        ) WITHOUT ROWID;
        CREATE TABLE funnel_opportunities (
            opportunity_id   TEXT    PRIMARY KEY,
            customer_id      TEXT    NOT NULL,
            owner_id         TEXT    NOT NULL,
            team_id          TEXT,
            currency         TEXT    NOT NULL,
            amount_minor     INTEGER NOT NULL,
            opened_on        TEXT    NOT NULL,
            opened_month     TEXT    NOT NULL,
            opened_quarter   TEXT    NOT NULL,
            status           TEXT    NOT NULL,
            closed_on        TEXT,
            cycle_days       INTEGER,
            pipeline_key     INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE funnel_stages_reached (
            opportunity_id   TEXT    NOT NULL,
            stage            TEXT    NOT NULL,
            reached_on       TEXT    NOT NULL,
            PRIMARY KEY (opportunity_id, stage)
        ) WITHOUT ROWID;
        CREATE TABLE funnel_stage_visits (
            opportunity_id   TEXT    NOT NULL,
            visit_no         INTEGER NOT NULL,
            stage            TEXT    NOT NULL,
            outcome          TEXT    NOT NULL,
            entered_on       TEXT    NOT NULL,
            left_on          TEXT,
            days_in_stage    INTEGER,
            PRIMARY KEY (opportunity_id, visit_no)
        ) WITHOUT ROWID;
        CREATE TABLE funnel_customers (
            customer_id      TEXT    PRIMARY KEY,
            industry         TEXT    NOT NULL,
            region           TEXT    NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE funnel_quotes (
            quote_id         TEXT    PRIMARY KEY,
            opportunity_id   TEXT    NOT NULL,
            version          INTEGER NOT NULL,
            product_sku      TEXT,
            position         INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX funnel_quotes_by_opportunity ON funnel_quotes (opportunity_id, position);
        CREATE VIEW funnel_stages AS
            SELECT o.opportunity_id, p.stage, p.stage_position, p.outcome, r.reached_on
            FROM funnel_opportunities o
            JOIN funnel_pipeline_stages p ON p.pipeline_key = o.pipeline_key
            LEFT JOIN funnel_stages_reached r
              ON r.opportunity_id = o.opportunity_id AND r.stage = p.stage;",
    )?;
    Ok(())
}
