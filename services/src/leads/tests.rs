//! Lead intake against a real store: duplicates found by email, phone or company whatever their
//! formatting, assignment taking turns within the rules and the reps' caps (and carrying on where
//! it stood after a restart), merges, and concurrent captures of one person.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta};
use ltc_domain::actor::{Actor, Ownership, Role};
use ltc_domain::ids::{LeadId, TeamId, UserId};
use ltc_domain::lead::assignment::AssignmentRule;
use ltc_domain::lead::scoring::ScoringModel;
use ltc_domain::lead::{Channel, Contact, LeadCommand, LeadDecider, LeadState, Source, Status};
use ltc_eventstore::{Clock, EventStore, ManualClock, StoreOptions};
use uuid::Uuid;

use super::{
    Assignment, AssignmentSettings, CaptureRequest, Captured, LeadDirectory, LeadIntake,
    RepCapacity, SettingsError,
};
use crate::command::{CommandMeta, CommandPath};

const TEAM: TeamId = TeamId(Uuid::from_u128(0x7ea3));
const MANAGER: UserId = UserId(Uuid::from_u128(0x3a7a));
const ANA: UserId = UserId(Uuid::from_u128(0xa1));
const BEN: UserId = UserId(Uuid::from_u128(0xb2));
const CAI: UserId = UserId(Uuid::from_u128(0xc3));

struct Fixture {
    _dir: tempfile::TempDir,
    store: EventStore,
    clock: Arc<ManualClock>,
    leads: Arc<CommandPath<LeadDecider>>,
    n_commands: u128,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let start = DateTime::from_timestamp(1_775_000_000, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let options = StoreOptions { clock: clock.clone(), ..StoreOptions::default() };
        let store = EventStore::open(dir.path().join("events.db"), options).unwrap();
        let leads = Arc::new(CommandPath::new(store.clone(), clock.clone()));
        Fixture { _dir: dir, store, clock, leads, n_commands: 0 }
    }

    /// An intake as a process starting now would build it: nothing carried over but the store.
    fn intake(&self, settings: AssignmentSettings) -> LeadIntake {
        self.intake_on(self.store.clone(), settings)
    }

    /// An intake writing through `store`: another process's, when it is a second store on the
    /// same file.
    fn intake_on(&self, store: EventStore, settings: AssignmentSettings) -> LeadIntake {
        let model = ScoringModel::default_model(vec!["software".into()], vec![]);
        let leads = Arc::new(CommandPath::new(store.clone(), self.clock.clone()));
        LeadIntake::new(store, leads, self.clock.clone(), settings, model)
    }

    fn meta(&mut self, user: UserId, role: Role) -> CommandMeta {
        self.n_commands += 1;
        self.clock.set(self.clock.now() + TimeDelta::minutes(1));
        let command_id = Uuid::from_u128(0xc0_0000 + self.n_commands);
        CommandMeta {
            command_id,
            correlation_id: command_id,
            causation_id: None,
            actor: Actor { user, role, team: Some(TEAM) },
            tenant: "acme".into(),
            expected_version: None,
        }
    }

    async fn capture(&mut self, intake: &LeadIntake, request: &CaptureRequest) -> Captured {
        let meta = self.meta(MANAGER, Role::SalesManager);
        intake.capture(request, &meta).await.unwrap()
    }

    async fn lead_command(&mut self, lead: LeadId, command: LeadCommand, user: UserId, role: Role) {
        let meta = self.meta(user, role);
        self.leads.execute(lead.0, &command, &meta).await.unwrap();
    }

    fn status(&self, lead: LeadId) -> Status {
        let fresh = CommandPath::<LeadDecider>::new(self.store.clone(), self.clock.clone());
        match fresh.state_of(lead.0).unwrap() {
            LeadState::Captured(lead) => lead.status,
            LeadState::NotCaptured => panic!("lead {lead} was never captured"),
        }
    }
}

fn lead_id(n: u128) -> LeadId {
    LeadId(Uuid::from_u128(0x1ead_0000 + n))
}

