//! The customer360 tables. Each row is keyed by the id of the record it mirrors, and every row
//! that belongs to a customer carries `customer_id` (a timeline page: its `customer_key`), so the
//! view of one customer is a handful of index look-ups. docs/read-models/customer360.md documents
//! every column.
//!
//! The entity tables double as the lookup tables that route another stream's events to their
//! customer: an opportunity's, quote's, order's and receivable's later events find their row by
//! the stream id, and the row says whose it is. A lead reaches a customer only when it converts,
//! so its timeline lines wait in `c360_timeline_waiting` until then.

use rusqlite::Transaction;

use crate::ProjectionError;

pub(super) const TABLES: &[&str] = &[
    "c360_customers",
    "c360_tags",
    "c360_contacts",
    "c360_leads",
    "c360_opportunities",
    "c360_quotes",
    "c360_orders",
    "c360_receivables",
    "c360_instalments",
    "c360_applications",
    "c360_documents",
    "c360_customer_keys",
    "c360_timeline_kinds",
    "c360_timeline_pages",
    "c360_timeline_waiting",
    // A view: the timeline as people and BI tools read it.
    "c360_timeline",
];

/// The indexes only the view reads. `c360_timeline_waiting_by_lead` is not one: a lead's
/// conversion moves its waiting lines through it; nor is the pages' key, which a live runner
/// appends through.
pub(super) const QUERY_INDEXES: &[&str] = &[
    "c360_leads_by_customer",
    "c360_opportunities_by_customer",
    "c360_quotes_by_customer",
    "c360_orders_by_customer",
    "c360_receivables_by_customer",
    "c360_documents_by_customer",
];

