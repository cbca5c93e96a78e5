//! Engine.IO v3 polling payload decoders: the text form (`<len>:<packet>`, lengths in UTF-16
//! units) and the binary form (`application/octet-stream`). Byte 0 picks the form and the
//! chunk size for the streaming decoder; decoded packets must round-trip in both forms.
#![no_main]

use engineio_codec::{decode_payload, encode_payload, PayloadDecoder, ProtocolVersion};
use libfuzzer_sys::fuzz_target;

const V3: ProtocolVersion = ProtocolVersion::V3;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let binary = mode & 1 == 1;
    let whole = decode_payload(body, V3, binary);

    let mut streamed = PayloadDecoder::new(V3, binary, body.len());
    for chunk in body.chunks(usize::from(mode >> 1) + 1) {
        assert!(streamed.push(chunk).is_ok(), "within the limit");
    }
    assert_eq!(streamed.finish(), whole, "streamed = one-shot");

    if whole.error.is_none() && !whole.packets.is_empty() {
        for b64 in [false, true] {
            let encoded = encode_payload(&whole.packets, V3, b64);
            let is_binary = encoded.content_type == engineio_codec::BINARY_CONTENT_TYPE;
            let again = decode_payload(&encoded.body, V3, is_binary);
            assert_eq!(again.error, None, "re-decoding our own encoding (b64 {b64})");
            assert_eq!(again.packets, whole.packets, "round trip (b64 {b64})");
        }
    }
});
