//! The customer's rules as given / when / then: given these past events, when this command
//! arrives from this actor, then exactly these events (or this rejection).

mod account;
mod contacts;
mod create;
mod tags;

use crate::testing::*;
use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::actor::{Actor, Ownership, Role};
use crate::decider::{Context, Decider};
use crate::ids::{CustomerId, LeadId};
use crate::money::{Currency, Money};

const ACME: CustomerId = CustomerId(Uuid::from_u128(0xac3e));
const LEAD: LeadId = LeadId(Uuid::from_u128(0x1ead));

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 10, 0).single().unwrap()
}

fn contact_id(n: u128) -> ContactId {
    ContactId(Uuid::from_u128(0xc0 + n))
}

fn profile() -> CustomerProfile {
    CustomerProfile {
        name: "ACME GmbH".into(),
        industry: "Manufacturing".into(),
        region: "DACH".into(),
        tier: Tier::Key,
        owner: ALICE,
        team: Some(EAST),
        credit_limit: eur(5_000_000),
    }
}

fn create_command() -> CustomerCommand {
    CustomerCommand::Create { customer_id: ACME, profile: profile(), origin: Origin::Direct }
}

/// The event `create_command` produces; every fixture event is at `now()`, when `check` decides.
fn created() -> CustomerEvent {
    CustomerEvent::Created {
        customer_id: ACME,
        profile: profile(),
        origin: Origin::Direct,
        at: now(),
    }
}

fn ada() -> Contact {
    Contact {
        name: "Ada Lovelace".into(),
        email: "ada@acme.example".into(),
        phone: Some("+49 30 1234-567".into()),
        role: "CFO".into(),
    }
}

fn contact_added(n: u128, contact: Contact) -> CustomerEvent {
    CustomerEvent::ContactAdded { contact_id: contact_id(n), contact }
}

/// Given `history`, when `actor` sends `command`, then `expected`.
#[track_caller]
fn check(
    history: &[CustomerEvent],
    command: CustomerCommand,
    actor: Actor,
    expected: Result<Vec<CustomerEvent>, CustomerError>,
) {
    let state = CustomerDecider::replay(history);
    let context = Context { actor, occurred_at: now() };
    assert_eq!(CustomerDecider::decide(&state, &command, &context), expected);
}

fn customer_after(history: &[CustomerEvent]) -> Customer {
    match CustomerDecider::replay(history) {
        CustomerState::Created(customer) => *customer,
        CustomerState::NotCreated => panic!("the history creates the customer"),
    }
}