const DDL: &str = "
CREATE TABLE c360_customers (
    customer_id        TEXT    PRIMARY KEY,
    name               TEXT    NOT NULL,
    industry           TEXT    NOT NULL,
    region             TEXT    NOT NULL,
    tier               TEXT    NOT NULL,
    owner_id           TEXT    NOT NULL,
    team_id            TEXT,
    credit_limit_minor INTEGER NOT NULL,
    currency           TEXT    NOT NULL,
    origin             TEXT    NOT NULL,
    lead_id            TEXT,
    created_at         TEXT    NOT NULL
) WITHOUT ROWID;
CREATE TABLE c360_tags (
    customer_id TEXT NOT NULL,
    tag         TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
) WITHOUT ROWID;
CREATE TABLE c360_contacts (
    customer_id TEXT NOT NULL,
    contact_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    phone       TEXT,
    role        TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    PRIMARY KEY (customer_id, contact_id)
) WITHOUT ROWID;
CREATE TABLE c360_leads (
    lead_id        TEXT    PRIMARY KEY,
    customer_id    TEXT,
    channel        TEXT    NOT NULL,
    contact_name   TEXT    NOT NULL,
    company_name   TEXT,
    score          INTEGER,
    captured_at    TEXT    NOT NULL,
    qualified_at   TEXT,
    converted_at   TEXT,
    opportunity_id TEXT
) WITHOUT ROWID;
CREATE INDEX c360_leads_by_customer ON c360_leads (customer_id) WHERE customer_id IS NOT NULL;
CREATE TABLE c360_opportunities (
    opportunity_id    TEXT    PRIMARY KEY,
    customer_id       TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    owner_id          TEXT    NOT NULL,
    stage             TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    amount_minor      INTEGER NOT NULL,
    currency          TEXT    NOT NULL,
    probability_bps   INTEGER NOT NULL,
    forecast_category TEXT    NOT NULL,
    expected_close    TEXT    NOT NULL,
    opened_at         TEXT    NOT NULL,
    closed_at         TEXT
) WITHOUT ROWID;
CREATE INDEX c360_opportunities_by_customer ON c360_opportunities (customer_id);
CREATE TABLE c360_quotes (
    quote_id       TEXT    PRIMARY KEY,
    customer_id    TEXT    NOT NULL,
    opportunity_id TEXT    NOT NULL,
    deal           TEXT,
    version        INTEGER NOT NULL,
    status         TEXT    NOT NULL,
    total_minor    INTEGER NOT NULL,
    currency       TEXT    NOT NULL,
    valid_until    TEXT    NOT NULL,
    created_at     TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX c360_quotes_by_customer ON c360_quotes (customer_id);
CREATE TABLE c360_orders (
    order_id        TEXT    PRIMARY KEY,
    customer_id     TEXT    NOT NULL,
    quote_id        TEXT    NOT NULL,
    deal            TEXT,
    currency        TEXT    NOT NULL,
    total_minor     INTEGER NOT NULL,
    cancelled_minor INTEGER NOT NULL,
    invoiced_minor  INTEGER NOT NULL,
    ordered_units   INTEGER NOT NULL,
    cancelled_units INTEGER NOT NULL,
    fulfilled_units INTEGER NOT NULL,
    invoiced_units  INTEGER NOT NULL,
    placed_at       TEXT    NOT NULL,
    confirmed_at    TEXT,
    paid_on         TEXT
) WITHOUT ROWID;
CREATE INDEX c360_orders_by_customer ON c360_orders (customer_id);
CREATE TABLE c360_receivables (
    receivable_id     TEXT    PRIMARY KEY,
    customer_id       TEXT    NOT NULL,
    order_id          TEXT    NOT NULL,
    deal              TEXT,
    invoice_reference TEXT    NOT NULL,
    currency          TEXT    NOT NULL,
    total_minor       INTEGER NOT NULL,
    received_minor    INTEGER NOT NULL,
    credited_minor    INTEGER NOT NULL,
    written_off_minor INTEGER NOT NULL,
    outstanding_minor INTEGER NOT NULL,
    credit_minor      INTEGER NOT NULL,
    refunded_minor    INTEGER NOT NULL,
    opened_on         TEXT    NOT NULL,
    settled_on        TEXT
) WITHOUT ROWID;
CREATE INDEX c360_receivables_by_customer ON c360_receivables (customer_id);
CREATE TABLE c360_instalments (
    receivable_id  TEXT    NOT NULL,
    instalment_idx INTEGER NOT NULL,
    due_on         TEXT    NOT NULL,
    amount_minor   INTEGER NOT NULL,
    PRIMARY KEY (receivable_id, instalment_idx)
) WITHOUT ROWID;
CREATE TABLE c360_applications (
    receivable_id  TEXT    NOT NULL,
    instalment_idx INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    kind           TEXT    NOT NULL,
    on_date        TEXT    NOT NULL,
    amount_minor   INTEGER NOT NULL,
    PRIMARY KEY (receivable_id, instalment_idx, position)
) WITHOUT ROWID;
CREATE TABLE c360_documents (
    position      INTEGER PRIMARY KEY,
    customer_id   TEXT    NOT NULL,
    receivable_id TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    document_id   TEXT    NOT NULL,
    on_date       TEXT    NOT NULL,
    amount_minor  INTEGER NOT NULL,
    credit_minor  INTEGER NOT NULL,
    currency      TEXT    NOT NULL,
    note          TEXT    NOT NULL
);
CREATE INDEX c360_documents_by_customer ON c360_documents (customer_id, position);
-- The timeline is a line per event, the most numerous of all, so lines are stored a page to a
-- row (`timeline_pages.rs`): for each customer and each stretch of 16,384 log positions, one
-- text of JSON arrays [position, occurred_at (Unix seconds), kind, text, lead_id?], in the order
-- the lines joined. The view c360_timeline gives them a row each with the words spelled out,
-- and the seconds too (occurred_at_s).
CREATE TABLE c360_customer_keys (
    customer_key INTEGER PRIMARY KEY,
    customer_id  TEXT    NOT NULL UNIQUE
);
CREATE TABLE c360_timeline_kinds (
    kind        INTEGER PRIMARY KEY,
    actor       TEXT    NOT NULL,
    stream_kind TEXT    NOT NULL,
    event_type  TEXT    NOT NULL,
    UNIQUE (event_type, stream_kind, actor)
);
CREATE TABLE c360_timeline_pages (
    customer_key INTEGER NOT NULL,
    bucket       INTEGER NOT NULL,
    lines        TEXT    NOT NULL,
    PRIMARY KEY (customer_key, bucket)
);
-- A lead's lines until it converts (then they join its customer's pages), is merged into
-- another lead (they wait under the survivor) or is disqualified (they go).
CREATE TABLE c360_timeline_waiting (
    position    INTEGER PRIMARY KEY,
    lead_id     TEXT    NOT NULL,
    occurred_at INTEGER NOT NULL,
    kind        INTEGER NOT NULL,
    text        TEXT    NOT NULL
);
CREATE INDEX c360_timeline_waiting_by_lead ON c360_timeline_waiting (lead_id);
CREATE VIEW c360_timeline AS
SELECT json_extract(line.value, '$[0]') AS position,
       customer.customer_id,
       json_extract(line.value, '$[4]') AS lead_id,
       strftime('%Y-%m-%dT%H:%M:%SZ', json_extract(line.value, '$[1]'), 'unixepoch')
           AS occurred_at,
       kind.actor,
       kind.stream_kind,
       kind.event_type,
       json_extract(line.value, '$[3]') AS text,
       json_extract(line.value, '$[1]') AS occurred_at_s
FROM c360_customer_keys AS customer
JOIN c360_timeline_pages AS page ON page.customer_key = customer.customer_key
JOIN json_each('[' || page.lines || ']') AS line
JOIN c360_timeline_kinds AS kind ON kind.kind = json_extract(line.value, '$[2]')
UNION ALL
SELECT waiting.position,
       NULL,
       waiting.lead_id,
       strftime('%Y-%m-%dT%H:%M:%SZ', waiting.occurred_at, 'unixepoch'),
       kind.actor,
       kind.stream_kind,
       kind.event_type,
       waiting.text,
       waiting.occurred_at
FROM c360_timeline_waiting AS waiting
JOIN c360_timeline_kinds AS kind ON kind.kind = waiting.kind;
";

pub(super) fn migrate(tx: &Transaction<'_>) -> Result<(), ProjectionError> {
    tx.execute_batch(DDL)?;
    Ok(())
}
