//! Protocol settings shared by request routing and every session.

use std::time::Duration;

/// Which transports the server accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transports {
    /// HTTP long-polling. Default: on.
    pub polling: bool,
    /// WebSocket. Default: on.
    pub websocket: bool,
}

impl Default for Transports {
    fn default() -> Self {
        Transports {
            polling: true,
            websocket: true,
        }
    }
}

/// The protocol-level settings, with the Node `engine.io` server's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// How often the server pings a v4 client (and, for v3, how often the client must ping).
    /// Default 25000 ms, as Node's `pingInterval`.
    pub ping_interval: Duration,
    /// How long to wait for the pong after a ping before closing with "ping timeout".
    /// Default 20000 ms, as Node's `pingTimeout`.
    pub ping_timeout: Duration,
    /// How long an upgrading websocket may take to send `5`. Default 10000 ms, as Node's `upgradeTimeout`.
    pub upgrade_timeout: Duration,
    /// How long a server-initiated close on polling waits for a GET to carry the close packet.
    /// Default 30000 ms, as Node's polling `closeTimeout`.
    pub close_timeout: Duration,
    /// The largest POST body or websocket message accepted, in bytes. Default 1e6, as Node's
    /// `maxHttpBufferSize`; sent to clients as `maxPayload`.
    pub max_payload: usize,
    /// Enabled transports. Default: polling and websocket.
    pub transports: Transports,
    /// Whether polling sessions may upgrade to websocket. Default true, as Node's `allowUpgrades`.
    pub allow_upgrades: bool,
    /// Whether Engine.IO v3 clients (Socket.IO 2.x) are accepted. Default false, as Node's `allowEIO3`.
    pub allow_eio3: bool,
    /// How many packets may wait in a session's outgoing buffer (a polling client that does not
    /// poll). Node has no limit; we bound it so a vanished peer cannot grow memory without end.
    /// Default 1024. A send beyond it fails with [`SendError::Full`](crate::SendError::Full).
    pub max_buffered_packets: usize,
    /// A message queued right after the open packet of every session (Node's
    /// `initialPacket`), so that the handshake carries both: the polling handshake answer is
    /// `0{...}\x1e4<packet>`, a websocket gets it as the second frame. Default none.
    pub initial_packet: Option<engineio_codec::Data>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ping_interval: Duration::from_millis(25_000),
            ping_timeout: Duration::from_millis(20_000),
            upgrade_timeout: Duration::from_millis(10_000),
            close_timeout: Duration::from_millis(30_000),
            max_payload: 1_000_000,
            transports: Transports::default(),
            allow_upgrades: true,
            allow_eio3: false,
            max_buffered_packets: 1024,
            initial_packet: None,
        }
    }
}
