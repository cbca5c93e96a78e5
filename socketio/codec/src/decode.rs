//! The JSON decoder: text and binary Engine.IO messages to [`Packet`]s, as socket.io-parser 4.2.

use bytes::Bytes;

use crate::json::replace_placeholders;
use crate::value::Map;
use crate::{DecodeError, Packet, PacketType, Value};

/// Event names a client may not emit (socket.io-parser's `RESERVED_EVENTS`).
pub const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// Per-connection decoder of the JSON parser (stateful for binary attachments).
///
/// Feed it every Socket.IO text message (`decode_text`) and binary message (`decode_binary`) of
/// one Engine.IO connection, in order:
///
/// ```text
///            decode_text(non-binary packet) -> Ok(Some(packet))
///   Idle ----decode_text("5<n>-...")-------> Waiting(n)      (n = 0: Ok(Some) at once)
///   Waiting(k) --decode_binary----------->   Waiting(k-1) -> ... -> Ok(Some(packet)), Idle
///   Idle: decode_binary -> UnexpectedBinary   Waiting: decode_text -> UnexpectedText
/// ```
///
/// A complete binary packet has its placeholders replaced by [`Value::Binary`]. The JSON payload
/// is parsed straight into a [`Value`] (object key order kept, `__proto__` an ordinary key,
/// nesting limited to 128 levels).
///
/// After any error the decoder is back to idle; the caller is expected to close the connection,
/// as Node does.
#[derive(Debug)]
pub struct Decoder {
    max_attachments: usize,
    pending: Option<Pending>,
}

#[derive(Debug)]
struct Pending {
    packet: Packet,
    expected: usize,
    attachments: Vec<Bytes>,
}

impl Decoder {
    /// A decoder accepting at most `max_attachments` attachments per packet (Node's default for
    /// `maxAttachments` is 10).
    pub fn new(max_attachments: usize) -> Self {
        Decoder {
            max_attachments,
            pending: None,
        }
    }

    /// The configured maximum number of attachments per packet.
    pub fn max_attachments(&self) -> usize {
        self.max_attachments
    }

    /// True while a binary packet is waiting for attachments.
    pub fn is_waiting(&self) -> bool {
        self.pending.is_some()
    }

    /// Drops a partially received binary packet.
    pub fn reset(&mut self) {
        self.pending = None;
    }

    /// A text Engine.IO message. `Ok(Some)` = a complete packet; `Ok(None)` = a binary packet
    /// waiting for attachments. A text while waiting for attachments is an error.
    ///
    /// A missing payload is accepted for every type (socket.io-parser validates the payload only
    /// when there is one), so `data` can be `None` even for an EVENT.
    pub fn decode_text(&mut self, text: &str) -> Result<Option<Packet>, DecodeError> {
        if self.pending.take().is_some() {
            return Err(DecodeError::UnexpectedText);
        }
        let (mut packet, expected) = parse(text, self.max_attachments)?;
        if !packet.kind.is_binary() {
            return Ok(Some(packet));
        }
        if expected == 0 {
            reconstruct(&mut packet, &[])?;
            return Ok(Some(packet));
        }
        self.pending = Some(Pending {
            packet,
            expected,
            attachments: Vec::with_capacity(expected),
        });
        Ok(None)
    }

    /// A binary Engine.IO message: the next attachment. Error when no binary packet is waiting.
    /// `Ok(Some)` when the last attachment arrived; the placeholders are then replaced by the
    /// attachments (each `num` must be a non-negative integer smaller than the count, else an
    /// error).
    pub fn decode_binary(&mut self, data: Bytes) -> Result<Option<Packet>, DecodeError> {
        let Some(pending) = self.pending.as_mut() else {
            return Err(DecodeError::UnexpectedBinary);
        };
        pending.attachments.push(data);
        if pending.attachments.len() < pending.expected {
            return Ok(None);
        }
        let Some(Pending {
            mut packet,
            attachments,
            ..
        }) = self.pending.take()
        else {
            return Err(DecodeError::UnexpectedBinary);
        };
        reconstruct(&mut packet, &attachments)?;
        Ok(Some(packet))
    }
}

