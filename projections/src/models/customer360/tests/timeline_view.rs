//! `c360_timeline` is what a BI tool reads: a view that spells the stored keys out as the words,
//! UUID text and RFC 3339 times schema version 1 stored in every line.

use expect_test::expect;
use rusqlite::Connection;

use super::events::*;
use super::world::World;
use crate::models::customer360::{FullestTimeline, fullest_timeline, timeline};
use crate::models::query_plan::query_plan;

const LEAD: u128 = 0x1ead;
const WAITING_LEAD: u128 = 0x2ead;
const CUSTOMER: u128 = 1;
const OPPORTUNITY: u128 = 2;

/// A lead that converts into a customer who opens a deal, and a lead still open.
fn history() -> World {
    let mut world = World::new();
    let at = world.now();
    world.append(id(LEAD), &lead_captured(id(LEAD), "Ada Park", "Park Labs", at));
    let at = world.now();
    world.append(id(LEAD), &lead_converted(id(CUSTOMER), id(OPPORTUNITY), at));
    let at = world.now();
    world.append_as(
        id(CUSTOMER),
        &customer_created(id(CUSTOMER), "Park Labs", at),
        "Admin:1",
        true,
    );
    let at = world.now();
    let deal = opened(id(OPPORTUNITY), id(CUSTOMER), "Park seats", eur(90_000), at);
    world.append(id(OPPORTUNITY), &deal);
    let at = world.now();
    world.append(id(WAITING_LEAD), &lead_captured(id(WAITING_LEAD), "Bo Chen", "Chen & Co", at));
    world
}

fn view_rows(conn: &Connection, filter: &str) -> Vec<String> {
    let sql = format!(
        "SELECT position, customer_id, lead_id, occurred_at, actor, stream_kind, event_type, \
         text FROM c360_timeline {filter} ORDER BY occurred_at, position"
    );
    let mut statement = conn.prepare(&sql).expect("the view");
    let rows = statement.query_map([], |row| {
        let cells: Vec<String> = (0..8)
            .map(|idx| match row.get_ref(idx).expect("a cell") {
                rusqlite::types::ValueRef::Text(text) => String::from_utf8_lossy(text).into(),
                other => format!("{other:?}"),
            })
            .collect();
        Ok(cells.join(" | "))
    });
    rows.expect("the rows").map(|row| row.expect("a row")).collect()
}

#[test]
fn the_timeline_view_shows_each_line_with_its_customer_time_actor_and_event_in_words() {
    let world = history();
    let conn = world.project();
    expect![[r#"
        Integer(1) | 00000000-0000-0000-0000-000000000001 | 00000000-0000-0000-0000-000000001ead | 2026-01-05T09:00:00Z | sales rep | lead | LeadCaptured | lead captured from web form: Ada Park of Park Labs
        Integer(2) | 00000000-0000-0000-0000-000000000001 | 00000000-0000-0000-0000-000000001ead | 2026-01-05T09:01:00Z | sales rep | lead | LeadConverted | lead converted into a new customer, with contact Ada Park and an opportunity
        Integer(3) | 00000000-0000-0000-0000-000000000001 | Null | 2026-01-05T09:02:00Z | automation | customer | CustomerCreated | customer Park Labs created: key tier, north region, software
        Integer(4) | 00000000-0000-0000-0000-000000000001 | Null | 2026-01-05T09:03:00Z | sales rep | opportunity | OpportunityOpened | opportunity "Park seats" opened at 900.00 EUR in qualification (10.00 % likely), expected to close 2026-03-31
        Integer(5) | Null | 00000000-0000-0000-0000-000000002ead | 2026-01-05T09:04:00Z | sales rep | lead | LeadCaptured | lead captured from web form: Bo Chen of Chen & Co"#]]
    .assert_eq(&view_rows(&conn, "").join("\n"));
}

#[test]
fn the_view_and_the_timeline_query_show_the_same_lines() {
    let world = history();
    let conn = world.project();
    let customer = id(CUSTOMER);
    let from_query: Vec<String> = timeline(&conn, customer, 100)
        .expect("the timeline")
        .into_iter()
        .map(|entry| {
            format!(
                "Integer({}) | {customer} | {} | {} | {} | {} | {}",
                entry.position,
                entry.occurred_at.format("%Y-%m-%dT%H:%M:%SZ"),
                entry.actor,
                entry.stream_kind,
                entry.event_type,
                entry.text
            )
        })
        .collect();
    let from_view: Vec<String> = view_rows(&conn, &format!("WHERE customer_id = '{customer}'"))
        .into_iter()
        .map(|row| {
            // The query has no lead column: drop the view's third cell.
            let mut cells: Vec<&str> = row.split(" | ").collect();
            cells.remove(2);
            cells.join(" | ")
        })
        .collect();
    assert_eq!(from_view.len(), 4);
    assert_eq!(from_view, from_query);
}

/// A customer's lines are a handful of its pages, found by the customer's key: the view
/// never reads another customer's.
#[test]
fn a_customers_lines_come_off_its_own_pages_through_the_view() {
    let world = history();
    let conn = world.project();
    let plan = query_plan(
        &conn,
        "SELECT text FROM c360_timeline WHERE customer_id = ?1 \
         ORDER BY occurred_at_s DESC, position DESC LIMIT 20",
        [id(CUSTOMER).to_string()],
    );
    let searches = |prefix: &str| plan.iter().any(|step| step.starts_with(prefix));
    assert!(searches("SEARCH customer USING COVERING INDEX"), "{plan:?}");
    assert!(searches("SEARCH page USING INDEX sqlite_autoindex_c360_timeline_pages"), "{plan:?}");
    assert!(!searches("SCAN page") && !searches("SCAN customer"), "{plan:?}");
}

#[test]
fn the_fullest_timeline_is_the_customer_with_the_most_lines_and_the_first_by_name_on_a_tie() {
    let mut world = history();
    for (customer, name) in [(7, "Zeta Works"), (8, "Alpha Works")] {
        let at = world.now();
        world.append(id(customer), &customer_created(id(customer), name, at));
    }
    let conn = world.project();
    let park_labs = fullest_timeline(&conn).expect("the count").expect("a customer");
    assert_eq!(
        park_labs,
        FullestTimeline { customer_id: id(CUSTOMER), name: "Park Labs".into(), lines: 4 },
        "its converted lead's two lines count, the waiting lead's do not"
    );
    assert_eq!(park_labs.lines as usize, timeline(&conn, id(CUSTOMER), 100).unwrap().len());

    let mut tied = World::new();
    for (customer, name) in [(7, "Zeta Works"), (8, "Alpha Works")] {
        let at = tied.now();
        tied.append(id(customer), &customer_created(id(customer), name, at));
    }
    let alpha = fullest_timeline(&tied.project()).expect("the count").expect("a customer");
    assert_eq!((alpha.name.as_str(), alpha.lines), ("Alpha Works", 1));

    assert_eq!(fullest_timeline(&World::new().project()).expect("the count"), None);
}
