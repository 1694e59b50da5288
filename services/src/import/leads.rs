//! A lead row as the capture a client would send: `name` and any of `email`, `phone`,
//! `company_name`, `website`, `industry`, `region`, `company_size`, the UTM fields and
//! `referrer`; `channel` (default `import`); `owner` (a user's name or id; empty leaves the
//! lead to the assignment rules). Whether the email is an email is the lead's own rule.

use ltc_domain::lead::{Channel, CompanySize, Contact, Source};

use super::fields::{choice, optional_owner};
use super::report::RowError;
use super::rows::Row;
use super::run::Lookups;
use crate::engine::LeadRequest;

pub(super) fn capture(row: &Row, lookups: &Lookups) -> Result<LeadRequest, RowError> {
    let text = |field: &str| row.get(field).map(str::to_owned);
    let channel = match row.get("channel") {
        Some(channel) => choice::<Channel>("channel", channel)?,
        None => Channel::Import,
    };
    let company_size = row
        .get("company_size")
        .map(|size| choice::<CompanySize>("company_size", size))
        .transpose()?;
    Ok(LeadRequest::Capture {
        channel,
        contact: Contact {
            name: row.required("name")?.to_owned(),
            email: text("email"),
            phone: text("phone"),
        },
        company_name: text("company_name"),
        website: text("website"),
        industry: text("industry"),
        region: text("region"),
        company_size,
        source: Source {
            utm_source: text("utm_source"),
            utm_medium: text("utm_medium"),
            utm_campaign: text("utm_campaign"),
            utm_term: text("utm_term"),
            utm_content: text("utm_content"),
            referrer: text("referrer"),
        },
        owner: optional_owner(row, lookups)?,
    })
}
