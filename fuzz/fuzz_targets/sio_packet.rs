//! Socket.IO packet decoder (socket.io-parser rules) on one text message. A packet without
//! attachments must survive an encode/decode round trip (up to JavaScript number formatting).
#![no_main]

use libfuzzer_sys::fuzz_target;
use socketio_codec::{encode, Decoder};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut decoder = Decoder::new(10);
    if let Ok(Some(packet)) = decoder.decode_text(text) {
        // JSON numbers follow JavaScript (`-0` is written `0`, `1.0` is `1`), so the packet is
        // compared by kind, namespace, id and its re-encoded text.
        let encoded = encode(&packet);
        assert!(encoded.attachments.is_empty());
        let mut again = Decoder::new(10);
        let Ok(Some(back)) = again.decode_text(&encoded.text) else {
            panic!("our encoding {:?} of {text:?} does not decode", encoded.text);
        };
        assert_eq!((back.kind, &back.nsp, back.id), (packet.kind, &packet.nsp, packet.id));
        assert_eq!(encode(&back).text, encoded.text, "round trip of {text:?}");
    }
});
