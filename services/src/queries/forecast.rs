//! `forecast` (a period's figures and the Monte-Carlo percentiles of its revenue) and
//! `win-probabilities` (the learned chance of winning each open deal), over the forecast read
//! model.

use chrono::NaiveDate;
use ltc_projections::Projection;
use ltc_projections::models::forecast;
use rusqlite::Connection;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Query, QueryError, as_of_schema, recorded_as_of_schema};

/// `ltc query forecast --period 2026-Q1 [--runs 2000] [--seed 42] [--as-of DATE]`; on NATS
/// `{"period": "2026-Q1", "runs": 2000, "seed": 42}`. `as_of` rebuilds the forecast from what
/// the log held at the end of that day, so nothing later leaks in.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForecastRequest {
    /// A month (`2026-03`) or a quarter (`2026-Q1`).
    #[arg(long)]
    pub period: String,
    /// Simulated outcomes of the open deals.
    #[arg(long, default_value_t = 2_000)]
    #[serde(default = "runs_default")]
    pub runs: u32,
    /// The simulation's seed: the same seed gives the same percentiles.
    #[arg(long, default_value_t = 42)]
    #[serde(default = "seed_default")]
    pub seed: u64,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "as_of_schema")]
    pub as_of: Option<String>,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "recorded_as_of_schema")]
    pub recorded_as_of: Option<String>,
}

fn runs_default() -> u32 {
    2_000
}

fn seed_default() -> u64 {
    42
}

/// A period's figures with the simulation of its revenue.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ForecastAnswer {
    pub forecast: forecast::Forecast,
    pub simulation: forecast::Simulation,
}

impl Query for ForecastRequest {
    const NAME: &'static str = "forecast";
    type Answer = ForecastAnswer;

    fn as_of_text(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    fn recorded_as_of_text(&self) -> Option<&str> {
        self.recorded_as_of.as_deref()
    }

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(forecast::ForecastProjection::default())]
    }

    fn query(&self, conn: &Connection, as_of: NaiveDate) -> Result<Self::Answer, QueryError> {
        // `conn` already stands at the business date (a rebuild up to it, or the read models in
        // service for today), so the model reads its deals as they are, made on that day: an
        // open deal past its expected close counts on it, never in a period that is over.
        let mut forecast = forecast::forecast_made_on(conn, &self.period, as_of)?;
        let simulation =
            forecast::simulate_made_on(conn, &self.period, self.runs, self.seed, as_of)?;
        forecast.as_of = Some(as_of);
        Ok(ForecastAnswer { forecast, simulation })
    }

    fn render(&self, answer: &Self::Answer) -> String {
        let mut text = forecast::render_forecast(&answer.forecast);
        text.push('\n');
        text.push_str(&forecast::render_simulation(&answer.simulation));
        text
    }
}

/// `ltc query win-probabilities`; on NATS `{}`.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WinProbabilitiesRequest {
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "as_of_schema")]
    pub as_of: Option<String>,
    #[arg(skip)]
    #[serde(default)]
    #[schemars(schema_with = "recorded_as_of_schema")]
    pub recorded_as_of: Option<String>,
}

impl Query for WinProbabilitiesRequest {
    const NAME: &'static str = "win-probabilities";
    type Answer = forecast::WinProbabilities;

    fn as_of_text(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    fn recorded_as_of_text(&self) -> Option<&str> {
        self.recorded_as_of.as_deref()
    }

    fn projections(&self) -> Vec<Box<dyn Projection>> {
        vec![Box::new(forecast::ForecastProjection::default())]
    }

    fn query(&self, conn: &Connection, as_of: NaiveDate) -> Result<Self::Answer, QueryError> {
        Ok(forecast::win_probabilities_on(conn, as_of)?)
    }

    fn render(&self, answer: &Self::Answer) -> String {
        forecast::render_win_probabilities(answer)
    }
}
