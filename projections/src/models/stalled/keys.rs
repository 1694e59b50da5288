//! The stalled model's short keys (`models::short_keys`): a deal's `opportunity_key`, handed out
//! with its `stalled_opportunities` row when it opens, and a pipeline's `pipeline_key`, handed
//! out with its stages the first time a deal opens with it.

use ltc_domain::opportunity::Pipeline;
use rusqlite::{Transaction, params};
use uuid::Uuid;

use crate::ProjectionError;
use crate::models::funnel::outcome_name;
use crate::models::short_keys::{KnownKeys, stored_key, stored_key_or_new_with};

#[derive(Debug, Default)]
pub(super) struct StalledKeys {
    opportunities: KnownKeys<Uuid>,
    /// A quote's deal's key, by the quote's id (`stalled_quotes`).
    quotes: KnownKeys<Uuid>,
    /// By the pipeline's [`definition`].
    pipelines: KnownKeys<String>,
}

impl StalledKeys {
    /// A deal's key; `None` for a deal whose opening this read model has not seen (its later
    /// events have no row to describe, as in version 1, where the query never showed them).
    pub fn opportunity(
        &mut self,
        tx: &Transaction<'_>,
        id: &Uuid,
        id_text: &str,
    ) -> Result<Option<i64>, ProjectionError> {
        let select = "SELECT opportunity_key FROM stalled_opportunities WHERE opportunity_id = ?1";
        known_or_stored(&mut self.opportunities, tx, select, id, id_text)
    }

    /// The deal's row was just inserted with this key.
    pub fn opened(&mut self, id: Uuid, key: i64) {
        self.opportunities.remember(id, key);
    }

    /// The key of a quote's deal; `None` for a quote of a deal this model never saw open.
    pub fn quote(
        &mut self,
        tx: &Transaction<'_>,
        id: &Uuid,
        id_text: &str,
    ) -> Result<Option<i64>, ProjectionError> {
        let select = "SELECT opportunity_key FROM stalled_quotes WHERE quote_id = ?1";
        known_or_stored(&mut self.quotes, tx, select, id, id_text)
    }

    /// The quote's row was just inserted, naming its deal's key.
    pub fn quote_created(&mut self, id: Uuid, key: i64) {
        self.quotes.remember(id, key);
    }

    /// The pipeline's key, handed out with its stage rows if no deal opened with it before.
    pub fn pipeline(
        &mut self,
        tx: &Transaction<'_>,
        pipeline: &Pipeline,
    ) -> Result<i64, ProjectionError> {
        let definition = definition(pipeline);
        if let Some(key) = self.pipelines.get(definition.as_str()) {
            return Ok(key);
        }
        let key = stored_key_or_new_with(
            tx,
            "SELECT pipeline_key FROM stalled_pipelines WHERE definition = ?1",
            "INSERT INTO stalled_pipelines (definition) VALUES (?1) RETURNING pipeline_key",
            [&definition],
            |key| write_stages(tx, key, pipeline),
        )?;
        self.pipelines.remember(definition, key);
        Ok(key)
    }

    /// Called once by a rebuild before its first batch.
    pub fn keep_across_batches(&mut self) {
        self.opportunities.keep_across_batches();
        self.quotes.keep_across_batches();
        self.pipelines.keep_across_batches();
    }

    /// The batch's rows are written: a live runner forgets the keys it saw.
    pub fn batch_written(&mut self) {
        self.opportunities.batch_written();
        self.quotes.batch_written();
        self.pipelines.batch_written();
    }

    /// The batch rolled back, and any key handed out in it with it.
    pub fn forget(&mut self) {
        self.opportunities.forget();
        self.quotes.forget();
        self.pipelines.forget();
    }
}

/// The key `known` remembers for `id`, else the one `select` finds in the table (then remembered).
fn known_or_stored(
    known: &mut KnownKeys<Uuid>,
    tx: &Transaction<'_>,
    select: &str,
    id: &Uuid,
    id_text: &str,
) -> Result<Option<i64>, ProjectionError> {
    if let Some(key) = known.get(id) {
        return Ok(Some(key));
    }
    let key = stored_key(tx, select, [id_text])?;
    if let Some(key) = key {
        known.remember(*id, key);
    }
    Ok(key)
}

/// What makes two pipelines the same to this model: each stage's key, outcome and threshold,
/// in order, as JSON (unambiguous whatever a stage's key holds).
fn definition(pipeline: &Pipeline) -> String {
    let stages: Vec<(&str, &str, Option<u16>)> = pipeline
        .stages
        .iter()
        .map(|stage| (stage.key.0.as_str(), outcome_name(stage.outcome), stage.stall_after_days))
        .collect();
    serde_json::to_string(&stages).expect("a list of strings and numbers serializes")
}

/// The stages of a pipeline just given `key`.
fn write_stages(
    tx: &Transaction<'_>,
    key: i64,
    pipeline: &Pipeline,
) -> Result<(), ProjectionError> {
    let mut insert_stage = tx.prepare_cached(
        "INSERT INTO stalled_pipeline_stages (pipeline_key, stage, outcome, \
         stall_after_days) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for stage in &pipeline.stages {
        insert_stage.execute(params![
            key,
            stage.key.0,
            outcome_name(stage.outcome),
            stage.stall_after_days
        ])?;
    }
    Ok(())
}
