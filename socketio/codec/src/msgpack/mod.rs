//! The msgpack parser, wire-compatible with npm `socket.io-msgpack-parser` 3.0.2 (which encodes
//! with `notepack.io` 3).
//!
//! Each packet is one binary Engine.IO message: the msgpack encoding of the packet object
//! `{type, data, id, nsp}`. Binary values travel inline as msgpack `bin`, so there are no
//! attachments and no BINARY_EVENT / BINARY_ACK types; text messages are an error.
//!
//! - [`encode_packet`] / [`write_packet`] write a [`Packet`]; [`decode_packet`] reads and
//!   validates one ([`decode_packet_bytes`]: binary values share the message's buffer).
//! - [`encode_value`] / [`decode_value`] / [`decode_value_bytes`] do the same for a [`Value`],
//!   byte for byte as
//!   notepack.io encodes / decodes the JavaScript value (see them for the number rules and for
//!   what happens to `undefined`, dates and extensions); [`to_writer`] writes any `Serialize`
//!   directly; [`write_undefined`] writes a JavaScript `undefined`.
//!
//! ```
//! use socketio_codec::{msgpack, Bytes, Packet, Value};
//!
//! let data = Value::Array(vec!["hello".into(), Bytes::from_static(&[1, 2]).into()]);
//! let packet = Packet::event("/", data, None);
//! let bytes = msgpack::encode_packet(&packet);
//! assert_eq!(&bytes[..], b"\x83\xa4type\x02\xa4data\x92\xa5hello\xc4\x02\x01\x02\xa3nsp\xa1/");
//! assert_eq!(msgpack::decode_packet(&bytes)?, packet);
//! # Ok::<(), socketio_codec::DecodeError>(())
//! ```

mod decode;
mod encode;
mod ser;

use bytes::Bytes;

use crate::{DecodeError, Packet, PacketType, Value};

pub use decode::{decode_value, decode_value_bytes, MAX_DEPTH};
pub use encode::{encode_value, write_undefined};
pub use ser::to_writer;

/// Encodes a packet as one binary Engine.IO message.
///
/// The object's keys come in the order the Node server writes them: `type`, `data` (when set),
/// `id` (when set), `nsp`. BINARY_EVENT / BINARY_ACK are written as EVENT / ACK (2 / 3); an
/// empty `nsp` as `"/"`.
pub fn encode_packet(packet: &Packet) -> Bytes {
    let mut out = Vec::with_capacity(32 + packet.nsp.len());
    write_packet(packet, &mut out);
    Bytes::from(out)
}

/// Same as [`encode_packet`], appending to `out` (e.g. after an Engine.IO v3 binary type byte).
pub fn write_packet(packet: &Packet, out: &mut Vec<u8>) {
    let kind = match packet.kind {
        PacketType::BinaryEvent => PacketType::Event,
        PacketType::BinaryAck => PacketType::Ack,
        kind => kind,
    };
    let entries = 2 + usize::from(packet.data.is_some()) + usize::from(packet.id.is_some());
    encode::write_map_len(out, entries);
    encode::write_str(out, "type");
    encode::write_u64(out, u64::from(kind.as_byte() - b'0'));
    if let Some(data) = &packet.data {
        encode::write_str(out, "data");
        encode_value(data, out);
    }
    if let Some(id) = packet.id {
        encode::write_str(out, "id");
        encode::write_u64(out, id);
    }
    encode::write_str(out, "nsp");
    encode::write_str(
        out,
        if packet.nsp.is_empty() {
            "/"
        } else {
            &packet.nsp
        },
    );
}

/// Decodes and validates one packet (socket.io-msgpack-parser's `checkPacket`, plus the Node
/// server's check of event names):
///
/// - the message is a map (else [`DecodeError::UnknownType`]) whose `type` is an integer in
///   0..=4: CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR (5 and 6 do not exist in this
///   parser) (else `UnknownType`);
/// - `nsp` is a string (else [`DecodeError::InvalidNamespace`]);
/// - `data`: CONNECT absent or an object, DISCONNECT absent, CONNECT_ERROR a string or an
///   object, ACK an array, EVENT a non-empty array whose first item is a string or a number
///   (else [`DecodeError::InvalidPayload`]);
/// - `id` absent or an integer; it must also fit in a `u64` (Node would accept a negative one)
///   (else [`DecodeError::InvalidAckId`]).
///
/// Other keys are ignored; an `undefined` member counts as absent. Unlike the JSON parser,
/// reserved event names (`connect`, `disconnect`, ...) are not refused here, as with Node.
pub fn decode_packet(data: &[u8]) -> Result<Packet, DecodeError> {
    packet_from_fields(decode::decode_packet_fields(data, None)?)
}

