//! Quotas: on the first working day of each quarter, every rep's manager sets the rep's target
//! for the quarter and their commission rate, so rep performance and the forecast's attainment
//! and coverage have targets to measure against.

use ltc_domain::money::Bps;
use ltc_domain::quota::{QuotaCommand, QuotaPeriod};
use ltc_projections::models::period::Period;

use super::GeneratorError;
use super::catalog::euros;
use super::simulation::Simulation;
use crate::engine::Command;

/// A rep's quarterly target: 90,000.00 EUR, more for the senior reps of each team.
const QUOTA_BASE_MINOR: i64 = 9_000_000;
const QUOTA_STEP_MINOR: i64 = 3_000_000;
/// Commission on what a rep wins: 5 %.
const COMMISSION_BPS: u32 = 500;

impl Simulation {
    /// Sets every rep's quota for today's quarter, once per quarter.
    pub(super) async fn set_quotas_for_the_quarter(&mut self) -> Result<(), GeneratorError> {
        let quarter = Period::Quarter.key(self.today);
        if self.quotas_set_for.as_deref() == Some(quarter.as_str()) {
            return Ok(());
        }
        self.quotas_set_for = Some(quarter.clone());
        for rep in 0..self.people.reps.len() {
            let actor = self.people.reps[rep].actor.clone();
            let manager = self.people.manager_of(rep).actor.clone();
            let seniority = i64::try_from(rep % 3).unwrap_or(0);
            let command = QuotaCommand::Set {
                rep: actor.user,
                team: actor.team,
                period: QuotaPeriod(quarter.clone()),
                amount: euros(QUOTA_BASE_MINOR + QUOTA_STEP_MINOR * (2 - seniority)),
                commission_bps: Bps(COMMISSION_BPS),
            };
            self.send(Command::Quota { command }, &manager, actor.user.0).await?;
        }
        Ok(())
    }
}
