//! Scoring: explainable points per rule, a valid model's bound, and the total as their sum.

use proptest::prelude::*;

use crate::lead::scoring::*;
use crate::lead::{ActivityKind, ActivityTally, Channel, CompanySize};

use super::model;

fn inputs(fields_known: u32, activities: ActivityTally) -> ScoringInputs {
    ScoringInputs {
        channel: Channel::Referral,
        industry_fit: IndustryFit::Adjacent,
        company_size: Some(CompanySize::Large),
        fields_known,
        activities,
    }
}

fn points(score: &Score) -> Vec<(ScoreRule, u32)> {
    score.lines.iter().map(|line| (line.rule, line.points)).collect()
}

#[test]
fn the_default_model_is_valid_and_can_reach_exactly_the_maximum() {
    assert_eq!(model().validate(), Ok(()));
    assert_eq!(model().points_max(), u64::from(SCORE_MAX));
}

#[test]
fn a_score_lists_each_rules_points_and_completeness_rounds_down() {
    let calls = ActivityTally { calls: 3, ..ActivityTally::default() };
    let score = score(&model(), &inputs(4, calls));
    assert_eq!(
        points(&score),
        [
            (ScoreRule::Channel, 25),
            (ScoreRule::IndustryFit, 10),
            (ScoreRule::CompanySize, 15),
            // 15 × 4 / 7 = 8.57…, rounded down.
            (ScoreRule::Completeness, 8),
            (ScoreRule::Engagement, 15),
        ]
    );
    assert_eq!(score.total, 73);
}

#[test]
fn engagement_stops_at_its_cap() {
    let busy = ActivityTally { meetings: 50, calls: 50, ..ActivityTally::default() };
    let score = score(&model(), &inputs(7, busy));
    assert_eq!(score.lines[4], ScoreLine { rule: ScoreRule::Engagement, points: 20 });
}

#[test]
fn a_target_industry_wins_over_the_same_adjacent_one_and_unknown_scores_nothing() {
    let mut both = model();
    both.adjacent_industries.push("software".into());
    assert_eq!(both.industry_fit(Some("software")), IndustryFit::Target);
    assert_eq!(both.industry_fit(Some("consulting")), IndustryFit::Adjacent);
    assert_eq!(both.industry_fit(Some("mining")), IndustryFit::Other);
    let mut typed_by_hand = model();
    typed_by_hand.target_industries = vec!["  Health  Care ".into()];
    assert_eq!(typed_by_hand.industry_fit(Some("health care")), IndustryFit::Target);
    assert_eq!(both.industry_fit(None), IndustryFit::Unknown);
}

#[test]
fn a_model_past_the_maximum_or_with_a_repeated_entry_or_too_many_industries_is_invalid() {
    let mut generous = model();
    generous.completeness_points_max = 16;
    assert_eq!(generous.validate(), Err(ScoringModelError::PointsMax { points_max: 101 }));
    let mut repeated = model();
    repeated.channel_points.push(Points { key: Channel::Api, points: 1 });
    assert_eq!(repeated.validate(), Err(ScoringModelError::DuplicateEntry("channel")));
    let mut repeated_size = model();
    repeated_size.size_points.push(Points { key: CompanySize::Micro, points: 1 });
    assert_eq!(repeated_size.validate(), Err(ScoringModelError::DuplicateEntry("company size")));
    let mut repeated_kind = model();
    repeated_kind.activity_points.push(Points { key: ActivityKind::Note, points: 1 });
    assert_eq!(repeated_kind.validate(), Err(ScoringModelError::DuplicateEntry("activity kind")));
    let mut crowded = model();
    crowded.target_industries = (0..=MODEL_INDUSTRIES_MAX).map(|i| i.to_string()).collect();
    assert_eq!(crowded.validate(), Err(ScoringModelError::TooManyIndustries));
}

/// Models whose caps add up to at most 100, with any activity points (engagement is capped).
fn valid_model() -> impl Strategy<Value = ScoringModel> {
    (
        prop::collection::vec(0u32..=25, 8),
        0u32..=20,
        0u32..=20,
        prop::collection::vec(0u32..=20, 5),
        0u32..=15,
        prop::collection::vec(0u32..=1_000_000, 4),
        0u32..=20,
    )
        .prop_map(|(channel, target, adjacent, size, completeness, activity, engagement)| {
            let channels = [
                Channel::WebForm,
                Channel::Email,
                Channel::Event,
                Channel::Social,
                Channel::Referral,
                Channel::Phone,
                Channel::Import,
                Channel::Api,
            ];
            let sizes = [
                CompanySize::Micro,
                CompanySize::Small,
                CompanySize::Medium,
                CompanySize::Large,
                CompanySize::Enterprise,
            ];
            ScoringModel {
                channel_points: channels
                    .iter()
                    .zip(channel)
                    .map(|(&key, points)| Points { key, points })
                    .collect(),
                target_industries: vec!["software".into()],
                adjacent_industries: vec!["consulting".into()],
                target_industry_points: target,
                adjacent_industry_points: adjacent,
                size_points: sizes
                    .iter()
                    .zip(size)
                    .map(|(&key, points)| Points { key, points })
                    .collect(),
                completeness_points_max: completeness,
                activity_points: ActivityKind::ALL
                    .iter()
                    .zip(activity)
                    .map(|(&key, points)| Points { key, points })
                    .collect(),
                engagement_points_max: engagement,
            }
        })
}

fn any_inputs() -> impl Strategy<Value = ScoringInputs> {
    (
        prop::sample::select(vec![
            Channel::WebForm,
            Channel::Referral,
            Channel::Import,
            Channel::Api,
        ]),
        prop::sample::select(vec![
            IndustryFit::Target,
            IndustryFit::Adjacent,
            IndustryFit::Other,
            IndustryFit::Unknown,
        ]),
        prop::option::of(prop::sample::select(vec![CompanySize::Micro, CompanySize::Enterprise])),
        0u32..=20,
        (any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()),
    )
        .prop_map(
            |(
                channel,
                industry_fit,
                company_size,
                fields_known,
                (calls, emails, meetings, notes),
            )| {
                ScoringInputs {
                    channel,
                    industry_fit,
                    company_size,
                    fields_known,
                    activities: ActivityTally { calls, emails, meetings, notes },
                }
            },
        )
}

proptest! {
    #[test]
    fn the_total_is_the_sum_of_the_rules_points_and_never_exceeds_the_models_maximum(
        model in valid_model(),
        inputs in any_inputs(),
    ) {
        prop_assert_eq!(model.validate(), Ok(()));
        let score = score(&model, &inputs);
        let sum: u64 = score.lines.iter().map(|line| u64::from(line.points)).sum();
        prop_assert_eq!(u64::from(score.total), sum);
        prop_assert!(u64::from(score.total) <= model.points_max());
        prop_assert!(score.total <= SCORE_MAX);
        prop_assert_eq!(score.lines.len(), 5);
    }
}
