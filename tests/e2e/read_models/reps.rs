//! The rep performance read model against the log of a generated history, with quotas set
//! through the engine on top of it (the generator sets none): wins, activities and follow-ups
//! as the events count them, targets as the latest quota set, commission at its rate.

use std::collections::BTreeMap;
use std::sync::Arc;

use ltc_domain::actor::{Actor, Role};
use ltc_domain::decider::Decider;
use ltc_domain::ids::UserId;
use ltc_domain::lead::LeadEvent;
use ltc_domain::money::{Bps, Money};
use ltc_domain::opportunity::{OpportunityDecider, OpportunityEvent, OpportunityState, Status};
use ltc_domain::quota::{QuotaCommand, QuotaPeriod};
use ltc_eventstore::{Clock, codec};
use ltc_projections::models::period::Period;
use ltc_projections::models::reps::{Reps, rep_performance};
use ltc_services::command::CommandMeta;
use ltc_services::engine::{Command, Engine};
use ltc_services::generator::demo_settings;
use uuid::Uuid;

use super::collections::Generated;

const SEED: u64 = 11;

/// What the log says one rep did in one quarter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Expected {
    won_deals: i64,
    won_minor: i64,
    activities: i64,
    follow_ups_completed: i64,
}

#[tokio::test]
async fn wins_work_targets_and_commission_per_rep_and_quarter_agree_with_the_log() {
    let generated = Generated::new(SEED).await;
    let mut expected: BTreeMap<(String, String), Expected> = BTreeMap::new();

    // Wins that stand: opportunities won now, in the quarter of their latest win.
    let mut streams: BTreeMap<Uuid, Vec<OpportunityEvent>> = BTreeMap::new();
    for event in generated.events_of("opportunity") {
        let decoded = codec::decode(event.codec, &event.payload).expect("an opportunity event");
        streams.entry(event.stream.id).or_default().push(decoded);
    }
    let mut owners: BTreeMap<Uuid, UserId> = BTreeMap::new();
    for (stream, events) in &streams {
        let OpportunityState::Opened(opportunity) = OpportunityDecider::replay(events) else {
            panic!("an opportunity stream that never opened");
        };
        let owner = opportunity.ownership.owner;
        owners.insert(*stream, owner);
        for event in events {
            if let OpportunityEvent::FollowUpCompleted { at, .. } = event {
                let key = (owner.0.to_string(), Period::Quarter.key(at.date_naive()));
                expected.entry(key).or_default().follow_ups_completed += 1;
            }
        }
        if opportunity.status != Status::Won {
            continue;
        }
        let (won_on, amount) = events
            .iter()
            .rev()
            .find_map(|event| match event {
                OpportunityEvent::Won { amount, at, .. } => Some((at.date_naive(), *amount)),
                _ => None,
            })
            .expect("a won deal has a win");
        let entry = expected.entry((owner.0.to_string(), Period::Quarter.key(won_on))).or_default();
        entry.won_deals += 1;
        entry.won_minor += amount.amount_minor;
    }
    for event in generated.events_of("lead") {
        if event.event_type != "LeadActivityLogged" {
            continue;
        }
        let LeadEvent::ActivityLogged { by, at, .. } =
            codec::decode(event.codec, &event.payload).expect("a lead event")
        else {
            unreachable!("the header said LeadActivityLogged")
        };
        expected
            .entry((by.0.to_string(), Period::Quarter.key(at.date_naive())))
            .or_default()
            .activities += 1;
    }
    let quarters: Vec<String> = expected.keys().map(|(_, quarter)| quarter.clone()).collect();
    assert!(expected.values().any(|rep| rep.won_deals > 0), "the history has wins");
    assert!(expected.values().any(|rep| rep.activities > 0), "and lead activities");
    assert!(expected.values().any(|rep| rep.follow_ups_completed > 0), "and follow-ups done");

    // Targets: every owner gets a 2026-Q1 quota; the first has it revised, and the revision
    // counts.
    let reps: Vec<UserId> = {
        let mut reps: Vec<UserId> = owners.values().copied().collect();
        reps.sort();
        reps.dedup();
        reps
    };
    let clock: Arc<dyn Clock> = generated.clock.clone();
    let engine = Engine::open(generated.store.clone(), clock, demo_settings()).expect("engine");
    let admin = Actor { user: UserId(Uuid::from_u128(0xad)), role: Role::Admin, team: None };
    let mut targets: BTreeMap<String, (i64, u32)> = BTreeMap::new();
    let mut n_commands = 0u128;
    let mut set = async |rep: UserId, amount_minor: i64, bps: u32| {
        n_commands += 1;
        let command_id = Uuid::from_u128(0x9007a << 64 | n_commands);
        let meta = CommandMeta {
            command_id,
            correlation_id: command_id,
            causation_id: None,
            actor: admin.clone(),
            tenant: "demo".into(),
            expected_version: None,
        };
        let command = QuotaCommand::Set {
            rep,
            team: None,
            period: QuotaPeriod("2026-Q1".into()),
            amount: Money::new(amount_minor, generated.summary.invoiced.currency),
            commission_bps: Bps(bps),
        };
        engine.execute(Command::Quota { command }, &meta).await.expect("the quota is set");
    };
    for (rep_idx, rep) in (0i64..).zip(&reps) {
        set(*rep, 5_000_000 + rep_idx * 100_000, 800).await;
        targets.insert(rep.0.to_string(), (5_000_000 + rep_idx * 100_000, 800));
    }
    set(reps[0], 7_777_700, 1_234).await;
    targets.insert(reps[0].0.to_string(), (7_777_700, 1_234));

    let conn = generated.read_model(Box::new(Reps::default()));
    for quarter in quarters {
        let rows = rep_performance(&conn, &quarter).expect("rep performance");
        let actual: BTreeMap<(String, String), Expected> = rows
            .iter()
            .map(|row| {
                let won_minor = row.money.iter().map(|line| line.won_minor).sum();
                let figures = Expected {
                    won_deals: row.won_deals,
                    won_minor,
                    activities: row.activities,
                    follow_ups_completed: row.follow_ups_completed,
                };
                ((row.rep_id.clone(), quarter.clone()), figures)
            })
            .filter(|(_, figures)| *figures != Expected::default())
            .collect();
        let expected_here: BTreeMap<(String, String), Expected> = expected
            .iter()
            .filter(|((_, key), _)| *key == quarter)
            .map(|(key, figures)| (key.clone(), figures.clone()))
            .collect();
        assert_eq!(actual, expected_here, "{quarter}");
        if quarter != "2026-Q1" {
            continue;
        }
        for row in &rows {
            let (target_minor, bps) = targets[&row.rep_id];
            let line = &row.money[0];
            assert_eq!((line.target_minor, line.commission_bps), (Some(target_minor), Some(bps)));
            let commission = Money::new(line.won_minor, generated.summary.invoiced.currency)
                .times_bps(Bps(bps))
                .expect("no overflow");
            assert_eq!(line.commission_minor, Some(commission.amount_minor), "{}", row.rep_id);
        }
    }
}
