//! What the UI receives about a socket (Node's `serialize`), and dates as JavaScript writes
//! them.

use std::time::{SystemTime, UNIX_EPOCH};

use socketio::{HandshakeInfo, Map, RemoteSocket, SocketRef, Value};

/// The key of `socket.data` where the connection's id and transport travel (Node keeps
/// `socket.data._admin = { clientId, transport }`, so that `fetchSockets` on another server
/// knows them); it is never shown in `data`.
pub(crate) const ADMIN_KEY: &str = "_admin";

/// A socket of this server, as `socket_connected` and `all_sockets` carry it. Key order as
/// Node's: `id, clientId, transport, nsp, data, handshake, rooms`.
pub(crate) fn local_socket(socket: &SocketRef) -> Value {
    let engine = socket.engine_id();
    let rooms = socket
        .rooms()
        .iter()
        .map(|r| Value::String(r.to_string()))
        .collect();
    serialized(
        socket.id().as_str(),
        Some(client_id(engine.as_str())),
        Some(socket.transport().as_str().to_owned()),
        socket.ns(),
        &socket.data_value(),
        &socket.handshake().to_info(),
        rooms,
    )
}

/// A socket found by `fetch_sockets` in namespace `nsp`: live values for one of this server
/// (`local`), what its server wrote in `data._admin` for another.
pub(crate) fn remote_socket(socket: &RemoteSocket, nsp: &str, local: Option<&SocketRef>) -> Value {
    let data = socket.data_value();
    let (client, transport) = match local {
        Some(s) => (
            Some(client_id(s.engine_id().as_str())),
            Some(s.transport().as_str().to_owned()),
        ),
        None => {
            let admin = data.get(ADMIN_KEY);
            let field = |k: &str| {
                admin
                    .and_then(|a| a.get(k))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            (field("clientId"), field("transport"))
        }
    };
    let rooms = socket
        .rooms()
        .iter()
        .map(|r| Value::String(r.to_string()))
        .collect();
    serialized(
        socket.id().as_str(),
        client,
        transport,
        nsp,
        data,
        socket.handshake(),
        rooms,
    )
}

fn serialized(
    id: &str,
    client: Option<String>,
    transport: Option<String>,
    nsp: &str,
    data: &Value,
    handshake: &HandshakeInfo,
    rooms: Vec<Value>,
) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), Value::from(id));
    // Unknown (a socket of a server that is not instrumented): left out, as JSON drops
    // Node's `undefined`.
    if let Some(client) = client {
        out.insert("clientId".into(), Value::String(client));
    }
    if let Some(transport) = transport {
        out.insert("transport".into(), Value::String(transport));
    }
    out.insert("nsp".into(), Value::from(nsp));
    out.insert("data".into(), public_data(data));
    out.insert("handshake".into(), handshake_value(handshake));
    out.insert("rooms".into(), Value::Array(rooms));
    Value::Object(out)
}

/// The first 12 characters of the Engine.IO id (Node's `clientId`).
pub(crate) fn client_id(engine_sid: &str) -> String {
    engine_sid.chars().take(12).collect()
}

/// `socket.data` without the admin's own key.
pub(crate) fn public_data(data: &Value) -> Value {
    match data {
        Value::Object(map) if map.contains_key(ADMIN_KEY) => {
            let mut map = map.clone();
            map.shift_remove(ADMIN_KEY);
            Value::Object(map)
        }
        other => other.clone(),
    }
}

/// The handshake without `auth` (credentials never leave), the address as a proxy reports
/// it. Key order: `address, headers, query, issued, secure, time, url, xdomain`.
fn handshake_value(h: &HandshakeInfo) -> Value {
    let header = |name: &str| {
        h.headers
            .get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let address = header("cf-connecting-ip")
        .or_else(|| header("x-forwarded-for"))
        .unwrap_or(&h.address);
    let mut out = Map::new();
    out.insert("address".into(), Value::from(address));
    out.insert("headers".into(), Value::Object(h.headers.clone()));
    out.insert("query".into(), Value::Object(h.query.clone()));
    out.insert("issued".into(), Value::from(h.issued));
    out.insert("secure".into(), Value::Bool(h.secure));
    out.insert("time".into(), Value::from(h.time.as_str()));
    out.insert("url".into(), Value::from(h.url.as_str()));
    out.insert("xdomain".into(), Value::Bool(h.xdomain));
    Value::Object(out)
}

/// Milliseconds since the epoch, now.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Now, as JavaScript's `new Date().toISOString()` writes it.
pub(crate) fn now_iso() -> String {
    iso_date(now_ms())
}

/// A time in milliseconds since the epoch as `Date#toISOString()` writes it:
/// `2026-11-30T15:42:33.000Z` (UTC, millisecond precision).
pub(crate) fn iso_date(ms: u64) -> String {
    let secs = ms / 1000;
    let (year, month, day) = date_of_day(secs / 86_400);
    let rem = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// The calendar date (year, month 1-12, day 1-31) of a day number counted from 1970-01-01:
/// the proleptic Gregorian calendar, with years counted from March so that the leap day
/// comes last.
fn date_of_day(day: u64) -> (u64, u64, u64) {
    const DAYS_PER_400Y: u64 = 146_097;
    // Day 0 of a March-based era that starts on 0000-03-01.
    let shifted = day + 719_468;
    let era = shifted / DAYS_PER_400Y;
    let day_of_era = shifted % DAYS_PER_400Y;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day_of_month = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day_of_month)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_as_javascript_writes_them() {
        assert_eq!(iso_date(0), "1970-01-01T00:00:00.000Z");
        // `new Date(1796053353000).toISOString()` (the research capture).
        assert_eq!(iso_date(1_796_053_353_000), "2026-11-30T15:42:33.000Z");
        assert_eq!(iso_date(1_796_053_352_999), "2026-11-30T15:42:32.999Z");
        assert_eq!(iso_date(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso_date(951_868_799_001), "2000-02-29T23:59:59.001Z");
        assert_eq!(iso_date(4_107_542_400_000), "2100-03-01T00:00:00.000Z");
        assert_eq!(iso_date(1_709_251_199_999), "2024-02-29T23:59:59.999Z");
    }

    #[test]
    fn client_ids_are_12_characters() {
        assert_eq!(client_id("5Apkr1KDch-EAAAB"), "5Apkr1KDch-E");
        assert_eq!(client_id("short"), "short");
    }

    #[test]
    fn the_admin_key_is_hidden() {
        let mut map = Map::new();
        map.insert("nick".into(), Value::from("bob"));
        map.insert(ADMIN_KEY.into(), Value::from("x"));
        map.insert("age".into(), Value::from(3u64));
        let shown = public_data(&Value::Object(map));
        let keys: Vec<&String> = shown
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["nick", "age"]);
        assert_eq!(public_data(&Value::from(1u64)), Value::from(1u64));
    }
}
