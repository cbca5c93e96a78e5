//! Binary reassembly: a sequence of text and binary messages fed to one Socket.IO `Decoder`
//! (as one connection would). Input = records `[kind][len][bytes...]`: kind even = text
//! (lossy UTF-8), odd = binary; byte 0 sets `max_attachments` (0..=15). A completed packet
//! holds at most the announced number of binary values (inline, as `Value::Binary`) and
//! re-encodes to the same packet.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use socketio_codec::{encode, Decoder, Value};

/// Every `Binary` in `value`, depth-first.
fn binaries(value: &Value, out: &mut Vec<Bytes>) {
    match value {
        Value::Binary(b) => out.push(b.clone()),
        Value::Array(items) => items.iter().for_each(|v| binaries(v, out)),
        Value::Object(map) => map.values().for_each(|v| binaries(v, out)),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&max, mut rest)) = data.split_first() else {
        return;
    };
    let max = usize::from(max & 15);
    let mut decoder = Decoder::new(max);
    let mut announced = 0;
    while rest.len() >= 2 {
        let (kind, len) = (rest[0], usize::from(rest[1]));
        let body = &rest[2..rest.len().min(2 + len)];
        rest = &rest[2 + body.len()..];
        let result = if kind & 1 == 0 {
            let text = String::from_utf8_lossy(body);
            // The count after `5` / `6`, for the check below (the decoder validated it).
            announced = text
                .get(1..)
                .and_then(|t| t.split_once('-'))
                .and_then(|(n, _)| n.parse::<usize>().ok())
                .unwrap_or(0);
            decoder.decode_text(&text)
        } else {
            decoder.decode_binary(Bytes::copy_from_slice(body))
        };
        match result {
            Ok(Some(packet)) => {
                assert!(!decoder.is_waiting());
                let mut inline = Vec::new();
                if let Some(data) = &packet.data {
                    binaries(data, &mut inline);
                }
                if packet.kind.is_binary() {
                    // A placeholder may be used twice, but only point at announced attachments.
                    assert!(announced <= max, "attachments over the limit");
                    assert!(inline.is_empty() || announced > 0);
                } else {
                    assert!(inline.is_empty(), "binary in a text-only packet");
                }
                let encoded = encode(&packet);
                assert_eq!(encoded.attachments, inline);
                let mut again = Decoder::new(usize::MAX);
                let mut out = again
                    .decode_text(&encoded.text)
                    .expect("own encoding decodes");
                for a in &encoded.attachments {
                    assert!(out.is_none());
                    out = again
                        .decode_binary(a.clone())
                        .expect("own attachment decodes");
                }
                let back = out.expect("complete after every attachment");
                assert_eq!(
                    (back.kind, &back.nsp, back.id),
                    (packet.kind, &packet.nsp, packet.id)
                );
                assert_eq!(encode(&back), encoded, "binary round trip");
            }
            Ok(None) => assert!(decoder.is_waiting()),
            Err(_) => assert!(!decoder.is_waiting(), "idle after an error"),
        }
    }
});
