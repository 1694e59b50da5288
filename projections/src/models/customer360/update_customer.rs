//! How customer and lead events change the tables: the profile, contacts and tags, and the
//! leads that convert into a customer, whose timeline lines wait under the lead until then.

use ltc_domain::customer::{CustomerEvent, Origin};
use ltc_domain::lead::{ConvertTo, LeadEvent};
use ltc_eventstore::RecordedEvent;
use rusqlite::{OptionalExtension, Transaction, params};

use super::envelope::{Envelope, id_text, time_text};
use super::timeline::{Owner, TimelineWriter};
use super::{codes, words};
use crate::ProjectionError;
use crate::models::decode::decode;

pub(super) fn customer(
    tx: &Transaction<'_>,
    timeline: &mut TimelineWriter,
    recorded: &RecordedEvent,
    envelope: &Envelope<'_>,
) -> Result<(), ProjectionError> {
    let decoded = decode::<CustomerEvent>(recorded)?;
    let event: &CustomerEvent = &decoded;
    let customer_id = envelope.stream_id.as_str();
    match event {
        CustomerEvent::Created { profile, origin, at, .. } => {
            let (origin, lead_id) = match origin {
                Origin::Direct => ("direct", None),
                Origin::ConvertedLead(lead_id) => ("lead", Some(id_text(lead_id.0))),
            };
            tx.prepare_cached(
                "INSERT INTO c360_customers (customer_id, name, industry, region, tier, \
                 owner_id, team_id, credit_limit_minor, currency, origin, lead_id, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                customer_id,
                profile.name,
                profile.industry,
                profile.region,
                codes::tier(profile.tier),
                id_text(profile.owner.0),
                profile.team.map(|team| id_text(team.0)),
                profile.credit_limit.amount_minor,
                profile.credit_limit.currency.code(),
                origin,
                lead_id,
                time_text(*at)
            ])?;
        }
        CustomerEvent::ContactAdded { contact_id, contact } => {
            tx.prepare_cached(
                "INSERT INTO c360_contacts \
                 (customer_id, contact_id, name, email, phone, role, added_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                customer_id,
                id_text(contact_id.0),
                contact.name,
                contact.email,
                contact.phone,
                contact.role,
                time_text(envelope.occurred_at)
            ])?;
        }
        CustomerEvent::ContactUpdated { contact_id, contact } => {
            tx.prepare_cached(
                "UPDATE c360_contacts SET name = ?3, email = ?4, phone = ?5, role = ?6 \
                 WHERE customer_id = ?1 AND contact_id = ?2",
            )?
            .execute(params![
                customer_id,
                id_text(contact_id.0),
                contact.name,
                contact.email,
                contact.phone,
                contact.role
            ])?;
        }
        CustomerEvent::TagAdded { tag } => {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO c360_tags (customer_id, tag) VALUES (?1, ?2)",
            )?
            .execute(params![customer_id, tag])?;
        }
        CustomerEvent::TagRemoved { tag } => {
            tx.prepare_cached("DELETE FROM c360_tags WHERE customer_id = ?1 AND tag = ?2")?
                .execute(params![customer_id, tag])?;
        }
        CustomerEvent::TierChanged { to, .. } => {
            tx.prepare_cached("UPDATE c360_customers SET tier = ?2 WHERE customer_id = ?1")?
                .execute(params![customer_id, codes::tier(*to)])?;
        }
        CustomerEvent::OwnerChanged { to, .. } => {
            tx.prepare_cached(
                "UPDATE c360_customers SET owner_id = ?2, team_id = ?3 WHERE customer_id = ?1",
            )?
            .execute(params![
                customer_id,
                id_text(to.owner.0),
                to.team.map(|team| id_text(team.0))
            ])?;
        }
        CustomerEvent::CreditLimitChanged { to, .. } => {
            tx.prepare_cached(
                "UPDATE c360_customers SET credit_limit_minor = ?2, currency = ?3 \
                 WHERE customer_id = ?1",
            )?
            .execute(params![customer_id, to.amount_minor, to.currency.code()])?;
        }
    }
    timeline.record(tx, envelope, Owner::Customer(customer_id), words::customer(event))
}

