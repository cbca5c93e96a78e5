//! The encoder: a [`Packet`] to one text message plus its binary attachments.

use bytes::Bytes;

use crate::binary::{into_string, write_value};
use crate::{Packet, PacketType};

/// One Socket.IO packet as Engine.IO messages: one text message then one binary message per
/// attachment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    /// The text message, e.g. `2/chat,3["message","hi"]` (without the Engine.IO `4` prefix).
    pub text: String,
    /// The binary messages to send right after `text`, in order.
    pub attachments: Vec<Bytes>,
}

/// Encodes `<type>[<n>-][<nsp>,][<id>][<json>]`: `n` only for binary kinds (always, even `0-`),
/// `nsp,` only when nsp is not `/` (nor empty), JSON compact like `JSON.stringify` (key order
/// preserved, `1.0` written `1`).
///
/// For binary kinds `n` is `packet.attachments.len()`; `data` is written as it is, so it should
/// already hold the placeholders (see [`to_json_with_binary`](crate::to_json_with_binary)).
pub fn encode(packet: &Packet) -> Encoded {
    let mut text = String::with_capacity(16 + packet.nsp.len());
    write_header(
        &mut text,
        packet.kind,
        &packet.nsp,
        packet.id,
        packet.attachments.len(),
    );
    let text = match &packet.data {
        Some(data) => {
            let mut out = text.into_bytes();
            write_value(&mut out, data);
            into_string(out)
        }
        None => text,
    };
    Encoded {
        text,
        attachments: packet.attachments.clone(),
    }
}

/// Fast path for emits: writes the packet header and the given already-serialized JSON text
/// (e.g. `["ev",1]`) without re-parsing.
///
/// `kind` should be Event/Ack/BinaryEvent/BinaryAck; `attachments` is the count written for
/// binary kinds (ignored for the others). `json` is copied verbatim.
///
/// ```
/// use socketio_codec::{encode_raw, PacketType};
///
/// assert_eq!(encode_raw(PacketType::Event, "/", Some(12), 0, r#"["foo"]"#), r#"212["foo"]"#);
/// assert_eq!(
///     encode_raw(PacketType::BinaryAck, "/admin", Some(15), 1, r#"["bar",{"_placeholder":true,"num":0}]"#),
///     r#"61-/admin,15["bar",{"_placeholder":true,"num":0}]"#,
/// );
/// ```
pub fn encode_raw(
    kind: PacketType,
    nsp: &str,
    id: Option<u64>,
    attachments: usize,
    json: &str,
) -> String {
    let mut text = String::with_capacity(16 + nsp.len() + json.len());
    write_header(&mut text, kind, nsp, id, attachments);
    text.push_str(json);
    text
}

/// Writes everything before the JSON.
fn write_header(out: &mut String, kind: PacketType, nsp: &str, id: Option<u64>, count: usize) {
    out.push(char::from(kind.as_byte()));
    if kind.is_binary() {
        push_decimal(out, count as u64);
        out.push('-');
    }
    if !nsp.is_empty() && nsp != "/" {
        out.push_str(nsp);
        out.push(',');
    }
    if let Some(id) = id {
        push_decimal(out, id);
    }
}

fn push_decimal(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &digit in &buf[i..] {
        out.push(char::from(digit));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(p: &Packet) -> String {
        encode(p).text
    }

    #[test]
    fn protocol_examples() {
        assert_eq!(text(&Packet::connect("/", None)), "0");
        assert_eq!(
            text(&Packet::connect("/admin", Some(json!({"sid": "abc"})))),
            r#"0/admin,{"sid":"abc"}"#
        );
        assert_eq!(text(&Packet::disconnect("/admin")), "1/admin,");
        assert_eq!(text(&Packet::disconnect("/")), "1");
        assert_eq!(
            text(&Packet::event("/", json!(["foo"]), None, vec![])),
            r#"2["foo"]"#
        );
        assert_eq!(
            text(&Packet::event("/", json!(["foo"]), Some(12), vec![])),
            r#"212["foo"]"#
        );
        assert_eq!(
            text(&Packet::event("/admin", json!(["bar"]), None, vec![])),
            r#"2/admin,["bar"]"#
        );
        assert_eq!(
            text(&Packet::ack("/admin", json!(["bar"]), 13, vec![])),
            r#"3/admin,13["bar"]"#
        );
        assert_eq!(
            text(&Packet::connect_error(
                "/",
                json!({"message": "Not authorized"})
            )),
            r#"4{"message":"Not authorized"}"#
        );
        let bin = Bytes::from_static(&[1, 2, 3]);
        let encoded = encode(&Packet::event(
            "/",
            json!(["baz", {"_placeholder": true, "num": 0}]),
            None,
            vec![bin.clone()],
        ));
        assert_eq!(encoded.text, r#"51-["baz",{"_placeholder":true,"num":0}]"#);
        assert_eq!(encoded.attachments, vec![bin.clone()]);
        let encoded = encode(&Packet::ack(
            "/admin",
            json!(["bar", {"_placeholder": true, "num": 0}]),
            15,
            vec![bin.clone()],
        ));
        assert_eq!(
            encoded.text,
            r#"61-/admin,15["bar",{"_placeholder":true,"num":0}]"#
        );
        assert_eq!(encoded.attachments, vec![bin]);
    }

    #[test]
    fn binary_kind_without_attachments_writes_zero_count() {
        let mut p = Packet::event("/", json!(["a"]), None, vec![]);
        p.kind = PacketType::BinaryEvent;
        assert_eq!(text(&p), r#"50-["a"]"#);
        assert_eq!(
            encode_raw(PacketType::BinaryAck, "/", Some(0), 0, "[]"),
            "60-0[]"
        );
    }

    #[test]
    fn empty_nsp_is_default() {
        assert_eq!(
            text(&Packet::event("", json!(["a"]), None, vec![])),
            r#"2["a"]"#
        );
    }

    #[test]
    fn key_order_and_number_format() {
        let data: serde_json::Value =
            serde_json::from_str(r#"["e",{"b":1,"a":2,"c":{"z":1.5,"y":2.0}}]"#)
                .unwrap_or_default();
        assert_eq!(
            text(&Packet::event("/", data, None, vec![])),
            r#"2["e",{"b":1,"a":2,"c":{"z":1.5,"y":2}}]"#
        );
    }

    #[test]
    fn raw_matches_encode() {
        let cases = [
            (PacketType::Event, "/", None, 0),
            (PacketType::Event, "/nsp", Some(0), 0),
            (PacketType::Ack, "/", Some(u64::MAX), 0),
            (PacketType::BinaryEvent, "/x", Some(7), 2),
            (PacketType::BinaryAck, "/", Some(1), 10),
        ];
        for (kind, nsp, id, n) in cases {
            let packet = Packet {
                kind,
                nsp: nsp.into(),
                id,
                data: Some(json!(["ev", 1, {"k": "v"}])),
                attachments: vec![Bytes::new(); n],
            };
            assert_eq!(
                encode_raw(kind, nsp, id, n, r#"["ev",1,{"k":"v"}]"#),
                text(&packet)
            );
        }
        // The count is only written for binary kinds.
        assert_eq!(encode_raw(PacketType::Event, "/", None, 3, "[1]"), "2[1]");
    }

    #[test]
    fn decimal() {
        for n in [0, 1, 9, 10, 99, 100, 12345, u64::MAX] {
            let mut s = String::new();
            push_decimal(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }
}
