//! The hash chain that makes the log tamper-evident.
//!
//! Row `n`'s hash is BLAKE3 over row `n-1`'s hash and every field of row `n`, each
//! length-prefixed so that no two different rows encode to the same bytes. Changing, removing,
//! inserting or reordering a row therefore breaks the link at that row, and `verify` names it.
//! (An attacker who rewrites the whole chain after the change is caught only by comparing the
//! head hash with one recorded elsewhere: see `verify::Anchor`.)

use crate::codec::CodecId;
use crate::envelope::Metadata;
use crate::ids::{EventId, StreamId};

/// A 32-byte BLAKE3 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainHash(pub [u8; 32]);

/// The "previous hash" of the first row.
pub const GENESIS_HASH: ChainHash = ChainHash([0; 32]);

impl ChainHash {
    pub fn to_hex(&self) -> String {
        blake3::Hash::from_bytes(self.0).to_hex().to_string()
    }

    pub fn from_hex(text: &str) -> Option<ChainHash> {
        blake3::Hash::from_hex(text).ok().map(|hash| ChainHash(*hash.as_bytes()))
    }
}

impl std::fmt::Debug for ChainHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChainHash({})", self.to_hex())
    }
}

impl std::fmt::Display for ChainHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// The fields a row's hash covers, borrowed from wherever they are (a new event in the writer,
/// a row read back in `verify`).
#[derive(Debug)]
pub(crate) struct ChainedFields<'a> {
    pub position: u64,
    pub event_id: EventId,
    pub stream: &'a StreamId,
    pub version: u64,
    pub event_type: &'a str,
    pub schema_version: u32,
    pub occurred_at_us: i64,
    pub recorded_at_us: i64,
    pub metadata: &'a Metadata,
    pub codec: CodecId,
    pub payload: &'a [u8],
}

pub(crate) fn chain_hash(previous: &ChainHash, row: &ChainedFields<'_>) -> ChainHash {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&previous.0);
    hasher.update(&row.position.to_le_bytes());
    hasher.update(row.event_id.0.as_bytes());
    put_str(&mut hasher, row.stream.kind.as_str());
    hasher.update(row.stream.id.as_bytes());
    hasher.update(&row.version.to_le_bytes());
    put_str(&mut hasher, row.event_type);
    hasher.update(&row.schema_version.to_le_bytes());
    hasher.update(&row.occurred_at_us.to_le_bytes());
    hasher.update(&row.recorded_at_us.to_le_bytes());
    hasher.update(row.metadata.command_id.as_bytes());
    hasher.update(row.metadata.correlation_id.as_bytes());
    match row.metadata.causation_id {
        Some(causation_id) => {
            hasher.update(&[1]);
            hasher.update(causation_id.as_bytes());
        }
        None => {
            hasher.update(&[0]);
        }
    }
    put_str(&mut hasher, &row.metadata.actor);
    put_str(&mut hasher, &row.metadata.tenant);
    hasher.update(&row.codec.0.to_le_bytes());
    put_bytes(&mut hasher, row.payload);
    ChainHash(*hasher.finalize().as_bytes())
}

fn put_str(hasher: &mut blake3::Hasher, text: &str) {
    put_bytes(hasher, text.as_bytes());
}

fn put_bytes(hasher: &mut blake3::Hasher, bytes: &[u8]) {
    hasher.update(&(bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}
