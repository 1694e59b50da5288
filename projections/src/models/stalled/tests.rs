//! The stalled model, given a history, projected, then queried as of several dates: which deals
//! are stalled and with what last activity, checked by hand, and the text rendering as a
//! snapshot.

use expect_test::expect;
use ltc_domain::opportunity::{OpportunityEvent, TaskId};
use rusqlite::Connection;
use uuid::Uuid;

use super::*;
use crate::models::funnel::testkit::*;

/// The default pipeline stalls after 14 days in qualification and 21 in proposal.
/// A sits in qualification from 5 January. B moves to proposal on 10 January, gets a quote on
/// 12 January and a follow-up scheduled by the process manager on 25 January, and is won on
/// 10 February. C is lost on 8 January. D has its amount changed on 18 January.
/// The world comes back too: its temporary directory holds the read-model file.
fn history() -> (World, Connection) {
    let mut world = World::new();
    let [a, b, c, d] = [1, 2, 3, 4].map(opportunity_id);
    for deal in [a, b, c, d] {
        world.opportunity(
            deal,
            opened(deal, customer_id(1), owned(ANA, EAST), eur(1_000), "2026-01-05"),
        );
    }
    world.opportunity(b, moved("qualification", "proposal", "2026-01-10"));
    world.quote(quote_id(0), quote_created(b, &[("SEAT", 900)], "2026-01-12"));
    world.opportunity(
        b,
        OpportunityEvent::FollowUpScheduled {
            task_id: TaskId(Uuid::from_u128(7)),
            due_on: day("2026-01-28"),
            subject: "call back".into(),
            at: at("2026-01-25"),
        },
    );
    world.opportunity(c, lost("2026-01-08"));
    world.on("2026-01-18");
    world.opportunity(d, OpportunityEvent::AmountChanged { from: eur(1_000), to: eur(2_500) });
    world.opportunity(b, won(eur(900), "2026-02-10"));
    let conn = world.project(Box::new(Stalled::default()));
    (world, conn)
}

fn names(rows: &[StalledRow]) -> Vec<&str> {
    rows.iter().map(|row| row.name.as_str()).collect()
}

#[test]
fn a_deal_stalls_only_once_its_whole_days_in_stage_exceed_the_threshold() {
    let (_world, conn) = history();
    assert_eq!(names(&stalled(&conn, day("2026-01-19")).unwrap()), Vec::<&str>::new());
    let rows = stalled(&conn, day("2026-01-20")).unwrap();
    assert_eq!(names(&rows), ["deal 1", "deal 4"], "15 days in qualification, 14 allowed");
    assert_eq!(
        (rows[0].stage.as_str(), rows[0].days_in_stage, rows[0].days_over),
        ("qualification", 15, 1)
    );
    assert_eq!(rows[1].amount_minor, 2_500, "the latest amount");
}

#[test]
fn the_last_activity_is_the_latest_thing_a_person_did_by_the_end_of_the_as_of_date() {
    let (_world, conn) = history();
    let rows = stalled(&conn, day("2026-02-05")).unwrap();
    let deal_b = rows.iter().find(|row| row.name == "deal 2").expect("B is stalled in proposal");
    assert_eq!((deal_b.days_in_stage, deal_b.stall_after_days), (26, 21));
    assert_eq!(deal_b.last_activity.as_deref(), Some("quote created"), "a scheduled task is not");
    assert_eq!(deal_b.last_activity_at.as_deref(), Some("2026-01-12T09:00:00Z"));
    assert_eq!(deal_b.days_since_activity, Some(24));
    let deal_d = rows.iter().find(|row| row.name == "deal 4").expect("D is stalled");
    assert_eq!(deal_d.last_activity.as_deref(), Some("amount changed"));
    let deal_a = rows.iter().find(|row| row.name == "deal 1").expect("A is stalled");
    assert_eq!(deal_a.last_activity.as_deref(), Some("opened"));
}

#[test]
fn as_of_a_past_date_a_deal_is_in_the_stage_it_was_in_then_and_closed_deals_never_stall() {
    let (_world, conn) = history();
    let before_the_win = names(&stalled(&conn, day("2026-02-09")).unwrap()).contains(&"deal 2");
    let after_the_win = names(&stalled(&conn, day("2026-02-10")).unwrap()).contains(&"deal 2");
    assert!(before_the_win && !after_the_win);
    let rows = stalled(&conn, day("2026-06-30")).unwrap();
    assert_eq!(names(&rows), ["deal 1", "deal 4"], "C was lost, B won");
    assert_eq!(
        names(&stalled(&conn, day("2026-01-04")).unwrap()),
        Vec::<&str>::new(),
        "not open yet"
    );
}

