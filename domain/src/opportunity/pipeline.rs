//! A sales pipeline: ordered stages, each with a default win probability, a forecast category and
//! an optional stall threshold. The pipeline an opportunity opens with is recorded in its opening
//! event, so later changes to the configured pipeline never rewrite an old deal's history.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::money::Bps;

/// The most stages a pipeline may have.
pub const PIPELINE_STAGES_MAX: usize = 32;

/// A stage's name within its pipeline, such as `proposal`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct StageKey(pub String);

impl StageKey {
    pub fn new(key: &str) -> StageKey {
        StageKey(key.to_owned())
    }
}

impl std::fmt::Display for StageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a stage counts in a forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ForecastCategory {
    Pipeline,
    BestCase,
    Commit,
    Closed,
    Omitted,
}

/// Whether a stage is still being worked, or closes the deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageOutcome {
    Open,
    Won,
    Lost,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct Stage {
    pub key: StageKey,
    pub probability: Bps,
    pub forecast_category: ForecastCategory,
    pub outcome: StageOutcome,
    /// Days in this stage after which the deal counts as stalled; `None` never stalls.
    pub stall_after_days: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[derive(JsonSchema)]
pub struct Pipeline {
    pub stages: Vec<Stage>,
}

impl Pipeline {
    /// Qualification 10 %, needs analysis 20 %, proposal 50 %, negotiation 80 %, closed won,
    /// closed lost.
    pub fn default_sales() -> Pipeline {
        let open = |key: &str, bps: u32, category, stall_after_days| Stage {
            key: StageKey::new(key),
            probability: Bps(bps),
            forecast_category: category,
            outcome: StageOutcome::Open,
            stall_after_days: Some(stall_after_days),
        };
        Pipeline {
            stages: vec![
                open("qualification", 1_000, ForecastCategory::Pipeline, 14),
                open("needs_analysis", 2_000, ForecastCategory::Pipeline, 21),
                open("proposal", 5_000, ForecastCategory::BestCase, 21),
                open("negotiation", 8_000, ForecastCategory::Commit, 30),
                Stage {
                    key: StageKey::new("closed_won"),
                    probability: Bps::HUNDRED_PERCENT,
                    forecast_category: ForecastCategory::Closed,
                    outcome: StageOutcome::Won,
                    stall_after_days: None,
                },
                Stage {
                    key: StageKey::new("closed_lost"),
                    probability: Bps::ZERO,
                    forecast_category: ForecastCategory::Omitted,
                    outcome: StageOutcome::Lost,
                    stall_after_days: None,
                },
            ],
        }
    }

    /// A usable pipeline has 2 to [`PIPELINE_STAGES_MAX`] stages with distinct non-empty keys,
    /// probabilities of at most 100 %, at least one open stage first, and exactly one won and
    /// one lost stage.
    pub fn validate(&self) -> Result<(), PipelineError> {
        let n_stages = self.stages.len();
        if !(2..=PIPELINE_STAGES_MAX).contains(&n_stages) {
            return Err(PipelineError::StageCount(n_stages));
        }
        for (index, stage) in self.stages.iter().enumerate() {
            if stage.key.0.is_empty() || stage.key.0.len() > 64 {
                return Err(PipelineError::StageKey(stage.key.clone()));
            }
            if self.stages[..index].iter().any(|earlier| earlier.key == stage.key) {
                return Err(PipelineError::DuplicateStage(stage.key.clone()));
            }
            if stage.probability > Bps::HUNDRED_PERCENT {
                return Err(PipelineError::Probability(stage.key.clone()));
            }
        }
        if self.stages[0].outcome != StageOutcome::Open {
            return Err(PipelineError::FirstStageNotOpen);
        }
        let count = |outcome| self.stages.iter().filter(|stage| stage.outcome == outcome).count();
        if count(StageOutcome::Won) != 1 || count(StageOutcome::Lost) != 1 {
            return Err(PipelineError::ClosingStages);
        }
        Ok(())
    }

    pub fn stage(&self, key: &StageKey) -> Option<&Stage> {
        self.stages.iter().find(|stage| &stage.key == key)
    }

    pub fn first_stage(&self) -> &Stage {
        &self.stages[0]
    }

    /// The won (or lost) stage; a validated pipeline has exactly one of each.
    pub fn closing_stage(&self, outcome: StageOutcome) -> Option<&Stage> {
        self.stages.iter().find(|stage| stage.outcome == outcome)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PipelineError {
    #[error("a pipeline needs 2 to {PIPELINE_STAGES_MAX} stages, not {0}")]
    StageCount(usize),
    #[error("stage key {0:?} must be 1 to 64 bytes")]
    StageKey(StageKey),
    #[error("stage {0} appears twice")]
    DuplicateStage(StageKey),
    #[error("stage {0} has a probability above 100 %")]
    Probability(StageKey),
    #[error("the first stage must be an open stage")]
    FirstStageNotOpen,
    #[error("a pipeline needs exactly one won and one lost stage")]
    ClosingStages,
}
