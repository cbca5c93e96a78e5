//! v3 polling payloads (protocol.md 1.4): the text format `<len>:<packet>...` and the binary
//! format `<0|1><length digits as bytes>0xFF<packet>...`.

use bytes::Bytes;

use crate::b64;
use crate::error::CodecError;
use crate::frame;
use crate::packet::{self, Data, Packet, PacketType};
use crate::payload::DecodedPayload;

/// Marker byte of a string record in the binary format.
const STRING_RECORD: u8 = 0;
/// Marker byte of a binary record in the binary format.
const BINARY_RECORD: u8 = 1;
/// End of the length digits in the binary format.
const LENGTH_END: u8 = 0xFF;

/// Encodes the text format. Lengths count UTF-16 code units (JavaScript string length);
/// binary messages are `b4` + base64; an empty batch is `0:`.
pub(crate) fn encode_text(packets: &[Packet]) -> String {
    if packets.is_empty() {
        return "0:".to_owned();
    }
    let mut out = String::new();
    for packet in packets {
        match packet {
            Packet::Message(Data::Binary(bytes)) => {
                push_decimal(&mut out, 2 + b64::encoded_len(bytes.len()));
                out.push(':');
                out.push('b');
                out.push(PacketType::Message.as_char());
                b64::encode_into(bytes, &mut out);
            }
            other => {
                let data = packet::text_data(other).unwrap_or_default();
                push_decimal(&mut out, 1 + utf16_len(data));
                out.push(':');
                packet::write_text_packet(other, &mut out);
            }
        }
    }
    out
}

/// Encodes the binary format. String records carry the UTF-8 packet and its byte length;
/// binary records carry the type byte `4` + data, the length including the type byte.
pub(crate) fn encode_binary(packets: &[Packet]) -> Vec<u8> {
    let mut out = Vec::new();
    for packet in packets {
        match packet {
            Packet::Message(Data::Binary(bytes)) => {
                out.push(BINARY_RECORD);
                push_length_bytes(&mut out, 1 + bytes.len());
                out.push(PacketType::Message.as_u8());
                out.extend_from_slice(bytes);
            }
            other => {
                let data = packet::text_data(other).unwrap_or_default();
                out.push(STRING_RECORD);
                push_length_bytes(&mut out, 1 + data.len());
                // The type digit is ASCII, so it is one UTF-8 byte.
                out.push(other.packet_type().as_char() as u8);
                out.extend_from_slice(data.as_bytes());
            }
        }
    }
    out
}

/// Decodes the text format from a non-empty body; stops at the first error.
pub(crate) fn decode_text(body: &[u8]) -> DecodedPayload {
    match std::str::from_utf8(body) {
        Ok(text) => parse_text(text, false),
        // Keep the packets that lie wholly in the valid prefix, then report the bad UTF-8.
        Err(e) => match body.get(..e.valid_up_to()).map(std::str::from_utf8) {
            Some(Ok(prefix)) => parse_text(prefix, true),
            _ => DecodedPayload::failed(CodecError::InvalidUtf8),
        },
    }
}

/// Decodes the binary format from a non-empty body; stops at the first error.
pub(crate) fn decode_binary(body: &[u8]) -> DecodedPayload {
    let mut decoded = DecodedPayload::default();
    let mut rest = body;
    while !rest.is_empty() {
        match binary_record(rest) {
            Ok((packet, tail)) => {
                decoded.packets.push(packet);
                rest = tail;
            }
            Err(error) => {
                decoded.error = Some(error);
                break;
            }
        }
    }
    decoded
}

