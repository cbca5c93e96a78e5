//! The error types: [`DecodeError`] for packets, [`ValueError`] for value conversions.

use crate::PacketType;

/// Why a Socket.IO packet (or one of its binary attachments) was refused, by either parser.
///
/// Node's `socket.io-parser` / `socket.io-msgpack-parser` throw in all these cases and the server
/// then closes the whole Engine.IO connection; callers of this crate should do the same.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The text message was empty: there is no packet type digit.
    #[error("empty packet")]
    EmptyPacket,
    /// The first character is not a packet type digit `0`..=`6`.
    #[error("unknown packet type")]
    UnknownType,
    /// A BINARY_EVENT / BINARY_ACK without a valid `<digits>-` attachment count.
    #[error("illegal attachments count")]
    InvalidAttachmentCount,
    /// A binary packet announced more attachments than the decoder accepts (`maxAttachments`).
    #[error("too many attachments (max {max})")]
    TooManyAttachments {
        /// The configured maximum.
        max: usize,
    },
    /// The ack id does not fit in a `u64` (msgpack: it is not a non-negative integer below
    /// 2^64).
    #[error("invalid ack id")]
    InvalidAckId,
    /// The payload is not valid JSON (this includes garbage after the ack id, like `42abc[...]`,
    /// and JSON nested deeper than 128 levels).
    #[error("invalid JSON payload")]
    InvalidJson,
    /// The payload is valid JSON but not allowed for this packet type (e.g. `42{}`, an event
    /// named `connect`, a CONNECT whose payload is not an object).
    #[error("invalid payload for a {0:?} packet")]
    InvalidPayload(PacketType),
    /// A binary message arrived while no binary packet was waiting for attachments.
    #[error("got binary data when not reconstructing a packet")]
    UnexpectedBinary,
    /// A text message arrived while a binary packet was still waiting for attachments.
    #[error("got plaintext data when reconstructing a packet")]
    UnexpectedText,
    /// A `{"_placeholder":true,...}` object in a binary packet whose `num` is missing, not a
    /// non-negative integer, or not smaller than the number of attachments.
    #[error("illegal attachment placeholder")]
    InvalidPlaceholder,
    /// msgpack parser: the message is not valid msgpack as notepack.io reads it (truncated,
    /// the never-used marker `c1`, nested deeper than 128 levels, trailing bytes, a map key that
    /// is not a string, number or boolean). The text says which.
    #[error("invalid msgpack: {0}")]
    InvalidMsgpack(&'static str),
    /// msgpack parser: the packet's `nsp` is missing or not a string.
    #[error("invalid namespace")]
    InvalidNamespace,
    /// msgpack parser: a text message arrived; this parser only uses binary messages.
    #[error("got a text message; the msgpack parser only reads binary messages")]
    TextMessage,
}

/// Why a conversion between a Rust value and a [`Value`](crate::Value) failed
/// ([`to_value`](crate::to_value), [`from_value`](crate::from_value),
/// [`msgpack::to_writer`](crate::msgpack::to_writer), `TryFrom<Value> for serde_json::Value`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// A message from serde: a type mismatch (`invalid type: byte array, expected any valid JSON
    /// value`), a missing field, or a custom error of a `Serialize` / `Deserialize` impl.
    #[error("{0}")]
    Message(String),
    /// A map key that cannot become a string (only strings, chars, numbers, booleans and unit
    /// enum variants can, as with serde_json).
    #[error("key must be a string")]
    KeyMustBeAString,
    /// An `i128` / `u128` outside the `i64` / `u64` range, or a non-finite float as a map key.
    #[error("number out of range")]
    NumberOutOfRange,
    /// `Value::Binary` has no `serde_json::Value` counterpart.
    #[error("binary data cannot be converted into a serde_json::Value")]
    BinaryInJson,
}

impl serde::ser::Error for ValueError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        ValueError::Message(msg.to_string())
    }
}

impl serde::de::Error for ValueError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        ValueError::Message(msg.to_string())
    }
}
