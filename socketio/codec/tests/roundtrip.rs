//! Property tests: encode -> decode round trips through both parsers, the serde conversions, and
//! decoders that never panic.

#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use socketio_codec::{
    encode, from_value, msgpack, to_json_with_binary, to_value, Bytes, Decoder, JsonParser, Map,
    MsgpackParser, Packet, PacketType, Parser, Value, RESERVED_EVENTS,
};

fn binary() -> impl Strategy<Value = Value> + Clone {
    prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| Value::Binary(Bytes::from(b)))
}

/// Scalars whose text form round-trips exactly (halves are exact in binary and decimal, and are
/// never integral, so both parsers keep them as floats).
fn leaf() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i32>().prop_map(|i| Value::from(f64::from(i) + 0.5)),
        ".*".prop_map(Value::from),
    ]
}

/// Any finite float: integral ones come back as integers, so compare with [`same_numbers`].
fn any_float() -> impl Strategy<Value = Value> + Clone {
    any::<f64>()
        .prop_filter("finite", |f| f.is_finite())
        .prop_map(Value::from)
}

/// Objects never use the `_placeholder` key: it would turn random data into placeholders.
fn tree(
    leaf: impl Strategy<Value = Value> + Clone + 'static,
) -> impl Strategy<Value = Value> + Clone {
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,6}|.{0,8}", inner), 0..6).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .filter(|(k, _)| k != "_placeholder")
                        .collect::<Map>(),
                )
            }),
        ]
    })
}

fn json_value() -> impl Strategy<Value = Value> + Clone {
    tree(leaf())
}

fn value_with_binary() -> impl Strategy<Value = Value> + Clone {
    tree(prop_oneof![4 => leaf(), 1 => binary()])
}

fn value_with_any_float() -> impl Strategy<Value = Value> + Clone {
    tree(prop_oneof![3 => leaf(), 1 => binary(), 2 => any_float()])
}

fn object(values: impl Strategy<Value = Value> + Clone) -> impl Strategy<Value = Value> {
    prop::collection::vec(("[a-zA-Z_]{1,8}", values), 0..5).prop_map(|entries| {
        Value::Object(
            entries
                .into_iter()
                .filter(|(k, _)| k != "_placeholder")
                .collect(),
        )
    })
}

fn nsp() -> impl Strategy<Value = String> {
    prop_oneof![Just("/".to_owned()), "/[a-zA-Z0-9_./-]{1,12}"]
}

fn event_name() -> impl Strategy<Value = Value> {
    prop_oneof![
        ".*".prop_filter("reserved", |s: &String| !RESERVED_EVENTS
            .contains(&s.as_str()))
            .prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
    ]
}

/// Packets valid for both parsers (no binary outside events and acks: the JSON parser writes
/// it as a `Buffer` object there, like Node).
fn packet() -> impl Strategy<Value = Packet> {
    let args = || prop::collection::vec(value_with_binary(), 0..4);
    prop_oneof![
        (nsp(), prop::option::of(object(json_value()))).prop_map(|(n, d)| Packet::connect(&n, d)),
        nsp().prop_map(|n| Packet::disconnect(&n)),
        (
            nsp(),
            prop_oneof![object(json_value()), ".*".prop_map(Value::from)]
        )
            .prop_map(|(n, d)| Packet::connect_error(&n, d)),
        (nsp(), event_name(), args(), any::<Option<u64>>()).prop_map(|(n, name, args, id)| {
            let mut items = vec![name];
            items.extend(args);
            Packet::event(&n, Value::Array(items), id)
        }),
        (nsp(), args(), any::<u64>()).prop_map(|(n, args, id)| Packet::ack(
            &n,
            Value::Array(args),
            id
        )),
        // Binary kinds without binary (`50-...`).
        (nsp(), any::<Option<u64>>(), any::<bool>()).prop_map(|(n, id, ack)| Packet {
            kind: if ack {
                PacketType::BinaryAck
            } else {
                PacketType::BinaryEvent
            },
            nsp: n,
            id: if ack { Some(id.unwrap_or(0)) } else { id },
            data: Some(Value::Array(vec!["x".into()])),
        }),
    ]
}