/// As [`decode_packet`], binary values sharing `data`'s buffer (`Bytes::slice`) instead of being
/// copied ([`MsgpackParser`](crate::MsgpackParser)'s decoder uses this).
pub fn decode_packet_bytes(data: &Bytes) -> Result<Packet, DecodeError> {
    packet_from_fields(decode::decode_packet_fields(data, Some(data))?)
}

fn packet_from_fields(fields: Option<decode::PacketFields>) -> Result<Packet, DecodeError> {
    let Some(fields) = fields else {
        return Err(DecodeError::UnknownType);
    };
    let kind = fields
        .kind
        .as_ref()
        .and_then(integer)
        .filter(|t| (0.0..=4.0).contains(t))
        .and_then(|t| PacketType::from_byte(b'0' + t as u8))
        .ok_or(DecodeError::UnknownType)?;
    let nsp = match fields.nsp {
        Some(Value::String(nsp)) => nsp,
        _ => return Err(DecodeError::InvalidNamespace),
    };
    let data = fields.data;
    let valid = match (kind, &data) {
        (PacketType::Connect, None | Some(Value::Object(_))) => true,
        (PacketType::Disconnect, None) => true,
        (PacketType::ConnectError, Some(Value::String(_) | Value::Object(_))) => true,
        (PacketType::Ack, Some(Value::Array(_))) => true,
        (PacketType::Event, Some(Value::Array(items))) => {
            matches!(items.first(), Some(Value::String(_) | Value::Number(_)))
        }
        _ => false,
    };
    if !valid {
        return Err(DecodeError::InvalidPayload(kind));
    }
    let id = match &fields.id {
        None => None,
        Some(Value::Number(n)) => Some(match n.as_u64() {
            Some(id) => id,
            None => n
                .as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 18_446_744_073_709_551_616.0)
                .map(|f| f as u64)
                .ok_or(DecodeError::InvalidAckId)?,
        }),
        Some(_) => return Err(DecodeError::InvalidAckId),
    };
    Ok(Packet {
        kind,
        nsp,
        id,
        data,
    })
}