/// Parses `text`. When `truncated`, the body went on with invalid UTF-8 after `text`, so
/// running out of input is reported as [`CodecError::InvalidUtf8`].
fn parse_text(text: &str, truncated: bool) -> DecodedPayload {
    let out_of_input = |error| {
        if truncated {
            CodecError::InvalidUtf8
        } else {
            error
        }
    };
    let mut decoded = DecodedPayload::default();
    let mut rest = text;
    let error = loop {
        if rest.is_empty() {
            break truncated.then_some(CodecError::InvalidUtf8);
        }
        let Some((length, after)) = rest.split_once(':') else {
            break Some(out_of_input(CodecError::TrailingData));
        };
        let Some(n) = parse_decimal(length.bytes()) else {
            break Some(CodecError::InvalidLength);
        };
        let (record, tail) = match split_utf16(after, n) {
            Ok(split) => split,
            Err(Short) => break Some(out_of_input(CodecError::LengthMismatch)),
            Err(Split) => break Some(CodecError::LengthMismatch),
        };
        // Node skips zero-length records (`0:` is the empty batch).
        if !record.is_empty() {
            match text_packet(record) {
                Ok(packet) => decoded.packets.push(packet),
                Err(error) => break Some(error),
            }
        }
        rest = tail;
    };
    decoded.error = error;
    decoded
}

/// A packet in v3 text form: `<digit><data>`, or `b<digit><base64>` for binary data.
fn text_packet(record: &str) -> Result<Packet, CodecError> {
    match record.strip_prefix('b') {
        Some(typed) => {
            let mut chars = typed.chars();
            let kind = chars
                .next()
                .and_then(PacketType::from_char)
                .ok_or(CodecError::UnknownPacketType)?;
            let data = b64::decode(chars.as_str().as_bytes())?;
            packet::with_bytes(kind, data)
        }
        None => packet::decode_text_packet(record),
    }
}

/// One binary-format record at the start of `input`: the packet and the rest of the input.
fn binary_record(input: &[u8]) -> Result<(Packet, &[u8]), CodecError> {
    let (&marker, rest) = input.split_first().ok_or(CodecError::EmptyPayload)?;
    if marker != STRING_RECORD && marker != BINARY_RECORD {
        return Err(CodecError::InvalidRecordMarker);
    }
    let end = rest
        .iter()
        .position(|&b| b == LENGTH_END)
        .ok_or(CodecError::InvalidLength)?;
    let (digits, rest) = rest.split_at(end);
    let rest = rest.get(1..).unwrap_or_default();
    // Length digits are byte values 0..=9, not ASCII.
    let n = parse_decimal(digits.iter().map(|d| d.wrapping_add(b'0')))
        .ok_or(CodecError::InvalidLength)?;
    if n > rest.len() {
        return Err(CodecError::LengthMismatch);
    }
    let (record, tail) = rest.split_at(n);
    let packet = if marker == STRING_RECORD {
        let text = std::str::from_utf8(record).map_err(|_| CodecError::InvalidUtf8)?;
        text_packet(text)?
    } else {
        frame::decode_typed_bytes(Bytes::copy_from_slice(record))?
    };
    Ok((packet, tail))
}

/// Parses ASCII decimal digits (at least one, nothing else) without overflow.
fn parse_decimal(digits: impl Iterator<Item = u8>) -> Option<usize> {
    let mut n: usize = 0;
    let mut any = false;
    for d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(usize::from(d - b'0'))?;
        any = true;
    }
    any.then_some(n)
}

/// Why `split_utf16` failed.
enum SplitError {
    /// The text has fewer than `n` UTF-16 code units.
    Short,
    /// Unit `n` falls inside a surrogate pair.
    Split,
}
use SplitError::{Short, Split};

/// Splits after the first `n` UTF-16 code units.
///
/// Works on bytes: a UTF-8 lead byte starts one UTF-16 unit, two for 4-byte sequences
/// (astral characters are surrogate pairs); continuation bytes add nothing.
fn split_utf16(text: &str, n: usize) -> Result<(&str, &str), SplitError> {
    let mut units = 0;
    for (index, &b) in text.as_bytes().iter().enumerate() {
        if is_continuation(b) {
            continue;
        }
        if units == n {
            return text.split_at_checked(index).ok_or(Split);
        }
        units += utf16_units(b);
        if units > n {
            return Err(Split);
        }
    }
    if units == n {
        Ok((text, ""))
    } else {
        Err(Short)
    }
}

