//! A customer row: `name`, `industry`, `region` and `currency` (required), `tier` (`strategic`,
//! `key` or `normal`, default `normal`), `owner` (a user's name or id, default the importing
//! user), `credit_limit` (an amount in `currency`, default 0). Created as a direct customer.

use ltc_domain::customer::{CustomerCommand, CustomerProfile, Origin, Tier};
use ltc_domain::ids::CustomerId;
use ltc_domain::money::Money;

use super::fields::{choice, currency, money, owner};
use super::report::RowError;
use super::rows::Row;
use super::run::Lookups;

pub(super) fn create(
    customer_id: CustomerId,
    row: &Row,
    lookups: &Lookups,
) -> Result<CustomerCommand, RowError> {
    let currency = currency(row)?;
    let tier = match row.get("tier") {
        Some(tier) => choice::<Tier>("tier", tier)?,
        None => Tier::Normal,
    };
    let credit_limit = match row.get("credit_limit") {
        Some(text) => money("credit_limit", text, currency, lookups)?,
        None => Money::zero(currency),
    };
    let ownership = owner(row, lookups)?;
    Ok(CustomerCommand::Create {
        customer_id,
        profile: CustomerProfile {
            name: row.required("name")?.to_owned(),
            industry: row.required("industry")?.to_owned(),
            region: row.required("region")?.to_owned(),
            tier,
            owner: ownership.owner,
            team: ownership.team,
            credit_limit,
        },
        origin: Origin::Direct,
    })
}
