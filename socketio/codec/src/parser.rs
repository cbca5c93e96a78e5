//! The parser seam: [`JsonParser`] and [`MsgpackParser`] behind one object-safe trait.

use bytes::Bytes;

use crate::{msgpack, DecodeError, Decoder, Packet};

/// A Socket.IO parser: turns packets into Engine.IO messages and hands out one stateful decoder
/// per connection. Client and server must use the same parser.
///
/// Object-safe, so a server can hold an `Arc<dyn Parser>` chosen at run time.
///
/// ```
/// use std::sync::Arc;
/// use socketio_codec::{JsonParser, MsgpackParser, Packet, Parser, Value};
///
/// let packet = Packet::event("/", Value::Array(vec!["hi".into()]), None);
/// for parser in [Arc::new(JsonParser) as Arc<dyn Parser>, Arc::new(MsgpackParser)] {
///     let messages = parser.encode(&packet);
///     let mut decoder = parser.decoder(10);
///     let mut decoded = match &messages.text {
///         Some(text) => decoder.decode_text(text)?,
///         None => None,
///     };
///     for binary in messages.binary {
///         decoded = decoder.decode_binary(binary)?;
///     }
///     assert_eq!(decoded, Some(packet.clone()));
/// }
/// # Ok::<(), socketio_codec::DecodeError>(())
/// ```
pub trait Parser: Send + Sync + std::fmt::Debug + 'static {
    /// Encodes one packet into the Engine.IO messages that carry it.
    fn encode(&self, packet: &Packet) -> Messages;
    /// A fresh decoder for one connection, accepting at most `max_attachments` binary
    /// attachments per packet (JSON parser; the msgpack parser has no attachments).
    fn decoder(&self, max_attachments: usize) -> Box<dyn PacketDecoder>;
}

/// A per-connection decoder: feed it every Socket.IO message of one connection, in order. Any
/// error means "close the connection", as Node does.
pub trait PacketDecoder: Send + 'static {
    /// A text Engine.IO message: `Ok(Some)` for a complete packet, `Ok(None)` while waiting
    /// for binary attachments.
    fn decode_text(&mut self, text: &str) -> Result<Option<Packet>, DecodeError>;
    /// A binary Engine.IO message: `Ok(Some)` when it completed a packet.
    fn decode_binary(&mut self, data: Bytes) -> Result<Option<Packet>, DecodeError>;
}

/// One packet as Engine.IO messages, whatever the parser: send `text` (if any) first, then every
/// `binary` message in order.
///
/// JSON parser: `Some(text)` and one binary message per attachment. msgpack parser: `None` and
/// exactly one binary message. (The JSON-only [`encode`](crate::encode) returns
/// [`Encoded`](crate::Encoded), with a plain `String`.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Messages {
    /// The text message, without the Engine.IO `4` prefix.
    pub text: Option<String>,
    /// The binary messages, after the text one.
    pub binary: Vec<Bytes>,
}

/// The default Socket.IO parser (npm `socket.io-parser` 4.2): text packets with JSON payloads,
/// binary values as attachments ([`encode`](crate::encode), [`Decoder`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonParser;

impl Parser for JsonParser {
    fn encode(&self, packet: &Packet) -> Messages {
        let encoded = crate::encode(packet);
        Messages {
            text: Some(encoded.text),
            binary: encoded.attachments,
        }
    }

    fn decoder(&self, max_attachments: usize) -> Box<dyn PacketDecoder> {
        Box::new(Decoder::new(max_attachments))
    }
}

impl PacketDecoder for Decoder {
    fn decode_text(&mut self, text: &str) -> Result<Option<Packet>, DecodeError> {
        Decoder::decode_text(self, text)
    }

    fn decode_binary(&mut self, data: Bytes) -> Result<Option<Packet>, DecodeError> {
        Decoder::decode_binary(self, data)
    }
}

/// The msgpack parser (npm `socket.io-msgpack-parser` 3.0.2): one binary message per packet,
/// binary inline; see [`msgpack`].
#[derive(Clone, Copy, Debug, Default)]
pub struct MsgpackParser;

impl Parser for MsgpackParser {
    fn encode(&self, packet: &Packet) -> Messages {
        Messages {
            text: None,
            binary: vec![msgpack::encode_packet(packet)],
        }
    }

    fn decoder(&self, _max_attachments: usize) -> Box<dyn PacketDecoder> {
        Box::new(MsgpackDecoder)
    }
}

/// The msgpack parser's decoder: stateless, every binary message is a whole packet.
#[derive(Clone, Copy, Debug, Default)]
pub struct MsgpackDecoder;

impl PacketDecoder for MsgpackDecoder {
    /// Always [`DecodeError::TextMessage`].
    fn decode_text(&mut self, _text: &str) -> Result<Option<Packet>, DecodeError> {
        Err(DecodeError::TextMessage)
    }

    /// [`msgpack::decode_packet`]; binary values share `data`'s buffer.
    fn decode_binary(&mut self, data: Bytes) -> Result<Option<Packet>, DecodeError> {
        msgpack::decode_packet_bytes(&data).map(Some)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use super::*;
    use crate::{PacketType, Value};

    fn round_trip(parser: &dyn Parser, packet: &Packet) -> Packet {
        let messages = parser.encode(packet);
        let mut decoder = parser.decoder(10);
        let mut out = match &messages.text {
            Some(text) => decoder.decode_text(text).unwrap(),
            None => None,
        };
        for binary in messages.binary {
            assert!(out.is_none());
            out = decoder.decode_binary(binary).unwrap();
        }
        out.unwrap()
    }

    fn packet() -> Packet {
        let data = Value::Array(vec![
            "a".into(),
            Bytes::from_static(b"bin").into(),
            Value::from(serde_json::json!({"k": [1, 2.5]})),
        ]);
        Packet::event("/x", data, Some(3))
    }

    #[test]
    fn json_parser_round_trips() {
        let parser: Arc<dyn Parser> = Arc::new(JsonParser);
        let messages = parser.encode(&packet());
        assert_eq!(messages.binary.len(), 1);
        assert!(messages.text.as_deref().unwrap().starts_with("51-/x,3["));
        let mut back = round_trip(&*parser, &packet());
        assert_eq!(back.kind, PacketType::BinaryEvent);
        back.kind = PacketType::Event;
        assert_eq!(back, packet());
    }

    #[test]
    fn msgpack_parser_round_trips() {
        let parser: Arc<dyn Parser> = Arc::new(MsgpackParser);
        let messages = parser.encode(&packet());
        assert_eq!(messages.text, None);
        assert_eq!(messages.binary.len(), 1);
        assert_eq!(round_trip(&*parser, &packet()), packet());
        let mut decoder = parser.decoder(0);
        assert_eq!(
            decoder.decode_text("2[\"a\"]"),
            Err(DecodeError::TextMessage)
        );
        assert!(decoder.decode_binary(Bytes::from_static(b"\xc1")).is_err());
        // Still usable after an error (the caller closes the connection anyway).
        assert!(decoder
            .decode_binary(messages.binary[0].clone())
            .unwrap()
            .is_some());
    }

    #[test]
    fn parsers_are_small_copy_values() {
        fn assert_traits<T: Default + Clone + Copy + Send + Sync + std::fmt::Debug>() {}
        assert_traits::<JsonParser>();
        assert_traits::<MsgpackParser>();
        assert_eq!(std::mem::size_of::<JsonParser>(), 0);
        let _ = format!("{:?}{:?}", JsonParser, MsgpackParser);
    }
}
