//! Property tests: encode -> decode round trips, and the decoder never panics.

#![allow(clippy::unwrap_used, missing_docs)]

use proptest::prelude::*;
use serde_json::{json, Map};
use socketio_codec::{
    encode, inline_attachments, to_json_with_binary, Bytes, Decoder, Packet, PacketType, Value,
    RESERVED_EVENTS,
};

fn leaf() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // Halves are exact in binary and decimal, so they survive the text round trip.
        any::<i32>().prop_map(|i| Value::from(f64::from(i) + 0.5)),
        ".*".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> + Clone {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,6}|.{0,8}", inner), 0..6).prop_map(|entries| {
                // `_placeholder` keys could turn random data into placeholders.
                Value::Object(
                    entries
                        .into_iter()
                        .filter(|(k, _)| k != "_placeholder")
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

fn object() -> impl Strategy<Value = Value> {
    prop::collection::vec(("[a-zA-Z_]{1,8}", json_value()), 0..5).prop_map(|entries| {
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

fn attachments() -> impl Strategy<Value = Vec<Bytes>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..4)
        .prop_map(|v| v.into_iter().map(Bytes::from).collect())
}

/// Args with one placeholder per attachment, each either top-level or nested in an object.
fn with_placeholders(mut args: Vec<Value>, count: usize, nest: bool) -> Vec<Value> {
    for num in 0..count {
        let placeholder = json!({"_placeholder": true, "num": num});
        if nest && num % 2 == 1 {
            args.push(json!({"file": placeholder, "n": num}));
        } else {
            args.push(placeholder);
        }
    }
    args
}

fn packet() -> impl Strategy<Value = Packet> {
    let args = || prop::collection::vec(json_value(), 0..4);
    prop_oneof![
        (nsp(), prop::option::of(object())).prop_map(|(n, d)| Packet::connect(&n, d)),
        nsp().prop_map(|n| Packet::disconnect(&n)),
        (nsp(), prop_oneof![object(), ".*".prop_map(Value::from)])
            .prop_map(|(n, d)| Packet::connect_error(&n, d)),
        (
            nsp(),
            event_name(),
            args(),
            any::<Option<u64>>(),
            attachments(),
            any::<bool>()
        )
            .prop_map(|(n, name, args, id, att, nest)| {
                let mut items = vec![name];
                items.extend(with_placeholders(args, att.len(), nest));
                Packet::event(&n, Value::Array(items), id, att)
            }),
        (nsp(), args(), any::<u64>(), attachments(), any::<bool>()).prop_map(
            |(n, args, id, att, nest)| {
                let items = with_placeholders(args, att.len(), nest);
                Packet::ack(&n, Value::Array(items), id, att)
            }
        ),
        // Binary kinds with `0-`.
        (nsp(), any::<Option<u64>>(), any::<bool>()).prop_map(|(n, id, ack)| Packet {
            kind: if ack {
                PacketType::BinaryAck
            } else {
                PacketType::BinaryEvent
            },
            nsp: n,
            id: if ack { Some(id.unwrap_or(0)) } else { id },
            data: Some(json!(["x"])),
            attachments: vec![],
        }),
    ]
}

fn round_trip(packet: &Packet) -> Packet {
    let encoded = encode(packet);
    let mut decoder = Decoder::new(10);
    let mut out = decoder.decode_text(&encoded.text).unwrap();
    for attachment in encoded.attachments {
        assert!(out.is_none());
        out = decoder.decode_binary(attachment).unwrap();
    }
    assert!(!decoder.is_waiting());
    out.unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encode_decode_round_trips(packet in packet()) {
        prop_assert_eq!(round_trip(&packet), packet);
    }

    #[test]
    fn encoded_json_matches_serde_json(value in json_value()) {
        // Without floats our JSON is serde_json's compact output (floats differ: `1.0` -> `1`).
        let mut attachments = Vec::new();
        let ours = to_json_with_binary(&value, &mut attachments).unwrap();
        prop_assert!(attachments.is_empty());
        let reparsed: Value = serde_json::from_str(&ours).unwrap();
        prop_assert_eq!(&reparsed, &value);
        let packet = Packet::event("/", json!(["e", value]), None, vec![]);
        let text = encode(&packet).text;
        prop_assert_eq!(&text[1..], &format!("[\"e\",{ours}]"));
    }

    #[test]
    fn typed_binary_round_trips(blobs in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..32), 0..5), name in ".*") {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Upload { name: String, blobs: Vec<Bytes>, first: Option<Bytes> }
        let upload = Upload {
            name,
            first: blobs.first().cloned().map(Bytes::from),
            blobs: blobs.into_iter().map(Bytes::from).collect(),
        };
        let mut attachments = Vec::new();
        let json = to_json_with_binary(&("upload", &upload), &mut attachments).unwrap();
        let expected = upload.blobs.len() + usize::from(upload.first.is_some());
        prop_assert_eq!(attachments.len(), expected);
        let packet = Packet::event("/up", serde_json::from_str(&json).unwrap(), Some(1), attachments);
        let mut received = round_trip(&packet);
        let mut data = received.data.take().unwrap();
        inline_attachments(&mut data, &received.attachments);
        let (event, back): (String, Upload) = serde_json::from_value(data).unwrap();
        prop_assert_eq!(event, "upload");
        prop_assert_eq!(back, upload);
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
}
