//! Socket.IO packet codec: the sans-IO layer between Engine.IO messages and Socket.IO packets.
//!
//! This is what Node's Socket.IO parsers do, for protocol v5 (Socket.IO 3/4 clients) and v4
//! (Socket.IO 1/2 clients over Engine.IO v3): no runtime, no I/O, only bytes in and out. The
//! `socketio` server crate uses it; use it directly to write a client, a proxy or tests.
//!
//! - [`Value`] is the payload: JSON plus binary ([`Value::Binary`]), object keys in order.
//!   [`to_value`] / [`from_value`] convert from / to any serde type (`Bytes` and
//!   `serde_bytes::ByteBuf` are binary).
//! - [`Packet`] is one packet; its binary values are inline, whatever the parser.
//! - Two parsers, behind the object-safe [`Parser`] / [`PacketDecoder`] seam:
//!   - [`JsonParser`], npm `socket.io-parser` 4.2 (the default): one text message per packet,
//!     binary values as placeholders plus one binary message per attachment.
//!     [`encode`] / [`encode_into`] write a packet, [`Decoder`] (one per connection) reads them
//!     with socket.io-parser's validation rules; [`to_json_with_binary`] + [`encode_raw`] are
//!     the fast path from a serde value to the text message.
//!   - [`MsgpackParser`], npm `socket.io-msgpack-parser` 3.0.2: one binary message per packet,
//!     the notepack.io encoding of the packet object ([`msgpack`]).
//! - Any [`DecodeError`] means "close the connection", as Node does.
//!
//! The Engine.IO `4` (message) prefix is not part of the text: that is Engine.IO's job.
//!
//! ```
//! use socketio_codec::{encode, from_value, msgpack, to_value, Bytes, Decoder, Packet, Value};
//!
//! // An event with an ack id on namespace /chat.
//! let args = to_value(&("message", "hi"))?;
//! let packet = Packet::event("/chat", args, Some(3));
//! let encoded = encode(&packet);
//! assert_eq!(encoded.text, r#"2/chat,3["message","hi"]"#);
//!
//! let mut decoder = Decoder::new(10);
//! assert_eq!(decoder.decode_text(&encoded.text)?, Some(packet));
//!
//! // Binary values become attachments, sent as separate binary messages...
//! let args = to_value(&("file", Bytes::from_static(b"\x01\x02")))?;
//! let packet = Packet::event("/", args, None);
//! let encoded = encode(&packet);
//! assert_eq!(encoded.text, r#"51-["file",{"_placeholder":true,"num":0}]"#);
//!
//! assert_eq!(decoder.decode_text(&encoded.text)?, None); // waiting for one attachment
//! let received = decoder.decode_binary(encoded.attachments[0].clone())?.expect("complete");
//! // ...and are inline again once decoded.
//! let (name, file): (String, Bytes) = from_value(received.data.expect("payload"))?;
//! assert_eq!((name.as_str(), &file[..]), ("file", &[1u8, 2][..]));
//!
//! // The msgpack parser: the same packet as one binary message, binary inline.
//! let bytes = msgpack::encode_packet(&packet);
//! let back = msgpack::decode_packet(&bytes)?;
//! assert_eq!(back.data.as_ref().and_then(|d| d[1].as_bytes()).map(|b| &b[..]), Some(&[1u8, 2][..]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod decode;
mod encode;
mod error;
mod json;
pub mod msgpack;
mod packet;
mod parser;
mod value;

pub use bytes::Bytes;

pub use decode::{Decoder, RESERVED_EVENTS};
pub use encode::{encode, encode_into, encode_raw, Encoded};
pub use error::{DecodeError, ValueError};
pub use json::{to_json_with_binary, write_json_with_binary};
pub use packet::{Packet, PacketType};
pub use parser::{JsonParser, Messages, MsgpackDecoder, MsgpackParser, PacketDecoder, Parser};
pub use value::{from_value, to_value, Map, Value};
