//! What the command service answers: `{"ok": true, …}` with what the command did, or
//! `{"ok": false, "error": {"code", "message", "retryable"}}`, the error also in the NATS micro
//! headers (`Nats-Service-Error`, `Nats-Service-Error-Code`) so generic NATS tooling sees it.
//! Every failure a client can cause has a stable code (docs/nats.md lists them).

use serde::Serialize;
use uuid::Uuid;

use crate::command::Executed;
use crate::engine::EngineError;

/// Why a request did not become a command, or the engine's answer when it did not go through.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("the body has {bytes} bytes; a command may have at most {max}")]
    PayloadTooLarge { bytes: usize, max: usize },
    #[error("the body is not JSON: {0}")]
    MalformedJson(String),
    #[error("no command is named {0:?}; `$SRV.INFO.ltc-commands` lists them")]
    UnknownCommand(String),
    /// The body is JSON but not the command its subject names (the command's JSON Schema in
    /// `schemas/commands/` says what it must be).
    #[error("{0}")]
    InvalidCommand(String),
    #[error("header {header}: {reason}")]
    InvalidHeader { header: &'static str, reason: String },
    #[error("no Ltc-Actor header: every command names the user who sends it")]
    MissingActor,
    #[error("no user is named {0:?} in ltc's user table")]
    UnknownActor(String),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl WireError {
    /// The stable code: the engine's own for engine errors (`quote.expired`, `not_found`,
    /// `conflict`, …).
    pub fn code(&self) -> String {
        match self {
            WireError::PayloadTooLarge { .. } => "payload_too_large".into(),
            WireError::MalformedJson(_) => "malformed_json".into(),
            WireError::UnknownCommand(_) => "unknown_command".into(),
            WireError::InvalidCommand(_) => "invalid_command".into(),
            WireError::InvalidHeader { .. } => "invalid_header".into(),
            WireError::MissingActor => "missing_actor".into(),
            WireError::UnknownActor(_) => "unknown_actor".into(),
            WireError::Engine(error) => error.code(),
        }
    }

    /// An HTTP-like status for `Nats-Service-Error-Code`, so tools can tell the client's
    /// mistakes (4xx) from the service's (5xx).
    pub fn status(&self) -> u16 {
        match self {
            WireError::PayloadTooLarge { .. } => 413,
            WireError::MalformedJson(_)
            | WireError::InvalidCommand(_)
            | WireError::InvalidHeader { .. } => 400,
            WireError::UnknownCommand(_) => 404,
            WireError::MissingActor => 401,
            WireError::UnknownActor(_) => 403,
            WireError::Engine(error) => match error {
                EngineError::Rejected(_) if self.code().ends_with(".forbidden") => 403,
                EngineError::Rejected(_)
                | EngineError::QuoteNotAccepted(_)
                | EngineError::FutureDate { .. } => 422,
                EngineError::NotFound { .. } => 404,
                EngineError::IdMismatch { .. } => 400,
                EngineError::WrongExpectedVersion { .. }
                | EngineError::Conflict(_)
                | EngineError::CommandIdReused { .. } => 409,
                EngineError::Internal(_) => 500,
            },
        }
    }

    /// Whether sending the same request again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, WireError::Engine(error) if error.is_retryable())
    }
}

/// The reply body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Reply {
    Done(Done),
    Failed(Failed),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Done {
    pub ok: bool,
    pub command_id: Uuid,
    /// `kind-uuid`.
    pub stream: String,
    /// The stream's version after the command.
    pub version: u64,
    /// The log position of the command's last event; `null` when it recorded nothing (the
    /// command changed nothing).
    pub position: Option<u64>,
    /// The event types it recorded, in order.
    pub events: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Failed {
    pub ok: bool,
    /// Absent when the request failed before its command id was read.
    pub command_id: Option<Uuid>,
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    pub retryable: bool,
}

impl Reply {
    pub fn done(command_id: Uuid, executed: &Executed) -> Reply {
        // A retry answers exactly as the first time: `duplicate` is not on the wire.
        Reply::Done(Done {
            ok: true,
            command_id,
            stream: executed.stream.to_string(),
            version: executed.version,
            position: executed.position,
            events: executed.events.clone(),
        })
    }

    pub fn failed(command_id: Option<Uuid>, error: &WireError) -> Reply {
        Reply::Failed(Failed {
            ok: false,
            command_id,
            error: ErrorBody {
                code: error.code(),
                message: error.to_string(),
                retryable: error.is_retryable(),
            },
        })
    }

    pub fn to_bytes(&self) -> bytes::Bytes {
        serde_json::to_vec(self).expect("replies serialize").into()
    }
}
