//! Training the win model: a closed deal becomes one example, counted as it stood just before
//! its decision (`decision.rs`), and a reopened deal's example is taken back out exactly
//! (`model.rs` says what the model is and how it scores).

use std::collections::BTreeSet;

use rusqlite::{OptionalExtension, Transaction, params};

use super::apply::{Deal, OPEN};
use super::counts::PendingCounts;
use super::decision::{DecidedBy, Decision};
use super::model::{
    CLASS_FEATURE, CLASS_VALUE, DECIDED_BY_FEATURE, Features, NO_CHANNEL, Outcome, UNKNOWN,
    amount_band, recency_band,
};
use crate::ProjectionError;

/// Adds a deal that has just closed to the counts, as it stood just before `decision`.
pub(super) fn train(
    tx: &Transaction<'_>,
    counts: &mut PendingCounts,
    deal: &mut Deal,
    outcome: Outcome,
    decision: Decision,
    decided_by: DecidedBy,
) -> Result<(), ProjectionError> {
    // A deal is one example at most; the domain reopens a deal before it can close it again.
    untrain(tx, counts, deal)?;
    deal.is_example = Some(true);
    let undecided = as_it_stood(tx, deal, decision.position)?;
    let (channel, industry, region) = tx
        .prepare_cached(
            "SELECT coalesce((SELECT channel FROM forecast_deal_channels \
             WHERE opportunity_id = ?1), ?3), \
             coalesce((SELECT industry FROM forecast_customers WHERE customer_id = ?2), ?4), \
             coalesce((SELECT region FROM forecast_customers WHERE customer_id = ?2), ?4)",
        )?
        .query_row(
            params![
                deal.opportunity_id.to_string(),
                deal.customer_id.to_string(),
                NO_CHANNEL,
                UNKNOWN
            ],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
    let features = Features {
        stages: undecided.stages,
        channel,
        industry,
        region,
        amount_band: amount_band(deal.currency.code(), undecided.amount_minor),
        recency: recency_band(decision.idle_days),
    };
    let outcome = match outcome {
        Outcome::Won => "won",
        Outcome::Lost => "lost",
    };
    let stages = serde_json::to_string(&features.stages)
        .map_err(|error| ProjectionError::Unexpected(format!("stages as JSON: {error}")))?;
    tx.prepare_cached(
        "INSERT INTO forecast_model_examples (opportunity_id, outcome, stages, channel, \
         industry, region, amount_band, recency, decided_by) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        deal.opportunity_id.to_string(),
        outcome,
        stages,
        features.channel,
        features.industry,
        features.region,
        features.amount_band,
        features.recency,
        decided_by.as_str(),
    ])?;
    count(counts, &features, decided_by.as_str(), outcome, 1);
    Ok(())
}

/// A deal as it stood just before the event at a log position: what its example is made of.
struct AsItStood {
    /// Every open stage it had reached, sorted.
    stages: Vec<String>,
    amount_minor: i64,
}

/// The deal as its versions before `position` leave it: those it holds, and, unless it holds
/// them all, those the table holds (all older than the ones it holds).
fn as_it_stood(
    tx: &Transaction<'_>,
    deal: &Deal,
    position: i64,
) -> Result<AsItStood, ProjectionError> {
    let held: Vec<_> = deal
        .versions
        .iter()
        .filter(|version| version.position < position)
        .map(|version| &version.forecasted)
        .collect();
    let mut stages: BTreeSet<String> =
        held.iter().filter(|then| then.status == OPEN).map(|then| then.stage.clone()).collect();
    let mut amount_minor = held.last().map(|then| then.amount_minor);
    if !deal.versions_complete {
        let opportunity_id = deal.opportunity_id.to_string();
        let mut written = tx.prepare_cached(
            "SELECT DISTINCT stage FROM forecast_deal_history \
             WHERE opportunity_id = ?1 AND status = ?2 AND position < ?3",
        )?;
        let mut rows = written.query(params![opportunity_id, OPEN, position])?;
        while let Some(row) = rows.next()? {
            stages.insert(row.get::<_, String>(0)?);
        }
        if amount_minor.is_none() {
            amount_minor = tx
                .prepare_cached(
                    "SELECT amount_minor FROM forecast_deal_history \
                     WHERE opportunity_id = ?1 AND position < ?2 \
                     ORDER BY position DESC LIMIT 1",
                )?
                .query_row(params![opportunity_id, position], |row| row.get(0))
                .optional()?;
        }
    }
    // Its opening made a version, and a deal is decided by a later event.
    let amount_minor = amount_minor.ok_or_else(|| {
        ProjectionError::Unexpected(format!(
            "deal {} has no version before position {position}",
            deal.opportunity_id
        ))
    })?;
    Ok(AsItStood { stages: stages.into_iter().collect(), amount_minor })
}

/// Takes a reopened deal's example back out of the counts (`train` asks first too). A deal
/// known not to be an example costs nothing (a rebuild's common case: the deal opened in
/// memory); one read back from its row costs one index probe (a live runner's).
pub(super) fn untrain(
    tx: &Transaction<'_>,
    counts: &mut PendingCounts,
    deal: &mut Deal,
) -> Result<(), ProjectionError> {
    let was_example = deal.is_example.replace(false);
    if was_example == Some(false) {
        return Ok(());
    }
    let opportunity_id = deal.opportunity_id.to_string();
    let opportunity_id = opportunity_id.as_str();
    let example = tx
        .prepare_cached(
            "SELECT outcome, stages, channel, industry, region, amount_band, recency, \
             decided_by FROM forecast_model_examples WHERE opportunity_id = ?1",
        )?
        .query_row([opportunity_id], |row| {
            let outcome: String = row.get(0)?;
            let stages: String = row.get(1)?;
            let features = Features {
                stages: Vec::new(),
                channel: row.get(2)?,
                industry: row.get(3)?,
                region: row.get(4)?,
                amount_band: row.get(5)?,
                recency: row.get(6)?,
            };
            let decided_by: String = row.get(7)?;
            Ok((outcome, stages, features, decided_by))
        })
        .optional()?;
    let Some((outcome, stages, mut features, decided_by)) = example else { return Ok(()) };
    features.stages = serde_json::from_str(&stages)
        .map_err(|error| ProjectionError::Unexpected(format!("stages {stages:?}: {error}")))?;
    count(counts, &features, &decided_by, &outcome, -1);
    tx.prepare_cached("DELETE FROM forecast_model_examples WHERE opportunity_id = ?1")?
        .execute([opportunity_id])?;
    Ok(())
}

/// Adds `step` (1 or -1) to the batch's changes to the count of each feature value of one
/// example with `outcome`, and to the count of examples decided the way it was
/// ([`DECIDED_BY_FEATURE`]).
fn count(
    counts: &mut PendingCounts,
    features: &Features,
    decided_by: &str,
    outcome: &str,
    step: i64,
) {
    let step = match outcome {
        "won" => (step, 0),
        "lost" => (0, step),
        _ => (0, 0),
    };
    counts.add(CLASS_FEATURE, CLASS_VALUE, step);
    counts.add(DECIDED_BY_FEATURE, decided_by, step);
    for stage in &features.stages {
        counts.add("stage", stage, step);
    }
    for (feature, value) in features.categorical() {
        counts.add(feature, value, step);
    }
}
