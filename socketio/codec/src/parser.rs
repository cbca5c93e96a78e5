//! The parser seam: the JSON parser today, a msgpack parser later.

use bytes::Bytes;

use crate::{encode, DecodeError, Decoder, Encoded, Packet};

/// The parser seam, so a msgpack parser can be added later.
///
/// A parser turns packets into Engine.IO messages and hands out one stateful decoder per
/// connection. Client and server must use the same parser.
pub trait Parser: Send + Sync + 'static {
    /// The per-connection decoder.
    type Decoder: PacketDecoder + Send + 'static;
    /// Encodes one packet.
    fn encode(&self, packet: &Packet) -> Encoded;
    /// A fresh decoder for one connection, accepting at most `max_attachments` attachments per
    /// packet.
    fn decoder(&self, max_attachments: usize) -> Self::Decoder;
}

/// A per-connection decoder; see [`Decoder`] for the contract.
pub trait PacketDecoder {
    /// A text Engine.IO message: `Ok(Some)` for a complete packet, `Ok(None)` while waiting
    /// for binary attachments.
    fn decode_text(&mut self, text: &str) -> Result<Option<Packet>, DecodeError>;
    /// A binary Engine.IO message: `Ok(Some)` when it completed a packet.
    fn decode_binary(&mut self, data: Bytes) -> Result<Option<Packet>, DecodeError>;
}

/// The default Socket.IO parser (socket.io-parser): text packets with JSON payloads, binary
/// values as attachments.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonParser;

impl Parser for JsonParser {
    type Decoder = Decoder;

    fn encode(&self, packet: &Packet) -> Encoded {
        encode(packet)
    }

    fn decoder(&self, max_attachments: usize) -> Decoder {
        Decoder::new(max_attachments)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn round_trip<P: Parser>(parser: &P, packet: &Packet) -> Packet {
        let encoded = parser.encode(packet);
        let mut decoder = parser.decoder(10);
        let mut out = decoder.decode_text(&encoded.text).unwrap();
        for attachment in encoded.attachments {
            assert!(out.is_none());
            out = decoder.decode_binary(attachment).unwrap();
        }
        out.unwrap()
    }

    #[test]
    fn json_parser_round_trips() {
        let packet = Packet::event(
            "/x",
            serde_json::json!(["a", {"_placeholder": true, "num": 0}]),
            Some(3),
            vec![Bytes::from_static(b"bin")],
        );
        assert_eq!(round_trip(&JsonParser, &packet), packet);
    }
}