fn request(n: u128, email: Option<&str>, phone: Option<&str>) -> CaptureRequest {
    CaptureRequest {
        lead_id: lead_id(n),
        channel: Channel::WebForm,
        contact: Contact {
            name: format!("Person {n}"),
            email: email.map(str::to_owned),
            phone: phone.map(str::to_owned),
        },
        company_name: None,
        website: None,
        industry: None,
        region: None,
        company_size: None,
        source: Source::default(),
        owner: None,
    }
}

fn rep(rep: UserId, open_leads_max: u32) -> RepCapacity {
    RepCapacity { rep, team: Some(TEAM), open_leads_max, available: true }
}

fn rule(name: &str, region: Option<&str>, reps: &[UserId]) -> AssignmentRule {
    AssignmentRule {
        name: name.into(),
        region: region.map(str::to_owned),
        industry: None,
        score_min: None,
        reps: reps.to_vec(),
    }
}

/// One rule, "everyone": Ana, Ben and Cai take turns; Ben takes at most one open lead.
fn everyone() -> AssignmentSettings {
    AssignmentSettings::new(
        vec![rule("everyone", None, &[ANA, BEN, CAI])],
        vec![rep(ANA, 10), rep(BEN, 1), rep(CAI, 10)],
    )
    .unwrap()
}

fn owner(captured: &Captured) -> UserId {
    match &captured.assignment {
        Assignment::Assigned { owner, .. } => *owner,
        other => panic!("lead {} was not assigned: {other:?}", captured.lead_id),
    }
}

#[tokio::test]
async fn a_lead_with_the_same_email_in_other_capitalisation_is_recorded_as_a_duplicate() {
    let mut fixture = Fixture::new();
    let intake = fixture.intake(everyone());
    let first = fixture.capture(&intake, &request(1, Some("ada@example.com"), None)).await;
    let again = fixture.capture(&intake, &request(2, Some("  Ada@Example.COM "), None)).await;
    assert_eq!(first.duplicate_of, None);
    assert_eq!(again.duplicate_of, Some(lead_id(1)));
    assert_eq!(again.assignment, Assignment::Duplicate { survivor: lead_id(1) });
    assert_eq!(fixture.status(lead_id(2)), Status::Duplicate);
}

#[tokio::test]
async fn a_lead_another_process_captured_on_the_same_file_is_the_survivor_of_a_later_duplicate() {
    let mut fixture = Fixture::new();
    let intake = fixture.intake(everyone());
    fixture.capture(&intake, &request(1, Some("ada@example.com"), None)).await;
    let options = StoreOptions { clock: fixture.clock.clone(), ..StoreOptions::default() };
    let other_store = EventStore::open(fixture.store.path(), options).unwrap();
    let other_process = fixture.intake_on(other_store.clone(), everyone());
    let bea = fixture.capture(&other_process, &request(2, Some("bea@example.com"), None)).await;
    assert_eq!(bea.duplicate_of, None);
    assert!(
        fixture.store.head().position < other_store.head().position,
        "this process's writer has not seen the other's capture"
    );

    let again = fixture.capture(&intake, &request(3, Some("BEA@example.com"), None)).await;

    assert_eq!(again.duplicate_of, Some(lead_id(2)));
}

#[tokio::test]
async fn a_lead_with_the_same_phone_in_another_format_is_recorded_as_a_duplicate() {
    let mut fixture = Fixture::new();
    let intake = fixture.intake(everyone());
    fixture.capture(&intake, &request(1, None, Some("+44 20 7946 0958"))).await;
    let again = request(2, Some("x@y.org"), Some("+44 (0)20-7946-0958"));
    assert_eq!(fixture.capture(&intake, &again).await.duplicate_of, Some(lead_id(1)));
}

#[tokio::test]
async fn a_colleague_at_the_same_company_domain_and_name_is_recorded_as_a_duplicate() {
    let mut fixture = Fixture::new();
    let intake = fixture.intake(everyone());
    let mut first = request(1, Some("ada@acme.example"), None);
    first.company_name = Some("ACME  Corp".into());
    fixture.capture(&intake, &first).await;
    let mut colleague = request(2, Some("bob@gmail.com"), None);
    colleague.company_name = Some("acme corp".into());
    colleague.website = Some("https://www.acme.example/contact".into());
    let mut other_company = request(3, Some("eve@acme.example"), None);
    other_company.company_name = Some("Acme Holdings".into());
    assert_eq!(fixture.capture(&intake, &colleague).await.duplicate_of, Some(lead_id(1)));
    assert_eq!(fixture.capture(&intake, &other_company).await.duplicate_of, None);
}