impl Default for Decoder {
    /// A decoder with Node's default `maxAttachments` of 10.
    fn default() -> Self {
        Decoder::new(10)
    }
}

fn reconstruct(packet: &mut Packet, attachments: &[Bytes]) -> Result<(), DecodeError> {
    match &mut packet.data {
        Some(data) => replace_placeholders(data, attachments),
        None => Ok(()),
    }
}

/// Parses one text message; returns the packet and, for binary kinds, the attachment count.
fn parse(text: &str, max_attachments: usize) -> Result<(Packet, usize), DecodeError> {
    let bytes = text.as_bytes();
    let first = *bytes.first().ok_or(DecodeError::EmptyPacket)?;
    let kind = PacketType::from_byte(first).ok_or(DecodeError::UnknownType)?;
    let mut i = 1;

    // 2. `<digits>-` for binary kinds.
    let mut count = 0;
    if kind.is_binary() {
        let rest = bytes.get(i..).unwrap_or_default();
        let dash = rest
            .iter()
            .position(|&b| b == b'-')
            .ok_or(DecodeError::InvalidAttachmentCount)?;
        let digits = rest.get(..dash).unwrap_or_default();
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return Err(DecodeError::InvalidAttachmentCount);
        }
        count = parse_decimal(digits)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n <= max_attachments)
            .ok_or(DecodeError::TooManyAttachments {
                max: max_attachments,
            })?;
        i += dash + 1;
    }

    // 3. Namespace, up to the next `,` (consumed) or the end.
    let mut nsp = "/";
    if bytes.get(i) == Some(&b'/') {
        let end = bytes
            .get(i..)
            .unwrap_or_default()
            .iter()
            .position(|&b| b == b',')
            .map_or(bytes.len(), |p| i + p);
        nsp = text.get(i..end).unwrap_or("/");
        i = (end + 1).min(bytes.len());
    }

    // 4. Ack id, the run of digits.
    let digits = bytes
        .get(i..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let id = if digits > 0 {
        let run = bytes.get(i..i + digits).unwrap_or_default();
        i += digits;
        Some(parse_decimal(run).ok_or(DecodeError::InvalidAckId)?)
    } else {
        None
    };

    // 5. JSON payload, valid for the type.
    let rest = text.get(i..).unwrap_or_default();
    let data = if rest.is_empty() {
        None
    } else {
        let value: Value = serde_json::from_str(rest).map_err(|_| DecodeError::InvalidJson)?;
        if !payload_valid(kind, &value) {
            return Err(DecodeError::InvalidPayload(kind));
        }
        Some(value)
    };

    // Protocol v4 clients: `40/admin?token=x,` carries the auth as a query string.
    let (nsp, data) = match nsp.split_once('?') {
        Some((path, query)) if kind == PacketType::Connect => {
            let mut auth = parse_query(query);
            if let Some(Value::Object(map)) = data {
                auth.extend(map);
            }
            (path, Some(Value::Object(auth)))
        }
        _ => (nsp, data),
    };

    let packet = Packet {
        kind,
        nsp: nsp.to_owned(),
        id,
        data,
    };
    Ok((packet, count))
}

/// socket.io-parser's `isPayloadValid`.
fn payload_valid(kind: PacketType, value: &Value) -> bool {
    match kind {
        PacketType::Connect => value.is_object(),
        PacketType::Disconnect => false,
        PacketType::ConnectError => value.is_string() || value.is_object(),
        PacketType::Event | PacketType::BinaryEvent => {
            match value.as_array().and_then(|a| a.first()) {
                Some(Value::Number(_)) => true,
                Some(Value::String(name)) => !RESERVED_EVENTS.contains(&name.as_str()),
                _ => false,
            }
        }
        PacketType::Ack | PacketType::BinaryAck => value.is_array(),
    }
}

