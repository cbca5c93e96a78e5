//! The handshake carried by the `open` packet (protocol.md 1.5).

use serde::Deserialize;

use crate::error::CodecError;
use crate::packet::Packet;
use crate::sid::Sid;

/// The handshake JSON: `{"sid":..,"upgrades":[..],"pingInterval":..,"pingTimeout":..,"maxPayload":..}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Handshake {
    /// The session id.
    pub sid: Sid,
    /// Transports the client may upgrade to: `["websocket"]` on polling, `[]` on websocket.
    pub upgrades: Vec<String>,
    /// Milliseconds between pings (Node default 25000).
    pub ping_interval: u64,
    /// Milliseconds to wait for a pong (Node default 20000).
    pub ping_timeout: u64,
    /// Largest accepted message/body in bytes, `maxHttpBufferSize` (Node default 1000000).
    pub max_payload: u64,
}

impl Handshake {
    /// Compact JSON with Node's key order (sid, upgrades, pingInterval, pingTimeout,
    /// maxPayload), as `JSON.stringify` writes it.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(128);
        out.push_str("{\"sid\":\"");
        out.push_str(self.sid.as_str());
        out.push_str("\",\"upgrades\":[");
        for (i, upgrade) in self.upgrades.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_string(&mut out, upgrade);
        }
        out.push_str("],\"pingInterval\":");
        out.push_str(&self.ping_interval.to_string());
        out.push_str(",\"pingTimeout\":");
        out.push_str(&self.ping_timeout.to_string());
        out.push_str(",\"maxPayload\":");
        out.push_str(&self.max_payload.to_string());
        out.push('}');
        out
    }

    /// The `open` packet carrying this handshake.
    pub fn to_packet(&self) -> Packet {
        Packet::Open(self.to_json())
    }

    /// Parses handshake JSON (for clients and tests). All five fields are required.
    pub fn from_json(json: &str) -> Result<Handshake, CodecError> {
        serde_json::from_str(json).map_err(|_| CodecError::InvalidHandshake)
    }
}

/// Appends `s` as a JSON string literal, escaped like `JSON.stringify`.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let n = u32::from(c) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[n >> 4]));
                out.push(char::from(HEX[n & 0xF]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn node_default(upgrades: &[&str]) -> Handshake {
        Handshake {
            sid: Sid::from_random([0; 15]),
            upgrades: upgrades.iter().map(|s| s.to_string()).collect(),
            ping_interval: 25000,
            ping_timeout: 20000,
            max_payload: 1_000_000,
        }
    }

    #[test]
    fn node_key_order() {
        assert_eq!(
            node_default(&["websocket"]).to_json(),
            "{\"sid\":\"AAAAAAAAAAAAAAAAAAAA\",\"upgrades\":[\"websocket\"],\
             \"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"
        );
        assert_eq!(
            node_default(&[]).to_json(),
            "{\"sid\":\"AAAAAAAAAAAAAAAAAAAA\",\"upgrades\":[],\
             \"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"
        );
    }

    #[test]
    fn v3_polling_handshake_body_length() {
        // The v3 handshake body is `<len>:0{json}`: 114 with the test suites' timings
        // (pingInterval 300, pingTimeout 200), 118 with Node's defaults.
        let mut handshake = node_default(&["websocket"]);
        let open = handshake.to_packet();
        let body = crate::encode_payload(&[open], crate::ProtocolVersion::V3, false);
        assert!(body.body.starts_with(b"118:0{\"sid\":"));
        handshake.ping_interval = 300;
        handshake.ping_timeout = 200;
        let body =
            crate::encode_payload(&[handshake.to_packet()], crate::ProtocolVersion::V3, false);
        assert!(body.body.starts_with(b"114:0{\"sid\":"));
    }

    #[test]
    fn json_string_escapes() {
        let mut out = String::new();
        push_json_string(&mut out, "a\"b\\c\nd\u{1}\u{1e}€");
        assert_eq!(out, "\"a\\\"b\\\\c\\nd\\u0001\\u001e€\"");
    }

    #[test]
    fn from_json_errors() {
        assert_eq!(
            Handshake::from_json("{}"),
            Err(CodecError::InvalidHandshake)
        );
        assert_eq!(
            Handshake::from_json("nope"),
            Err(CodecError::InvalidHandshake)
        );
        let bad_sid =
            "{\"sid\":\"x\",\"upgrades\":[],\"pingInterval\":1,\"pingTimeout\":1,\"maxPayload\":1}";
        assert_eq!(
            Handshake::from_json(bad_sid),
            Err(CodecError::InvalidHandshake)
        );
    }

    proptest! {
        #[test]
        fn json_round_trip(
            bytes in any::<[u8; 15]>(),
            upgrades in proptest::collection::vec(any::<String>(), 0..3),
            ping_interval in any::<u64>(),
            ping_timeout in any::<u64>(),
            max_payload in any::<u64>(),
        ) {
            let handshake = Handshake {
                sid: Sid::from_random(bytes),
                upgrades,
                ping_interval,
                ping_timeout,
                max_payload,
            };
            let json = handshake.to_json();
            let value: serde_json::Value = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&value["sid"], handshake.sid.as_str());
            prop_assert_eq!(&value["pingInterval"], ping_interval);
            prop_assert_eq!(&value["pingTimeout"], ping_timeout);
            prop_assert_eq!(&value["maxPayload"], max_payload);
            prop_assert_eq!(Handshake::from_json(&json), Ok(handshake.clone()));
            let keys = ["\"sid\"", "\"upgrades\"", "\"pingInterval\"", "\"pingTimeout\"", "\"maxPayload\""];
            let positions: Vec<Option<usize>> = keys.iter().map(|k| json.find(k)).collect();
            prop_assert!(positions.windows(2).all(|w| w[0] < w[1]), "key order in {}", json);
            for upgrade in &handshake.upgrades {
                let mut mine = String::new();
                push_json_string(&mut mine, upgrade);
                prop_assert_eq!(serde_json::to_string(upgrade).ok(), Some(mine));
            }
        }
    }
}
