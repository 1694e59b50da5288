//! An opportunity row: the customer, `name`, `amount` in `currency`, `expected_close`
//! (`YYYY-MM-DD`), `owner` (a user's name or id, default the importing user). Opened at the
//! first stage of the company's pipeline.
//!
//! The customer is named by one of three columns, tried in this order:
//! - `customer_id`: the customer's id (a UUID);
//! - `customer_key`: the `key` the customer was imported under by `ltc import customers`, so a
//!   customers file and an opportunities file from one spreadsheet link without ids;
//! - `customer`: the customer's name, matched ignoring case and surrounding spaces; a name two
//!   customers share is refused as ambiguous rather than guessed.

use chrono::NaiveDate;
use ltc_domain::ids::CustomerId;
use uuid::Uuid;

use super::ImportKind;
use super::fields::{currency, money, owner};
use super::identity::Identity;
use super::report::RowError;
use super::rows::Row;
use super::run::Lookups;
use crate::engine::OpportunityRequest;

pub(super) fn open(row: &Row, lookups: &Lookups) -> Result<OpportunityRequest, RowError> {
    let customer_id = customer(row, lookups)?;
    let currency = currency(row)?;
    let amount = money("amount", row.required("amount")?, currency, lookups)?;
    let expected_close = row.required("expected_close")?;
    let expected_close = NaiveDate::parse_from_str(expected_close, "%Y-%m-%d").map_err(|_| {
        RowError::new(
            "invalid_date",
            format!("expected_close {expected_close:?} is not a YYYY-MM-DD date"),
        )
    })?;
    let ownership = owner(row, lookups)?;
    Ok(OpportunityRequest::Open {
        customer_id,
        name: row.required("name")?.to_owned(),
        owner: ownership.owner,
        team: ownership.team,
        amount,
        expected_close,
    })
}

fn customer(row: &Row, lookups: &Lookups) -> Result<CustomerId, RowError> {
    if let Some(id) = row.get("customer_id") {
        let id = Uuid::parse_str(id).map_err(|_| {
            RowError::new(
                "invalid_value",
                format!("customer_id {id:?} is not a customer id (a UUID)"),
            )
        })?;
        return Ok(CustomerId(id));
    }
    if let Some(key) = row.get("customer_key") {
        return Ok(CustomerId(Identity::keyed(ImportKind::Customers, key).aggregate_id()));
    }
    let name = row.get("customer").ok_or_else(|| {
        RowError::new("missing_field", "customer_id, customer_key and customer are all empty")
    })?;
    lookups.customers.by_name(name)
}
