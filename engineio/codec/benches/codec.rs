//! Criterion benchmarks of the Engine.IO codec hot paths.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use engineio_codec::{
    decode_binary_frame, decode_payload, decode_text_frame, encode_frame, encode_payload, Bytes,
    Frame, Packet, ProtocolVersion, BINARY_CONTENT_TYPE,
};

fn text_packet(c: &mut Criterion) {
    let packet = Packet::text(r#"2["chat message",{"user":"alice","text":"hello there"}]"#);
    let encoded = match encode_frame(&packet, ProtocolVersion::V4) {
        Frame::Text(text) => text,
        Frame::Binary(_) => unreachable!(),
    };
    c.bench_function("text_packet/encode", |b| {
        b.iter(|| encode_frame(black_box(&packet), ProtocolVersion::V4))
    });
    c.bench_function("text_packet/decode", |b| {
        b.iter(|| decode_text_frame(black_box(&encoded)))
    });
}

fn binary_frame(c: &mut Criterion) {
    let data = Bytes::from((0..1024u32).map(|i| i as u8).collect::<Vec<_>>());
    let packet = Packet::binary(data);
    for version in [ProtocolVersion::V4, ProtocolVersion::V3] {
        let name = format!("binary_frame_1k_{version:?}");
        let wire = match encode_frame(&packet, version) {
            Frame::Binary(bytes) => bytes,
            Frame::Text(_) => unreachable!(),
        };
        c.bench_function(&format!("{name}/encode"), |b| {
            b.iter(|| encode_frame(black_box(&packet), version))
        });
        c.bench_function(&format!("{name}/decode"), |b| {
            b.iter(|| decode_binary_frame(black_box(wire.clone()), version))
        });
    }
}

fn mixed_packets() -> Vec<Packet> {
    (0..10)
        .map(|i| {
            if i % 3 == 2 {
                Packet::binary(vec![i as u8; 64])
            } else {
                Packet::text(format!(
                    r#"2["event {i}",{{"n":{i},"text":"héllo wörld"}}]"#
                ))
            }
        })
        .collect()
}

fn v4_payload(c: &mut Criterion) {
    let packets = mixed_packets();
    let body = encode_payload(&packets, ProtocolVersion::V4, false).body;
    c.bench_function("v4_payload_10_mixed/encode", |b| {
        b.iter(|| encode_payload(black_box(&packets), ProtocolVersion::V4, false))
    });
    c.bench_function("v4_payload_10_mixed/decode", |b| {
        b.iter(|| decode_payload(black_box(&body), ProtocolVersion::V4, false))
    });
}

fn v3_binary_payload(c: &mut Criterion) {
    let packets = mixed_packets();
    let encoded = encode_payload(&packets, ProtocolVersion::V3, false);
    assert_eq!(encoded.content_type, BINARY_CONTENT_TYPE);
    c.bench_function("v3_binary_payload_10_mixed/encode", |b| {
        b.iter(|| encode_payload(black_box(&packets), ProtocolVersion::V3, false))
    });
    c.bench_function("v3_binary_payload_10_mixed/decode", |b| {
        b.iter(|| decode_payload(black_box(&encoded.body), ProtocolVersion::V3, true))
    });
    let text = encode_payload(&packets, ProtocolVersion::V3, true).body;
    c.bench_function("v3_text_b64_payload_10_mixed/decode", |b| {
        b.iter(|| decode_payload(black_box(&text), ProtocolVersion::V3, false))
    });
}

criterion_group!(
    benches,
    text_packet,
    binary_frame,
    v4_payload,
    v3_binary_payload
);
criterion_main!(benches);
