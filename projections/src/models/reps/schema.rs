//! The rep performance tables. Documented for BI users in docs/read-models/reps.md.

use rusqlite::Transaction;

use crate::projection::ProjectionError;

pub(super) const TABLES: &[&str] = &["reps_quotas", "reps_opportunities", "reps_activities"];

pub(super) fn migrate(tx: &Transaction<'_>) -> Result<(), ProjectionError> {
    tx.execute_batch(
        "CREATE TABLE reps_quotas (
            rep_id         TEXT    NOT NULL,
            period         TEXT    NOT NULL,
            team_id        TEXT,
            target_minor   INTEGER NOT NULL,
            currency       TEXT    NOT NULL,
            commission_bps INTEGER NOT NULL,
            revisions      INTEGER NOT NULL,
            set_by         TEXT    NOT NULL,
            set_at         TEXT    NOT NULL,
            PRIMARY KEY (rep_id, period)
        ) WITHOUT ROWID;
        CREATE TABLE reps_opportunities (
            opportunity_id   TEXT    PRIMARY KEY,
            rep_id           TEXT    NOT NULL,
            team_id          TEXT,
            status           TEXT    NOT NULL,
            won_on           TEXT,
            won_amount_minor INTEGER,
            currency         TEXT    NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX reps_opportunities_by_won_on ON reps_opportunities (won_on)
            WHERE status = 'won';
        CREATE TABLE reps_activities (
            rep_id       TEXT    NOT NULL,
            day          TEXT    NOT NULL,
            kind         TEXT    NOT NULL,
            n_activities INTEGER NOT NULL,
            PRIMARY KEY (rep_id, day, kind)
        ) WITHOUT ROWID;
        CREATE INDEX reps_activities_by_day ON reps_activities (day);",
    )?;
    Ok(())
}
