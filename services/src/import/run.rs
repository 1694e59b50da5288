//! One import: the file's rows, in file order, each read, given its identity and sent through
//! the engine under the command id that identity gives. File order matters: a lead is recorded
//! as the duplicate of an earlier row's lead, never the other way round, so the same file gives
//! the same report every time. Leads therefore go one at a time. The rows of a customers or an
//! opportunities file do not depend on one another, so they go [`ROWS_AT_ONCE`] at a time and
//! share the store's group commits; a row naming the same record as another row of its window
//! waits for the next window, so it is answered as it would be one at a time.

use std::collections::{HashMap, HashSet};

use ltc_domain::ids::{CustomerId, LeadId, OpportunityId};
use ltc_domain::lead::LeadState;
use uuid::Uuid;

use super::ImportKind;
use super::customer_names::{CustomerNames, LoadError};
use super::identity::{Identity, file_correlation_id};
use super::mapping::{MappingError, MappingFile};
use super::money::DecimalSeparator;
use super::report::{ImportReport, Outcome, RowError, RowReport};
use super::rows::{self, FileError, Row};
use super::{customers, leads, opportunities};
use crate::command::{CommandMeta, Executed};
use crate::engine::{Command, Engine, EngineError};
use crate::users::{User, UserDirectory};

/// How many customers or opportunities go through the engine at once: enough for one group
/// commit to hold many rows (one at a time, each row waited for its own fsync).
const ROWS_AT_ONCE: usize = 64;

/// What to import and as whom.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub kind: ImportKind,
    pub mapping: MappingFile,
    /// The importing user's name or id in the user table; every row is authorised as them.
    pub actor: String,
    /// Recorded in every event's metadata.
    pub tenant: String,
    /// Only says so in the report: the caller hands a scratch engine for a dry run.
    pub dry_run: bool,
}

/// Why an import stopped. Rows before the stop are in the log; a re-run resumes, since they
/// are then "already imported".
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0:?} is not in the user table; name the importing user with --actor")]
    UnknownActor(String),
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Customers(#[from] LoadError),
    /// The store failed: an operator's problem, not the row's.
    #[error("line {line}: {error}")]
    Store { line: u64, error: EngineError },
}

/// What reading a row needs besides the row.
#[derive(Debug)]
pub(super) struct Lookups<'a> {
    pub users: &'a UserDirectory,
    pub actor: &'a User,
    pub decimal_separator: DecimalSeparator,
    pub customers: CustomerNames,
}

/// Imports `bytes` (a CSV file) through `engine`. `progress` hears (rows done, rows in all).
pub async fn import(
    engine: &Engine,
    users: &UserDirectory,
    bytes: &[u8],
    options: &ImportOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportReport, ImportError> {
    let actor = users
        .find(&options.actor)
        .ok_or_else(|| ImportError::UnknownActor(options.actor.clone()))?;
    let delimiter = options.mapping.delimiter.unwrap_or(',');
    if !delimiter.is_ascii() {
        return Err(MappingError::Delimiter(delimiter).into());
    }
    let (headers, raw_rows) = rows::read(bytes, delimiter as u8)?;
    let columns = options.mapping.columns(options.kind, &headers)?;
    let names_customers = options.kind == ImportKind::Opportunities
        && columns.fields.iter().flatten().chain(columns.defaults.keys()).any(|f| *f == "customer");
    let lookups = Lookups {
        users,
        actor,
        decimal_separator: columns.decimal_separator,
        customers: if names_customers {
            CustomerNames::load(engine.store())?
        } else {
            CustomerNames::default()
        },
    };
    let mut batch = Batch {
        engine,
        lookups: &lookups,
        options,
        correlation_id: file_correlation_id(bytes),
        seen: HashMap::new(),
        lines_by_id: HashMap::new(),
    };
    let mut report = ImportReport {
        kind: options.kind,
        dry_run: options.dry_run,
        ignored_columns: columns.ignored.clone(),
        rows: Vec::with_capacity(raw_rows.len()),
    };
    let total = raw_rows.len() as u64;
    let at_once = if options.kind == ImportKind::Leads { 1 } else { ROWS_AT_ONCE };
    let mut rows = raw_rows.into_iter().map(|raw| {
        let line = raw.line;
        (line, raw.cells.and_then(|cells| columns.row(line, &cells)))
    });
    // A row that repeats a record of the window being filled starts the next one.
    let mut carried = None;
    loop {
        let mut window = Vec::with_capacity(at_once);
        let mut records = HashSet::new();
        while window.len() < at_once {
            let Some((line, row)) = carried.take().or_else(|| rows.next()) else { break };
            let step = match &row {
                Ok(row) => batch.prepare(row),
                Err(error) => Step::Answered(Outcome::Failed(error.clone())),
            };
            if let Step::Send(send) = &step
                && !records.insert(send.identity.clone())
            {
                carried = Some((line, row));
                break;
            }
            window.push((line, step));
        }
        if window.is_empty() {
            return Ok(report);
        }
        let sent = window.iter_mut().map(|(_, step)| async {
            match step {
                Step::Send(send) => Some(engine.execute(send.command.take()?, &send.meta).await),
                Step::Answered(_) => None,
            }
        });
        let results = futures::future::join_all(sent).await;
        for ((line, step), result) in window.into_iter().zip(results) {
            let outcome = match (step, result) {
                (Step::Answered(outcome), _) => outcome,
                (Step::Send(send), Some(result)) => batch.answered(*send, result)?,
                (Step::Send(_), None) => unreachable!("every command of a window is sent once"),
            };
            report.rows.push(RowReport { line, outcome });
            progress(report.rows.len() as u64, total);
        }
    }
}

/// A row of a window: answered without the engine (an error in the row, or a record an
/// earlier line already brought), or a command to send.
enum Step {
    Answered(Outcome),
    Send(Box<Sending>),
}

/// A row's command, and what its answer is recorded with.
struct Sending {
    identity: Identity,
    id: Uuid,
    row: Row,
    /// Taken when sent.
    command: Option<Command>,
    meta: CommandMeta,
}

/// The state of one import across its rows.
struct Batch<'a> {
    engine: &'a Engine,
    lookups: &'a Lookups<'a>,
    options: &'a ImportOptions,
    correlation_id: Uuid,
    /// Each identity that went in (or was already in) with its first line and values.
    seen: HashMap<Identity, (u64, Row)>,
    /// The line each aggregate came from, to say which line a duplicate lead duplicates.
    lines_by_id: HashMap<Uuid, u64>,
}

