//! Socket.IO packet codec: the sans-IO layer between Engine.IO messages and Socket.IO packets.
//!
//! This is what Node's `socket.io-parser` (4.2.x) does, for protocol v5 (Socket.IO 3/4 clients)
//! and v4 (Socket.IO 1/2 clients over Engine.IO v3): no runtime, no I/O, only bytes in and out.
//! The `socketio` server crate uses it; use it directly to write a client, a proxy or tests.
//!
//! - [`encode`] turns a [`Packet`] into one text message plus one binary message per attachment
//!   ([`Encoded`]); [`encode_raw`] writes an already-serialized JSON payload without re-parsing.
//! - [`Decoder`] (one per connection) turns text and binary messages back into packets, with
//!   socket.io-parser's validation rules; any [`DecodeError`] means "close the connection".
//! - [`to_json_with_binary`] serializes any `Serialize` value like `JSON.stringify`, turning
//!   binary values (`Bytes`, ...) into `{"_placeholder":true,"num":i}` plus attachments;
//!   [`inline_attachments`] puts the bytes back for typed deserialization.
//! - [`Parser`] / [`PacketDecoder`] are the seam for other parsers; [`JsonParser`] is this one.
//!
//! The Engine.IO `4` (message) prefix is not part of the text: that is Engine.IO's job.
//!
//! ```
//! use socketio_codec::{encode, inline_attachments, to_json_with_binary, Bytes, Decoder, Packet};
//! use serde_json::json;
//!
//! // An event with an ack id on namespace /chat.
//! let packet = Packet::event("/chat", json!(["message", "hi"]), Some(3), vec![]);
//! let encoded = encode(&packet);
//! assert_eq!(encoded.text, r#"2/chat,3["message","hi"]"#);
//!
//! let mut decoder = Decoder::new(10);
//! assert_eq!(decoder.decode_text(&encoded.text)?, Some(packet));
//!
//! // Binary values become attachments, sent as separate binary messages.
//! let mut attachments = Vec::new();
//! let args = to_json_with_binary(&("file", Bytes::from_static(b"\x01\x02")), &mut attachments)?;
//! let packet = Packet::event("/", serde_json::from_str(&args)?, None, attachments);
//! let encoded = encode(&packet);
//! assert_eq!(encoded.text, r#"51-["file",{"_placeholder":true,"num":0}]"#);
//!
//! assert_eq!(decoder.decode_text(&encoded.text)?, None); // waiting for one attachment
//! let mut received = decoder.decode_binary(encoded.attachments[0].clone())?.expect("complete");
//! let mut data = received.data.take().expect("payload");
//! inline_attachments(&mut data, &received.attachments);
//! let (name, file): (String, Bytes) = serde_json::from_value(data)?;
//! assert_eq!((name.as_str(), &file[..]), ("file", &[1u8, 2][..]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod binary;
mod decode;
mod encode;
mod error;
mod packet;
mod parser;

pub use bytes::Bytes;
pub use serde_json::Value;

pub use binary::{
    has_placeholders, inline_attachments, to_json_with_binary, write_json_with_binary,
};
pub use decode::{Decoder, RESERVED_EVENTS};
pub use encode::{encode, encode_raw, Encoded};
pub use error::DecodeError;
pub use packet::{Packet, PacketType};
pub use parser::{JsonParser, PacketDecoder, Parser};
