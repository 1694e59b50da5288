//! Cells read as the domain's values, each failure a [`RowError`] naming the field and what it
//! accepts.

use ltc_domain::actor::Ownership;
use ltc_domain::money::{Currency, Money};
use serde::de::DeserializeOwned;

use super::money::parse_money;
use super::report::RowError;
use super::rows::Row;
use super::run::Lookups;

/// One of an enum's snake_case names; case, spaces and dashes are forgiven ("Web Form").
pub(super) fn choice<T: DeserializeOwned>(field: &str, text: &str) -> Result<T, RowError> {
    let name: String = text
        .trim()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_lowercase() })
        .collect();
    serde_json::from_value(serde_json::Value::String(name)).map_err(|error| {
        // serde names the accepted variants: "unknown variant `x`, expected one of `a`, `b`".
        let expected = error.to_string();
        let expected = expected.split_once("expected ").map_or(expected.as_str(), |(_, rest)| rest);
        RowError::new("invalid_value", format!("{field} {text:?} is not {expected}"))
    })
}

pub(super) fn currency(row: &Row) -> Result<Currency, RowError> {
    let code = row.required("currency")?;
    Currency::new(&code.to_ascii_uppercase()).map_err(|_| {
        RowError::new(
            "invalid_value",
            format!("currency {code:?} is not an ISO 4217 code such as EUR"),
        )
    })
}

pub(super) fn money(
    field: &str,
    text: &str,
    currency: Currency,
    lookups: &Lookups,
) -> Result<Money, RowError> {
    parse_money(text, currency, lookups.decimal_separator)
        .map_err(|error| RowError::new("invalid_money", format!("{field} {error}")))
}

/// The `owner` column's user as an ownership (their team from the user table), or the
/// importing user's when the cell is empty.
pub(super) fn owner(row: &Row, lookups: &Lookups) -> Result<Ownership, RowError> {
    Ok(optional_owner(row, lookups)?
        .unwrap_or(Ownership { owner: lookups.actor.id, team: lookups.actor.team }))
}

pub(super) fn optional_owner(row: &Row, lookups: &Lookups) -> Result<Option<Ownership>, RowError> {
    let Some(name) = row.get("owner") else { return Ok(None) };
    let user = lookups.users.find(name).ok_or_else(|| {
        RowError::new("unknown_user", format!("owner {name:?} is not in the user table"))
    })?;
    Ok(Some(Ownership { owner: user.id, team: user.team }))
}