#[tokio::test]
async fn a_person_whose_earlier_lead_was_disqualified_comes_back_as_a_new_lead() {
    let mut fixture = Fixture::new();
    let intake = fixture.intake(everyone());
    let first = fixture.capture(&intake, &request(1, Some("ada@example.com"), None)).await;
    let reason = LeadCommand::Disqualify { reason: "no budget".into() };
    fixture.lead_command(lead_id(1), reason, owner(&first), Role::SalesRep).await;
    let back = fixture.capture(&intake, &request(2, Some("ada@example.com"), None)).await;
    assert_eq!(back.duplicate_of, None);
    let later = fixture.capture(&intake, &request(3, Some("ADA@example.com"), None)).await;
    assert_eq!(later.duplicate_of, Some(lead_id(2)), "the key passed to the new lead");
}

#[tokio::test]
async fn captures_take_turns_and_pass_over_a_rep_at_their_cap_until_a_lead_is_closed() {
    let mut fixture = Fixture::new();
    let intake = fixture.intake(everyone());
    let mut owners = Vec::new();
    for n in 1..=6 {
        let email = format!("person{n}@example.com");
        owners.push(owner(&fixture.capture(&intake, &request(n, Some(&email), None)).await));
    }
    // Ben holds one lead, his cap, so his later turns pass to Cai.
    assert_eq!(owners, [ANA, BEN, CAI, ANA, CAI, ANA]);
    let reason = LeadCommand::Disqualify { reason: "student project".into() };
    fixture.lead_command(lead_id(2), reason, BEN, Role::SalesRep).await;
    let next = fixture.capture(&intake, &request(7, Some("person7@example.com"), None)).await;
    assert_eq!(owner(&next), BEN, "Ben has room again");
    let directory = intake.directory().await.unwrap();
    assert_eq!(
        [ANA, BEN, CAI].map(|rep| directory.open_leads(rep)),
        [3, 1, 2],
        "open leads per rep"
    );
}

#[tokio::test]
async fn a_directory_rebuilt_from_the_store_continues_the_rotation_where_it_stood() {
    let mut fixture = Fixture::new();
    let before_restart = fixture.intake(everyone());
    let mut owners = Vec::new();
    for n in 1..=4 {
        let email = format!("person{n}@example.com");
        let captured = fixture.capture(&before_restart, &request(n, Some(&email), None)).await;
        owners.push(owner(&captured));
    }
    let live = before_restart.directory().await.unwrap();
    drop(before_restart);

    let rebuilt = LeadDirectory::load(&fixture.store).unwrap();
    assert_eq!(rebuilt, live, "the log alone gives the same directory");
    assert_eq!(rebuilt.cursor().last_assigned.get("everyone"), Some(&ANA));
    let after_restart = fixture.intake(everyone());
    for n in 5..=6 {
        let email = format!("person{n}@example.com");
        let captured = fixture.capture(&after_restart, &request(n, Some(&email), None)).await;
        owners.push(owner(&captured));
    }
    // Ben is at his cap: after Ana comes Cai, then Ana again.
    assert_eq!(owners, [ANA, BEN, CAI, ANA, CAI, ANA]);
    let duplicate = request(7, Some("Person3@example.com"), None);
    let captured = fixture.capture(&after_restart, &duplicate).await;
    assert_eq!(captured.duplicate_of, Some(lead_id(3)), "keys survive the restart too");
}

