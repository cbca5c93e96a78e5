//! The JSON encoder: a [`Packet`] to one text message plus its binary attachments.

use bytes::Bytes;

use crate::json::{collect_binary, into_string, write_value_plain, write_value_with_placeholders};
use crate::{Packet, PacketType};

/// One Socket.IO packet as the JSON parser sends it: one text message then one binary message per
/// attachment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    /// The text message, e.g. `2/chat,3["message","hi"]` (without the Engine.IO `4` prefix).
    pub text: String,
    /// The binary messages to send right after `text`, in order.
    pub attachments: Vec<Bytes>,
}

/// Encodes `<type>[<n>-][<nsp>,][<id>][<json>]` as socket.io-parser does.
///
/// - An EVENT / ACK whose `data` contains [`Value::Binary`](crate::Value::Binary) is written as
///   BINARY_EVENT / BINARY_ACK: each binary value becomes `{"_placeholder":true,"num":i}`
///   (depth-first) and is the `i`-th attachment. A BINARY_EVENT / BINARY_ACK is always written
///   with its count, even `0-`.
/// - `nsp,` only when nsp is not `/` (nor empty).
/// - JSON as `JSON.stringify` writes it: compact, key order kept, `1.0` written `1`.
/// - CONNECT / DISCONNECT / CONNECT_ERROR never have attachments (as with Node, which only looks
///   for binary in events and acks); a binary value there is written the way `JSON.stringify`
///   writes a Node `Buffer`, `{"type":"Buffer","data":[1,2]}`.
///
/// ```
/// use socketio_codec::{encode, Bytes, Packet, Value};
///
/// let data = Value::Array(vec!["file".into(), Bytes::from_static(b"\x01").into()]);
/// let encoded = encode(&Packet::ack("/up", data, 7));
/// assert_eq!(encoded.text, r#"61-/up,7["file",{"_placeholder":true,"num":0}]"#);
/// assert_eq!(encoded.attachments, [Bytes::from_static(b"\x01")]);
/// ```
pub fn encode(packet: &Packet) -> Encoded {
    let mut out = Vec::with_capacity(64 + packet.nsp.len());
    let attachments = encode_into(packet, &mut out);
    Encoded {
        text: into_string(out),
        attachments,
    }
}

/// Same as [`encode`], appending the text message to `out` (so that a caller can write a prefix
/// first, e.g. the Engine.IO `4`); returns the attachments.
///
/// ```
/// use socketio_codec::{encode_into, Packet, Value};
///
/// let mut out = b"4".to_vec();
/// let attachments = encode_into(&Packet::event("/", Value::Array(vec!["hi".into()]), None), &mut out);
/// assert_eq!(out, br#"42["hi"]"#);
/// assert!(attachments.is_empty());
/// ```
pub fn encode_into(packet: &Packet, out: &mut Vec<u8>) -> Vec<Bytes> {
    let event_or_ack = packet.kind.is_event() || packet.kind.is_ack();
    let mut attachments = Vec::new();
    if let (true, Some(data)) = (event_or_ack, &packet.data) {
        collect_binary(data, &mut attachments);
    }
    let kind = match packet.kind {
        PacketType::Event if !attachments.is_empty() => PacketType::BinaryEvent,
        PacketType::Ack if !attachments.is_empty() => PacketType::BinaryAck,
        kind => kind,
    };
    write_header(out, kind, &packet.nsp, packet.id, attachments.len());
    match &packet.data {
        Some(data) if event_or_ack => write_value_with_placeholders(out, data),
        Some(data) => write_value_plain(out, data),
        None => {}
    }
    attachments
}

/// Fast path for emits: writes the packet header and the given already-serialized JSON text
/// (e.g. `["ev",1]`, from [`to_json_with_binary`](crate::to_json_with_binary)) without
/// re-parsing.
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
    let mut text = String::with_capacity(24 + nsp.len() + json.len());
    write_header(&mut text, kind, nsp, id, attachments);
    text.push_str(json);
    text
}

