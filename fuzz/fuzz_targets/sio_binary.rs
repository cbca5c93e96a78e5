//! Binary reassembly: a sequence of text and binary messages fed to one Socket.IO `Decoder`
//! (as one connection would). Input = records `[kind][len][bytes...]`: kind even = text
//! (lossy UTF-8), odd = binary; byte 0 sets `max_attachments` (0..=15). A completed packet
//! carries exactly the attachments it announced, within the limit, and re-encodes to the
//! same packet.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use socketio_codec::{encode, Decoder};

fuzz_target!(|data: &[u8]| {
    let Some((&max, mut rest)) = data.split_first() else {
        return;
    };
    let max = usize::from(max & 15);
    let mut decoder = Decoder::new(max);
    while rest.len() >= 2 {
        let (kind, len) = (rest[0], usize::from(rest[1]));
        let body = &rest[2..rest.len().min(2 + len)];
        rest = &rest[2 + body.len()..];
        let result = if kind & 1 == 0 {
            decoder.decode_text(&String::from_utf8_lossy(body))
        } else {
            decoder.decode_binary(Bytes::copy_from_slice(body))
        };
        match result {
            Ok(Some(packet)) => {
                assert!(packet.attachments.len() <= max, "attachments over the limit");
                assert!(!decoder.is_waiting());
                let encoded = encode(&packet);
                assert_eq!(encoded.attachments, packet.attachments);
                let mut again = Decoder::new(max);
                let mut out = again.decode_text(&encoded.text).expect("own encoding decodes");
                for a in &encoded.attachments {
                    assert!(out.is_none());
                    out = again.decode_binary(a.clone()).expect("own attachment decodes");
                }
                let back = out.expect("complete after every attachment");
                assert_eq!((back.kind, &back.nsp, back.id), (packet.kind, &packet.nsp, packet.id));
                assert_eq!(back.attachments, packet.attachments);
                assert_eq!(encode(&back).text, encoded.text, "binary round trip");
            }
            Ok(None) => assert!(decoder.is_waiting()),
            Err(_) => assert!(!decoder.is_waiting(), "idle after an error"),
        }
    }
});