#[tokio::test]
async fn rules_are_tried_in_order_and_a_lead_no_rule_matches_waits_unassigned() {
    let mut fixture = Fixture::new();
    let settings = AssignmentSettings::new(
        vec![rule("north", Some("North"), &[ANA]), rule("south", Some("south"), &[BEN, CAI])],
        vec![rep(ANA, 10), rep(BEN, 10), rep(CAI, 10)],
    )
    .unwrap();
    let intake = fixture.intake(settings);
    let in_region = |n: u128, region: Option<&str>| {
        let mut lead = request(n, Some(&format!("person{n}@example.com")), None);
        lead.region = region.map(str::to_owned);
        lead
    };
    let north = fixture.capture(&intake, &in_region(1, Some(" NORTH "))).await;
    let south = fixture.capture(&intake, &in_region(2, Some("South"))).await;
    let elsewhere = fixture.capture(&intake, &in_region(3, Some("east"))).await;
    assert_eq!(
        north.assignment,
        Assignment::Assigned { owner: ANA, team: Some(TEAM), rule: "north".into() }
    );
    assert_eq!(owner(&south), BEN);
    assert_eq!(elsewhere.assignment, Assignment::NoMatchingRule);
}

#[tokio::test]
async fn a_lead_captured_with_an_owner_keeps_them_and_counts_towards_their_load() {
    let mut fixture = Fixture::new();
    let intake = fixture.intake(everyone());
    let mut met_at_event = request(1, Some("ada@example.com"), None);
    met_at_event.owner = Some(Ownership { owner: BEN, team: Some(TEAM) });
    let captured = fixture.capture(&intake, &met_at_event).await;
    assert_eq!(captured.assignment, Assignment::AlreadyOwned(met_at_event.owner.unwrap()));
    let owners = [
        owner(&fixture.capture(&intake, &request(2, Some("b@example.com"), None)).await),
        owner(&fixture.capture(&intake, &request(3, Some("c@example.com"), None)).await),
    ];
    assert_eq!(owners, [ANA, CAI], "Ben is at his cap with the lead he met");
}

#[tokio::test]
async fn a_retried_capture_reports_what_the_first_recorded_and_appends_nothing() {
    let mut fixture = Fixture::new();
    let intake = fixture.intake(everyone());
    fixture.capture(&intake, &request(1, Some("ada@example.com"), None)).await;
    let meta = fixture.meta(MANAGER, Role::SalesManager);
    let duplicate = request(2, Some("ADA@example.com"), None);
    let first = intake.capture(&duplicate, &meta).await.unwrap();
    let head = fixture.store.head();
    let retried = intake.capture(&duplicate, &meta).await.unwrap();
    assert!(retried.capture.duplicate, "the retry is answered with the first outcome");
    assert_eq!(
        (retried.duplicate_of, retried.assignment, retried.capture.events),
        (first.duplicate_of, first.assignment, first.capture.events)
    );
    assert_eq!(fixture.store.head(), head);
}

#[tokio::test]
async fn a_capture_repeated_under_a_new_command_id_names_the_same_survivor_and_appends_nothing() {
    let mut fixture = Fixture::new();
    let intake = fixture.intake(everyone());
    fixture.capture(&intake, &request(1, Some("ada@example.com"), None)).await;
    let duplicate = request(2, Some("ADA@example.com"), None);
    let first = fixture.capture(&intake, &duplicate).await;
    // The decider answers a repeated capture only if it names the same survivor, merge or not.
    let meta = fixture.meta(MANAGER, Role::SalesManager);
    intake.merge_at(lead_id(2), lead_id(1), &meta, fixture.clock.now()).await.unwrap();
    let head = fixture.store.head();
    let repeated = fixture.capture(&intake, &duplicate).await;
    assert_eq!(repeated.duplicate_of, first.duplicate_of);
    assert_eq!(repeated.assignment, Assignment::Closed(Status::Merged));
    assert_eq!(fixture.store.head(), head);
}