/// Length of `text` in UTF-16 code units (JavaScript `string.length`).
fn utf16_len(text: &str) -> usize {
    text.as_bytes()
        .iter()
        .filter(|&&b| !is_continuation(b))
        .map(|&b| utf16_units(b))
        .sum()
}

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// UTF-16 units of the character that starts with lead byte `b`.
fn utf16_units(b: u8) -> usize {
    if b >= 0xF0 {
        2
    } else {
        1
    }
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut String, n: usize) {
    for d in decimal_digits(n).as_slice() {
        out.push(char::from(b'0' + d));
    }
}

/// Appends the decimal digits of `n` as byte values 0..=9, then `0xFF`.
fn push_length_bytes(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(decimal_digits(n).as_slice());
    out.push(LENGTH_END);
}

/// Decimal digit values of a number, most significant first, without allocating.
struct Digits {
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    fn as_slice(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }
}

fn decimal_digits(mut n: usize) -> Digits {
    let mut digits = Digits {
        buf: [0; 20],
        start: 20,
    };
    loop {
        digits.start -= 1;
        if let Some(slot) = digits.buf.get_mut(digits.start) {
            *slot = (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || digits.start == 0 {
            return digits;
        }
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
    fn text_spec_examples() {
        assert_eq!(encode_text(&[Packet::text("hello")]), "6:4hello");
        assert_eq!(encode_text(&[Packet::text("€")]), "2:4€");
        assert_eq!(
            encode_text(&[Packet::binary(vec![1, 2, 3, 4])]),
            "10:b4AQIDBA=="
        );
        assert_eq!(encode_text(&[]), "0:");
        assert_eq!(decode_text(b"6:4hello"), ok(vec![Packet::text("hello")]));
        assert_eq!(decode_text("2:4€".as_bytes()), ok(vec![Packet::text("€")]));
        assert_eq!(
            decode_text(b"10:b4AQIDBA=="),
            ok(vec![Packet::binary(vec![1, 2, 3, 4])])
        );
        assert_eq!(decode_text(b"0:"), ok(vec![]));
    }

    #[test]
    fn text_lengths_are_utf16_units() {
        // U+1F600 is two UTF-16 code units and four UTF-8 bytes.
        assert_eq!(encode_text(&[Packet::text("😀")]), "3:4😀");
        assert_eq!(
            decode_text("3:4😀".as_bytes()),
            ok(vec![Packet::text("😀")])
        );
        assert_eq!(
            decode_text("2:4😀".as_bytes()),
            err(vec![], CodecError::LengthMismatch)
        );
        assert_eq!(utf16_len("a€😀"), 4);
    }

    #[test]
    fn handshake_and_socket_io_trace() {
        let open = format!("0{}", "x".repeat(113));
        assert_eq!(
            encode_text(&[Packet::Open(open[1..].to_owned())]),
            format!("114:{open}")
        );
        let event = "451-[\"hello\",\"world\",{\"_placeholder\":true,\"num\":0},\"Q8NY5RT\"]";
        let packets = vec![
            Packet::text("0"),
            Packet::text(&event[1..]),
            Packet::binary(vec![1, 2]),
        ];
        let body = format!("2:4061:{event}6:b4AQI=");
        assert_eq!(encode_text(&packets), body);
        assert_eq!(decode_text(body.as_bytes()), ok(packets));
    }

    #[test]
    fn text_several_and_control_packets() {
        let packets = vec![
            Packet::Ping("probe".into()),
            Packet::Close,
            Packet::Noop,
            Packet::Pong(String::new()),
        ];
        assert_eq!(encode_text(&packets), "6:2probe1:11:61:3");
        assert_eq!(decode_text(b"6:2probe1:11:61:3"), ok(packets));
        // Zero-length records are skipped, as in Node.
        assert_eq!(decode_text(b"0:1:6"), ok(vec![Packet::Noop]));
    }

    #[test]
    fn text_b_packets_of_other_types() {
        assert_eq!(
            decode_text(b"10:b2cHJvYmU="),
            ok(vec![Packet::Ping("probe".into())])
        );
        assert_eq!(decode_text(b"2:b6"), ok(vec![Packet::Noop]));
        assert_eq!(
            decode_text(b"1:b"),
            err(vec![], CodecError::UnknownPacketType)
        );
        assert_eq!(
            decode_text(b"2:b9"),
            err(vec![], CodecError::UnknownPacketType)
        );
        assert_eq!(
            decode_text(b"4:b4!!"),
            err(vec![], CodecError::InvalidBase64)
        );
    }

    #[test]
    fn text_errors() {
        let hello = || vec![Packet::text("hello")];
        // Non-numeric length.
        assert_eq!(
            decode_text(b"abc:4hello"),
            err(vec![], CodecError::InvalidLength)
        );
        assert_eq!(
            decode_text(b":4hello"),
            err(vec![], CodecError::InvalidLength)
        );
        assert_eq!(
            decode_text(b"6:4hello-1:4"),
            err(hello(), CodecError::InvalidLength)
        );
        assert_eq!(
            decode_text(b"99999999999999999999999:4"),
            err(vec![], CodecError::InvalidLength)
        );
        // Length larger than the data.
        assert_eq!(
            decode_text(b"7:4hello"),
            err(vec![], CodecError::LengthMismatch)
        );
        assert_eq!(
            decode_text(b"6:4hello3:4a"),
            err(hello(), CodecError::LengthMismatch)
        );
        // Length shorter than the data: the leftover is trailing garbage.
        assert_eq!(
            decode_text(b"5:4hello"),
            err(vec![Packet::text("hell")], CodecError::TrailingData)
        );
        assert_eq!(decode_text(b"abc"), err(vec![], CodecError::TrailingData));
        assert_eq!(
            decode_text(b"6:4hello6"),
            err(hello(), CodecError::TrailingData)
        );
        // Bad packets inside good framing.
        assert_eq!(
            decode_text(b"1:7"),
            err(vec![], CodecError::UnknownPacketType)
        );
        assert_eq!(
            decode_text(b"6:4hello1:x"),
            err(hello(), CodecError::UnknownPacketType)
        );
        // Invalid UTF-8: whole packets before it are kept.
        assert_eq!(
            decode_text(b"6:4hello2:4\xff"),
            err(hello(), CodecError::InvalidUtf8)
        );
        assert_eq!(
            decode_text(b"6:4hello\xff"),
            err(hello(), CodecError::InvalidUtf8)
        );
        assert_eq!(decode_text(b"\xff"), err(vec![], CodecError::InvalidUtf8));
        assert_eq!(
            decode_text(b"x:4\xff"),
            err(vec![], CodecError::InvalidLength)
        );
    }

    #[test]
    fn binary_spec_examples() {
        let euro = [0x00, 0x04, 0xFF, 0x34, 0xE2, 0x82, 0xAC];
        assert_eq!(encode_binary(&[Packet::text("€")]), euro);
        assert_eq!(decode_binary(&euro), ok(vec![Packet::text("€")]));

        // Observed: `40`, a 61-char text packet, binary `4|01 02`.
        let event = "451-[\"hello\",\"world\",{\"_placeholder\":true,\"num\":0},\"Q8NY5RT\"]";
        assert_eq!(event.len(), 61);
        let mut wire = vec![0, 2, 255, b'4', b'0', 0, 6, 1, 255];
        wire.extend_from_slice(event.as_bytes());
        wire.extend_from_slice(&[1, 3, 255, 4, 1, 2]);
        let packets = vec![
            Packet::text("0"),
            Packet::text(&event[1..]),
            Packet::binary(vec![1, 2]),
        ];
        assert_eq!(encode_binary(&packets), wire);
        assert_eq!(decode_binary(&wire), ok(packets));
    }

    #[test]
    fn binary_record_kinds() {
        assert_eq!(encode_binary(&[Packet::binary(Vec::new())]), [1, 1, 255, 4]);
        assert_eq!(
            decode_binary(&[1, 1, 255, 4]),
            ok(vec![Packet::binary(Vec::new())])
        );
        assert_eq!(decode_binary(&[1, 1, 255, 6]), ok(vec![Packet::Noop]));
        assert_eq!(
            decode_binary(&[0, 1, 255, b'2']),
            ok(vec![Packet::Ping(String::new())])
        );
        // A `b` string record is base64 as in the text format.
        let mut wire = vec![0, 1, 0, 255];
        wire.extend_from_slice(b"b4AQIDBA==");
        assert_eq!(
            decode_binary(&wire),
            ok(vec![Packet::binary(vec![1, 2, 3, 4])])
        );
        // Long lengths use several digit bytes.
        let big = vec![7u8; 1234];
        let mut wire = vec![1, 1, 2, 3, 5, 255, 4];
        wire.extend_from_slice(&big);
        assert_eq!(encode_binary(&[Packet::binary(big.clone())]), wire);
        assert_eq!(decode_binary(&wire), ok(vec![Packet::binary(big)]));
    }

    #[test]
    fn binary_errors() {
        let ping = || vec![Packet::Ping(String::new())];
        assert_eq!(
            decode_binary(&[2, 1, 255, b'2']),
            err(vec![], CodecError::InvalidRecordMarker)
        );
        assert_eq!(
            decode_binary(&[0, 1, b'2']),
            err(vec![], CodecError::InvalidLength)
        );
        assert_eq!(
            decode_binary(&[0, 255, b'2']),
            err(vec![], CodecError::InvalidLength)
        );
        assert_eq!(
            decode_binary(&[0, 10, 255, b'2']),
            err(vec![], CodecError::InvalidLength)
        );
        assert_eq!(decode_binary(&[0]), err(vec![], CodecError::InvalidLength));
        assert_eq!(
            decode_binary(&[0, 2, 255, b'2']),
            err(vec![], CodecError::LengthMismatch)
        );
        assert_eq!(
            decode_binary(&[0, 0, 255]),
            err(vec![], CodecError::EmptyPacket)
        );
        assert_eq!(
            decode_binary(&[1, 0, 255]),
            err(vec![], CodecError::EmptyPacket)
        );
        assert_eq!(
            decode_binary(&[1, 1, 255, 9]),
            err(vec![], CodecError::UnknownPacketType)
        );
        assert_eq!(
            decode_binary(&[0, 1, 255, b'9']),
            err(vec![], CodecError::UnknownPacketType)
        );
        assert_eq!(
            decode_binary(&[0, 2, 255, b'4', 0xFF]),
            err(vec![], CodecError::InvalidUtf8)
        );
        assert_eq!(
            decode_binary(&[0, 1, 255, b'2', 0, 1, 255, b'7']),
            err(ping(), CodecError::UnknownPacketType)
        );
        assert_eq!(
            decode_binary(&[0, 1, 255, b'2', 5]),
            err(ping(), CodecError::InvalidRecordMarker)
        );
        let overflow = [&[1u8][..], &[9; 30], &[255, 4]].concat();
        assert_eq!(
            decode_binary(&overflow),
            err(vec![], CodecError::InvalidLength)
        );
    }

    #[test]
    fn helpers() {
        assert_eq!(decimal_digits(0).as_slice(), [0]);
        assert_eq!(decimal_digits(1205).as_slice(), [1, 2, 0, 5]);
        assert_eq!(
            decimal_digits(usize::MAX).as_slice().len(),
            usize::MAX.to_string().len()
        );
        assert_eq!(parse_decimal(b"0042".iter().copied()), Some(42));
        assert_eq!(parse_decimal(b"".iter().copied()), None);
        assert_eq!(parse_decimal(b"4 ".iter().copied()), None);
        assert!(matches!(split_utf16("ab", 3), Err(Short)));
        assert!(matches!(split_utf16("😀", 1), Err(Split)));
        assert!(matches!(split_utf16("a😀b", 3), Ok(("a😀", "b"))));
    }

    proptest! {
        #[test]
        fn text_round_trip(packets in arb_packets(true, 0)) {
            let body = encode_text(&packets);
            prop_assert_eq!(decode_text(body.as_bytes()), ok(packets));
        }

        #[test]
        fn binary_round_trip(packets in arb_packets(true, 1)) {
            let body = encode_binary(&packets);
            prop_assert_eq!(decode_binary(&body), ok(packets));
        }

        #[test]
        fn decoders_never_panic(body in proptest::collection::vec(any::<u8>(), 1..64)) {
            let _ = decode_text(&body);
            let _ = decode_binary(&body);
        }
    }
}