/// Decodes what `parser` encoded.
fn round_trip(parser: &dyn Parser, packet: &Packet) -> Packet {
    let messages = parser.encode(packet);
    let mut decoder = parser.decoder(usize::MAX);
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

/// The kind the JSON parser puts on the wire.
fn json_wire_kind(packet: &Packet) -> PacketType {
    let binary = packet.data.as_ref().is_some_and(Value::has_binary);
    match packet.kind {
        PacketType::Event if binary => PacketType::BinaryEvent,
        PacketType::Ack if binary => PacketType::BinaryAck,
        kind => kind,
    }
}

/// The kind the msgpack parser gives back.
fn msgpack_kind(kind: PacketType) -> PacketType {
    match kind {
        PacketType::BinaryEvent => PacketType::Event,
        PacketType::BinaryAck => PacketType::Ack,
        kind => kind,
    }
}

/// Equality where numbers compare by value (JavaScript has one number type: `2.0` comes back
/// as the integer `2`).
fn same_numbers(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            // Integers exactly; as soon as one side is a float, as doubles (JavaScript writes
            // 2.4419001880510203e18 as 2441900188051020300, which reads back as an integer).
            let int = |n: &serde_json::Number| {
                n.as_u64()
                    .map(i128::from)
                    .or_else(|| n.as_i64().map(i128::from))
            };
            match (int(x), int(y)) {
                (Some(i), Some(j)) => i == j,
                _ => x.as_f64() == y.as_f64(),
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_numbers(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same_numbers(va, vb))
        }
        _ => a == b,
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
enum Shape {
    Dot,
    Circle(f64),
    Rect { w: u32, h: u32 },
    Pair(i8, String),
}

#[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq)]
struct Typed {
    name: String,
    blob: Bytes,
    blobs: Vec<serde_bytes::ByteBuf>,
    small: i16,
    big: u64,
    neg: i64,
    float: f64,
    single: f32,
    maybe: Option<Bytes>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    skipped: Option<u8>,
    map: BTreeMap<String, Vec<bool>>,
    numbers: BTreeMap<u16, String>,
    shapes: Vec<Shape>,
    raw: Vec<u8>,
    ch: char,
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Dot),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Shape::Circle),
        (any::<u32>(), any::<u32>()).prop_map(|(w, h)| Shape::Rect { w, h }),
        (any::<i8>(), ".{0,40}").prop_map(|(i, s)| Shape::Pair(i, s)),
    ]
}