impl Batch<'_> {
    /// What `row` needs: an answer now, or its command sent.
    fn prepare(&self, row: &Row) -> Step {
        let identity = Identity::of(self.options.kind, row);
        let id = identity.aggregate_id();
        if let Some((first_line, first)) = self.seen.get(&identity) {
            return Step::Answered(if first.values == row.values {
                Outcome::SameAsLine { id, same_as_line: *first_line }
            } else {
                Outcome::Failed(RowError::new(
                    "duplicate_key",
                    format!(
                        "key {:?} is also line {first_line}'s, with other values",
                        row.get("key").unwrap_or_default()
                    ),
                ))
            });
        }
        let command = match self.command(id, row) {
            Ok(command) => command,
            Err(error) => return Step::Answered(Outcome::Failed(error)),
        };
        let meta = CommandMeta {
            command_id: identity.command_id(),
            correlation_id: self.correlation_id,
            causation_id: None,
            actor: self.lookups.actor.actor(),
            tenant: self.options.tenant.clone(),
            expected_version: None,
        };
        Step::Send(Box::new(Sending {
            identity,
            id,
            row: row.clone(),
            command: Some(command),
            meta,
        }))
    }

    /// The row's outcome from the engine's answer; a record that went in is remembered, so a
    /// later line naming it again is answered from here.
    fn answered(
        &mut self,
        send: Sending,
        result: Result<Executed, EngineError>,
    ) -> Result<Outcome, ImportError> {
        let Sending { identity, id, row, .. } = send;
        let outcome = match result {
            Ok(executed) => self.executed(id, row.line, &executed)?,
            Err(error @ EngineError::Internal(_)) => {
                return Err(ImportError::Store { line: row.line, error });
            }
            Err(error) => return Ok(Outcome::Failed(self.refused(&row, error))),
        };
        self.lines_by_id.insert(id, row.line);
        self.seen.insert(identity, (row.line, row));
        Ok(outcome)
    }

    fn command(&self, id: Uuid, row: &Row) -> Result<Command, RowError> {
        Ok(match self.options.kind {
            ImportKind::Leads => {
                Command::Lead { lead_id: LeadId(id), command: leads::capture(row, self.lookups)? }
            }
            ImportKind::Customers => {
                let customer_id = CustomerId(id);
                let command = customers::create(customer_id, row, self.lookups)?;
                Command::Customer { customer_id, command }
            }
            ImportKind::Opportunities => Command::Opportunity {
                opportunity_id: OpportunityId(id),
                command: opportunities::open(row, self.lookups)?,
            },
        })
    }

    fn executed(&self, id: Uuid, line: u64, executed: &Executed) -> Result<Outcome, ImportError> {
        if !executed.appended_now() {
            return Ok(Outcome::AlreadyImported { id });
        }
        let duplicate_of = match self.options.kind {
            ImportKind::Leads => match self.engine.paths().leads.state_of(id) {
                Ok(LeadState::Captured(lead)) => lead.duplicate_of.map(|survivor| survivor.0),
                Ok(LeadState::NotCaptured) => None,
                Err(error) => {
                    let error = EngineError::Internal(error.to_string());
                    return Err(ImportError::Store { line, error });
                }
            },
            ImportKind::Customers | ImportKind::Opportunities => None,
        };
        let duplicate_of_line =
            duplicate_of.and_then(|survivor| self.lines_by_id.get(&survivor).copied());
        Ok(Outcome::Imported { id, duplicate_of, duplicate_of_line })
    }

    /// The engine's refusal as the row's reason; a customer named by key that was never
    /// imported says so in the file's words.
    fn refused(&self, row: &Row, error: EngineError) -> RowError {
        if let (EngineError::NotFound { kind: "customer", .. }, Some(key)) =
            (&error, row.get("customer_key"))
        {
            return RowError::new(
                "unknown_customer",
                format!("no customer was imported with key {key:?}"),
            );
        }
        RowError::new(error.code(), error.to_string())
    }
}
