//! Engine.IO wire codec: packets, websocket frames, polling payloads and the handshake, for
//! protocol v3 (`EIO=3`, Socket.IO 2.x clients) and v4 (`EIO=4`, Socket.IO 3.x/4.x clients).
//!
//! This is the bottom, sans-IO layer of the workspace: bytes in, bytes out, no runtime, no
//! clock, no randomness. `engineio-proto` (the session state machine) builds on it; an
//! application normally never uses it directly, but tools and tests that speak Engine.IO
//! can.
//!
//! - [`encode_frame`] / [`decode_text_frame`] / [`decode_binary_frame`]: one packet per
//!   websocket frame.
//! - [`encode_payload`] / [`decode_payload`] / [`PayloadDecoder`]: polling bodies (GET
//!   responses, POST requests), with the `maxHttpBufferSize` limit while streaming.
//! - [`Handshake`] and [`Sid`]: the `open` packet.
//!
//! Decoders never panic; a [`CodecError`] means "parse error" for the session.
//!
//! ```
//! use engineio_codec::{
//!     decode_payload, encode_frame, encode_payload, Bytes, Frame, Packet, ProtocolVersion,
//!     TEXT_CONTENT_TYPE,
//! };
//!
//! let packets = [Packet::text("hello"), Packet::binary(Bytes::from_static(&[1, 2, 3, 4]))];
//!
//! // A v4 polling GET body, and the same batch for a v3 `b64=1` client.
//! let v4 = encode_payload(&packets, ProtocolVersion::V4, false);
//! assert_eq!(&v4.body[..], b"4hello\x1ebAQIDBA==");
//! assert_eq!(v4.content_type, TEXT_CONTENT_TYPE);
//! let v3 = encode_payload(&packets, ProtocolVersion::V3, true);
//! assert_eq!(&v3.body[..], b"6:4hello10:b4AQIDBA==");
//!
//! // A POST body decodes back to the packets.
//! let decoded = decode_payload(&v4.body, ProtocolVersion::V4, false);
//! assert_eq!(decoded.error, None);
//! assert_eq!(decoded.packets, packets);
//!
//! // Over websocket, v3 binary messages carry a type byte, v4 ones do not.
//! assert_eq!(
//!     encode_frame(&packets[1], ProtocolVersion::V3),
//!     Frame::Binary(Bytes::from_static(&[4, 1, 2, 3, 4]))
//! );
//! ```
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod b64;
mod decoder;
mod error;
mod frame;
mod handshake;
mod packet;
mod payload;
mod payload_v3;
mod payload_v4;
mod sid;
#[cfg(test)]
mod test_support;
mod text;
mod version;

pub use bytes::Bytes;

pub use bytestring::ByteString;
pub use decoder::PayloadDecoder;
pub use error::CodecError;
pub use frame::{
    decode_binary_frame, decode_frame, decode_text_frame, decode_text_frame_shared, encode_frame,
    Frame,
};
pub use handshake::Handshake;
pub use packet::{Data, Packet, PacketType};
pub use payload::{
    decode_payload, encode_payload, DecodedPayload, EncodedPayload, BINARY_CONTENT_TYPE,
    TEXT_CONTENT_TYPE,
};
pub use sid::{Sid, SID_LEN};
pub use text::Text;
pub use version::ProtocolVersion;
