//! Criterion benchmarks of the Socket.IO codec hot paths.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use serde::Serialize;
use serde_json::json;
use socketio_codec::{encode, encode_raw, to_json_with_binary, Bytes, Decoder, Packet, PacketType};

fn small_event(c: &mut Criterion) {
    let packet = Packet::event(
        "/",
        json!(["chat message", {"user": "alice", "text": "hello there"}]),
        Some(12),
        vec![],
    );
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
    let packet = Packet::event(
        "/files",
        json!(["upload", {"name": "a.bin", "data": {"_placeholder": true, "num": 0}}]),
        None,
        vec![blob.clone()],
    );
    let text = encode(&packet).text;
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
}

criterion_group!(benches, small_event, binary_event, serialize);
criterion_main!(benches);
