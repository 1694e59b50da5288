//! What [`super::Engine::execute`] answers when a command does not go through. Every variant has
//! a stable, machine-readable [`EngineError::code`] that clients (and, from step 4, NATS replies)
//! can switch on; the message is for people.

use ltc_domain::customer::CustomerError;
use ltc_domain::ids::QuoteId;
use ltc_domain::lead::LeadError;
use ltc_domain::opportunity::OpportunityError;
use ltc_domain::order::OrderError;
use ltc_domain::payment::PaymentError;
use ltc_domain::quota::QuotaError;
use ltc_domain::quote::QuoteError;
use ltc_eventstore::{AppendError, StreamId};
use serde::Serialize;
use uuid::Uuid;

use crate::command::ExecuteError;

/// An aggregate's rules refused the command; nothing was appended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error(transparent)]
    Lead(LeadError),
    #[error(transparent)]
    Customer(CustomerError),
    #[error(transparent)]
    Opportunity(OpportunityError),
    #[error(transparent)]
    Quote(QuoteError),
    #[error(transparent)]
    Order(OrderError),
    #[error(transparent)]
    Payment(PaymentError),
    #[error(transparent)]
    Quota(QuotaError),
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A business rule refused the command (including `Forbidden` for a role that may not do
    /// it). Retrying the same command gets the same answer; change the command.
    #[error(transparent)]
    Rejected(Rejection),
    /// The command names an aggregate that does not exist (yet): create it first, or fix the id.
    #[error("{kind} {id} does not exist")]
    NotFound { kind: &'static str, id: Uuid },
    /// A create command names another id than the aggregate it is sent to.
    #[error("the command is sent to {target} but creates {named}")]
    IdMismatch { target: Uuid, named: Uuid },
    /// An order is placed only from an accepted quote: accept the quote first.
    #[error("quote {0} is not accepted")]
    QuoteNotAccepted(QuoteId),
    /// A business date lies after today: the engine records what happened, not what will.
    #[error("{field} {date} is after today ({today})")]
    FutureDate { field: &'static str, date: chrono::NaiveDate, today: chrono::NaiveDate },
    /// The client's `expected_version` is not the stream's: read the aggregate again, decide
    /// anew, and send a new command.
    #[error("stream {stream} is at version {actual}, not the expected {expected}")]
    WrongExpectedVersion { stream: StreamId, expected: u64, actual: u64 },
    /// Other writers kept changing the stream: retry later with the same command id, which
    /// makes the retry safe.
    #[error("stream {0} kept changing; retry with the same command id")]
    Conflict(StreamId),
    /// This command id was used before for a command on another aggregate: every command needs
    /// its own id.
    #[error("command id {command_id} was already used on {original_stream}")]
    CommandIdReused { command_id: Uuid, original_stream: StreamId },
    /// The store failed or holds data this build cannot read: an operator's problem, not the
    /// client's. The command may be retried with the same id once the cause is fixed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl EngineError {
    /// A stable code such as `quote.expired` or `not_found`.
    pub fn code(&self) -> String {
        match self {
            EngineError::Rejected(rejection) => rejection.code(),
            EngineError::NotFound { .. } => "not_found".into(),
            EngineError::IdMismatch { .. } => "id_mismatch".into(),
            EngineError::QuoteNotAccepted(_) => "quote_not_accepted".into(),
            EngineError::FutureDate { .. } => "future_date".into(),
            EngineError::WrongExpectedVersion { .. } => "wrong_expected_version".into(),
            EngineError::Conflict(_) => "conflict".into(),
            EngineError::CommandIdReused { .. } => "command_id_reused".into(),
            EngineError::Internal(_) => "internal".into(),
        }
    }

    /// Whether sending the very same command again (same id) may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, EngineError::Conflict(_) | EngineError::Internal(_))
    }

    /// Maps the command path's error for an aggregate whose rejections `wrap` tags.
    pub(super) fn from_execute<E: std::error::Error>(
        error: ExecuteError<E>,
        wrap: impl FnOnce(E) -> Rejection,
    ) -> EngineError {
        match error {
            ExecuteError::Rejected(error) => EngineError::Rejected(wrap(error)),
            ExecuteError::Conflict(stream) => EngineError::Conflict(stream),
            ExecuteError::WrongExpectedVersion { stream, expected, actual } => {
                EngineError::WrongExpectedVersion { stream, expected, actual }
            }
            ExecuteError::Append(AppendError::CommandIdReused { command_id, original_stream }) => {
                EngineError::CommandIdReused { command_id, original_stream }
            }
            ExecuteError::Append(error) => EngineError::Internal(error.to_string()),
            ExecuteError::Read(error) => EngineError::Internal(error.to_string()),
            ExecuteError::Codec(error) => EngineError::Internal(error.to_string()),
            ExecuteError::Upcast(error) => EngineError::Internal(error.to_string()),
        }
    }
}

impl Rejection {
    /// `aggregate.variant` in snake case, such as `quote.expired`: the variant's name is part of
    /// the wire contract, so renaming one is a breaking change.
    pub fn code(&self) -> String {
        let (aggregate, variant) = match self {
            Rejection::Lead(error) => ("lead", variant_name(error)),
            Rejection::Customer(error) => ("customer", variant_name(error)),
            Rejection::Opportunity(error) => ("opportunity", variant_name(error)),
            Rejection::Quote(error) => ("quote", variant_name(error)),
            Rejection::Order(error) => ("order", variant_name(error)),
            Rejection::Payment(error) => ("payment", variant_name(error)),
            Rejection::Quota(error) => ("quota", variant_name(error)),
        };
        format!("{aggregate}.{}", snake_case(&variant))
    }
}

/// The name of an enum value's variant, read from its serde form (`"Name"` or `{"Name": ..}`).
fn variant_name(error: &impl Serialize) -> String {
    match serde_json::to_value(error) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(serde_json::Value::Object(map)) if map.len() == 1 => {
            map.keys().next().cloned().unwrap_or_default()
        }
        _ => "unknown".into(),
    }
}

/// `OpportunityHasAcceptedQuote` → `opportunity_has_accepted_quote`: how Rust variant names
/// appear on the wire (error codes, NATS command subjects).
pub(crate) fn snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    for (index, character) in name.chars().enumerate() {
        if character.is_uppercase() {
            if index > 0 {
                snake.push('_');
            }
            snake.extend(character.to_lowercase());
        } else {
            snake.push(character);
        }
    }
    snake
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejection_codes_are_the_snake_case_variant_names() {
        let expired = Rejection::Quote(QuoteError::Expired {
            valid_until: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date"),
            on: chrono::NaiveDate::from_ymd_opt(2026, 2, 1).expect("a date"),
        });
        assert_eq!(expired.code(), "quote.expired");
        assert_eq!(Rejection::Quote(QuoteError::NotCreated).code(), "quote.not_created");
        let error = EngineError::Rejected(Rejection::Quote(QuoteError::SelfApproval));
        assert_eq!(error.code(), "quote.self_approval");
    }
}
