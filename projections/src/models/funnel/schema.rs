//! The funnel's tables: facts at the grain of one lead, one opportunity, one pipeline stage of an
//! opportunity and one stay in a stage, plus the two look-ups the dimensions need (a customer's
//! industry and region, a quote's main product). Every aggregate is computed by the query, so any
//! period and dimension can be asked for without a table per combination. Documented in
//! docs/read-models/funnel.md.

use rusqlite::Transaction;

use crate::ProjectionError;

pub const TABLES: &[&str] = &[
    "funnel_leads",
    "funnel_opportunities",
    "funnel_stages",
    "funnel_stage_visits",
    "funnel_customers",
    "funnel_quotes",
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
            cycle_days       INTEGER
        ) WITHOUT ROWID;
        CREATE TABLE funnel_stages (
            opportunity_id   TEXT    NOT NULL,
            stage            TEXT    NOT NULL,
            stage_position   INTEGER NOT NULL,
            outcome          TEXT    NOT NULL,
            reached_on       TEXT,
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
        CREATE INDEX funnel_quotes_by_opportunity ON funnel_quotes (opportunity_id, position);",
    )?;
    Ok(())
}