fn typed() -> impl Strategy<Value = Typed> {
    let bytes = || prop::collection::vec(any::<u8>(), 0..300);
    (
        (
            ".{0,40}",
            bytes(),
            prop::collection::vec(bytes(), 0..3),
            any::<i16>(),
            any::<u64>(),
            any::<i64>(),
            any::<f64>().prop_filter("finite", |f| f.is_finite()),
            any::<f32>().prop_filter("finite", |f| f.is_finite()),
        ),
        (
            prop::option::of(bytes()),
            any::<Option<u8>>(),
            prop::collection::btree_map(
                ".{0,10}",
                prop::collection::vec(any::<bool>(), 0..20),
                0..20,
            ),
            prop::collection::btree_map(any::<u16>(), ".{0,5}", 0..4),
            prop::collection::vec(shape(), 0..18),
            bytes(),
            any::<char>(),
        ),
    )
        .prop_map(
            |(
                (name, blob, blobs, small, big, neg, float, single),
                (maybe, skipped, map, numbers, shapes, raw, ch),
            )| Typed {
                name,
                blob: Bytes::from(blob),
                blobs: blobs.into_iter().map(serde_bytes::ByteBuf::from).collect(),
                small,
                big,
                neg,
                float,
                single,
                maybe: maybe.map(Bytes::from),
                skipped,
                map,
                numbers,
                shapes,
                raw,
                ch,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn json_parser_round_trips(packet in packet()) {
        let back = round_trip(&JsonParser, &packet);
        let mut expected = packet.clone();
        expected.kind = json_wire_kind(&packet);
        prop_assert_eq!(back, expected);
    }

    #[test]
    fn msgpack_parser_round_trips(packet in packet()) {
        let back = round_trip(&MsgpackParser, &packet);
        let mut expected = packet.clone();
        expected.kind = msgpack_kind(packet.kind);
        prop_assert_eq!(back, expected);
    }

    #[test]
    fn values_with_any_float_round_trip(value in value_with_any_float(), id in any::<Option<u64>>()) {
        let packet = Packet::event("/", Value::Array(vec!["e".into(), value]), id);
        for parser in [&JsonParser as &dyn Parser, &MsgpackParser] {
            let back = round_trip(parser, &packet);
            prop_assert_eq!(back.id, id);
            let (a, b) = (back.data.as_ref().unwrap(), packet.data.as_ref().unwrap());
            prop_assert!(same_numbers(a, b), "{:?}: {:?} != {:?}", parser, a, b);
        }
    }

    #[test]
    fn msgpack_value_round_trips(value in value_with_any_float()) {
        let mut bytes = Vec::new();
        msgpack::encode_value(&value, &mut bytes);
        let back = msgpack::decode_value(&bytes).unwrap();
        prop_assert!(same_numbers(&back, &value), "{:?} != {:?}", back, value);
        // Re-encoding is stable.
        let mut again = Vec::new();
        msgpack::encode_value(&back, &mut again);
        prop_assert_eq!(again, bytes);
    }

    #[test]
    fn to_writer_matches_encode_value(typed in typed()) {
        let mut direct = Vec::new();
        msgpack::to_writer(&mut direct, &("event", &typed)).unwrap();
        let mut via_value = Vec::new();
        msgpack::encode_value(&to_value(&("event", &typed)).unwrap(), &mut via_value);
        prop_assert_eq!(&direct, &via_value);
        // And the typed value comes back through msgpack and through JSON attachments.
        let packet = msgpack::decode_packet(&msgpack::encode_packet(&Packet::event(
            "/", to_value(&("event", &typed)).unwrap(), None,
        ))).unwrap();
        let (_, back): (String, Typed) = from_value(packet.data.unwrap()).unwrap();
        prop_assert_eq!(&back.blob, &typed.blob);
        prop_assert_eq!(&back.blobs, &typed.blobs);
        prop_assert_eq!(&back.map, &typed.map);
        prop_assert_eq!(&back.raw, &typed.raw);
    }

    #[test]
    fn typed_values_round_trip_through_json_attachments(typed in typed()) {
        let packet = Packet::event("/up", to_value(&("upload", &typed)).unwrap(), Some(1));
        let back = round_trip(&JsonParser, &packet);
        let (event, back): (String, Typed) = from_value(back.data.unwrap()).unwrap();
        prop_assert_eq!(event, "upload");
        // Floats may come back as integers and f32 through its shortest form: compare the
        // rest exactly and the floats by value.
        prop_assert_eq!(back.float, typed.float);
        prop_assert_eq!(back.single, typed.single);
        prop_assert_eq!(back, typed);
    }

    #[test]
    fn serde_fast_path_matches_encode(value in value_with_binary()) {
        // `to_json_with_binary` + attachments is the same text as `encode` of the Value.
        let mut attachments = Vec::new();
        let json = to_json_with_binary(&Value::Array(vec!["e".into(), value.clone()]), &mut attachments).unwrap();
        let encoded = encode(&Packet::event("/", Value::Array(vec!["e".into(), value]), None));
        prop_assert!(encoded.text.ends_with(&json));
        prop_assert_eq!(encoded.attachments, attachments);
    }

    #[test]
    fn encoded_json_matches_serde_json(value in json_value()) {
        // Without floats our JSON is serde_json's compact output (floats differ: `1.0` -> `1`).
        let mut attachments = Vec::new();
        let ours = to_json_with_binary(&value, &mut attachments).unwrap();
        prop_assert!(attachments.is_empty());
        let reparsed: Value = serde_json::from_str(&ours).unwrap();
        prop_assert_eq!(&reparsed, &value);
        let json = serde_json::Value::try_from(value.clone()).unwrap();
        prop_assert_eq!(Value::from(json.clone()), value.clone());
        prop_assert_eq!(from_value::<serde_json::Value>(value.clone()).unwrap(), json);
        let packet = Packet::event("/", Value::Array(vec!["e".into(), value]), None);
        let text = encode(&packet).text;
        prop_assert_eq!(&text[1..], &format!("[\"e\",{ours}]"));
    }

    #[test]
    fn value_serde_round_trip(value in value_with_binary()) {
        prop_assert_eq!(to_value(&value).unwrap(), value.clone());
        prop_assert_eq!(from_value::<Value>(value.clone()).unwrap(), value.clone());
        prop_assert_eq!(from_value::<serde_json::Value>(value.clone()).is_ok(), !value.has_binary());
    }

    #[test]
    fn decoder_never_panics(text in ".*") {
        let _ = Decoder::new(10).decode_text(&text);
    }

    #[test]
    fn decoder_never_panics_on_near_packets(
        text in "[0-6][0-9-]{0,3}(/[a-z?=&%+,]{0,8})?[0-9]{0,25}(\\[.{0,12}\\]|\\{.{0,12}\\}|.{0,6})",
        binaries in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..4), 0..3),
    ) {
        let mut decoder = Decoder::new(2);
        let _ = decoder.decode_text(&text);
        for b in binaries {
            let _ = decoder.decode_binary(Bytes::from(b));
        }
        let _ = decoder.decode_text(&text);
    }

    #[test]
    fn msgpack_decoder_is_total(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(value) = msgpack::decode_value(&bytes) {
            let mut again = Vec::new();
            msgpack::encode_value(&value, &mut again);
            let back = msgpack::decode_value(&again).unwrap();
            prop_assert!(same_numbers(&back, &value));
        }
        if let Ok(packet) = msgpack::decode_packet(&bytes) {
            let again = msgpack::encode_packet(&packet);
            prop_assert_eq!(msgpack::encode_packet(&msgpack::decode_packet(&again).unwrap()), again);
        }
    }

    #[test]
    fn decoders_survive_mutated_messages(
        packet in packet(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        // Valid messages with a few bytes replaced, inserted or removed, then truncated: both
        // decoders answer (no panic), and what still decodes re-encodes stably.
        let mut bytes = msgpack::encode_packet(&packet).to_vec();
        let mut text = encode(&packet).text.into_bytes();
        for buf in [&mut bytes, &mut text] {
            for (at, byte, op) in &edits {
                let i = at.index(buf.len() + 1);
                match op {
                    0 if i < buf.len() => buf[i] = *byte,
                    1 => buf.insert(i, *byte),
                    _ if i < buf.len() => {
                        buf.remove(i);
                    }
                    _ => {}
                }
            }
            if let Some(cut) = &cut {
                buf.truncate(cut.index(buf.len() + 1));
            }
        }
        if let Ok(p) = msgpack::decode_packet(&bytes) {
            let once = msgpack::encode_packet(&p);
            let back = msgpack::decode_packet(&once).unwrap();
            prop_assert_eq!(msgpack::encode_packet(&back), once);
        }
        let text = String::from_utf8_lossy(&text);
        if let Ok(Some(p)) = Decoder::new(10).decode_text(&text) {
            let once = encode(&p);
            let back = Decoder::new(10).decode_text(&once.text).unwrap().unwrap();
            prop_assert_eq!(encode(&back), once);
        }
    }

    #[test]
    fn msgpack_decoder_is_total_on_near_packets(
        prefix in prop::collection::vec(any::<u8>(), 0..3),
        kind in 0u8..8,
        tail in prop::collection::vec(any::<u8>(), 0..24),
    ) {
        // A map with `type` first, then random bytes.
        let mut bytes = prefix;
        bytes.extend_from_slice(&[0x83, 0xa4, b't', b'y', b'p', b'e', kind]);
        bytes.extend_from_slice(&tail);
        let _ = msgpack::decode_packet(&bytes);
        let _ = msgpack::decode_packet(&bytes[3.min(bytes.len())..]);
    }
}