#[tokio::test]
async fn a_merge_folds_the_duplicate_into_its_survivor_once_and_closes_it() {
    let mut fixture = Fixture::new();
    let intake = fixture.intake(everyone());
    fixture.capture(&intake, &request(1, Some("ada@example.com"), None)).await;
    let with_phone = request(2, Some("Ada@Example.com"), Some("+49 30 1234567"));
    fixture.capture(&intake, &with_phone).await;
    let meta = fixture.meta(MANAGER, Role::SalesManager);
    let at = fixture.clock.now();
    let merged = intake.merge_at(lead_id(2), lead_id(1), &meta, at).await.unwrap();
    assert!(merged.absorbed_now && merged.merged_now, "{merged:?}");
    let head = fixture.store.head();
    let again = intake.merge_at(lead_id(2), lead_id(1), &meta, at).await.unwrap();
    assert!(!again.absorbed_now && !again.merged_now, "a retried merge does nothing");
    assert_eq!(fixture.store.head(), head);

    assert_eq!(fixture.status(lead_id(2)), Status::Merged);
    let LeadState::Captured(survivor) = fixture.leads.state_of(lead_id(1).0).unwrap() else {
        panic!("the survivor was captured");
    };
    assert_eq!(survivor.contact.phone.as_deref(), Some("+49301234567"), "the phone adopted");
    assert_eq!(survivor.merged_duplicates, [lead_id(2)]);
    let by_phone = fixture.capture(&intake, &request(3, None, Some("0049 30 1234567"))).await;
    assert_eq!(by_phone.duplicate_of, Some(lead_id(1)), "the duplicate's keys lead to it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_captures_of_one_person_leave_one_survivor() {
    let mut fixture = Fixture::new();
    let intake = Arc::new(fixture.intake(everyone()));
    let mut tasks = Vec::new();
    for n in 1..=8 {
        let (intake, meta) = (intake.clone(), fixture.meta(MANAGER, Role::SalesManager));
        let email = if n % 2 == 0 { "ADA@example.com" } else { "ada@example.com" };
        let request = request(n, Some(email), None);
        tasks.push(tokio::spawn(async move { intake.capture(&request, &meta).await.unwrap() }));
    }
    let mut survivors = Vec::new();
    for task in tasks {
        let captured = task.await.unwrap();
        if captured.duplicate_of.is_none() {
            survivors.push(captured.lead_id);
        }
    }
    assert_eq!(survivors.len(), 1, "{survivors:?}");
}

#[test]
fn settings_refuse_two_rules_of_one_name_and_a_pool_naming_an_unknown_rep() {
    let reps = vec![rep(ANA, 10), rep(BEN, 10)];
    let twice = vec![rule("all", None, &[ANA]), rule("all", None, &[BEN])];
    assert_eq!(
        AssignmentSettings::new(twice, reps.clone()),
        Err(SettingsError::DuplicateRule("all".into()))
    );
    let unknown = vec![rule("all", None, &[ANA, CAI])];
    assert_eq!(
        AssignmentSettings::new(unknown, reps),
        Err(SettingsError::UnknownRep { rule: "all".into(), rep: CAI })
    );
}

/// Captures that name their owner do not hold the intake's lock through their append (they
/// claim their keys instead), and still leave one survivor per person, also when half of them
/// have an owner and half are to be assigned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_captures_of_one_person_with_and_without_owners_leave_one_survivor() {
    // Races are decided by timing: several rounds make a lost one likely to show.
    for _round in 0..6 {
        let mut fixture = Fixture::new();
        let intake = Arc::new(fixture.intake(everyone()));
        let mut tasks = Vec::new();
        for n in 1..=24 {
            let (intake, meta) = (intake.clone(), fixture.meta(MANAGER, Role::SalesManager));
            // Three people, each arriving eight times, some by email and some by phone only.
            let person = n % 3;
            let email = format!("person{person}@example.com");
            let phone = format!("+49 30 1234 56{person}");
            let mut request = match n % 4 {
                0 => request(n, None, Some(&phone)),
                _ => request(n, Some(&email), Some(&phone)),
            };
            if n % 2 == 0 {
                request.owner = Some(Ownership { owner: ANA, team: Some(TEAM) });
            }
            tasks.push(tokio::spawn(async move { intake.capture(&request, &meta).await.unwrap() }));
        }
        let mut survivors = Vec::new();
        for task in tasks {
            let captured = task.await.unwrap();
            if captured.duplicate_of.is_none() {
                survivors.push(captured.lead_id);
            }
        }
        assert_eq!(survivors.len(), 3, "one survivor per person: {survivors:?}");
        let directory = LeadDirectory::load(&fixture.store).unwrap();
        for survivor in &survivors {
            assert_eq!(directory.status_of(*survivor), Some(Status::Open));
        }
    }
}
