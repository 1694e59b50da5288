//! Rule-based lead scoring: a pure function from a lead's facts and a scoring model to points per
//! rule and their total. Each rule's points are capped by the model, and a valid model's caps add
//! up to at most [`SCORE_MAX`], so every score lies in `0..=SCORE_MAX`. The `LeadScored` event
//! records the inputs and each rule's points, so a score can always be explained.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::normalize::normalize_key;
use super::{ActivityKind, ActivityTally, Channel, CompanySize};

/// The highest score a lead can reach.
pub const SCORE_MAX: u32 = 100;
/// The most target or adjacent industries a model may list.
pub const MODEL_INDUSTRIES_MAX: usize = 64;

/// One scoring rule; a score has one line per rule, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScoreRule {
    Channel,
    IndustryFit,
    CompanySize,
    Completeness,
    Engagement,
}

/// How well the lead's industry fits the ideal customer profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndustryFit {
    Target,
    Adjacent,
    Other,
    Unknown,
}

/// The points of one channel, company size or activity kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct Points<K> {
    pub key: K,
    pub points: u32,
}

/// The configured scoring rules. It is recorded when a lead is captured, so a later change of the
/// configuration never rewrites how an old lead was scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct ScoringModel {
    /// Channels not listed score 0.
    pub channel_points: Vec<Points<Channel>>,
    /// Normalised industry keys (see `normalize_key`).
    pub target_industries: Vec<String>,
    pub adjacent_industries: Vec<String>,
    pub target_industry_points: u32,
    pub adjacent_industry_points: u32,
    pub size_points: Vec<Points<CompanySize>>,
    /// Scaled by the share of the [`COMPLETENESS_FIELDS`] known, rounded down.
    pub completeness_points_max: u32,
    pub activity_points: Vec<Points<ActivityKind>>,
    /// Engagement adds the points of every activity, up to this cap.
    pub engagement_points_max: u32,
}

/// What the completeness rule counts: email, phone, company name, company domain, industry,
/// region and company size.
pub const COMPLETENESS_FIELDS: u32 = 7;

/// The facts a score is computed from, recorded beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct ScoringInputs {
    pub channel: Channel,
    pub industry_fit: IndustryFit,
    pub company_size: Option<CompanySize>,
    /// How many of the [`COMPLETENESS_FIELDS`] are known.
    pub fields_known: u32,
    pub activities: ActivityTally,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct ScoreLine {
    pub rule: ScoreRule,
    pub points: u32,
}

