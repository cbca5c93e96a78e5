//! Why a session ended.

use std::fmt;

/// The reason a session closed, with Node's exact strings (see [`CloseReason::as_str`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// The peer closed the transport (websocket closed, or a `1` packet over polling).
    TransportClose,
    /// A transport-level rule was broken (overlapping requests, wrong heartbeat direction,
    /// oversized websocket frame, binary POST body on v4, ...).
    TransportError,
    /// The peer sent a packet or payload that does not decode.
    ParseError,
    /// No pong (v4) or no ping (v3) arrived in time.
    PingTimeout,
    /// The server application closed the session.
    ForcedClose,
    /// The server closed the session on behalf of a higher layer (Socket.IO `disconnect(true)`).
    ForcedServerClose,
    /// The whole server is shutting down.
    ServerShuttingDown,
}

impl CloseReason {
    /// Node's string for this reason (`"transport close"`, `"ping timeout"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::TransportClose => "transport close",
            CloseReason::TransportError => "transport error",
            CloseReason::ParseError => "parse error",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ForcedClose => "forced close",
            CloseReason::ForcedServerClose => "forced server close",
            CloseReason::ServerShuttingDown => "server shutting down",
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
