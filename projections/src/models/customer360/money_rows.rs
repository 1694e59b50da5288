//! The rows a payment event adds and nothing changes later: a receivable's instalments
//! (`c360_instalments`), each part of a document applied to an instalment (`c360_applications`)
//! and the documents themselves (`c360_documents`). Nothing reads them while events are applied
//! (queries compute money from them, `money.rs`), so they are appended rows, written 64 to a
//! statement at the latest by the batch's flush (`models::append_rows`).

use ltc_domain::money::Currency;
use rusqlite::{Statement, Transaction};

use crate::ProjectionError;
use crate::models::append_rows::{AppendRow, AppendRows};

/// The money rows not yet written.
#[derive(Debug, Default)]
pub(super) struct MoneyRows {
    instalments: AppendRows<Instalment>,
    applications: AppendRows<Application>,
    documents: AppendRows<Document>,
}

impl MoneyRows {
    pub fn instalment(
        &mut self,
        tx: &Transaction<'_>,
        row: Instalment,
    ) -> Result<(), ProjectionError> {
        self.instalments.push(tx, row)
    }

    pub fn application(
        &mut self,
        tx: &Transaction<'_>,
        row: Application,
    ) -> Result<(), ProjectionError> {
        self.applications.push(tx, row)
    }

    pub fn document(&mut self, tx: &Transaction<'_>, row: Document) -> Result<(), ProjectionError> {
        self.documents.push(tx, row)
    }

    pub fn write_pending(&mut self, tx: &Transaction<'_>) -> Result<(), ProjectionError> {
        self.instalments.write_pending(tx)?;
        self.applications.write_pending(tx)?;
        self.documents.write_pending(tx)
    }

    pub fn discard(&mut self) {
        self.instalments.discard();
        self.applications.discard();
        self.documents.discard();
    }
}

/// A `c360_instalments` row.
#[derive(Debug)]
pub(super) struct Instalment {
    pub receivable_id: String,
    pub instalment_idx: i64,
    pub due_on: String,
    pub amount_minor: i64,
}

impl AppendRow for Instalment {
    const INSERT_INTO: &'static str =
        "INSERT INTO c360_instalments (receivable_id, instalment_idx, due_on, amount_minor)";
    const COLUMNS: usize = 4;

    fn bind(&self, statement: &mut Statement<'_>, first: usize) -> rusqlite::Result<()> {
        statement.raw_bind_parameter(first, self.receivable_id.as_str())?;
        statement.raw_bind_parameter(first + 1, self.instalment_idx)?;
        statement.raw_bind_parameter(first + 2, self.due_on.as_str())?;
        statement.raw_bind_parameter(first + 3, self.amount_minor)
    }
}

/// A `c360_applications` row.
#[derive(Debug)]
pub(super) struct Application {
    pub receivable_id: String,
    pub instalment_idx: i64,
    pub position: i64,
    pub kind: &'static str,
    pub on_date: String,
    pub amount_minor: i64,
}

impl AppendRow for Application {
    const INSERT_INTO: &'static str = "INSERT INTO c360_applications (receivable_id, \
         instalment_idx, position, kind, on_date, amount_minor)";
    const COLUMNS: usize = 6;

    fn bind(&self, statement: &mut Statement<'_>, first: usize) -> rusqlite::Result<()> {
        statement.raw_bind_parameter(first, self.receivable_id.as_str())?;
        statement.raw_bind_parameter(first + 1, self.instalment_idx)?;
        statement.raw_bind_parameter(first + 2, self.position)?;
        statement.raw_bind_parameter(first + 3, self.kind)?;
        statement.raw_bind_parameter(first + 4, self.on_date.as_str())?;
        statement.raw_bind_parameter(first + 5, self.amount_minor)
    }
}

/// A `c360_documents` row.
#[derive(Debug)]
pub(super) struct Document {
    pub position: i64,
    pub customer_id: String,
    pub receivable_id: String,
    pub kind: &'static str,
    pub document_id: String,
    pub on_date: String,
    pub amount_minor: i64,
    pub credit_minor: i64,
    pub currency: Currency,
    pub note: String,
}

impl AppendRow for Document {
    const INSERT_INTO: &'static str = "INSERT INTO c360_documents (position, customer_id, \
         receivable_id, kind, document_id, on_date, amount_minor, credit_minor, currency, note)";
    const COLUMNS: usize = 10;

    fn bind(&self, statement: &mut Statement<'_>, first: usize) -> rusqlite::Result<()> {
        statement.raw_bind_parameter(first, self.position)?;
        statement.raw_bind_parameter(first + 1, self.customer_id.as_str())?;
        statement.raw_bind_parameter(first + 2, self.receivable_id.as_str())?;
        statement.raw_bind_parameter(first + 3, self.kind)?;
        statement.raw_bind_parameter(first + 4, self.document_id.as_str())?;
        statement.raw_bind_parameter(first + 5, self.on_date.as_str())?;
        statement.raw_bind_parameter(first + 6, self.amount_minor)?;
        statement.raw_bind_parameter(first + 7, self.credit_minor)?;
        statement.raw_bind_parameter(first + 8, self.currency.code())?;
        statement.raw_bind_parameter(first + 9, self.note.as_str())
    }
}
