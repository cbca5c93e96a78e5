//! WebSocket frames: one Engine.IO packet per frame (protocol.md 1.3 and 1.4).

use bytes::{BufMut, Bytes, BytesMut};
use bytestring::ByteString;

use crate::error::CodecError;
use crate::packet::{self, Data, Packet, PacketType};
use crate::text::Text;
use crate::version::ProtocolVersion;

/// One websocket frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// A text frame (a shared buffer: a `message` packet's frame is its [`Text`]'s buffer).
    Text(ByteString),
    /// A binary frame.
    Binary(Bytes),
}

/// Encodes a packet as one websocket frame.
///
/// Text packets become a text frame `<digit><data>` in both versions. A binary message is
/// the raw bytes in v4 (no type byte) and `0x04` + the bytes in v3.
pub fn encode_frame(packet: &Packet, version: ProtocolVersion) -> Frame {
    match packet {
        Packet::Message(Data::Binary(bytes)) => match version {
            ProtocolVersion::V4 => Frame::Binary(bytes.clone()),
            ProtocolVersion::V3 => {
                let mut out = BytesMut::with_capacity(bytes.len() + 1);
                out.put_u8(PacketType::Message.as_u8());
                out.extend_from_slice(bytes);
                Frame::Binary(out.freeze())
            }
        },
        // The text already carries its `4`: the frame is the same buffer.
        Packet::Message(Data::Text(text)) => Frame::Text(text.framed()),
        other => {
            let data = packet::text_data(other).unwrap_or_default();
            let mut out = String::with_capacity(data.len() + 1);
            packet::write_text_packet(other, &mut out);
            Frame::Text(ByteString::from(out))
        }
    }
}

/// Decodes a text frame (the same in v3 and v4).
///
/// An empty frame is [`CodecError::EmptyPacket`]; a first character other than `'0'..='6'`
/// is [`CodecError::UnknownPacketType`].
pub fn decode_text_frame(text: &str) -> Result<Packet, CodecError> {
    packet::decode_text_packet(text)
}

/// Decodes a binary frame.
///
/// v4: always `Message(Binary(all bytes))`. v3: the first byte is the packet type (0..=6);
/// type 4 gives `Message(Binary(rest))`, ping/pong/open take the rest as UTF-8 text,
/// close/upgrade/noop ignore it. An empty v3 frame or a bad type byte is an error.
pub fn decode_binary_frame(bytes: Bytes, version: ProtocolVersion) -> Result<Packet, CodecError> {
    match version {
        ProtocolVersion::V4 => Ok(Packet::Message(Data::Binary(bytes))),
        ProtocolVersion::V3 => decode_typed_bytes(bytes),
    }
}

/// Decodes `<type byte><data>` (v3 binary frames and v3 binary payload records).
pub(crate) fn decode_typed_bytes(mut bytes: Bytes) -> Result<Packet, CodecError> {
    let first = *bytes.first().ok_or(CodecError::EmptyPacket)?;
    let kind = PacketType::from_u8(first).ok_or(CodecError::UnknownPacketType)?;
    let data = bytes.split_off(1);
    packet::with_bytes(kind, data)
}

/// Decodes a text frame received as a shared buffer: a `message` keeps the buffer (no copy).
pub fn decode_text_frame_shared(text: ByteString) -> Result<Packet, CodecError> {
    if !text.starts_with('4') {
        return decode_text_frame(&text);
    }
    Text::from_framed_shared(text)
        .map(|text| Packet::Message(Data::Text(text)))
        .ok_or(CodecError::UnknownPacketType)
}

