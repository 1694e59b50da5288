//! A NATS request as the engine's command and metadata: the subject names the command, the
//! body holds its fields, the headers say who sends it and how it ties to others.

use async_nats::HeaderMap;
use uuid::Uuid;

use super::catalog::Route;
use super::reply::WireError;
use crate::command::CommandMeta;
use crate::engine::Command;
use crate::nats::headers;
use crate::users::UserDirectory;

/// The largest command body accepted. The biggest real commands (a quote with many lines) are a
/// few KiB; anything near the server's 1 MiB limit is a mistake or an attack.
pub const COMMAND_BYTES_MAX: usize = 64 * 1024;

/// The command id a request carries, or a fresh one. Read first, so even a failed request's
/// reply names its id.
pub fn command_id(headers: Option<&HeaderMap>) -> Result<Uuid, WireError> {
    match header(headers, headers::COMMAND_ID) {
        Some(value) => parse_uuid(headers::COMMAND_ID, value),
        None => Ok(Uuid::now_v7()),
    }
}

/// The engine's metadata from the request's headers.
pub fn meta(
    headers: Option<&HeaderMap>,
    command_id: Uuid,
    users: &UserDirectory,
    tenant: &str,
) -> Result<CommandMeta, WireError> {
    let actor_name = header(headers, headers::ACTOR).ok_or(WireError::MissingActor)?;
    let user =
        users.find(actor_name).ok_or_else(|| WireError::UnknownActor(actor_name.to_owned()))?;
    let correlation_id = match header(headers, headers::CORRELATION_ID) {
        Some(value) => parse_uuid(headers::CORRELATION_ID, value)?,
        // A command that starts a flow correlates with itself.
        None => command_id,
    };
    let expected_version = match header(headers, headers::EXPECTED_VERSION) {
        Some(value) => Some(value.trim().parse::<u64>().map_err(|_| WireError::InvalidHeader {
            header: headers::EXPECTED_VERSION,
            reason: format!("{value:?} is not a stream version (0 or more)"),
        })?),
        None => None,
    };
    Ok(CommandMeta {
        command_id,
        correlation_id,
        causation_id: None,
        actor: user.actor(),
        tenant: tenant.to_owned(),
        expected_version,
    })
}

/// The command from the body, for the command `route` names.
pub fn command(route: &Route, body: &[u8]) -> Result<Command, WireError> {
    if body.len() > COMMAND_BYTES_MAX {
        return Err(WireError::PayloadTooLarge { bytes: body.len(), max: COMMAND_BYTES_MAX });
    }
    let json: serde_json::Value = serde_json::from_slice(body)
        .map_err(|error| WireError::MalformedJson(error.to_string()))?;
    route.command(json).map_err(|invalid| WireError::InvalidCommand(invalid.0))
}

fn header<'a>(headers: Option<&'a HeaderMap>, name: &str) -> Option<&'a str> {
    headers?.get(name).map(|value| value.as_str())
}

fn parse_uuid(header: &'static str, value: &str) -> Result<Uuid, WireError> {
    Uuid::parse_str(value.trim()).map_err(|_| WireError::InvalidHeader {
        header,
        reason: format!("{value:?} is not a UUID"),
    })
}
