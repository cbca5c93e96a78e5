//! The one error type of the codec layer.

use thiserror::Error;

/// Everything that can go wrong while decoding Engine.IO packets, frames and payloads.
///
/// Any of these on a client packet means "parse error" for the session (protocol.md 1.2),
/// except [`CodecError::PayloadTooLarge`], which Node answers with 413 and keeps the session.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CodecError {
    /// A packet (text frame, payload part or payload record) was empty: there is no type digit.
    #[error("empty packet")]
    EmptyPacket,
    /// The packet type is not one of the digits `0`..=`6` (or, in a binary frame, the bytes 0..=6).
    #[error("unknown packet type")]
    UnknownPacketType,
    /// A `b` packet carried data that is not valid base64.
    #[error("invalid base64 data")]
    InvalidBase64,
    /// Text data (a payload, a record or a v3 binary ping/pong) is not valid UTF-8.
    #[error("invalid UTF-8 data")]
    InvalidUtf8,
    /// The polling body was empty.
    #[error("empty payload")]
    EmptyPayload,
    /// A v3 payload length prefix is missing, not a decimal number, or too large.
    #[error("invalid length prefix")]
    InvalidLength,
    /// A v3 payload record announces more data than the body holds.
    #[error("length does not match the data")]
    LengthMismatch,
    /// A v3 text payload ends with characters that are not a complete `<len>:<packet>` record.
    #[error("trailing data after the last packet")]
    TrailingData,
    /// A v3 binary payload record starts with a byte other than 0 (string) or 1 (binary).
    #[error("invalid record marker in binary payload")]
    InvalidRecordMarker,
    /// The polling body is larger than the configured maximum (`maxHttpBufferSize`).
    #[error("payload larger than {limit} bytes")]
    PayloadTooLarge {
        /// The maximum accepted size in bytes.
        limit: usize,
    },
    /// Handshake JSON is malformed or lacks one of its five fields.
    #[error("invalid handshake JSON")]
    InvalidHandshake,
    /// A session id is not exactly 20 characters of the base64url alphabet.
    #[error("invalid session id")]
    InvalidSid,
}
