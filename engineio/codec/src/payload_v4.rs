//! v4 polling payloads: packets joined by `\x1e`, binary as `b` + base64 (protocol.md 1.3).

use crate::b64;
use crate::error::CodecError;
use crate::packet::{self, Data, Packet};
use crate::payload::DecodedPayload;

/// The record separator between packets.
pub(crate) const SEPARATOR: u8 = 0x1e;

/// Encodes packets joined by `\x1e`. Text data must not contain `\x1e` (Node's rule too).
pub(crate) fn encode(packets: &[Packet]) -> String {
    let mut out = String::with_capacity(packets.iter().map(encoded_len_hint).sum());
    for (i, packet) in packets.iter().enumerate() {
        if i > 0 {
            out.push(char::from(SEPARATOR));
        }
        if let Packet::Message(Data::Binary(bytes)) = packet {
            out.push('b');
            b64::encode_into(bytes, &mut out);
        } else {
            packet::write_text_packet(packet, &mut out);
        }
    }
    out
}

/// Decodes a non-empty body; stops at the first bad packet.
pub(crate) fn decode(body: &[u8]) -> DecodedPayload {
    let mut decoded = DecodedPayload::default();
    // 0x1e never occurs inside a multi-byte UTF-8 sequence, so splitting bytes is the same as
    // splitting the text, and an invalid sequence only spoils its own packet.
    for part in body.split(|&b| b == SEPARATOR) {
        match decode_packet(part) {
            Ok(packet) => decoded.packets.push(packet),
            Err(error) => {
                decoded.error = Some(error);
                break;
            }
        }
    }
    decoded
}

/// Decodes one `\x1e`-separated part.
fn decode_packet(part: &[u8]) -> Result<Packet, CodecError> {
    match part.split_first() {
        Some((b'b', base64)) => Ok(Packet::Message(Data::Binary(b64::decode(base64)?))),
        _ => {
            let text = std::str::from_utf8(part).map_err(|_| CodecError::InvalidUtf8)?;
            packet::decode_text_packet(text)
        }
    }
}

fn encoded_len_hint(packet: &Packet) -> usize {
    match packet {
        Packet::Message(Data::Binary(bytes)) => 2 + b64::encoded_len(bytes.len()),
        other => 2 + packet::text_data(other).map_or(0, str::len),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::arb_packets;
    use proptest::prelude::*;

    fn ok(packets: Vec<Packet>) -> DecodedPayload {
        DecodedPayload {
            packets,
            error: None,
        }
    }

    fn err(packets: Vec<Packet>, error: CodecError) -> DecodedPayload {
        DecodedPayload {
            packets,
            error: Some(error),
        }
    }

    #[test]
    fn spec_example() {
        let packets = vec![Packet::text("hello"), Packet::binary(vec![1, 2, 3, 4])];
        assert_eq!(encode(&packets), "4hello\x1ebAQIDBA==");
        assert_eq!(decode(b"4hello\x1ebAQIDBA=="), ok(packets));
    }

    #[test]
    fn single_packets() {
        assert_eq!(encode(&[Packet::Ping(String::new())]), "2");
        assert_eq!(encode(&[Packet::Noop]), "6");
        assert_eq!(encode(&[Packet::Close]), "1");
        assert_eq!(
            encode(&[Packet::Open("{\"sid\":\"x\"}".into())]),
            "0{\"sid\":\"x\"}"
        );
        assert_eq!(encode(&[Packet::binary(Vec::new())]), "b");
        assert_eq!(encode(&[]), "");
        assert_eq!(decode(b"3"), ok(vec![Packet::Pong(String::new())]));
        assert_eq!(decode(b"b"), ok(vec![Packet::binary(Vec::new())]));
        assert_eq!(
            decode(b"bAQIDBA"),
            ok(vec![Packet::binary(vec![1, 2, 3, 4])])
        );
        assert_eq!(decode("4€".as_bytes()), ok(vec![Packet::text("€")]));
    }

    #[test]
    fn socket_io_trace() {
        let body =
            "40{\"sid\":\"abc\"}\x1e451-[\"hello\",{\"_placeholder\":true,\"num\":0}]\x1ebAQI=";
        let packets = vec![
            Packet::text("0{\"sid\":\"abc\"}"),
            Packet::text("51-[\"hello\",{\"_placeholder\":true,\"num\":0}]"),
            Packet::binary(vec![1, 2]),
        ];
        assert_eq!(encode(&packets), body);
        assert_eq!(decode(body.as_bytes()), ok(packets));
    }

    #[test]
    fn errors_keep_good_packets_before() {
        assert_eq!(decode(b"abc"), err(vec![], CodecError::UnknownPacketType));
        assert_eq!(decode(b"7"), err(vec![], CodecError::UnknownPacketType));
        assert_eq!(
            decode(b"4a\x1e7\x1e4b"),
            err(vec![Packet::text("a")], CodecError::UnknownPacketType)
        );
        assert_eq!(
            decode(b"4a\x1e\x1e4b"),
            err(vec![Packet::text("a")], CodecError::EmptyPacket)
        );
        assert_eq!(
            decode(b"4a\x1e"),
            err(vec![Packet::text("a")], CodecError::EmptyPacket)
        );
        assert_eq!(decode(b"\x1e4a"), err(vec![], CodecError::EmptyPacket));
        assert_eq!(
            decode(b"4a\x1eb!!!"),
            err(vec![Packet::text("a")], CodecError::InvalidBase64)
        );
        assert_eq!(
            decode(b"4a\x1e4\xff\x1e4b"),
            err(vec![Packet::text("a")], CodecError::InvalidUtf8)
        );
    }

    proptest! {
        #[test]
        fn round_trip(packets in arb_packets(false, 1)) {
            let body = encode(&packets);
            prop_assert_eq!(decode(body.as_bytes()), ok(packets));
        }

        #[test]
        fn decoder_never_panics(body in proptest::collection::vec(any::<u8>(), 1..64)) {
            let _ = decode(&body);
        }
    }
}
