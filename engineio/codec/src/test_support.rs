//! Proptest generators shared by the unit tests.

use bytes::Bytes;
use proptest::prelude::*;

use crate::packet::{Data, Packet};

/// Any string, including control characters and astral-plane characters.
pub(crate) fn any_text() -> impl Strategy<Value = String> {
    any::<String>()
}

/// Any string without the v4 record separator `\x1e`.
pub(crate) fn text_without_rs() -> impl Strategy<Value = String> {
    any::<String>().prop_map(|s| s.replace('\x1e', ""))
}

/// Any bytes (short).
pub(crate) fn any_bytes() -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..48).prop_map(Bytes::from)
}

/// Any packet; with `allow_rs == false` no text contains `\x1e` (v4 payloads).
pub(crate) fn arb_packet(allow_rs: bool) -> impl Strategy<Value = Packet> {
    let text = if allow_rs {
        any_text().boxed()
    } else {
        text_without_rs().boxed()
    };
    prop_oneof![
        text.clone().prop_map(Packet::Open),
        Just(Packet::Close),
        text.clone().prop_map(Packet::Ping),
        text.clone().prop_map(Packet::Pong),
        text.clone()
            .prop_map(|s| Packet::Message(Data::Text(s.into()))),
        any_bytes().prop_map(|b| Packet::Message(Data::Binary(b))),
        Just(Packet::Upgrade),
        Just(Packet::Noop),
    ]
}

/// A batch of packets.
pub(crate) fn arb_packets(allow_rs: bool, min: usize) -> impl Strategy<Value = Vec<Packet>> {
    proptest::collection::vec(arb_packet(allow_rs), min..12)
}
