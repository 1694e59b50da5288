//! Verification: walk the log from position 1, recompute every row's chain hash, and report the
//! first row that is missing, out of place, altered or unreadable.
//!
//! What each tampering looks like here: a changed field changes that row's hash; a deleted row
//! leaves a position gap; a row inserted or moved to another position hashes its own position and
//! its predecessor's hash, so it no longer matches where it now stands. A rewrite of the whole
//! chain from some row on is caught by an [`Anchor`]: a head recorded earlier, outside the store.
//!
//! Beside the chain, every stream's versions must run 1, 2, 3, … in position order (a forger who
//! recomputes hashes can still leave a gap), and the caller may check each verified row itself:
//! the store cannot tell a payload it never decodes from garbage, the application can.
//!
//! Memory stays bounded whatever the log's length: the walk reads pages of
//! [`crate::limits::READ_PAGE_EVENTS`] rows, and the version and command-record checks are single
//! SQL scans that keep only the row they report.

use std::str::FromStr;

use rusqlite::{Connection, OptionalExtension};

use crate::chain::{ChainHash, ChainedFields, GENESIS_HASH, chain_hash};
use crate::envelope::{Head, RecordedEvent};
use crate::error::ReadError;
use crate::ids::{StreamId, StreamKind};
use crate::read::from_sql_int;

/// A `(position, hash)` pair recorded earlier, for example printed by `ltc verify` into an audit
/// report. Written `POSITION:HASH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    pub position: u64,
    pub hash: ChainHash,
}

impl FromStr for Anchor {
    type Err = String;

    fn from_str(text: &str) -> Result<Anchor, String> {
        let (position, hash) =
            text.split_once(':').ok_or_else(|| format!("anchor {text:?} is not POSITION:HASH"))?;
        let position = position
            .parse()
            .map_err(|_| format!("anchor position {position:?} is not a number"))?;
        let hash = ChainHash::from_hex(hash)
            .ok_or_else(|| format!("anchor hash {hash:?} is not 64 hex digits"))?;
        Ok(Anchor { position, hash })
    }
}

/// The first thing found wrong, by position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tamper {
    /// No row holds this position; the next row found is at `next_found` (deleted rows).
    Missing { position: u64, next_found: u64 },
    /// The row's contents, or its link to the previous row, do not match its hash (an edited,
    /// inserted or moved row).
    HashMismatch { position: u64 },
    /// The row cannot be read as an envelope at all.
    Unreadable { position: u64, reason: String },
    /// The anchor's position holds a different hash: history up to it was rewritten.
    AnchorMismatch { position: u64 },
    /// The log ends before the anchor's position: rows at its end were removed.
    Truncated { anchor_position: u64, head_position: u64 },
    /// The idempotency record of the command whose events start here does not match those
    /// events: a retry of it would be told a wrong outcome.
    CommandRecordAltered { position: u64 },
    /// The event here has no idempotency record: a retry of its command would be applied again.
    CommandRecordMissing { position: u64 },
    /// The event here is not the next version of its stream: versions of the stream before it
    /// were removed or moved, or it was moved before them.
    StreamVersion { position: u64, stream: String, version: u64, expected_version: u64 },
    /// The row is intact, but the caller's check refused it (for ltc: its payload does not decode
    /// as an event of a known schema version).
    Undecodable { position: u64, reason: String },
}

impl Tamper {
    pub fn position(&self) -> u64 {
        match *self {
            Tamper::Missing { position, .. }
            | Tamper::HashMismatch { position }
            | Tamper::Unreadable { position, .. }
            | Tamper::AnchorMismatch { position }
            | Tamper::CommandRecordAltered { position }
            | Tamper::CommandRecordMissing { position }
            | Tamper::StreamVersion { position, .. }
            | Tamper::Undecodable { position, .. } => position,
            Tamper::Truncated { head_position, .. } => head_position + 1,
        }
    }
}

impl std::fmt::Display for Tamper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tamper::Missing { position, next_found } => {
                write!(f, "position {position} is missing (the next row is at {next_found})")
            }
            Tamper::HashMismatch { position } => {
                write!(
                    f,
                    "the row at position {position} does not match its hash: it was altered, inserted or moved"
                )
            }
            Tamper::Unreadable { position, reason } => {
                write!(f, "the row at position {position} is unreadable: {reason}")
            }
            Tamper::AnchorMismatch { position } => {
                write!(
                    f,
                    "position {position} no longer holds the anchored hash: history was rewritten"
                )
            }
            Tamper::CommandRecordAltered { position } => write!(
                f,
                "the command record for the events from position {position} does not match them: \
                 a retry would be told a wrong outcome"
            ),
            Tamper::CommandRecordMissing { position } => write!(
                f,
                "the event at position {position} has no command record: a retry of its command \
                 would be applied again"
            ),
            Tamper::StreamVersion { position, stream, version, expected_version } => write!(
                f,
                "position {position} holds version {version} of {stream}, where version \
                 {expected_version} was due: the stream's events were removed or reordered"
            ),
            Tamper::Undecodable { position, reason } => write!(
                f,
                "the row at position {position} matches its hash but its payload is not an event \
                 this build can read: {reason}"
            ),
            Tamper::Truncated { anchor_position, head_position } => write!(
                f,
                "the log ends at {head_position}, before the anchored position {anchor_position}: rows were removed"
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Rows whose hash was recomputed and matched.
    pub events_checked: u64,
    /// The last row that verified, and its hash: record it to anchor a later verification.
    pub verified_head: Head,
    pub first_problem: Option<Tamper>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.first_problem.is_none()
    }
}