/// ASCII digits to `u64`, `None` on overflow.
fn parse_decimal(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |acc, &d| {
        acc.checked_mul(10)?
            .checked_add(u64::from(d.wrapping_sub(b'0')))
    })
}

/// `a=1&b=x%20y+z` to `{"a":"1","b":"x y z"}` (a later duplicate key wins).
fn parse_query(query: &str) -> Map {
    let mut map = Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        map.insert(percent_decode(key), Value::String(percent_decode(value)));
    }
    map
}

/// `+` as space, `%XX` as a byte; malformed escapes are kept as they are (like Node's
/// `querystring.unescape`), invalid UTF-8 is replaced.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| Some(hex_value(h[0])? << 4 | hex_value(h[1])?));
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// `serde_json::json!` as a [`Value`].
    macro_rules! json {
        ($($t:tt)+) => { Value::from(serde_json::json!($($t)+)) };
    }

    fn bin(bytes: &'static [u8]) -> Value {
        Value::Binary(Bytes::from_static(bytes))
    }

    fn decode(text: &str) -> Result<Option<Packet>, DecodeError> {
        Decoder::new(10).decode_text(text)
    }

    fn ok(text: &str) -> Packet {
        decode(text).unwrap().unwrap()
    }

    fn err(text: &str) -> DecodeError {
        decode(text).unwrap_err()
    }

    fn packet(kind: PacketType, nsp: &str, id: Option<u64>, data: Option<Value>) -> Packet {
        Packet {
            kind,
            nsp: nsp.into(),
            id,
            data,
        }
    }

    #[test]
    fn protocol_examples() {
        use PacketType::*;
        assert_eq!(ok("0"), packet(Connect, "/", None, None));
        assert_eq!(
            ok(r#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#),
            packet(
                Connect,
                "/admin",
                None,
                Some(json!({"sid": "oSO0OpakMV_3jnilAAAA"}))
            )
        );
        assert_eq!(ok("1/admin,"), packet(Disconnect, "/admin", None, None));
        assert_eq!(ok("1"), packet(Disconnect, "/", None, None));
        assert_eq!(
            ok(r#"2["foo"]"#),
            packet(Event, "/", None, Some(json!(["foo"])))
        );
        assert_eq!(
            ok(r#"212["foo"]"#),
            packet(Event, "/", Some(12), Some(json!(["foo"])))
        );
        assert_eq!(
            ok(r#"2/admin,["bar"]"#),
            packet(Event, "/admin", None, Some(json!(["bar"])))
        );
        assert_eq!(
            ok(r#"3/admin,13["bar"]"#),
            packet(Ack, "/admin", Some(13), Some(json!(["bar"])))
        );
        assert_eq!(
            ok(r#"4{"message":"Not authorized"}"#),
            packet(
                ConnectError,
                "/",
                None,
                Some(json!({"message": "Not authorized"}))
            )
        );
        assert_eq!(
            ok(r#"4/admin,"Not authorized""#),
            packet(ConnectError, "/admin", None, Some(json!("Not authorized")))
        );
        assert_eq!(ok("0/random"), packet(Connect, "/random", None, None));
        assert_eq!(ok("0/custom"), packet(Connect, "/custom", None, None));
        assert_eq!(
            ok(r#"2/a,7[1,"x"]"#),
            packet(Event, "/a", Some(7), Some(json!([1, "x"])))
        );
    }

    #[test]
    fn binary_event() {
        let mut d = Decoder::new(10);
        assert_eq!(
            d.decode_text(r#"51-["baz",{"_placeholder":true,"num":0}]"#),
            Ok(None)
        );
        assert!(d.is_waiting());
        let bytes = Bytes::from_static(&[1, 2, 3]);
        let p = d.decode_binary(bytes.clone()).unwrap().unwrap();
        assert!(!d.is_waiting());
        assert_eq!(p.kind, PacketType::BinaryEvent);
        assert_eq!(p.nsp, "/");
        assert_eq!(p.id, None);
        assert_eq!(
            p.data,
            Some(Value::Array(vec!["baz".into(), Value::Binary(bytes)]))
        );
    }

    #[test]
    fn binary_ack_with_nsp_and_id() {
        let mut d = Decoder::new(10);
        assert_eq!(
            d.decode_text(r#"61-/admin,15["bar",{"_placeholder":true,"num":0}]"#),
            Ok(None)
        );
        let p = d.decode_binary(Bytes::from_static(b"x")).unwrap().unwrap();
        assert_eq!(p.kind, PacketType::BinaryAck);
        assert_eq!(p.nsp, "/admin");
        assert_eq!(p.id, Some(15));
        assert_eq!(p.data.unwrap()[1], bin(b"x"));
    }

    #[test]
    fn several_attachments_in_order_then_next_packet() {
        let mut d = Decoder::new(10);
        let text =
            r#"52-/n,3["e",{"a":{"_placeholder":true,"num":1}},[{"_placeholder":true,"num":0}]]"#;
        assert_eq!(d.decode_text(text), Ok(None));
        assert_eq!(d.decode_binary(Bytes::from_static(b"0")), Ok(None));
        let p = d.decode_binary(Bytes::from_static(b"1")).unwrap().unwrap();
        let data = p.data.unwrap();
        assert_eq!(data[1]["a"], bin(b"1"));
        assert_eq!(data[2][0], bin(b"0"));
        // The same attachment may be referenced twice.
        let text = r#"51-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]"#;
        assert_eq!(d.decode_text(text), Ok(None));
        let p = d.decode_binary(Bytes::from_static(b"z")).unwrap().unwrap();
        assert_eq!(
            p.data,
            Some(Value::Array(vec!["e".into(), bin(b"z"), bin(b"z")]))
        );
        // Back to idle: text works, binary does not.
        assert!(d.decode_text(r#"2["x"]"#).unwrap().is_some());
        assert_eq!(
            d.decode_binary(Bytes::new()),
            Err(DecodeError::UnexpectedBinary)
        );
    }

    #[test]
    fn binary_with_zero_attachments_completes_at_once() {
        let mut d = Decoder::new(10);
        let p = d.decode_text(r#"50-["a"]"#).unwrap().unwrap();
        assert_eq!(p.kind, PacketType::BinaryEvent);
        assert_eq!(p.data, Some(json!(["a"])));
        assert!(!d.is_waiting());
        let p = d.decode_text("60-/x,1[]").unwrap().unwrap();
        assert_eq!(
            p,
            packet(PacketType::BinaryAck, "/x", Some(1), Some(json!([])))
        );
        assert_eq!(
            d.decode_text(r#"50-["a",{"_placeholder":true,"num":0}]"#),
            Err(DecodeError::InvalidPlaceholder)
        );
    }

    #[test]
    fn state_errors() {
        let mut d = Decoder::new(10);
        assert_eq!(
            d.decode_binary(Bytes::from_static(b"x")),
            Err(DecodeError::UnexpectedBinary)
        );
        assert_eq!(
            d.decode_text(r#"51-["a",{"_placeholder":true,"num":0}]"#),
            Ok(None)
        );
        assert_eq!(d.decode_text(r#"2["a"]"#), Err(DecodeError::UnexpectedText));
        assert!(!d.is_waiting());
        assert_eq!(
            d.decode_text(r#"51-["a",{"_placeholder":true,"num":0}]"#),
            Ok(None)
        );
        d.reset();
        assert!(d.decode_text(r#"2["a"]"#).unwrap().is_some());
    }

    #[test]
    fn placeholder_errors() {
        for text in [
            r#"51-["a",{"_placeholder":true,"num":1}]"#,
            r#"51-["a",{"_placeholder":true,"num":-1}]"#,
            r#"51-["a",{"_placeholder":true,"num":"0"}]"#,
            r#"51-["a",{"_placeholder":true}]"#,
            r#"51-["a",{"x":[{"_placeholder":true,"num":0.5}]}]"#,
            r#"61-1[{"_placeholder":true,"num":100}]"#,
        ] {
            let mut d = Decoder::new(10);
            assert_eq!(d.decode_text(text), Ok(None), "{text}");
            assert_eq!(
                d.decode_binary(Bytes::new()),
                Err(DecodeError::InvalidPlaceholder),
                "{text}"
            );
            assert!(!d.is_waiting());
        }
        // Not a placeholder: `_placeholder` must be `true`; unused attachments are fine.
        let mut d = Decoder::new(10);
        assert_eq!(
            d.decode_text(r#"52-["a",{"_placeholder":1,"num":9}]"#),
            Ok(None)
        );
        assert_eq!(d.decode_binary(Bytes::new()), Ok(None));
        let p = d.decode_binary(Bytes::new()).unwrap().unwrap();
        assert_eq!(p.data, Some(json!(["a", {"_placeholder": 1, "num": 9}])));
        // A float num that is an integer is accepted (JS has one number type).
        let mut d = Decoder::new(10);
        assert_eq!(
            d.decode_text(r#"51-["a",{"_placeholder":true,"num":0.0}]"#),
            Ok(None)
        );
        assert!(d.decode_binary(Bytes::new()).unwrap().is_some());
    }

    #[test]
    fn placeholders_in_plain_events_are_data() {
        let p = ok(r#"2["a",{"_placeholder":true,"num":3}]"#);
        assert_eq!(p.kind, PacketType::Event);
        assert_eq!(p.data, Some(json!(["a", {"_placeholder": true, "num": 3}])));
    }

    #[test]
    fn attachment_count_errors() {
        use DecodeError::*;
        assert_eq!(err(r#"5["a"]"#), InvalidAttachmentCount);
        assert_eq!(err(r#"5-["a"]"#), InvalidAttachmentCount);
        assert_eq!(err(r#"5a-["a"]"#), InvalidAttachmentCount);
        assert_eq!(err(r#"5 1-["a"]"#), InvalidAttachmentCount);
        assert_eq!(err(r#"51["a-b"]"#), InvalidAttachmentCount);
        assert_eq!(err("5"), InvalidAttachmentCount);
        assert_eq!(err("6"), InvalidAttachmentCount);
        assert_eq!(err(r#"611-["a"]"#), TooManyAttachments { max: 10 });
        assert_eq!(
            err(r#"599999999999999999999999999-["a"]"#),
            TooManyAttachments { max: 10 }
        );
        assert_eq!(decode(r#"510-["a"]"#), Ok(None));
        let mut d = Decoder::new(0);
        assert_eq!(
            d.decode_text(r#"51-["a"]"#),
            Err(TooManyAttachments { max: 0 })
        );
    }

    #[test]
    fn type_errors() {
        assert_eq!(err(""), DecodeError::EmptyPacket);
        for text in ["7", "9[]", "a", " 0", "-1", "é", "/admin,"] {
            assert_eq!(err(text), DecodeError::UnknownType, "{text}");
        }
    }

    #[test]
    fn json_errors() {
        use DecodeError::*;
        assert_eq!(err(r#"42abc["foo"]"#), InvalidJson);
        assert_eq!(err(r#"2["foo""#), InvalidJson);
        assert_eq!(err(r#"2["foo"]x"#), InvalidJson);
        assert_eq!(err("2 "), InvalidJson);
        assert_eq!(err("0/admin,x"), InvalidJson);
        assert_eq!(err(r#"2{"a":1,}"#), InvalidJson);
        assert_eq!(err("2[NaN]"), InvalidJson);
    }

    #[test]
    fn payload_errors() {
        use PacketType::*;
        let cases = [
            ("2{}", Event),
            ("2[]", Event),
            ("2\"foo\"", Event),
            ("2[null]", Event),
            ("2[true]", Event),
            ("2[[\"a\"]]", Event),
            ("2[{\"a\":1}]", Event),
            ("3{}", Ack),
            ("3\"x\"", Ack),
            ("3null", Ack),
            ("60-{}", BinaryAck),
            ("0[]", Connect),
            ("0\"x\"", Connect),
            ("0null", Connect),
            ("0/admin, 1", Connect),
            ("1{}", Disconnect),
            ("1/a,[]", Disconnect),
            ("1null", Disconnect),
            ("4[]", ConnectError),
            ("4 1", ConnectError),
            ("4null", ConnectError),
        ];
        for (text, kind) in cases {
            assert_eq!(err(text), DecodeError::InvalidPayload(kind), "{text}");
        }
        assert_eq!(err("50-{}"), DecodeError::InvalidPayload(BinaryEvent));
    }

    #[test]
    fn reserved_event_names() {
        for name in RESERVED_EVENTS {
            assert_eq!(
                err(&format!(r#"2["{name}"]"#)),
                DecodeError::InvalidPayload(PacketType::Event)
            );
            assert_eq!(
                err(&format!(r#"50-/a,["{name}",1]"#)),
                DecodeError::InvalidPayload(PacketType::BinaryEvent)
            );
        }
        // Case matters, and acks have no name.
        assert!(decode(r#"2["Connect"]"#).is_ok());
        assert!(decode(r#"2["connecting"]"#).is_ok());
        assert!(decode(r#"3["disconnect"]"#).is_ok());
        assert!(decode(r#"2[1,"disconnect"]"#).is_ok());
        assert!(decode(r#"2[1.5]"#).is_ok());
        assert!(decode(r#"2[""]"#).is_ok());
    }

    #[test]
    fn missing_payload_is_accepted_for_every_type() {
        // As socket.io-parser: the payload is validated only when present.
        for text in [
            "0", "1", "2", "3", "4", "50-", "60-", "212", "3/a,5", "4/a,",
        ] {
            let p = ok(text);
            assert_eq!(p.data, None, "{text}");
        }
        assert_eq!(ok("3/a,5").id, Some(5));
    }

    #[test]
    fn empty_payload_containers() {
        assert_eq!(ok("0{}").data, Some(json!({})));
        assert_eq!(ok("3[]").data, Some(json!([])));
        assert_eq!(ok("4{}").data, Some(json!({})));
        assert_eq!(ok(r#"4"""#).data, Some(json!("")));
    }

    #[test]
    fn ack_ids() {
        assert_eq!(ok(r#"20["a"]"#).id, Some(0));
        assert_eq!(ok(r#"2007["a"]"#).id, Some(7));
        let max = format!(r#"2{}["a"]"#, u64::MAX);
        assert_eq!(ok(&max).id, Some(u64::MAX));
        assert_eq!(
            err(r#"218446744073709551616["a"]"#),
            DecodeError::InvalidAckId
        );
        let huge = format!(r#"2{}["a"]"#, "9".repeat(10_000));
        assert_eq!(err(&huge), DecodeError::InvalidAckId);
        assert_eq!(ok("3/admin,42[]").id, Some(42));
        // Any type may carry an id, as with socket.io-parser.
        assert_eq!(ok("0/admin,1").id, Some(1));
        assert_eq!(ok("41").id, Some(1));
        // A number first item right after the id is not part of the id: JSON starts at `[`.
        assert_eq!(ok("212[3]").data, Some(json!([3])));
    }

    #[test]
    fn namespaces() {
        assert_eq!(ok("2/a/b,[\"x\"]").nsp, "/a/b");
        assert_eq!(ok("2/,[\"x\"]").nsp, "/");
        assert_eq!(ok("0/").nsp, "/");
        assert_eq!(ok("0/é,{}").nsp, "/é");
        // Without a comma the namespace runs to the end (like Node).
        assert_eq!(ok("1/admin").nsp, "/admin");
        // So `2/admin["x"]` (no comma) is an EVENT without payload for namespace `/admin["x"]`.
        let p = ok("2/admin[\"x\"]");
        assert_eq!((p.nsp.as_str(), p.data), ("/admin[\"x\"]", None));
    }

    #[test]
    fn v4_connect_query_becomes_auth() {
        let p = ok("0/admin?token=x,");
        assert_eq!(p.nsp, "/admin");
        assert_eq!(p.data, Some(json!({"token": "x"})));
        let p = ok("0/admin?a=1&b=hello+big%20world&c&d=%2C%3F%26%3d&e=%zz&a=2&=v,");
        assert_eq!(p.nsp, "/admin");
        assert_eq!(
            p.data,
            Some(
                json!({"a": "2", "b": "hello big world", "c": "", "d": ",?&=", "e": "%zz", "": "v"})
            )
        );
        let p = ok("0/admin?t=%C3%A9%FF");
        assert_eq!(p.data, Some(json!({"t": "é\u{fffd}"})));
        let p = ok("0/admin?");
        assert_eq!((p.nsp.as_str(), p.data), ("/admin", Some(json!({}))));
        let p = ok("0/admin?x=1,{\"x\":\"json\",\"y\":2}");
        assert_eq!(p.data, Some(json!({"x": "json", "y": 2})));
        // Only CONNECT splits the query.
        assert_eq!(ok("1/admin?x=1,").nsp, "/admin?x=1");
    }

    #[test]
    fn key_order_preserved() {
        let p = ok(r#"2["e",{"b":1,"a":2,"c":{"z":0,"y":1}}]"#);
        assert_eq!(
            crate::encode(&p).text,
            r#"2["e",{"b":1,"a":2,"c":{"z":0,"y":1}}]"#
        );
        let p = ok(r#"0{"b":1,"a":2}"#);
        assert_eq!(crate::encode(&p).text, r#"0{"b":1,"a":2}"#);
    }

    #[test]
    fn proto_keys_survive_a_round_trip() {
        for text in [
            r#"2["e",{"__proto__":{"polluted":true},"a":1}]"#,
            r#"0{"__proto__":null,"constructor":{"prototype":1}}"#,
            r#"3/a,1[{"x":{"__proto__":[1]}}]"#,
        ] {
            let p = ok(text);
            assert_eq!(crate::encode(&p).text, text);
        }
        let p = ok(r#"2["e",{"__proto__":{"polluted":true}}]"#);
        assert_eq!(
            p.data.unwrap()[1]["__proto__"]["polluted"],
            Value::Bool(true)
        );
    }

    #[test]
    fn binary_round_trip_keeps_everything() {
        let mut obj = Map::new();
        obj.insert("__proto__".into(), bin(b"p"));
        obj.insert("n".into(), json!(1.5));
        let data = Value::Array(vec![
            "up".into(),
            Value::Object(obj),
            bin(b""),
            json!([null]),
        ]);
        let packet = Packet::event("/files", data.clone(), Some(9));
        let encoded = crate::encode(&packet);
        let mut d = Decoder::new(10);
        assert_eq!(d.decode_text(&encoded.text), Ok(None));
        assert_eq!(d.decode_binary(encoded.attachments[0].clone()), Ok(None));
        let p = d
            .decode_binary(encoded.attachments[1].clone())
            .unwrap()
            .unwrap();
        assert_eq!(p.kind, PacketType::BinaryEvent);
        assert_eq!((p.nsp.as_str(), p.id), ("/files", Some(9)));
        assert_eq!(p.data, Some(data));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("2[\"a\",{}{}]", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(err(&deep), DecodeError::InvalidJson);
        let deep = format!("2[\"a\",{}{}]", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(err(&deep), DecodeError::InvalidJson);
        let deep = format!("2[\"a\",{}", "{\"a\":".repeat(100_000));
        assert_eq!(err(&deep), DecodeError::InvalidJson);
        let ok_depth = format!("2[\"a\",{}{}]", "[".repeat(100), "]".repeat(100));
        assert!(decode(&ok_depth).is_ok());
    }

    #[test]
    fn non_ascii_payloads() {
        let p = ok("2/ñ,1[\"é😀\",\"\\u00e9\"]");
        assert_eq!(p.nsp, "/ñ");
        assert_eq!(p.data, Some(json!(["é😀", "é"])));
    }

    #[test]
    fn percent_decode_edges() {
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%41%4a"), "AJ");
        assert_eq!(percent_decode("a+b"), "a b");
    }
}
