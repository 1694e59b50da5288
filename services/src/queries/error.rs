//! [`QueryError`]: every way a query can fail, each with a stable code a client can branch on
//! and the status class a NATS micro error header carries.

use uuid::Uuid;

use crate::read_models::ReadModelsError;

/// Why a query was not answered. Each variant's doc says what the caller does.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The body is not JSON at all: send a JSON object.
    #[error("the request is not JSON: {0}")]
    MalformedJson(String),
    /// The JSON is not this query's request: an unknown field, a wrong type or a missing field.
    /// The message names it; `schemas/queries/` describes every request.
    #[error("not a valid request: {0}")]
    InvalidRequest(String),
    /// A date field is not a calendar date written `YYYY-MM-DD`.
    #[error("{field} must be a date written YYYY-MM-DD, not {value:?}")]
    BadDate { field: &'static str, value: String },
    /// A period key is not a month (`2026-03`) or a quarter (`2026-Q1`).
    #[error("{0:?} is not a month (2026-03) or a quarter (2026-Q1)")]
    BadPeriod(String),
    /// A number is outside what the query accepts (simulation runs, a DSO window): the
    /// message names the limit.
    #[error("{0}")]
    OutOfRange(String),
    /// The read models hold no customer with this id (yet: the projector may be behind).
    #[error("no customer {0} in the read models")]
    UnknownCustomer(Uuid),
    /// Not a stream id (`kind-uuid`, such as `quote-0190…`).
    #[error("{0:?} is not a stream id (kind-uuid)")]
    BadStreamId(String),
    /// The log has no event in this stream.
    #[error("the log has no stream {0}")]
    UnknownStream(String),
    /// The log has no event with this correlation id.
    #[error("the log has no event with correlation id {0}")]
    UnknownCorrelation(Uuid),
    /// The projection this query reads has not been built in the read-model directory yet:
    /// retry once the projector has caught up.
    #[error("the read model {0} is not built yet")]
    NotReady(String),
    /// The answer is larger than the NATS server lets one message be: narrow the request (a
    /// shorter timeline, a quarter instead of months, an audit page from a later version).
    #[error("the answer is {bytes} bytes; a message may carry at most {max}")]
    ReplyTooLarge { bytes: u64, max: u64 },
    /// The read models or the log failed to answer (damaged or missing files, a broken
    /// projection): an operator's problem, not the client's. The message says which.
    #[error(transparent)]
    ReadModels(#[from] ReadModelsError),
    /// A stored row or event could not be read back as written: the file is damaged or was
    /// written by another build; rebuild the read models or verify the log.
    #[error("stored data does not read back: {0}")]
    Corrupt(String),
    /// The service is stopping or a worker failed: retry, elsewhere in the queue group.
    #[error("the query service could not finish the request: {0}")]
    Unavailable(String),
}

/// What kind of failure, as the NATS micro `Nats-Service-Error-Code` header says it (HTTP-like).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    BadRequest = 400,
    NotFound = 404,
    TooLarge = 413,
    Internal = 500,
    Unavailable = 503,
}

impl QueryError {
    /// A stable machine-readable code per variant (docs/nats-queries.md lists them).
    pub fn code(&self) -> &'static str {
        match self {
            QueryError::MalformedJson(_) => "query.malformed_json",
            QueryError::InvalidRequest(_) => "query.invalid_request",
            QueryError::BadDate { .. } => "query.bad_date",
            QueryError::BadPeriod(_) => "query.bad_period",
            QueryError::OutOfRange(_) => "query.out_of_range",
            QueryError::UnknownCustomer(_) => "query.unknown_customer",
            QueryError::BadStreamId(_) => "query.bad_stream_id",
            QueryError::UnknownStream(_) => "query.unknown_stream",
            QueryError::UnknownCorrelation(_) => "query.unknown_correlation",
            QueryError::NotReady(_) => "query.not_ready",
            QueryError::ReplyTooLarge { .. } => "query.reply_too_large",
            QueryError::ReadModels(error) => error.code(),
            QueryError::Corrupt(_) => "query.corrupt",
            QueryError::Unavailable(_) => "query.unavailable",
        }
    }

    pub fn status(&self) -> Status {
        match self {
            QueryError::MalformedJson(_)
            | QueryError::InvalidRequest(_)
            | QueryError::BadDate { .. }
            | QueryError::BadPeriod(_)
            | QueryError::OutOfRange(_)
            | QueryError::BadStreamId(_) => Status::BadRequest,
            QueryError::UnknownCustomer(_)
            | QueryError::UnknownStream(_)
            | QueryError::UnknownCorrelation(_) => Status::NotFound,
            QueryError::ReplyTooLarge { .. } => Status::TooLarge,
            QueryError::ReadModels(_) | QueryError::Corrupt(_) => Status::Internal,
            QueryError::NotReady(_) | QueryError::Unavailable(_) => Status::Unavailable,
        }
    }

    /// A read-model query's storage failure.
    pub(crate) fn storage(error: rusqlite::Error) -> QueryError {
        QueryError::ReadModels(ReadModelsError::Query(error))
    }
}

/// Each read model's own query error, sorted into ours.
macro_rules! from_model_error {
    ($($error:ty => |$value:ident| $body:expr),+ $(,)?) => {
        $(impl From<$error> for QueryError {
            fn from($value: $error) -> QueryError {
                $body
            }
        })+
    };
}

use ltc_projections::models::{collections, customer360, forecast, funnel, reps};

from_model_error! {
    funnel::QueryError => |error| match error {
        funnel::QueryError::Storage(error) => QueryError::storage(error),
        funnel::QueryError::InvalidRange { .. } => QueryError::OutOfRange(error.to_string()),
        funnel::QueryError::Corrupt(_) => QueryError::Corrupt(error.to_string()),
    },
    customer360::QueryError => |error| match error {
        customer360::QueryError::Storage(error) => QueryError::storage(error),
        customer360::QueryError::Corrupt { .. } => QueryError::Corrupt(error.to_string()),
    },
    collections::QueryError => |error| match error {
        collections::QueryError::Storage(error) => QueryError::storage(error),
        collections::QueryError::DsoWindow(_) | collections::QueryError::TooManyPeriods(_) => {
            QueryError::OutOfRange(error.to_string())
        }
        collections::QueryError::StoredDate(_) => QueryError::Corrupt(error.to_string()),
    },
    forecast::QueryError => |error| match error {
        forecast::QueryError::Storage(error) => QueryError::storage(error),
        forecast::QueryError::InvalidPeriod(period) => QueryError::BadPeriod(period),
        forecast::QueryError::InvalidRequest(_) => QueryError::OutOfRange(error.to_string()),
        forecast::QueryError::Corrupt(_) | forecast::QueryError::Overflow { .. } => {
            QueryError::Corrupt(error.to_string())
        }
    },
    reps::QueryError => |error| match error {
        reps::QueryError::Storage(error) => QueryError::storage(error),
        reps::QueryError::InvalidPeriod(period) => QueryError::BadPeriod(period),
        reps::QueryError::Overflow | reps::QueryError::StoredCurrency(_) => {
            QueryError::Corrupt(error.to_string())
        }
    },
}

impl From<rusqlite::Error> for QueryError {
    fn from(error: rusqlite::Error) -> QueryError {
        QueryError::storage(error)
    }
}