/// `Number.isInteger`: the number as `f64` when it has no fraction.
fn integer(value: &Value) -> Option<f64> {
    value.as_f64().filter(|f| f.fract() == 0.0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn to_hex(b: &[u8]) -> String {
        b.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn j(v: serde_json::Value) -> Value {
        Value::from(v)
    }

    /// The msgpack of a JSON object (keys in order).
    fn obj(v: serde_json::Value) -> Vec<u8> {
        let mut out = Vec::new();
        encode_value(&j(v), &mut out);
        out
    }

    #[test]
    fn brief_example_bytes() {
        let data = Value::Array(vec!["hello".into(), Bytes::from_static(&[1, 2]).into()]);
        let bytes = encode_packet(&Packet::event("/", data, None));
        assert_eq!(
            bytes[..],
            hex("83 a4 74 79 70 65 02 a4 64 61 74 61 92 a5 68 65 6c 6c 6f c4 02 01 02 a3 6e 73 70 a1 2f")
        );
    }

    #[test]
    fn key_order_and_optional_members() {
        let p = Packet::ack("/admin", j(json!([1])), 7);
        assert_eq!(
            to_hex(&encode_packet(&p)),
            to_hex(&obj(
                json!({"type": 3, "data": [1], "id": 7, "nsp": "/admin"})
            ))
        );
        let p = Packet::disconnect("/");
        assert_eq!(
            to_hex(&encode_packet(&p)),
            to_hex(&obj(json!({"type": 1, "nsp": "/"})))
        );
        let p = Packet::connect("", Some(j(json!({"sid": "x"}))));
        assert_eq!(
            to_hex(&encode_packet(&p)),
            to_hex(&obj(json!({"type": 0, "data": {"sid": "x"}, "nsp": "/"})))
        );
        let mut p = Packet::event("/", j(json!(["e"])), Some(1));
        p.kind = PacketType::BinaryEvent;
        assert_eq!(
            decode_packet(&encode_packet(&p)).unwrap().kind,
            PacketType::Event
        );
        p.kind = PacketType::BinaryAck;
        assert_eq!(
            decode_packet(&encode_packet(&p)).unwrap().kind,
            PacketType::Ack
        );
        let mut out = vec![4u8];
        write_packet(&Packet::disconnect("/"), &mut out);
        assert_eq!(out[0], 4);
        assert_eq!(out[1..], encode_packet(&Packet::disconnect("/"))[..]);
    }

    #[test]
    fn round_trips() {
        let packets = [
            Packet::connect("/", None),
            Packet::connect("/a", Some(j(json!({"token": "t", "n": [1, 2.5]})))),
            Packet::disconnect("/a"),
            Packet::connect_error("/", j(json!({"message": "no"}))),
            Packet::connect_error("/", j(json!("no"))),
            Packet::event("/", j(json!(["e", {"a": null}])), Some(u64::MAX)),
            Packet::event("/", j(json!([42])), None),
            Packet::ack("/x", j(json!([])), 0),
        ];
        for p in packets {
            assert_eq!(decode_packet(&encode_packet(&p)).unwrap(), p);
        }
    }

    #[test]
    fn check_packet_rules() {
        use DecodeError::*;
        let cases: Vec<(serde_json::Value, Option<DecodeError>)> = vec![
            (json!({"type": 0, "nsp": "/"}), None),
            (json!({"type": 0, "nsp": "/", "data": {}}), None),
            (
                json!({"type": 0, "nsp": "/", "data": []}),
                Some(InvalidPayload(PacketType::Connect)),
            ),
            (
                json!({"type": 0, "nsp": "/", "data": null}),
                Some(InvalidPayload(PacketType::Connect)),
            ),
            (
                json!({"type": 0, "nsp": "/", "data": "x"}),
                Some(InvalidPayload(PacketType::Connect)),
            ),
            (json!({"type": 1, "nsp": "/"}), None),
            (
                json!({"type": 1, "nsp": "/", "data": {}}),
                Some(InvalidPayload(PacketType::Disconnect)),
            ),
            (
                json!({"type": 1, "nsp": "/", "data": null}),
                Some(InvalidPayload(PacketType::Disconnect)),
            ),
            (json!({"type": 2, "nsp": "/", "data": ["a"]}), None),
            (json!({"type": 2, "nsp": "/", "data": [1.5, 2]}), None),
            (json!({"type": 2, "nsp": "/", "data": ["disconnect"]}), None),
            (
                json!({"type": 2, "nsp": "/", "data": []}),
                Some(InvalidPayload(PacketType::Event)),
            ),
            (
                json!({"type": 2, "nsp": "/", "data": [null]}),
                Some(InvalidPayload(PacketType::Event)),
            ),
            (
                json!({"type": 2, "nsp": "/", "data": [["a"]]}),
                Some(InvalidPayload(PacketType::Event)),
            ),
            (
                json!({"type": 2, "nsp": "/", "data": {}}),
                Some(InvalidPayload(PacketType::Event)),
            ),
            (
                json!({"type": 2, "nsp": "/"}),
                Some(InvalidPayload(PacketType::Event)),
            ),
            (json!({"type": 3, "nsp": "/", "data": []}), None),
            (
                json!({"type": 3, "nsp": "/", "data": "x"}),
                Some(InvalidPayload(PacketType::Ack)),
            ),
            (
                json!({"type": 3, "nsp": "/"}),
                Some(InvalidPayload(PacketType::Ack)),
            ),
            (json!({"type": 4, "nsp": "/", "data": "x"}), None),
            (json!({"type": 4, "nsp": "/", "data": {}}), None),
            (
                json!({"type": 4, "nsp": "/", "data": []}),
                Some(InvalidPayload(PacketType::ConnectError)),
            ),
            (
                json!({"type": 4, "nsp": "/"}),
                Some(InvalidPayload(PacketType::ConnectError)),
            ),
            (
                json!({"type": 5, "nsp": "/", "data": ["a"]}),
                Some(UnknownType),
            ),
            (
                json!({"type": 6, "nsp": "/", "data": []}),
                Some(UnknownType),
            ),
            (json!({"type": -1, "nsp": "/"}), Some(UnknownType)),
            (json!({"type": 0.5, "nsp": "/"}), Some(UnknownType)),
            (json!({"type": "0", "nsp": "/"}), Some(UnknownType)),
            (json!({"nsp": "/"}), Some(UnknownType)),
            (json!({"type": 0}), Some(InvalidNamespace)),
            (json!({"type": 0, "nsp": 1}), Some(InvalidNamespace)),
            (json!({"type": 0, "nsp": null}), Some(InvalidNamespace)),
            (json!({"type": 3, "nsp": "/", "data": [], "id": 5}), None),
            (json!({"type": 3, "nsp": "/", "data": [], "id": 5.0}), None),
            (
                json!({"type": 3, "nsp": "/", "data": [], "id": 5.5}),
                Some(InvalidAckId),
            ),
            (
                json!({"type": 3, "nsp": "/", "data": [], "id": -1}),
                Some(InvalidAckId),
            ),
            (
                json!({"type": 3, "nsp": "/", "data": [], "id": "5"}),
                Some(InvalidAckId),
            ),
            (
                json!({"type": 3, "nsp": "/", "data": [], "id": null}),
                Some(InvalidAckId),
            ),
            (
                json!({"type": 2, "nsp": "", "data": ["a"], "extra": true}),
                None,
            ),
            (json!([0, "/"]), Some(UnknownType)),
            (json!(2), Some(UnknownType)),
            (json!(null), Some(UnknownType)),
        ];
        for (value, expected) in cases {
            let result = decode_packet(&obj(value.clone()));
            match expected {
                None => assert!(result.is_ok(), "{value}: {result:?}"),
                Some(e) => assert_eq!(result, Err(e), "{value}"),
            }
        }
        // `type` as a float 2.0 (an integer for JavaScript) and `id` as a float.
        let p = decode_packet(&hex("84 a4 74797065 cb 4000000000000000 a4 64617461 91 a1 61 a2 6964 cb 4014000000000000 a3 6e7370 a1 2f")).unwrap();
        assert_eq!((p.kind, p.id), (PacketType::Event, Some(5)));
        // `data: undefined` counts as absent.
        let p = decode_packet(&hex(
            "83 a4 74797065 00 a4 64617461 d4 00 00 a3 6e7370 a1 2f",
        ))
        .unwrap();
        assert_eq!(p, Packet::connect("/", None));
        // id as uint64.
        let p = decode_packet(&hex(
            "84 a4 74797065 03 a4 64617461 90 a2 6964 cf ffffffffffffffff a3 6e7370 a1 2f",
        ))
        .unwrap();
        assert_eq!(p.id, Some(u64::MAX));
        // A repeated key: the last value wins; `undefined` removes an earlier value.
        let p = decode_packet(&hex(
            "84 a4 74797065 02 a3 6e7370 a1 2f a4 74797065 00 a3 6e7370 a2 2f61",
        ))
        .unwrap();
        assert_eq!(p, Packet::connect("/a", None));
        let p = decode_packet(&hex(
            "85 a4 74797065 03 a4 64617461 90 a2 6964 05 a2 6964 d4 00 00 a3 6e7370 a1 2f",
        ))
        .unwrap();
        assert_eq!(p.id, None);
        // map16 header, non-string keys ignored, undefined unknown members.
        let p = decode_packet(&hex(
            "de 0004 01 02 a4 74797065 01 a1 78 d4 00 00 a3 6e7370 a1 2f",
        ))
        .unwrap();
        assert_eq!(p, Packet::disconnect("/"));
        // Truncated or trailing bytes after a valid packet.
        let good = encode_packet(&Packet::disconnect("/"));
        assert!(matches!(
            decode_packet(&good[..good.len() - 1]),
            Err(InvalidMsgpack(_))
        ));
        let mut long = good.to_vec();
        long.push(0xc0);
        assert!(matches!(decode_packet(&long), Err(InvalidMsgpack(_))));
        assert!(matches!(decode_packet(&hex("8f")), Err(InvalidMsgpack(_))));
        assert!(matches!(
            decode_packet(&hex("92 01")),
            Err(InvalidMsgpack(_))
        ));
        // Not msgpack at all.
        assert!(matches!(decode_packet(b""), Err(InvalidMsgpack(_))));
        assert!(matches!(decode_packet(&hex("c1")), Err(InvalidMsgpack(_))));
    }

    #[test]
    fn binary_is_inline_and_shared() {
        let data = Value::Array(vec!["up".into(), Bytes::from(vec![9u8; 1000]).into()]);
        let bytes = encode_packet(&Packet::event("/f", data.clone(), Some(3)));
        let p = decode_packet_bytes(&bytes).unwrap();
        assert_eq!(p.data.as_ref(), Some(&data));
        let bin = p.data.as_ref().unwrap()[1].as_bytes().unwrap();
        let offset = bin.as_ptr() as usize - bytes.as_ptr() as usize;
        assert!(offset < bytes.len());
    }
}
