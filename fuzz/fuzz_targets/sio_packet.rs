//! Socket.IO packet decoder (socket.io-parser rules) on one text message. A packet without
//! attachments must survive an encode/decode round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use socketio_codec::{encode, Decoder};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut decoder = Decoder::new(10);
    if let Ok(Some(packet)) = decoder.decode_text(text) {
        let encoded = encode(&packet);
        assert!(encoded.attachments.is_empty());
        let mut again = Decoder::new(10);
        assert_eq!(
            again.decode_text(&encoded.text).ok().flatten().as_ref(),
            Some(&packet),
            "round trip of {text:?} via {:?}",
            encoded.text
        );
    }
});
