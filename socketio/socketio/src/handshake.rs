//! The handshake details of a socket (Node's `socket.handshake`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

/// What the client sent when it connected. The request head is shared with the Engine.IO
/// session (one copy per connection, whatever the number of namespaces).
#[derive(Clone, Debug)]
pub struct Handshake {
    head: Arc<engineio::RequestHead>,
    /// The query parameters of the Engine.IO handshake request (percent-decoded).
    pub query: Vec<(String, String)>,
    /// The CONNECT payload (`{}` when none).
    pub auth: Value,
}

impl Handshake {
    pub(crate) fn new(head: Arc<engineio::RequestHead>, auth: Value) -> Self {
        let query = head.uri.query().map(parse_query).unwrap_or_default();
        Handshake { head, query, auth }
    }

    /// The headers of the Engine.IO handshake request.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.head.headers
    }

    /// The peer address, when the integration provides it.
    pub fn address(&self) -> Option<SocketAddr> {
        self.head.remote_addr
    }

    /// When the Engine.IO handshake happened.
    pub fn time(&self) -> SystemTime {
        self.head.time
    }

    /// The request URL (path and query) of the Engine.IO handshake.
    pub fn url(&self) -> &str {
        self.head
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("")
    }

    /// A query parameter.
    pub fn query_param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The handshake time in milliseconds since the epoch (Node's `issued`).
    pub fn issued(&self) -> u64 {
        self.head
            .time
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }

    /// The query as a JSON object of strings.
    pub fn query_object(&self) -> Value {
        let mut map = Map::new();
        for (k, v) in &self.query {
            map.entry(k.clone())
                .or_insert_with(|| Value::String(v.clone()));
        }
        Value::Object(map)
    }
}

/// Parses `a=1&b=x%20y` (percent-decoding, `+` as space).
pub(crate) fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding() {
        assert_eq!(
            parse_query("a=1&b=x%20y+z&c&d=%zz&e=%41"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y z".into()),
                ("c".into(), "".into()),
                ("d".into(), "%zz".into()),
                ("e".into(), "A".into()),
            ]
        );
        assert_eq!(parse_query("t=%4"), vec![("t".into(), "%4".into())]);
    }
}