pub(super) fn lead(
    tx: &Transaction<'_>,
    timeline: &mut TimelineWriter,
    recorded: &RecordedEvent,
    envelope: &Envelope<'_>,
) -> Result<(), ProjectionError> {
    let decoded = decode::<LeadEvent>(recorded)?;
    let event: &LeadEvent = &decoded;
    let lead_id = envelope.stream_id.as_str();
    // Set by conversion and merge, and borrowed by `owner` below.
    let converted_into: String;
    let survivor: String;
    let mut owner = Owner::Lead(lead_id);
    match event {
        LeadEvent::Captured { channel, contact, company, at, .. } => {
            tx.prepare_cached(
                "INSERT INTO c360_leads \
                 (lead_id, channel, contact_name, company_name, captured_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                lead_id,
                codes::channel(*channel),
                contact.name,
                company.name,
                time_text(*at)
            ])?;
        }
        LeadEvent::Scored { score, .. } => {
            tx.prepare_cached("UPDATE c360_leads SET score = ?2 WHERE lead_id = ?1")?
                .execute(params![lead_id, score.total])?;
        }
        LeadEvent::Qualified { at } => {
            tx.prepare_cached("UPDATE c360_leads SET qualified_at = ?2 WHERE lead_id = ?1")?
                .execute(params![lead_id, time_text(*at)])?;
        }
        LeadEvent::Disqualified { .. } => {
            // A disqualified lead reaches no customer: nothing of it stays.
            tx.prepare_cached("DELETE FROM c360_leads WHERE lead_id = ?1")?
                .execute(params![lead_id])?;
            return timeline.drop_lead(tx, lead_id);
        }
        LeadEvent::Converted { customer, opportunity_id, at, .. } => {
            let (ConvertTo::NewCustomer(customer_id) | ConvertTo::ExistingCustomer(customer_id)) =
                customer;
            converted_into = id_text(customer_id.0);
            tx.prepare_cached(
                "UPDATE c360_leads SET customer_id = ?2, converted_at = ?3, opportunity_id = ?4 \
                 WHERE lead_id = ?1",
            )?
            .execute(params![
                lead_id,
                converted_into,
                time_text(*at),
                id_text(opportunity_id.0)
            ])?;
            timeline.claim_lead(tx, lead_id, &converted_into, envelope.position)?;
            owner = Owner::LeadOf { lead_id, customer_id: &converted_into };
        }
        LeadEvent::MergedInto { survivor: survivor_id, .. } => {
            survivor = id_text(survivor_id.0);
            tx.prepare_cached("DELETE FROM c360_leads WHERE lead_id = ?1")?
                .execute(params![lead_id])?;
            timeline.pass_lead(tx, lead_id, &survivor)?;
            // The survivor may have converted already (a merge retried after a failure): then
            // the duplicate's lines belong to its customer at once.
            let customer_id: Option<String> = tx
                .prepare_cached("SELECT customer_id FROM c360_leads WHERE lead_id = ?1")?
                .query_row(params![survivor], |row| row.get(0))
                .optional()?
                .flatten();
            match customer_id {
                Some(customer_id) => {
                    timeline.claim_lead(tx, &survivor, &customer_id, envelope.position)?;
                    converted_into = customer_id;
                    owner = Owner::LeadOf { lead_id: &survivor, customer_id: &converted_into };
                }
                None => owner = Owner::Lead(&survivor),
            }
        }
        LeadEvent::CapturedAsDuplicate { .. }
        | LeadEvent::Assigned { .. }
        | LeadEvent::ActivityLogged { .. }
        | LeadEvent::DuplicateMerged { .. } => {}
    }
    match words::lead(event) {
        Some(text) => timeline.record(tx, envelope, owner, text),
        None => Ok(()),
    }
}
