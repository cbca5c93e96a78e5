//! Criterion benchmarks of the Socket.IO codec hot paths, both parsers.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use serde::Serialize;
use serde_json::json;
use socketio_codec::{
    encode, encode_raw, msgpack, to_json_with_binary, to_value, Bytes, Decoder, Packet, PacketType,
    Value,
};

fn small_event_packet() -> Packet {
    Packet::event(
        "/",
        Value::from(json!(["chat message", {"user": "alice", "text": "hello there"}])),
        Some(12),
    )
}

/// `["upload", {"name": "a.bin", "data": <1 KiB>}]` on `/files`.
fn binary_event_packet(blob: &Bytes) -> Packet {
    let mut file = socketio_codec::Map::new();
    file.insert("name".into(), "a.bin".into());
    file.insert("data".into(), Value::Binary(blob.clone()));
    Packet::event(
        "/files",
        Value::Array(vec!["upload".into(), Value::Object(file)]),
        None,
    )
}

fn small_event(c: &mut Criterion) {
    let packet = small_event_packet();
    let text = encode(&packet).text;
    let json = r#"["chat message",{"user":"alice","text":"hello there"}]"#;
    c.bench_function("small_event/encode", |b| {
        b.iter(|| encode(black_box(&packet)))
    });
    c.bench_function("small_event/encode_raw", |b| {
        b.iter(|| encode_raw(PacketType::Event, "/", Some(12), 0, black_box(json)))
    });
    c.bench_function("small_event/decode", |b| {
        let mut decoder = Decoder::new(10);
        b.iter(|| decoder.decode_text(black_box(&text)).unwrap())
    });
}

fn binary_event(c: &mut Criterion) {
    let blob = Bytes::from((0..1024u32).map(|i| i as u8).collect::<Vec<_>>());
    let packet = binary_event_packet(&blob);
    let encoded = encode(&packet);
    let text = encoded.text.clone();
    c.bench_function("binary_event_1k/encode", |b| {
        b.iter(|| encode(black_box(&packet)))
    });
    c.bench_function("binary_event_1k/decode", |b| {
        let mut decoder = Decoder::new(10);
        b.iter(|| {
            assert!(decoder.decode_text(black_box(&text)).unwrap().is_none());
            decoder.decode_binary(blob.clone()).unwrap().unwrap()
        })
    });
}

fn msgpack_events(c: &mut Criterion) {
    let small = small_event_packet();
    let small_bytes = msgpack::encode_packet(&small);
    c.bench_function("msgpack/small_event/encode", |b| {
        b.iter(|| msgpack::encode_packet(black_box(&small)))
    });
    c.bench_function("msgpack/small_event/decode", |b| {
        b.iter(|| msgpack::decode_packet(black_box(&small_bytes)).unwrap())
    });

    let blob = Bytes::from((0..1024u32).map(|i| i as u8).collect::<Vec<_>>());
    let binary = binary_event_packet(&blob);
    let binary_bytes = msgpack::encode_packet(&binary);
    c.bench_function("msgpack/binary_event_1k/encode", |b| {
        b.iter(|| msgpack::encode_packet(black_box(&binary)))
    });
    c.bench_function("msgpack/binary_event_1k/decode", |b| {
        b.iter(|| msgpack::decode_packet(black_box(&binary_bytes)).unwrap())
    });
    // Through the parser seam: binary values share the message's buffer.
    c.bench_function("msgpack/binary_event_1k/decode_shared", |b| {
        use socketio_codec::{MsgpackParser, Parser};
        let mut decoder = MsgpackParser.decoder(10);
        b.iter(|| {
            decoder
                .decode_binary(black_box(binary_bytes.clone()))
                .unwrap()
        })
    });
}

#[derive(Serialize)]
struct Message {
    id: u64,
    room: &'static str,
    author: Author,
    text: &'static str,
    tags: Vec<&'static str>,
    attachment: Bytes,
}

#[derive(Serialize)]
struct Author {
    name: &'static str,
    score: f64,
}

fn serialize(c: &mut Criterion) {
    let message = Message {
        id: 42,
        room: "general",
        author: Author {
            name: "alice",
            score: 12.5,
        },
        text: "hello there, how are you?",
        tags: vec!["a", "b", "c"],
        attachment: Bytes::from(vec![7u8; 1024]),
    };
    c.bench_function("to_json_with_binary/struct", |b| {
        b.iter(|| {
            let mut attachments = Vec::new();
            let json = to_json_with_binary(&("message", black_box(&message)), &mut attachments);
            (json.unwrap(), attachments)
        })
    });
    c.bench_function("to_value/struct", |b| {
        b.iter(|| to_value(&("message", black_box(&message))).unwrap())
    });
    c.bench_function("msgpack/to_writer/struct", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(1200);
            msgpack::to_writer(&mut out, &("message", black_box(&message))).unwrap();
            out
        })
    });
}

criterion_group!(
    benches,
    small_event,
    binary_event,
    msgpack_events,
    serialize
);
criterion_main!(benches);