/// The caller's own check of a verified row: `Err` says why the row is refused.
pub type RowCheck<'a> = &'a mut dyn FnMut(&RecordedEvent) -> Result<(), String>;

/// The hash a row with `event`'s fields must carry when it follows a row whose hash is
/// `previous`: what `verify` recomputes. Public so that tools outside the store (and tests that
/// play a forger) can recompute a chain.
pub fn recompute_hash(previous: &ChainHash, event: &RecordedEvent) -> ChainHash {
    chain_hash(previous, &fields_of(event))
}

/// Walks `rows` in position order: gap-free positions, every hash recomputed, the anchor met,
/// and `check` passed by each row that verified.
pub(crate) fn verify(
    rows: impl Iterator<Item = Result<RecordedEvent, ReadError>>,
    anchor: Option<Anchor>,
    check: RowCheck<'_>,
) -> Result<VerifyReport, ReadError> {
    let mut report = VerifyReport {
        events_checked: 0,
        verified_head: Head { position: 0, hash: GENESIS_HASH },
        first_problem: None,
    };
    for row in rows {
        let expected_position = report.verified_head.position + 1;
        let event = match row {
            Ok(event) => event,
            Err(ReadError::Corrupt { position, reason }) => {
                report.first_problem = Some(if position == expected_position {
                    Tamper::Unreadable { position, reason }
                } else {
                    Tamper::Missing { position: expected_position, next_found: position }
                });
                return Ok(report);
            }
            Err(error) => return Err(error),
        };
        if event.position.0 != expected_position {
            report.first_problem =
                Some(Tamper::Missing { position: expected_position, next_found: event.position.0 });
            return Ok(report);
        }
        let recomputed = chain_hash(&report.verified_head.hash, &fields_of(&event));
        if recomputed != event.hash {
            report.first_problem = Some(Tamper::HashMismatch { position: event.position.0 });
            return Ok(report);
        }
        if let Some(anchor) = anchor.filter(|anchor| anchor.position == event.position.0)
            && anchor.hash != event.hash
        {
            report.first_problem = Some(Tamper::AnchorMismatch { position: anchor.position });
            return Ok(report);
        }
        if let Err(reason) = check(&event) {
            report.first_problem = Some(Tamper::Undecodable { position: event.position.0, reason });
            return Ok(report);
        }
        report.verified_head = Head { position: event.position.0, hash: event.hash };
        report.events_checked += 1;
    }
    if let Some(anchor) = anchor.filter(|anchor| anchor.position > report.verified_head.position) {
        report.first_problem = Some(Tamper::Truncated {
            anchor_position: anchor.position,
            head_position: report.verified_head.position,
        });
    }
    Ok(report)
}

/// Puts `stream_version`, the problem [`check_stream_versions`] found, into `report` if it comes
/// before the walk's own first problem (a forger who removed an event and recomputed every hash
/// after it leaves a version gap and an intact chain). The report then counts exactly the rows
/// before it, and its verified head is the stored row just before it, which the walk verified
/// on its way past.
pub(crate) fn take_stream_version(
    conn: &Connection,
    report: &mut VerifyReport,
    stream_version: Tamper,
) -> Result<(), ReadError> {
    let position = stream_version.position();
    if report.first_problem.as_ref().is_some_and(|first| first.position() <= position) {
        return Ok(());
    }
    let head_position = position - 1;
    if head_position > report.verified_head.position {
        // The row was appended after the walk ended (the two read at different moments): the
        // problem is real, and the walk's own count stands.
        report.first_problem = Some(stream_version);
        return Ok(());
    }
    let hash = if head_position == 0 {
        GENESIS_HASH
    } else {
        let hash: Vec<u8> = conn.query_row(
            "SELECT hash FROM events WHERE position = ?1",
            [crate::read::to_sql_int(head_position)],
            |row| row.get(0),
        )?;
        ChainHash(hash.try_into().map_err(|_| ReadError::Corrupt {
            position: head_position,
            reason: "hash is not 32 bytes".into(),
        })?)
    };
    report.events_checked = head_position;
    report.verified_head = Head { position: head_position, hash };
    report.first_problem = Some(stream_version);
    Ok(())
}

