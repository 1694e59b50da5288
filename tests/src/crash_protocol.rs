//! What the crash writer tells the crash test: one line per acknowledged append, and the shape of
//! the payloads it writes so the test can tell a complete append from a partial one.

use ltc_eventstore::AppendOutcome;
use uuid::Uuid;

/// One acknowledged append, as reported on the child's stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub command_id: Uuid,
    pub stream_id: Uuid,
    pub first_position: u64,
    pub last_position: u64,
    pub first_version: u64,
}

impl Ack {
    pub fn from_outcome(command_id: Uuid, outcome: &AppendOutcome) -> Ack {
        Ack {
            command_id,
            stream_id: outcome.stream.id,
            first_position: outcome.first_position.0,
            last_position: outcome.last_position.0,
            first_version: outcome.first_version,
        }
    }

    pub fn positions(&self) -> std::ops::RangeInclusive<u64> {
        self.first_position..=self.last_position
    }

    /// `ack <command> <stream> <first position> <last position> <first version>`
    pub fn to_line(&self) -> String {
        format!(
            "ack {} {} {} {} {}",
            self.command_id,
            self.stream_id,
            self.first_position,
            self.last_position,
            self.first_version
        )
    }

    /// `None` for anything else, including a line cut short by the kill.
    pub fn parse(line: &str) -> Option<Ack> {
        let mut fields = line.strip_prefix("ack ")?.split(' ');
        let ack = Ack {
            command_id: fields.next()?.parse().ok()?,
            stream_id: fields.next()?.parse().ok()?,
            first_position: fields.next()?.parse().ok()?,
            last_position: fields.next()?.parse().ok()?,
            first_version: fields.next()?.parse().ok()?,
        };
        fields.next().is_none().then_some(ack)
    }
}

/// Each event's payload says which of how many events of its append it is, so the test can
/// check that no append was committed in part.
pub fn payload(index: u8, n_events: u8) -> Vec<u8> {
    let mut payload = vec![index, n_events];
    payload.extend_from_slice(&[0xab; 120]);
    payload
}

/// `(index, n_events)` back from a payload written by [`payload`].
pub fn parse_payload(payload: &[u8]) -> Option<(u8, u8)> {
    Some((*payload.first()?, *payload.get(1)?))
}
