//! The handshake details of a socket (Node's `socket.handshake`).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use socketio_adapter::HandshakeInfo;
use socketio_codec::{Map, Value};

/// What the client sent when it connected. The request head is shared with the Engine.IO
/// session (one copy per connection, whatever the number of namespaces).
#[derive(Clone, Debug)]
pub struct Handshake {
    head: Arc<engineio::RequestHead>,
    /// Node's `address`: the peer, or the client a trusted proxy names.
    address: Option<SocketAddr>,
    /// `Config::trust_proxy`: the `X-Forwarded-*` headers are believed.
    trust_proxy: bool,
    /// The query parameters of the Engine.IO handshake request (percent-decoded).
    pub query: Vec<(String, String)>,
    /// The CONNECT payload (`{}` when none).
    pub auth: Value,
}

impl Handshake {
    /// The handshake of `head`; with `trust_proxy` (the server's
    /// [`Config::trust_proxy`](crate::Config::trust_proxy)) the address is the first
    /// `X-Forwarded-For` entry.
    pub(crate) fn new(head: Arc<engineio::RequestHead>, auth: Value, trust_proxy: bool) -> Self {
        let query = head.uri.query().map(parse_query).unwrap_or_default();
        let forwarded = trust_proxy.then(|| forwarded_for(&head.headers)).flatten();
        let address = forwarded.or(head.remote_addr);
        Handshake {
            head,
            address,
            trust_proxy,
            query,
            auth,
        }
    }

    /// The headers of the Engine.IO handshake request.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.head.headers
    }

    /// The client's address (Node's `handshake.address`): the peer address, when the
    /// integration provides it; with [`Config::trust_proxy`](crate::Config::trust_proxy) on,
    /// the first entry of the request's `X-Forwarded-For` (the client the first proxy saw),
    /// with port 0 when the entry has none, which is the usual case (the peer address when
    /// the header is absent or its first entry is not an address).
    pub fn address(&self) -> Option<SocketAddr> {
        self.address
    }

    /// The TCP peer of the handshake request (a proxy, behind one), whatever `trust_proxy`
    /// says; when the integration provides it.
    pub fn peer_address(&self) -> Option<SocketAddr> {
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

    /// The query as an object of strings (the first value of a repeated key).
    pub fn query_object(&self) -> Map {
        let mut map = Map::new();
        for (k, v) in &self.query {
            map.entry(k.clone())
                .or_insert_with(|| Value::String(v.clone()));
        }
        map
    }

    /// Whether the request came from another origin (Node's `xdomain`: an `Origin` header).
    pub fn xdomain(&self) -> bool {
        self.head.headers.contains_key(http::header::ORIGIN)
    }

    /// Whether the connection was encrypted (Node's `secure`). This layer does not see TLS:
    /// with [`Config::trust_proxy`](crate::Config::trust_proxy) on, a proxy says so with
    /// `X-Forwarded-Proto: https`; otherwise false (the header is the client's to write).
    pub fn secure(&self) -> bool {
        self.trust_proxy
            && self
                .head
                .headers
                .get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
    }

    /// The handshake time as JavaScript's `Date#toString()` writes it (Node's `time`), in UTC:
    /// `"Mon Nov 30 2026 15:38:29 GMT+0000 (Coordinated Universal Time)"`.
    pub fn time_string(&self) -> String {
        js_date_string(self.issued())
    }

    /// The handshake in the serializable shape of Node's `socket.handshake` (what `fetchSockets`
    /// reports across servers).
    pub fn to_info(&self) -> HandshakeInfo {
        let mut headers = Map::new();
        for (name, value) in &self.head.headers {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            match headers.get_mut(name.as_str()) {
                // Repeated headers are joined, as Node joins most of them.
                Some(Value::String(existing)) => {
                    existing.push_str(", ");
                    existing.push_str(&value);
                }
                _ => {
                    headers.insert(name.as_str().to_owned(), Value::String(value));
                }
            }
        }
        HandshakeInfo {
            headers,
            time: self.time_string(),
            address: self
                .address()
                .map(|a| a.ip().to_string())
                .unwrap_or_default(),
            xdomain: self.xdomain(),
            secure: self.secure(),
            issued: self.issued(),
            url: self.url().to_owned(),
            query: self.query_object(),
            auth: self.auth.clone(),
        }
    }
}

/// The first entry of `X-Forwarded-For`, as an address: `203.0.113.7`, `2001:db8::1`,
/// `[2001:db8::1]`, or with a port (`203.0.113.7:4711`, `[2001:db8::1]:4711`); an entry
/// without a port gets port 0.
fn forwarded_for(headers: &http::HeaderMap) -> Option<SocketAddr> {
    let value = headers.get("x-forwarded-for")?.to_str().ok()?;
    let first = value.split(',').next()?.trim();
    if let Ok(addr) = first.parse::<SocketAddr>() {
        return Some(addr);
    }
    let bare = first
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(first);
    bare.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, 0))
}

/// `Date#toString()` of a time in milliseconds since the epoch, in UTC.
pub(crate) fn js_date_string(ms: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = ms / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{} {} {:02} {} {:02}:{:02}:{:02} GMT+0000 (Coordinated Universal Time)",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        day,
        year,
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Year, month (1-12) and day (1-31) of a day count since 1970-01-01 (Howard Hinnant's
/// algorithm, for days after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
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
    fn javascript_date_strings() {
        assert_eq!(
            js_date_string(0),
            "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)"
        );
        // Seen from Node: `new Date(1796053109451).toString()` in UTC.
        assert_eq!(
            js_date_string(1_796_053_109_451),
            "Mon Nov 30 2026 15:38:29 GMT+0000 (Coordinated Universal Time)"
        );
        assert_eq!(
            js_date_string(951_782_400_000),
            "Tue Feb 29 2000 00:00:00 GMT+0000 (Coordinated Universal Time)"
        );
    }

    #[test]
    fn forwarded_for_takes_the_first_entry_as_an_address() {
        let cases: [(&str, Option<&str>); 8] = [
            ("203.0.113.7", Some("203.0.113.7:0")),
            ("203.0.113.7, 10.0.0.1", Some("203.0.113.7:0")),
            (" 203.0.113.7:4711 ,10.0.0.1", Some("203.0.113.7:4711")),
            ("2001:db8::1", Some("[2001:db8::1]:0")),
            ("[2001:db8::1]", Some("[2001:db8::1]:0")),
            ("[2001:db8::1]:4711", Some("[2001:db8::1]:4711")),
            ("unknown, 203.0.113.7", None),
            ("", None),
        ];
        for (value, want) in cases {
            let mut headers = http::HeaderMap::new();
            headers.insert("x-forwarded-for", value.parse().unwrap());
            let got = forwarded_for(&headers).map(|a| a.to_string());
            assert_eq!(got.as_deref(), want, "{value:?}");
        }
        assert_eq!(forwarded_for(&http::HeaderMap::new()), None);
    }

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
