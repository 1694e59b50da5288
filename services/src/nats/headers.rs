//! Header names. NATS header lookups are case-sensitive (shared/NATS.md): these exact
//! spellings are the contract.

/// The idempotency key of a command; generated when absent. A retry with the same id gets the
/// same reply and appends nothing.
pub const COMMAND_ID: &str = "Ltc-Command-Id";
/// Who sends the command: a user id from ltc's user table.
pub const ACTOR: &str = "Ltc-Actor";
/// Ties the commands and events of one business flow together; generated when absent.
pub const CORRELATION_ID: &str = "Ltc-Correlation-Id";
/// The optional optimistic check: the stream version the client decided on.
pub const EXPECTED_VERSION: &str = "Ltc-Expected-Version";

/// On a published event: its global position in the log (JetStream's sequence mirrors it).
pub const POSITION: &str = "Ltc-Position";

/// JetStream's dedupe key; ltc sets it to the event id.
pub const NATS_MSG_ID: &str = "Nats-Msg-Id";

/// CloudEvents 1.0 attributes in binary mode (the NATS protocol binding).
pub const CE_SPECVERSION: &str = "ce-specversion";
pub const CE_ID: &str = "ce-id";
pub const CE_TYPE: &str = "ce-type";
pub const CE_SOURCE: &str = "ce-source";
pub const CE_SUBJECT: &str = "ce-subject";
pub const CE_TIME: &str = "ce-time";