/// Decodes a frame of either kind.
pub fn decode_frame(frame: Frame, version: ProtocolVersion) -> Result<Packet, CodecError> {
    match frame {
        Frame::Text(text) => decode_text_frame_shared(text),
        Frame::Binary(bytes) => decode_binary_frame(bytes, version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{any_text, arb_packet};
    use proptest::prelude::*;

    const BOTH: [ProtocolVersion; 2] = [ProtocolVersion::V3, ProtocolVersion::V4];

    #[test]
    fn text_frames() {
        for v in BOTH {
            assert_eq!(
                encode_frame(&Packet::text("hello"), v),
                Frame::Text(ByteString::from_static("4hello"))
            );
            assert_eq!(
                encode_frame(&Packet::Ping(String::new()), v),
                Frame::Text("2".into())
            );
            assert_eq!(
                encode_frame(&Packet::Ping("probe".into()), v),
                Frame::Text("2probe".into())
            );
            assert_eq!(
                encode_frame(&Packet::Pong("probe".into()), v),
                Frame::Text("3probe".into())
            );
            assert_eq!(
                encode_frame(&Packet::Open("{}".into()), v),
                Frame::Text("0{}".into())
            );
            assert_eq!(encode_frame(&Packet::Close, v), Frame::Text("1".into()));
            assert_eq!(encode_frame(&Packet::Upgrade, v), Frame::Text("5".into()));
            assert_eq!(encode_frame(&Packet::Noop, v), Frame::Text("6".into()));
        }
        assert_eq!(decode_text_frame("4hello"), Ok(Packet::text("hello")));
        assert_eq!(
            decode_text_frame("2probe"),
            Ok(Packet::Ping("probe".into()))
        );
        assert_eq!(decode_text_frame("5"), Ok(Packet::Upgrade));
        assert_eq!(decode_text_frame("4"), Ok(Packet::text("")));
    }

    #[test]
    fn text_frame_errors() {
        assert_eq!(decode_text_frame(""), Err(CodecError::EmptyPacket));
        assert_eq!(decode_text_frame("abc"), Err(CodecError::UnknownPacketType));
        assert_eq!(decode_text_frame("7"), Err(CodecError::UnknownPacketType));
        assert_eq!(
            decode_text_frame("bAQIDBA=="),
            Err(CodecError::UnknownPacketType)
        );
    }

    #[test]
    fn v4_binary_frames_are_raw() {
        let data = Bytes::from_static(&[1, 2, 3, 4]);
        let frame = encode_frame(&Packet::binary(data.clone()), ProtocolVersion::V4);
        assert_eq!(frame, Frame::Binary(data.clone()));
        assert_eq!(
            decode_binary_frame(data.clone(), ProtocolVersion::V4),
            Ok(Packet::binary(data))
        );
        // Any bytes, even empty or starting with a type byte, are a message in v4.
        assert_eq!(
            decode_binary_frame(Bytes::new(), ProtocolVersion::V4),
            Ok(Packet::binary(Bytes::new()))
        );
        assert_eq!(
            decode_binary_frame(Bytes::from_static(&[2]), ProtocolVersion::V4),
            Ok(Packet::binary(vec![2]))
        );
    }

    #[test]
    fn v3_binary_frames_have_type_byte() {
        // Client sends 04 01 02 03 04, server echoes 04 01 02 03 04.
        let wire = Bytes::from_static(&[0x04, 0x01, 0x02, 0x03, 0x04]);
        let packet = decode_binary_frame(wire.clone(), ProtocolVersion::V3).unwrap();
        assert_eq!(packet, Packet::binary(vec![1, 2, 3, 4]));
        assert_eq!(
            encode_frame(&packet, ProtocolVersion::V3),
            Frame::Binary(wire)
        );
        // Socket.IO attachment <04 01 02>.
        assert_eq!(
            encode_frame(&Packet::binary(vec![1, 2]), ProtocolVersion::V3),
            Frame::Binary(Bytes::from_static(&[4, 1, 2]))
        );
        assert_eq!(
            decode_binary_frame(Bytes::from_static(&[4]), ProtocolVersion::V3),
            Ok(Packet::binary(Bytes::new()))
        );
    }

    #[test]
    fn v3_binary_frames_of_other_types() {
        let v3 = ProtocolVersion::V3;
        assert_eq!(
            decode_binary_frame(Bytes::from_static(b"\x02probe"), v3),
            Ok(Packet::Ping("probe".into()))
        );
        assert_eq!(
            decode_binary_frame(Bytes::from_static(b"\x03"), v3),
            Ok(Packet::Pong(String::new()))
        );
        assert_eq!(
            decode_binary_frame(Bytes::from_static(b"\x01xx"), v3),
            Ok(Packet::Close)
        );
        assert_eq!(
            decode_binary_frame(Bytes::from_static(b"\x05"), v3),
            Ok(Packet::Upgrade)
        );
        assert_eq!(
            decode_binary_frame(Bytes::from_static(b"\x06\xFF"), v3),
            Ok(Packet::Noop)
        );
        assert_eq!(
            decode_binary_frame(Bytes::from_static(b"\x00{}"), v3),
            Ok(Packet::Open("{}".into()))
        );
    }

    #[test]
    fn v3_binary_frame_errors() {
        let v3 = ProtocolVersion::V3;
        assert_eq!(
            decode_binary_frame(Bytes::new(), v3),
            Err(CodecError::EmptyPacket)
        );
        assert_eq!(
            decode_binary_frame(Bytes::from_static(&[7, 1]), v3),
            Err(CodecError::UnknownPacketType)
        );
        // '4' as a byte (0x34) is not a type byte.
        assert_eq!(
            decode_binary_frame(Bytes::from_static(b"4hello"), v3),
            Err(CodecError::UnknownPacketType)
        );
        assert_eq!(
            decode_binary_frame(Bytes::from_static(&[2, 0xC3]), v3),
            Err(CodecError::InvalidUtf8)
        );
    }

    #[test]
    fn decode_frame_dispatches() {
        let v3 = ProtocolVersion::V3;
        assert_eq!(
            decode_frame(Frame::Text("4x".into()), v3),
            Ok(Packet::text("x"))
        );
        assert_eq!(
            decode_frame(Frame::Binary(Bytes::from_static(&[4, 9])), v3),
            Ok(Packet::binary(vec![9]))
        );
    }

    proptest! {
        #[test]
        fn frame_round_trip(packet in arb_packet(true), v4 in any::<bool>()) {
            let version = if v4 { ProtocolVersion::V4 } else { ProtocolVersion::V3 };
            let frame = encode_frame(&packet, version);
            prop_assert_eq!(matches!(frame, Frame::Binary(_)), packet.is_binary());
            prop_assert_eq!(decode_frame(frame, version), Ok(packet));
        }

        #[test]
        fn text_frame_decoder_never_panics(s in any_text()) {
            let _ = decode_text_frame(&s);
        }

        #[test]
        fn binary_frame_decoder_never_panics(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_binary_frame(Bytes::from(b), ProtocolVersion::V3);
        }
    }
}