/// Where a header is written: the `Vec<u8>` of [`encode_into`] or the `String` of
/// [`encode_raw`] (which then needs no UTF-8 check of the JSON).
trait HeaderSink {
    /// An ASCII byte.
    fn ascii(&mut self, byte: u8);
    fn text(&mut self, s: &str);
}

impl HeaderSink for Vec<u8> {
    fn ascii(&mut self, byte: u8) {
        self.push(byte);
    }

    fn text(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }
}

impl HeaderSink for String {
    fn ascii(&mut self, byte: u8) {
        self.push(char::from(byte));
    }

    fn text(&mut self, s: &str) {
        self.push_str(s);
    }
}

/// Writes everything before the JSON.
fn write_header(
    out: &mut impl HeaderSink,
    kind: PacketType,
    nsp: &str,
    id: Option<u64>,
    count: usize,
) {
    out.ascii(kind.as_byte());
    if kind.is_binary() {
        push_decimal(out, count as u64);
        out.ascii(b'-');
    }
    if !nsp.is_empty() && nsp != "/" {
        out.text(nsp);
        out.ascii(b',');
    }
    if let Some(id) = id {
        push_decimal(out, id);
    }
}

fn push_decimal(out: &mut impl HeaderSink, mut n: u64) {
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
        out.ascii(digit);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::Value;
    use serde_json::json;

    fn text(p: &Packet) -> String {
        encode(p).text
    }

    fn v(json: serde_json::Value) -> Value {
        Value::from(json)
    }

    fn bin(bytes: &'static [u8]) -> Value {
        Value::Binary(Bytes::from_static(bytes))
    }

    #[test]
    fn protocol_examples() {
        assert_eq!(text(&Packet::connect("/", None)), "0");
        assert_eq!(
            text(&Packet::connect("/admin", Some(v(json!({"sid": "abc"}))))),
            r#"0/admin,{"sid":"abc"}"#
        );
        assert_eq!(text(&Packet::disconnect("/admin")), "1/admin,");
        assert_eq!(text(&Packet::disconnect("/")), "1");
        assert_eq!(
            text(&Packet::event("/", v(json!(["foo"])), None)),
            r#"2["foo"]"#
        );
        assert_eq!(
            text(&Packet::event("/", v(json!(["foo"])), Some(12))),
            r#"212["foo"]"#
        );
        assert_eq!(
            text(&Packet::event("/admin", v(json!(["bar"])), None)),
            r#"2/admin,["bar"]"#
        );
        assert_eq!(
            text(&Packet::ack("/admin", v(json!(["bar"])), 13)),
            r#"3/admin,13["bar"]"#
        );
        assert_eq!(
            text(&Packet::connect_error(
                "/",
                v(json!({"message": "Not authorized"}))
            )),
            r#"4{"message":"Not authorized"}"#
        );
        let encoded = encode(&Packet::event(
            "/",
            Value::Array(vec!["baz".into(), bin(&[1, 2, 3])]),
            None,
        ));
        assert_eq!(encoded.text, r#"51-["baz",{"_placeholder":true,"num":0}]"#);
        assert_eq!(encoded.attachments, vec![Bytes::from_static(&[1, 2, 3])]);
        let encoded = encode(&Packet::ack(
            "/admin",
            Value::Array(vec!["bar".into(), bin(&[1, 2, 3])]),
            15,
        ));
        assert_eq!(
            encoded.text,
            r#"61-/admin,15["bar",{"_placeholder":true,"num":0}]"#
        );
        assert_eq!(encoded.attachments, vec![Bytes::from_static(&[1, 2, 3])]);
    }

    #[test]
    fn nested_binary_depth_first() {
        let mut obj = crate::Map::new();
        obj.insert("z".into(), bin(b"1"));
        obj.insert("a".into(), Value::Array(vec![bin(b"2"), Value::Null]));
        let data = Value::Array(vec!["e".into(), bin(b"0"), Value::Object(obj), bin(b"3")]);
        let encoded = encode(&Packet::event("/n", data, Some(4)));
        assert_eq!(
            encoded.text,
            r#"54-/n,4["e",{"_placeholder":true,"num":0},{"z":{"_placeholder":true,"num":1},"a":[{"_placeholder":true,"num":2},null]},{"_placeholder":true,"num":3}]"#
        );
        let expected: Vec<Bytes> = ["0", "1", "2", "3"]
            .iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect();
        assert_eq!(encoded.attachments, expected);
    }

    #[test]
    fn binary_kind_without_binary_writes_zero_count() {
        let mut p = Packet::event("/", v(json!(["a"])), None);
        p.kind = PacketType::BinaryEvent;
        assert_eq!(text(&p), r#"50-["a"]"#);
        let mut p = Packet::ack("/", v(json!([])), 0);
        p.kind = PacketType::BinaryAck;
        assert_eq!(text(&p), "60-0[]");
        assert_eq!(
            encode_raw(PacketType::BinaryAck, "/", Some(0), 0, "[]"),
            "60-0[]"
        );
        // A binary kind with binary data counts it.
        let mut p = Packet::event("/", Value::Array(vec!["a".into(), bin(b"")]), None);
        p.kind = PacketType::BinaryEvent;
        assert_eq!(text(&p), r#"51-["a",{"_placeholder":true,"num":0}]"#);
    }

    #[test]
    fn binary_outside_events_is_a_buffer_object() {
        let mut auth = crate::Map::new();
        auth.insert("token".into(), bin(&[1, 2]));
        let encoded = encode(&Packet::connect("/", Some(Value::Object(auth))));
        assert_eq!(encoded.text, r#"0{"token":{"type":"Buffer","data":[1,2]}}"#);
        assert!(encoded.attachments.is_empty());
        let encoded = encode(&Packet::connect_error("/", bin(&[])));
        assert_eq!(encoded.text, r#"4{"type":"Buffer","data":[]}"#);
    }

    #[test]
    fn empty_nsp_is_default() {
        assert_eq!(text(&Packet::event("", v(json!(["a"])), None)), r#"2["a"]"#);
    }

    #[test]
    fn key_order_and_number_format() {
        let data: Value =
            serde_json::from_str(r#"["e",{"b":1,"a":2,"c":{"z":1.5,"y":2.0,"x":1e21,"w":-0.0}}]"#)
                .unwrap();
        assert_eq!(
            text(&Packet::event("/", data, None)),
            r#"2["e",{"b":1,"a":2,"c":{"z":1.5,"y":2,"x":1e+21,"w":0}}]"#
        );
    }

    #[test]
    fn encode_into_appends() {
        let mut out = b"4".to_vec();
        let attachments = encode_into(
            &Packet::event("/a", Value::Array(vec!["x".into(), bin(b"b")]), Some(1)),
            &mut out,
        );
        assert_eq!(out, br#"451-/a,1["x",{"_placeholder":true,"num":0}]"#);
        assert_eq!(attachments, [Bytes::from_static(b"b")]);
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
            let mut args = vec![Value::from("ev"), Value::from(1), v(json!({"k": "v"}))];
            args.extend((0..n).map(|_| Value::Binary(Bytes::new())));
            let packet = Packet {
                kind,
                nsp: nsp.into(),
                id,
                data: Some(Value::Array(args.clone())),
            };
            let mut attachments = Vec::new();
            let json = crate::to_json_with_binary(&args, &mut attachments).unwrap();
            assert_eq!(attachments.len(), n);
            assert_eq!(encode_raw(kind, nsp, id, n, &json), text(&packet));
        }
        // The count is only written for binary kinds.
        assert_eq!(encode_raw(PacketType::Event, "/", None, 3, "[1]"), "2[1]");
    }

    #[test]
    fn decimal() {
        for n in [0, 1, 9, 10, 99, 100, 12345, u64::MAX] {
            let mut v = Vec::new();
            push_decimal(&mut v, n);
            assert_eq!(v, n.to_string().as_bytes());
            let mut s = String::new();
            push_decimal(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }
}
