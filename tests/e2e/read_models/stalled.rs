//! The stalled model on a generated history, against the log: on several dates, the open deals
//! whose days in their stage (as the deal's own pipeline counts them) exceed the stage's
//! threshold, and the last thing a person did on each.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, NaiveDate, SecondsFormat, Utc};
use ltc_domain::opportunity::{OpportunityEvent, StageKey, StageOutcome};
use ltc_domain::quote::QuoteEvent;
use ltc_projections::models::stalled::stalled;

use super::funnel::{decoded, generated};

/// What the log says about one deal: thresholds by stage, every stage entry, every activity.
#[derive(Default)]
struct Deal {
    thresholds: HashMap<StageKey, (StageOutcome, Option<u16>)>,
    entries: Vec<(NaiveDate, StageKey)>,
    activities: Vec<DateTime<Utc>>,
}

#[tokio::test]
async fn the_deals_stalled_on_each_date_are_those_the_log_shows_over_their_stage_threshold() {
    let history = generated().await;
    let mut deals: BTreeMap<uuid::Uuid, Deal> = BTreeMap::new();
    let mut quote_deal: HashMap<uuid::Uuid, uuid::Uuid> = HashMap::new();
    let mut last_day = NaiveDate::MIN;
    for event in &history.events {
        last_day = last_day.max(event.occurred_at.date_naive());
        match event.stream.kind.as_str() {
            "opportunity" if event.event_type != "OpportunityFollowUpScheduled" => {
                let deal = deals.entry(event.stream.id).or_default();
                deal.activities.push(event.occurred_at);
                let entered = match decoded::<OpportunityEvent>(event) {
                    OpportunityEvent::Opened { pipeline, stage, at, .. } => {
                        for s in pipeline.stages {
                            deal.thresholds.insert(s.key, (s.outcome, s.stall_after_days));
                        }
                        Some((at, stage))
                    }
                    OpportunityEvent::StageMoved { to, at, .. }
                    | OpportunityEvent::Reopened { to, at, .. } => Some((at, to)),
                    OpportunityEvent::Won { stage, at, .. }
                    | OpportunityEvent::Lost { stage, at, .. } => Some((at, stage)),
                    _ => None,
                };
                if let Some((at, stage)) = entered {
                    deal.entries.push((at.date_naive(), stage));
                }
            }
            "quote" => {
                if event.event_type == "QuoteCreated"
                    && let QuoteEvent::Created { opportunity_id, .. } = decoded(event)
                {
                    quote_deal.insert(event.stream.id, opportunity_id.0);
                }
                let counts = matches!(
                    event.event_type.as_str(),
                    "QuoteCreated"
                        | "QuoteRevised"
                        | "QuoteSent"
                        | "QuoteAccepted"
                        | "QuoteDeclined"
                );
                if let (true, Some(deal)) = (counts, quote_deal.get(&event.stream.id)) {
                    deals.entry(*deal).or_default().activities.push(event.occurred_at);
                }
            }
            _ => {}
        }
    }

    let mut n_stalled = 0;
    for weeks in [4, 8, 12, 16] {
        let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let as_of = start.checked_add_days(Days::new(weeks * 7)).unwrap().min(last_day);
        let mut expected: BTreeMap<String, (String, i64, Option<String>)> = BTreeMap::new();
        for (id, deal) in &deals {
            let Some((entered_on, stage)) = deal.entries.iter().rev().find(|(on, _)| *on <= as_of)
            else {
                continue;
            };
            let (outcome, threshold) = deal.thresholds[stage];
            let days = (as_of - *entered_on).num_days();
            if outcome == StageOutcome::Open
                && threshold.is_some_and(|limit| days > i64::from(limit))
            {
                let last = deal.activities.iter().filter(|at| at.date_naive() <= as_of).max();
                let last = last.map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true));
                expected.insert(id.to_string(), (stage.0.clone(), days, last));
            }
        }
        let actual: BTreeMap<String, (String, i64, Option<String>)> = stalled(&history.conn, as_of)
            .unwrap()
            .into_iter()
            .map(|row| (row.opportunity_id, (row.stage, row.days_in_stage, row.last_activity_at)))
            .collect();
        assert_eq!(actual, expected, "as of {as_of}");
        n_stalled += actual.len();
    }
    assert!(n_stalled > 0, "the history has stalled deals on some of the dates");
}
