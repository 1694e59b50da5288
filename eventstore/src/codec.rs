//! The payload codec, kept behind this one module. Every row stores the [`CodecId`] its payload
//! was written with, so a new codec can be introduced for new events while old rows stay
//! readable by id; nothing else in the workspace names bincode.
//!
//! bincode is pinned to 2.0.1: 3.0.0 is a `compile_error!` placeholder and the crate is no longer
//! maintained, which is why it must stay replaceable.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Which codec encoded a payload. Stored as an integer on every row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct CodecId(pub u16);

impl CodecId {
    /// bincode 2.0.1, serde path, standard configuration (varint integers, little endian).
    pub const BINCODE2: CodecId = CodecId(1);
    /// What [`encode`] writes today.
    pub const CURRENT: CodecId = CodecId::BINCODE2;
}

impl std::fmt::Display for CodecId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            CodecId::BINCODE2 => f.write_str("bincode2"),
            CodecId(other) => write!(f, "codec#{other}"),
        }
    }
}

/// The largest payload [`decode`] will allocate for: a hostile length prefix cannot make it
/// reserve more than this.
const DECODE_BYTES_MAX: usize = 16 * 1024 * 1024;

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<DECODE_BYTES_MAX>()
}

/// Encodes with [`CodecId::CURRENT`].
pub fn encode<T: Serialize>(value: &T) -> Result<(CodecId, Vec<u8>), CodecError> {
    let bytes = bincode::serde::encode_to_vec(value, bincode_config())
        .map_err(|error| CodecError::Encode(error.to_string()))?;
    Ok((CodecId::CURRENT, bytes))
}

/// Decodes a payload written with `codec`. Trailing bytes are an error: a payload is exactly
/// one value.
pub fn decode<T: DeserializeOwned>(codec: CodecId, bytes: &[u8]) -> Result<T, CodecError> {
    match codec {
        CodecId::BINCODE2 => {
            let (value, read) = bincode::serde::decode_from_slice(bytes, bincode_config())
                .map_err(|error| CodecError::Decode(error.to_string()))?;
            if read != bytes.len() {
                return Err(CodecError::TrailingBytes { trailing: bytes.len() - read });
            }
            Ok(value)
        }
        other => Err(CodecError::UnknownCodec(other)),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The value cannot be represented by the codec (a programming error in the event type).
    #[error("cannot encode payload: {0}")]
    Encode(String),
    /// The bytes are not a valid payload of the expected type: the event type or schema
    /// version does not match what the reader expects, or the payload is corrupt.
    #[error("cannot decode payload: {0}")]
    Decode(String),
    #[error("payload has {trailing} bytes after its value")]
    TrailingBytes { trailing: usize },
    /// The row was written by a codec this build does not know; upgrade the reader.
    #[error("payload codec {0} is unknown to this build")]
    UnknownCodec(CodecId),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Opened {
        amount_minor: i64,
        currency: String,
    }

    #[test]
    fn payload_round_trips_through_the_current_codec() {
        let value = Opened { amount_minor: 12_345, currency: "EUR".into() };
        let (codec, bytes) = encode(&value).unwrap();
        assert_eq!(codec, CodecId::BINCODE2);
        assert_eq!(decode::<Opened>(codec, &bytes).unwrap(), value);
    }

    #[test]
    fn unknown_codec_and_garbage_bytes_are_typed_errors() {
        assert_eq!(decode::<Opened>(CodecId(99), b"x"), Err(CodecError::UnknownCodec(CodecId(99))));
        assert!(matches!(
            decode::<Opened>(CodecId::BINCODE2, &[0xff; 3]),
            Err(CodecError::Decode(_))
        ));
        let (_, mut bytes) = encode(&Opened { amount_minor: 1, currency: "EUR".into() }).unwrap();
        bytes.push(0);
        assert_eq!(
            decode::<Opened>(CodecId::BINCODE2, &bytes),
            Err(CodecError::TrailingBytes { trailing: 1 })
        );
    }
}