/// A score: the points of every rule, and their sum.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct Score {
    pub lines: Vec<ScoreLine>,
    pub total: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ScoringModelError {
    /// The rules' caps add up past [`SCORE_MAX`]: lower some rule's points.
    #[error("the model's rules can reach {points_max} points, more than {SCORE_MAX}")]
    PointsMax { points_max: u64 },
    /// Fix the list so each channel, size or activity kind has one entry.
    #[error("the model lists a {0} twice")]
    DuplicateEntry(&'static str),
    #[error("the model lists more than {MODEL_INDUSTRIES_MAX} industries")]
    TooManyIndustries,
}

impl ScoringModel {
    /// Referral 25, event 20, web form and phone 15, email and API 10, social and import 5;
    /// target industry 20, adjacent 10; enterprise 20 down to micro 0; completeness up to 15;
    /// engagement up to 20 (meeting 10, call 5, email 2, note 0). The caps add up to 100.
    pub fn default_model(target_industries: Vec<String>, adjacent_industries: Vec<String>) -> Self {
        let channel = |key, points| Points { key, points };
        ScoringModel {
            channel_points: vec![
                channel(Channel::Referral, 25),
                channel(Channel::Event, 20),
                channel(Channel::WebForm, 15),
                channel(Channel::Phone, 15),
                channel(Channel::Email, 10),
                channel(Channel::Api, 10),
                channel(Channel::Social, 5),
                channel(Channel::Import, 5),
            ],
            target_industries,
            adjacent_industries,
            target_industry_points: 20,
            adjacent_industry_points: 10,
            size_points: vec![
                Points { key: CompanySize::Enterprise, points: 20 },
                Points { key: CompanySize::Large, points: 15 },
                Points { key: CompanySize::Medium, points: 10 },
                Points { key: CompanySize::Small, points: 5 },
                Points { key: CompanySize::Micro, points: 0 },
            ],
            completeness_points_max: 15,
            activity_points: vec![
                Points { key: ActivityKind::Meeting, points: 10 },
                Points { key: ActivityKind::Call, points: 5 },
                Points { key: ActivityKind::Email, points: 2 },
                Points { key: ActivityKind::Note, points: 0 },
            ],
            engagement_points_max: 20,
        }
    }

    /// The most points each rule can give, summed; at most [`SCORE_MAX`] for a valid model.
    pub fn points_max(&self) -> u64 {
        let max_of = |points: &mut dyn Iterator<Item = u32>| u64::from(points.max().unwrap_or(0));
        let industry = self.target_industry_points.max(self.adjacent_industry_points);
        max_of(&mut self.channel_points.iter().map(|entry| entry.points))
            + u64::from(industry)
            + max_of(&mut self.size_points.iter().map(|entry| entry.points))
            + u64::from(self.completeness_points_max)
            + u64::from(self.engagement_points_max)
    }

    pub fn validate(&self) -> Result<(), ScoringModelError> {
        if has_duplicate(&self.channel_points) {
            return Err(ScoringModelError::DuplicateEntry("channel"));
        }
        if has_duplicate(&self.size_points) {
            return Err(ScoringModelError::DuplicateEntry("company size"));
        }
        if has_duplicate(&self.activity_points) {
            return Err(ScoringModelError::DuplicateEntry("activity kind"));
        }
        if self.target_industries.len() + self.adjacent_industries.len() > MODEL_INDUSTRIES_MAX {
            return Err(ScoringModelError::TooManyIndustries);
        }
        let points_max = self.points_max();
        if points_max > u64::from(SCORE_MAX) {
            return Err(ScoringModelError::PointsMax { points_max });
        }
        Ok(())
    }

    /// Target wins over adjacent when an industry is listed as both.
    pub fn industry_fit(&self, industry: Option<&str>) -> IndustryFit {
        let Some(industry) = industry else {
            return IndustryFit::Unknown;
        };
        // The lead's industry was normalised on capture; the model's may have been typed by hand.
        let listed = |list: &[String]| list.iter().any(|listed| normalize_key(listed) == industry);
        if listed(&self.target_industries) {
            IndustryFit::Target
        } else if listed(&self.adjacent_industries) {
            IndustryFit::Adjacent
        } else {
            IndustryFit::Other
        }
    }
}

/// The score of `inputs` under `model`. Every rule is capped by the model, so for a valid model
/// the total never exceeds [`SCORE_MAX`]; arithmetic saturates, so even an invalid model cannot
/// overflow.
pub fn score(model: &ScoringModel, inputs: &ScoringInputs) -> Score {
    let channel = points_of(&model.channel_points, inputs.channel);
    let industry = match inputs.industry_fit {
        IndustryFit::Target => model.target_industry_points,
        IndustryFit::Adjacent => model.adjacent_industry_points,
        IndustryFit::Other | IndustryFit::Unknown => 0,
    };
    let size = inputs.company_size.map_or(0, |size| points_of(&model.size_points, size));
    let fields_known = inputs.fields_known.min(COMPLETENESS_FIELDS);
    // Rounded down: a lead earns a completeness point only once it has the data for all of it.
    let completeness = u32::try_from(
        u64::from(model.completeness_points_max) * u64::from(fields_known)
            / u64::from(COMPLETENESS_FIELDS),
    )
    .expect("at most completeness_points_max, a u32");
    let engagement = ActivityKind::ALL
        .iter()
        .map(|&kind| {
            points_of(&model.activity_points, kind).saturating_mul(inputs.activities.of(kind))
        })
        .fold(0u32, u32::saturating_add)
        .min(model.engagement_points_max);
    let lines = vec![
        ScoreLine { rule: ScoreRule::Channel, points: channel },
        ScoreLine { rule: ScoreRule::IndustryFit, points: industry },
        ScoreLine { rule: ScoreRule::CompanySize, points: size },
        ScoreLine { rule: ScoreRule::Completeness, points: completeness },
        ScoreLine { rule: ScoreRule::Engagement, points: engagement },
    ];
    let total = lines.iter().map(|line| line.points).fold(0u32, u32::saturating_add);
    Score { lines, total }
}

/// The points listed for `key`; an unlisted key scores 0.
fn points_of<K: PartialEq>(entries: &[Points<K>], key: K) -> u32 {
    entries.iter().find(|entry| entry.key == key).map_or(0, |entry| entry.points)
}

fn has_duplicate<K: PartialEq>(entries: &[Points<K>]) -> bool {
    entries
        .iter()
        .enumerate()
        .any(|(index, entry)| entries[..index].iter().any(|earlier| earlier.key == entry.key))
}
