//! Engine.IO packet decoders: one websocket frame, text or binary, v3 or v4.
//! Byte 0 picks the frame kind and version; the rest is the frame. Decoded packets must
//! survive an encode/decode round trip.
#![no_main]

use bytes::Bytes;
use engineio_codec::{decode_frame, encode_frame, Frame, ProtocolVersion};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let version = if mode & 1 == 0 {
        ProtocolVersion::V4
    } else {
        ProtocolVersion::V3
    };
    let frame = if mode & 2 == 0 {
        Frame::Text(String::from_utf8_lossy(rest).into_owned().into())
    } else {
        Frame::Binary(Bytes::copy_from_slice(rest))
    };
    if let Ok(packet) = decode_frame(frame, version) {
        let again = decode_frame(encode_frame(&packet, version), version);
        assert_eq!(again.as_ref(), Ok(&packet), "frame round trip");
    }
});
