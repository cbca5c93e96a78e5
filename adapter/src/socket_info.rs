//! A socket as `fetchSockets` describes it, on this server or another: [`SocketInfo`].

use serde::{Deserialize, Serialize};
use socketio_codec::{Map, Value};

use crate::{Room, Sid};

/// The handshake of a socket, in the shape and key order of Node's `socket.handshake` as the
/// Redis adapters send it between servers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HandshakeInfo {
    /// The request headers, lower-case names, string values.
    #[serde(default)]
    pub headers: Map,
    /// When the handshake happened, in JavaScript's `Date#toString()` form
    /// (`"Mon Nov 30 2026 15:38:29 GMT+0000 (Coordinated Universal Time)"`).
    #[serde(default)]
    pub time: String,
    /// The peer address.
    #[serde(default)]
    pub address: String,
    /// Whether the request came from another origin (an `Origin` header was sent).
    #[serde(default)]
    pub xdomain: bool,
    /// Whether the connection was encrypted.
    #[serde(default)]
    pub secure: bool,
    /// When the handshake happened, in milliseconds since the epoch.
    #[serde(default)]
    pub issued: u64,
    /// The request URL (path and query).
    #[serde(default)]
    pub url: String,
    /// The query parameters (with `EIO` and `transport`), string values.
    #[serde(default)]
    pub query: Map,
    /// The CONNECT payload (`{}` when none).
    #[serde(default)]
    pub auth: Value,
}

/// A socket found by `fetchSockets`: its id, handshake, rooms and data (`socket.data`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SocketInfo {
    /// The socket id.
    #[serde(with = "crate::serde_sid")]
    pub id: Sid,
    /// The handshake.
    #[serde(default)]
    pub handshake: HandshakeInfo,
    /// The rooms (its own id included).
    #[serde(default)]
    pub rooms: Vec<Room>,
    /// `socket.data`.
    #[serde(default)]
    pub data: Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_fetch_sockets_shape_round_trips() {
        // A socket as a Node server answers a fetchSockets request (Redis adapter 8.3).
        let json = r#"{"id":"HrSbG1ICjDSvjrrSAAAC","handshake":{"headers":{"host":"127.0.0.1:3102"},"time":"Mon Nov 30 2026 15:38:29 GMT+0000 (Coordinated Universal Time)","address":"::ffff:127.0.0.1","xdomain":false,"secure":false,"issued":1796053109451,"url":"/socket.io/?EIO=4&transport=websocket","query":{"EIO":"4","transport":"websocket"},"auth":{"user":"b1"}},"rooms":["HrSbG1ICjDSvjrrSAAAC","room1"],"data":{"user":"b1","n":1}}"#;
        let info: SocketInfo = serde_json::from_str(json).unwrap();
        assert_eq!(info.id.as_str(), "HrSbG1ICjDSvjrrSAAAC");
        assert_eq!(info.handshake.issued, 1796053109451);
        assert_eq!(info.rooms.len(), 2);
        assert_eq!(serde_json::to_string(&info).unwrap(), json);
        assert!(serde_json::from_str::<SocketInfo>(r#"{"id":"short"}"#).is_err());
    }
}
