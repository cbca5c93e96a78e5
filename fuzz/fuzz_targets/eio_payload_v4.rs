//! Engine.IO v4 polling payload (POST body) decoder, one-shot and streamed in chunks through
//! `PayloadDecoder` with a size limit: both must agree, and decoded packets must round-trip.
#![no_main]

use engineio_codec::{
    decode_payload, encode_payload, Data, Packet, PayloadDecoder, ProtocolVersion,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&split, body)) = data.split_first() else {
        return;
    };
    let whole = decode_payload(body, ProtocolVersion::V4, false);

    // The same body streamed in chunks of `split + 1` bytes, under a limit of the body size.
    let mut streamed = PayloadDecoder::new(ProtocolVersion::V4, false, body.len());
    for chunk in body.chunks(usize::from(split) + 1) {
        assert!(streamed.push(chunk).is_ok(), "within the limit");
    }
    assert_eq!(streamed.finish(), whole, "streamed = one-shot");

    // Over a smaller limit the decoder refuses instead of growing.
    if !body.is_empty() {
        let mut small = PayloadDecoder::new(ProtocolVersion::V4, false, body.len() - 1);
        assert!(small.push(body).is_err(), "over the limit");
    }

    // Packets whose text holds no record separator survive a round trip.
    let plain = |p: &Packet| !matches!(p, Packet::Message(Data::Text(t)) if t.contains('\x1e'));
    if whole.error.is_none() && whole.packets.iter().all(plain) {
        let encoded = encode_payload(&whole.packets, ProtocolVersion::V4, false);
        let again = decode_payload(&encoded.body, ProtocolVersion::V4, false);
        assert_eq!(again.error, None);
        assert_eq!(again.packets, whole.packets, "payload round trip");
    }
});
