//! The decoder's error type.

use crate::PacketType;

/// Why a Socket.IO packet (or one of its binary attachments) was refused.
///
/// Node's `socket.io-parser` throws in all these cases and the server then closes the whole
/// Engine.IO connection; callers of this crate should do the same.
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
    /// The ack id does not fit in a `u64`.
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
}
