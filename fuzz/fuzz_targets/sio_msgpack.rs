//! msgpack parser (socket.io-msgpack-parser rules) on one binary message: `decode_packet` and
//! `decode_value` never panic; what decodes re-encodes to bytes that decode to the same packet
//! (re-encoding is stable: integral floats become integers once, then stay).
#![no_main]

use libfuzzer_sys::fuzz_target;
use socketio_codec::{msgpack, PacketType};

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = msgpack::decode_value(data) {
        let mut once = Vec::new();
        msgpack::encode_value(&value, &mut once);
        let back = msgpack::decode_value(&once).expect("own encoding decodes");
        let mut twice = Vec::new();
        msgpack::encode_value(&back, &mut twice);
        assert_eq!(once, twice, "value re-encoding is stable");
    }
    if let Ok(packet) = msgpack::decode_packet(data) {
        assert!(!matches!(
            packet.kind,
            PacketType::BinaryEvent | PacketType::BinaryAck
        ));
        let once = msgpack::encode_packet(&packet);
        let back = msgpack::decode_packet(&once).expect("own packet decodes");
        assert_eq!(
            (back.kind, &back.nsp, back.id),
            (packet.kind, &packet.nsp, packet.id)
        );
        assert_eq!(
            msgpack::encode_packet(&back),
            once,
            "packet re-encoding is stable"
        );
    }
});
