//! How each event the funnel wants changes its tables: leads, customers and quotes here, the
//! opportunity's own events in `apply_opportunity.rs`, which change the deal the batch holds
//! (`deals.rs`). Each write here is one cached statement; what an event does not carry (the
//! quote's opportunity) is looked up inside the statement, never read into memory first.

use ltc_domain::customer::CustomerEvent;
use ltc_domain::lead::LeadEvent;
use ltc_domain::quote::{PricedLine, QuoteEvent};
use ltc_eventstore::RecordedEvent;
use rusqlite::{Transaction, params};

use super::shared::uuid_text;
use crate::ProjectionError;
use crate::models::decode::decode;
use crate::models::period::Period;
use crate::models::stored;

pub fn lead(tx: &Transaction<'_>, event: &RecordedEvent) -> Result<(), ProjectionError> {
    let mut buffer = [0u8; 36];
    let lead_id = uuid_text(&event.stream.id, &mut buffer);
    let set_status = |status: &str| -> Result<(), ProjectionError> {
        tx.prepare_cached("UPDATE funnel_leads SET status = ?2 WHERE lead_id = ?1")?
            .execute(params![lead_id, status])?;
        Ok(())
    };
    match &*decode::<LeadEvent>(event)? {
        LeadEvent::Captured { channel, industry, region, ownership, at, .. } => {
            let day = at.date_naive();
            tx.prepare_cached(
                "INSERT INTO funnel_leads (lead_id, channel, owner_id, team_id, industry, region, \
                 captured_on, captured_month, captured_quarter, status) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'open')",
            )?
            .execute(params![
                lead_id,
                channel_name(*channel),
                ownership.map(|o| o.owner.0.to_string()),
                ownership.and_then(|o| o.team).map(|team| team.0.to_string()),
                industry,
                region,
                stored::day_text(day),
                Period::Month.key(day),
                Period::Quarter.key(day),
            ])?;
        }
        LeadEvent::CapturedAsDuplicate { .. } => set_status("duplicate")?,
        LeadEvent::Assigned { ownership, .. } => {
            tx.prepare_cached(
                "UPDATE funnel_leads SET owner_id = ?2, team_id = ?3 WHERE lead_id = ?1",
            )?
            .execute(params![
                lead_id,
                ownership.owner.0.to_string(),
                ownership.team.map(|team| team.0.to_string())
            ])?;
        }
        LeadEvent::Qualified { at } => {
            tx.prepare_cached(
                "UPDATE funnel_leads SET status = 'qualified', qualified_on = ?2 WHERE lead_id = ?1",
            )?
            .execute(params![lead_id, stored::day_text(at.date_naive())])?;
        }
        LeadEvent::Disqualified { .. } => set_status("disqualified")?,
        LeadEvent::Converted { opportunity_id, ownership, at, .. } => {
            tx.prepare_cached(
                "UPDATE funnel_leads SET status = 'converted', converted_on = ?2, \
                 opportunity_id = ?3, owner_id = ?4, team_id = ?5 WHERE lead_id = ?1",
            )?
            .execute(params![
                lead_id,
                stored::day_text(at.date_naive()),
                opportunity_id.0.to_string(),
                ownership.owner.0.to_string(),
                ownership.team.map(|team| team.0.to_string())
            ])?;
        }
        LeadEvent::DuplicateMerged { adopted, .. } => {
            // The survivor keeps its own data and takes only what it lacked.
            tx.prepare_cached(
                "UPDATE funnel_leads SET industry = COALESCE(industry, ?2), \
                 region = COALESCE(region, ?3) WHERE lead_id = ?1",
            )?
            .execute(params![lead_id, adopted.industry, adopted.region])?;
        }
        LeadEvent::MergedInto { .. } => set_status("merged")?,
        LeadEvent::Scored { .. } | LeadEvent::ActivityLogged { .. } => {}
    }
    Ok(())
}

pub fn customer(tx: &Transaction<'_>, event: &RecordedEvent) -> Result<(), ProjectionError> {
    if let CustomerEvent::Created { customer_id, profile, .. } = &*decode::<CustomerEvent>(event)? {
        tx.prepare_cached(
            "INSERT INTO funnel_customers (customer_id, industry, region) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![customer_id.0.to_string(), profile.industry, profile.region])?;
    }
    Ok(())
}

pub fn quote(tx: &Transaction<'_>, event: &RecordedEvent) -> Result<(), ProjectionError> {
    let mut buffer = [0u8; 36];
    let quote_id = uuid_text(&event.stream.id, &mut buffer);
    let position = position_of(event);
    match &*decode::<QuoteEvent>(event)? {
        QuoteEvent::Created { opportunity_id, version, lines, .. } => {
            tx.prepare_cached(
                "INSERT INTO funnel_quotes (quote_id, opportunity_id, version, product_sku, \
                 position) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                quote_id,
                opportunity_id.0.to_string(),
                version,
                main_product(lines),
                position
            ])?;
        }
        QuoteEvent::Revised { version, lines, .. } => {
            tx.prepare_cached(
                "UPDATE funnel_quotes SET version = ?2, product_sku = ?3, position = ?4 \
                 WHERE quote_id = ?1",
            )?
            .execute(params![quote_id, version, main_product(lines), position])?;
        }
        _ => {}
    }
    Ok(())
}

/// The quote's main product: the SKU of the line with the largest amount, the first such line
/// on a tie. A deal counts under one product, so the product rows add up to the whole funnel.
pub fn main_product(lines: &[PricedLine]) -> Option<&str> {
    let mut main: Option<&PricedLine> = None;
    for line in lines {
        if main.is_none_or(|best| line.amount.amount_minor > best.amount.amount_minor) {
            main = Some(line);
        }
    }
    main.map(|line| line.sku.0.as_str())
}

pub fn channel_name(channel: ltc_domain::lead::Channel) -> &'static str {
    use ltc_domain::lead::Channel;
    match channel {
        Channel::WebForm => "web_form",
        Channel::Email => "email",
        Channel::Event => "event",
        Channel::Social => "social",
        Channel::Referral => "referral",
        Channel::Phone => "phone",
        Channel::Import => "import",
        Channel::Api => "api",
    }
}

pub fn position_of(event: &RecordedEvent) -> i64 {
    i64::try_from(event.position.0).unwrap_or(i64::MAX)
}