#[test]
fn the_stalled_deals_render_as_one_table() {
    let (_world, conn) = history();
    let as_of = day("2026-02-05");
    expect![[r#"
        Stalled on 2026-02-05: 3 opportunities
        opportunity  name    owner     stage          since       days  limit  over  amount  cur  last activity              days ago
        -----------  ------  --------  -------------  ----------  ----  -----  ----  ------  ---  -------------------------  --------
        09900001     deal 1  0a2a0000  qualification  2026-01-05    31     14    17   10.00  EUR  2026-01-05 opened                31
        09900004     deal 4  0a2a0000  qualification  2026-01-05    31     14    17   25.00  EUR  2026-01-18 amount changed        18
        09900002     deal 2  0a2a0000  proposal       2026-01-10    26     21     5    9.00  EUR  2026-01-12 quote created         24
    "#]]
    .assert_eq(&render(as_of, &stalled(&conn, as_of).unwrap()));
}

#[test]
fn deals_opened_with_one_pipeline_share_its_stage_rows_and_the_view_gives_each_deal_its_own() {
    let (_world, conn) = history();
    let count = |sql: &str| conn.query_row(sql, [], |row| row.get::<_, i64>(0)).unwrap();
    assert_eq!(count("SELECT count(*) FROM stalled_pipelines"), 1, "four deals, one pipeline");
    assert_eq!(count("SELECT count(*) FROM stalled_pipeline_stages"), 6);
    assert_eq!(count("SELECT count(*) FROM stalled_stages"), 4 * 6);
    let threshold: Option<i64> = conn
        .query_row(
            "SELECT stall_after_days FROM stalled_stages WHERE opportunity_id = ?1 AND stage = ?2",
            rusqlite::params![opportunity_id(2).0.to_string(), "proposal"],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(threshold, Some(21));
}

#[test]
fn activities_name_their_deal_by_a_short_key_and_the_view_spells_out_id_and_time() {
    let (_world, conn) = history();
    let keys: Vec<i64> = conn
        .prepare("SELECT opportunity_key FROM stalled_opportunities ORDER BY opportunity_key")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(keys, [1, 2, 3, 4], "handed out in the order the deals opened");
    let (id, at, at_s, activity): (String, String, i64, String) = conn
        .query_row(
            "SELECT opportunity_id, at, at_s, activity FROM stalled_activities \
             WHERE activity = 'quote created'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .unwrap();
    assert_eq!(id, opportunity_id(2).0.to_string());
    assert_eq!((at.as_str(), activity.as_str()), ("2026-01-12T09:00:00Z", "quote created"));
    assert_eq!(
        chrono::DateTime::from_timestamp(at_s, 0).unwrap().to_rfc3339(),
        "2026-01-12T09:00:00+00:00"
    );
}

/// The engine never makes such events (a quote needs an opened deal); if a log held them, they
/// would describe nothing the query could show, so they leave no row and stop nothing.
#[test]
fn events_of_a_deal_never_opened_leave_no_row_and_no_error() {
    let mut world = World::new();
    let (known, unknown) = (opportunity_id(1), opportunity_id(9));
    world.opportunity(
        known,
        opened(known, customer_id(1), owned(ANA, EAST), eur(1_000), "2026-01-05"),
    );
    world.opportunity(unknown, moved("qualification", "proposal", "2026-01-10"));
    world.quote(quote_id(9), quote_created(unknown, &[("SEAT", 900)], "2026-01-12"));
    world.quote(quote_id(1), quote_created(known, &[("SEAT", 900)], "2026-01-12"));
    let conn = world.project(Box::new(Stalled::default()));
    let count = |sql: &str| conn.query_row(sql, [], |row| row.get::<_, i64>(0)).unwrap();
    assert_eq!(count("SELECT count(*) FROM stalled_visits"), 1, "the known deal's opening");
    assert_eq!(count("SELECT count(*) FROM stalled_quotes"), 1);
    assert_eq!(count("SELECT count(*) FROM stalled_activity_lines"), 2, "opened, quote created");
}
