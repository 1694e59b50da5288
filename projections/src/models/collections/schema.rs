//! The collections tables: dated facts, from which every balance is computed at query time.
//! Documented for BI users in docs/read-models/collections.md.

use rusqlite::Transaction;

use crate::projection::ProjectionError;

pub(super) const TABLES: &[&str] = &[
    "collections_receivables",
    "collections_instalments",
    "collections_applications",
    "collections_documents",
];

pub(super) fn migrate(tx: &Transaction<'_>) -> Result<(), ProjectionError> {
    tx.execute_batch(
        "CREATE TABLE collections_receivables (
            receivable_id     TEXT    PRIMARY KEY,
            invoice_reference TEXT    NOT NULL,
            order_id          TEXT    NOT NULL,
            customer_id       TEXT    NOT NULL,
            invoiced_on       TEXT    NOT NULL,
            total_minor       INTEGER NOT NULL,
            currency          TEXT    NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX collections_receivables_by_invoiced_on
            ON collections_receivables (invoiced_on);
        CREATE TABLE collections_instalments (
            receivable_id  TEXT    NOT NULL,
            instalment_idx INTEGER NOT NULL,
            due_on         TEXT    NOT NULL,
            amount_minor   INTEGER NOT NULL,
            currency       TEXT    NOT NULL,
            PRIMARY KEY (receivable_id, instalment_idx)
        ) WITHOUT ROWID;
        CREATE TABLE collections_applications (
            receivable_id  TEXT    NOT NULL,
            instalment_idx INTEGER NOT NULL,
            position       INTEGER NOT NULL,
            kind           TEXT    NOT NULL,
            applied_on     TEXT    NOT NULL,
            amount_minor   INTEGER NOT NULL,
            currency       TEXT    NOT NULL,
            PRIMARY KEY (receivable_id, instalment_idx, position)
        ) WITHOUT ROWID;
        CREATE TABLE collections_documents (
            position       INTEGER PRIMARY KEY,
            receivable_id  TEXT    NOT NULL,
            kind           TEXT    NOT NULL,
            document_id    TEXT    NOT NULL,
            dated_on       TEXT    NOT NULL,
            amount_minor   INTEGER NOT NULL,
            to_credit_minor INTEGER NOT NULL,
            currency       TEXT    NOT NULL
        );
        CREATE INDEX collections_documents_by_receivable
            ON collections_documents (receivable_id);",
    )?;
    Ok(())
}
