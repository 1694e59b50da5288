//! Leads reach a customer only when they convert: until then their lines wait under the lead;
//! a disqualified lead leaves nothing behind, and a merged duplicate's lines follow its survivor.

use ltc_domain::customer::{CustomerEvent, CustomerProfile, Origin, Tier};
use ltc_domain::ids::{CustomerId, LeadId};
use ltc_domain::lead::{ActivityKind, AdoptedFields, LeadEvent};

use super::events::*;
use super::world::{World, day};

const LEAD: u128 = 0x1ead;
const DUPLICATE: u128 = 0xd0b;
const CUSTOMER: u128 = 1;
const OPPORTUNITY: u128 = 2;

fn converted_customer(world: &mut World) {
    let at = world.now();
    world.append(id(LEAD), &lead_converted(id(CUSTOMER), id(OPPORTUNITY), at));
    let created = CustomerEvent::Created {
        customer_id: CustomerId(id(CUSTOMER)),
        profile: CustomerProfile {
            name: "Park Labs".into(),
            industry: "biotech".into(),
            region: "south".into(),
            tier: Tier::Normal,
            owner: REP,
            team: None,
            credit_limit: eur(1_000_000),
        },
        origin: Origin::ConvertedLead(LeadId(id(LEAD))),
        at: world.now(),
    };
    world.append_as(id(CUSTOMER), &created, "Admin:0190", true);
}

#[test]
fn a_converted_leads_history_opens_the_customers_timeline_before_the_customer_existed() {
    let mut world = World::new();
    let at = world.now();
    world.append(id(LEAD), &lead_captured(id(LEAD), "Ada Park", "Park Labs", at));
    world.on(1, 6);
    let call = LeadEvent::ActivityLogged {
        kind: ActivityKind::Call,
        summary: "wants 20 seats".into(),
        by: REP,
        at: world.now(),
    };
    world.append(id(LEAD), &call);
    world.append(id(LEAD), &LeadEvent::Qualified { at: world.now() });
    world.on(1, 8);
    converted_customer(&mut world);

    assert_eq!(
        world.story(id(CUSTOMER)),
        [
            "lead captured from web form: Ada Park of Park Labs",
            "call with the lead: wants 20 seats",
            "lead qualified",
            "lead converted into a new customer, with contact Ada Park and an opportunity",
            "customer Park Labs created from a converted lead: normal tier, south region, biotech",
        ]
    );
    let actors: Vec<String> =
        world.timeline(id(CUSTOMER)).into_iter().map(|entry| entry.actor).collect();
    assert_eq!(actors.last().map(String::as_str), Some("automation"));
    let view = world.view(id(CUSTOMER), day(1, 31));
    assert_eq!(view.leads.len(), 1);
    let lead = &view.leads[0];
    assert_eq!((lead.lead_id, lead.opportunity_id), (id(LEAD), Some(id(OPPORTUNITY))));
    assert!(lead.qualified_at.is_some() && lead.converted_at.is_some());
    assert_eq!((view.profile.origin.as_str(), view.profile.lead_id), ("lead", Some(id(LEAD))));
}

#[test]
fn a_disqualified_lead_leaves_no_row_and_no_line_behind() {
    let mut world = World::new();
    let at = world.now();
    world.append(id(LEAD), &lead_captured(id(LEAD), "Ada Park", "Park Labs", at));
    let conn = world.project();
    let waiting = |conn: &rusqlite::Connection| -> (i64, i64) {
        let count = |sql| conn.query_row(sql, [], |row| row.get(0)).expect("a count");
        (count("SELECT count(*) FROM c360_leads"), count("SELECT count(*) FROM c360_timeline"))
    };
    assert_eq!(waiting(&conn), (1, 1), "an open lead waits with its line");
    let disqualified = LeadEvent::Disqualified { reason: "student".into(), at: world.now() };
    world.append(id(LEAD), &disqualified);
    assert_eq!(waiting(&world.project()), (0, 0));
}

#[test]
fn a_merged_duplicates_lines_follow_its_survivor_into_the_customer() {
    let mut world = World::new();
    let at = world.now();
    world.append(id(LEAD), &lead_captured(id(LEAD), "Ada Park", "Park Labs", at));
    let at = world.now();
    world.append(id(DUPLICATE), &lead_captured(id(DUPLICATE), "A. Park", "Park Labs", at));
    let survivor = LeadId(id(LEAD));
    let absorbed = LeadEvent::DuplicateMerged {
        duplicate: LeadId(id(DUPLICATE)),
        adopted: AdoptedFields::default(),
        at: world.now(),
    };
    world.append(id(LEAD), &absorbed);
    world.append(id(DUPLICATE), &LeadEvent::MergedInto { survivor, at: world.now() });
    converted_customer(&mut world);

    let story = world.story(id(CUSTOMER));
    assert_eq!(story.len(), 6, "{story:#?}");
    assert_eq!(story[1], "lead captured from web form: A. Park of Park Labs");
    assert_eq!(story[3], "this lead was a duplicate and was merged into the lead it repeats");
    let leads = world.view(id(CUSTOMER), day(1, 31)).leads;
    assert_eq!(leads.len(), 1, "the duplicate lives on in its survivor only");
}
