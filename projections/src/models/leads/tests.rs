//! The leads model, given a history, projected, then queried: each figure checked against the
//! history worked out by hand, and the text rendering as a snapshot.

use expect_test::expect;
use ltc_domain::lead::scoring::{Score, ScoringInputs};
use ltc_domain::lead::{ActivityKind, ActivityTally, Channel, LeadEvent};

use super::*;
use crate::models::funnel::DateRange;
use crate::models::funnel::testkit::*;

#[track_caller]
fn check(given: impl FnOnce(&mut World), by: LeadDimension) -> Vec<LeadRow> {
    let mut world = World::new();
    given(&mut world);
    let conn = world.project(Box::new(Leads));
    leads(&conn, by, DateRange::ALL).expect("the leads query")
}

fn scored(total: u32) -> LeadEvent {
    LeadEvent::Scored {
        score: Score { lines: vec![], total },
        inputs: ScoringInputs {
            channel: Channel::Referral,
            industry_fit: ltc_domain::lead::scoring::IndustryFit::Unknown,
            company_size: None,
            fields_known: 0,
            activities: ActivityTally::default(),
        },
        at: at("2026-03-02"),
    }
}

fn activity(time: &str) -> LeadEvent {
    LeadEvent::ActivityLogged {
        kind: ActivityKind::Call,
        summary: "call".into(),
        by: ANA,
        at: time.parse().expect("an RFC 3339 time"),
    }
}

fn assigned(time: &str) -> LeadEvent {
    LeadEvent::Assigned {
        ownership: owned(ANA, EAST),
        previous: None,
        rule: None,
        at: time.parse().expect("an RFC 3339 time"),
    }
}

/// Four referrals and a web form lead, captured at 09:00 on 2 March: R1 called after 90 minutes
/// and converted; R2 called after 30 minutes and disqualified; R3 untouched; R4 a duplicate of
/// R3, merged; W1 from a web form, assigned after 2 hours, qualified.
fn march_leads(world: &mut World) {
    let (r1, r2, r3, r4, w1) = (lead_id(1), lead_id(2), lead_id(3), lead_id(4), lead_id(5));
    for lead in [r1, r2, r3, r4] {
        world.lead(lead, captured(lead, Channel::Referral, Some(owned(ANA, EAST)), "2026-03-02"));
    }
    world.lead(w1, captured(w1, Channel::WebForm, None, "2026-03-02"));
    world.lead(r1, scored(80));
    world.lead(r2, scored(30));
    world.lead(r1, activity("2026-03-02T10:30:00Z"));
    world.lead(r1, activity("2026-03-02T11:00:00Z"));
    world.lead(r2, activity("2026-03-02T09:30:00Z"));
    world.lead(r1, LeadEvent::Qualified { at: at("2026-03-03") });
    world.lead(r1, converted(opportunity_id(1), owned(ANA, EAST), "2026-03-04"));
    world.lead(r2, LeadEvent::Disqualified { reason: "no budget".into(), at: at("2026-03-03") });
    world.lead(r4, LeadEvent::CapturedAsDuplicate { survivor: r3 });
    world.lead(r4, LeadEvent::MergedInto { survivor: r3, at: at("2026-03-05") });
    world.lead(w1, assigned("2026-03-02T11:00:00Z"));
    world.lead(w1, LeadEvent::Qualified { at: at("2026-03-04") });
}

#[test]
fn conversion_by_channel_counts_each_buyer_once_and_duplicates_apart() {
    let rows = check(march_leads, LeadDimension::Channel);
    let referral = &rows[0];
    assert_eq!(referral.key, "referral");
    assert_eq!((referral.captured, referral.duplicates, referral.leads), (4, 1, 3));
    assert_eq!((referral.open, referral.qualified, referral.converted), (1, 1, 1));
    assert_eq!(referral.disqualified, 1);
    assert_eq!(referral.conversion_bps, Some(3_333), "1 converted of 3 buyers");
    let web = &rows[1];
    assert_eq!((web.key.as_str(), web.leads, web.qualified, web.converted), ("web_form", 1, 1, 0));
    assert_eq!(web.conversion_bps, Some(0));
}

#[test]
fn time_to_first_touch_runs_from_capture_to_the_first_activity_and_assignment_is_not_a_touch() {
    let rows = check(march_leads, LeadDimension::Channel);
    let referral = &rows[0];
    assert_eq!(referral.touched, 2, "R3 was never touched; R4 is a duplicate");
    assert_eq!(referral.first_touch_minutes_avg, Some(60), "(90 + 30) ÷ 2; R1's second call not");
    assert_eq!((referral.assigned, referral.assignment_minutes_avg), (3, Some(0)), "at capture");
    let web = &rows[1];
    assert_eq!((web.touched, web.first_touch_minutes_avg), (0, None));
    assert_eq!((web.assigned, web.assignment_minutes_avg), (1, Some(120)));
}

#[test]
fn score_bands_group_by_the_latest_score_and_owners_by_the_current_owner() {
    let bands = check(march_leads, LeadDimension::ScoreBand);
    let keys: Vec<(&str, u64)> = bands.iter().map(|row| (row.key.as_str(), row.captured)).collect();
    assert_eq!(keys, [("(unscored)", 3), ("25-49", 1), ("75-100", 1)]);
    let owners = check(march_leads, LeadDimension::Owner);
    let keys: Vec<(&str, u64)> =
        owners.iter().map(|row| (row.key.as_str(), row.captured)).collect();
    assert_eq!(keys, [(ANA.0.to_string().as_str(), 5)], "W1 was assigned to Ana later");
}

#[test]
fn the_leads_render_as_one_table() {
    let rows = check(march_leads, LeadDimension::Channel);
    expect![[r#"
        channel   captured  dups  leads  open  qualified  converted  disq  conversion  touched  first touch min  assign min
        --------  --------  ----  -----  ----  ---------  ---------  ----  ----------  -------  ---------------  ----------
        referral         4     1      3     1          1          1     1      33.33%        2               60           0
        web_form         1     0      1     0          1          0     0       0.00%        0                -         120
    "#]]
    .assert_eq(&render(LeadDimension::Channel, &rows));
}