/// Cross-checks the `commands` table, which answers retries, against the chained events. Its
/// rows are not chained themselves, so every one must agree with the events it points at, and
/// every event must have one.
pub(crate) fn check_command_records(conn: &Connection) -> Result<Option<Tamper>, ReadError> {
    // An append's positions are contiguous, so besides matching at both ends a record must not
    // stop short of its command's events on either side.
    let altered: Option<(Vec<u8>, i64)> = conn
        .query_row(
            "SELECT c.command_id, c.first_position FROM commands c \
             LEFT JOIN events f ON f.position = c.first_position \
             LEFT JOIN events l ON l.position = c.last_position \
             LEFT JOIN events before ON before.position = c.first_position - 1 \
             LEFT JOIN events after ON after.position = c.last_position + 1 \
             WHERE f.command_id IS NOT c.command_id OR l.command_id IS NOT c.command_id \
                OR f.stream_id IS NOT c.stream_id OR f.stream_kind IS NOT c.stream_kind \
                OR f.version IS NOT c.first_version OR l.version IS NOT c.last_version \
                OR f.recorded_at_us IS NOT c.recorded_at_us \
                OR c.last_position - c.first_position IS NOT c.last_version - c.first_version \
                OR before.command_id IS c.command_id OR after.command_id IS c.command_id \
             ORDER BY c.first_position LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let altered = match altered {
        // Name the position of the command's real events; the record's own may be forged.
        Some((command_id, recorded_first)) => {
            let real_first: Option<i64> = conn.query_row(
                "SELECT min(position) FROM events WHERE command_id = ?1",
                [command_id],
                |row| row.get(0),
            )?;
            let position = from_sql_int(real_first.unwrap_or(recorded_first));
            Some(Tamper::CommandRecordAltered { position })
        }
        None => None,
    };
    let missing: Option<i64> = conn
        .query_row(
            "SELECT e.position FROM events e WHERE NOT EXISTS \
             (SELECT 1 FROM commands c WHERE c.command_id = e.command_id) \
             ORDER BY e.position LIMIT 1",
            [],
            |row| row.get(0),
        )
        .optional()?;
    let missing =
        missing.map(|position| Tamper::CommandRecordMissing { position: from_sql_int(position) });
    Ok([altered, missing].into_iter().flatten().min_by_key(Tamper::position))
}

/// The first event that is not the next version of its stream, in position order.
///
/// One pass over the `(stream_id, version)` index: within each stream, in version order, every
/// event must follow the version before it by one and stand at a later position. The earliest
/// event failing that is exactly the first position at which a walk in position order would see
/// a stream skip or repeat a version, so its position is the one reported.
pub(crate) fn check_stream_versions(conn: &Connection) -> Result<Option<Tamper>, ReadError> {
    let first_bad: Option<(i64, String, Vec<u8>, i64)> = conn
        .query_row(
            "SELECT position, stream_kind, stream_id, version FROM ( \
                 SELECT position, stream_kind, stream_id, version, \
                     lag(version, 1, 0) OVER by_stream AS previous_version, \
                     lag(position, 1, 0) OVER by_stream AS previous_position, \
                     lag(stream_kind, 1, stream_kind) OVER by_stream AS previous_kind \
                 FROM events WINDOW by_stream AS (PARTITION BY stream_id ORDER BY version)) \
             WHERE version IS NOT previous_version + 1 OR previous_position >= position \
                OR stream_kind IS NOT previous_kind \
             ORDER BY position LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()?;
    let Some((position, kind, stream_id, version)) = first_bad else {
        return Ok(None);
    };
    // What the stream had reached when this event was appended: its events before this one.
    let earlier: i64 = conn.query_row(
        "SELECT count(*) FROM events WHERE stream_id = ?1 AND stream_kind = ?2 AND position < ?3",
        rusqlite::params![stream_id, kind, position],
        |row| row.get(0),
    )?;
    let position = from_sql_int(position);
    let stream = match uuid::Uuid::from_slice(&stream_id) {
        Ok(id) => StreamId { kind: StreamKind::from_stored(kind), id }.to_string(),
        Err(_) => return Ok(Some(Tamper::Unreadable { position, reason: "stream_id".into() })),
    };
    Ok(Some(Tamper::StreamVersion {
        position,
        stream,
        version: from_sql_int(version),
        expected_version: from_sql_int(earlier) + 1,
    }))
}

fn fields_of(event: &RecordedEvent) -> ChainedFields<'_> {
    ChainedFields {
        position: event.position.0,
        event_id: event.event_id,
        stream: &event.stream,
        version: event.version,
        event_type: &event.event_type,
        schema_version: event.schema_version,
        occurred_at_us: event.occurred_at.timestamp_micros(),
        recorded_at_us: event.recorded_at.timestamp_micros(),
        metadata: &event.metadata,
        codec: event.codec,
        payload: &event.payload,
    }
}

/// The last row's position and stored hash; position 0 and the genesis hash when empty.
pub(crate) fn read_head(conn: &Connection) -> Result<Head, ReadError> {
    let last = conn
        .query_row("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1", [], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
        })
        .optional()?;
    let Some((position, hash)) = last else {
        return Ok(Head { position: 0, hash: GENESIS_HASH });
    };
    let position = from_sql_int(position);
    let hash: [u8; 32] = hash
        .try_into()
        .map_err(|_| ReadError::Corrupt { position, reason: "hash is not 32 bytes".into() })?;
    Ok(Head { position, hash: ChainHash(hash) })
}
