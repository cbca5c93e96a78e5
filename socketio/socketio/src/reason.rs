//! Why a socket left its namespace.

use std::fmt;

use engineio::CloseReason;

/// Why a socket disconnected, with Node's exact strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The connection was closed by the peer (or its network).
    TransportClose,
    /// The connection broke a transport rule.
    TransportError,
    /// The peer sent something that does not decode.
    ParseError,
    /// The peer stopped answering the heartbeat.
    PingTimeout,
    /// The connection was closed by the server.
    ForcedClose,
    /// The server closed the connection with `disconnect(true)`.
    ForcedServerClose,
    /// The server is shutting down.
    ServerShuttingDown,
    /// The client left the namespace (`socket.disconnect()` on the client).
    ClientNamespaceDisconnect,
    /// The server removed the socket from the namespace (`socket.disconnect()`).
    ServerNamespaceDisconnect,
}

impl DisconnectReason {
    /// Whether connection state recovery keeps the session (Node's
    /// `RECOVERABLE_DISCONNECT_REASONS`): the connection was lost, not the namespace left.
    pub fn is_recoverable(self) -> bool {
        matches!(
            self,
            DisconnectReason::TransportError
                | DisconnectReason::TransportClose
                | DisconnectReason::ForcedClose
                | DisconnectReason::PingTimeout
                | DisconnectReason::ServerShuttingDown
                | DisconnectReason::ForcedServerClose
        )
    }

    /// Node's string (`"transport close"`, `"client namespace disconnect"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::ParseError => "parse error",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::ForcedClose => "forced close",
            DisconnectReason::ForcedServerClose => "forced server close",
            DisconnectReason::ServerShuttingDown => "server shutting down",
            DisconnectReason::ClientNamespaceDisconnect => "client namespace disconnect",
            DisconnectReason::ServerNamespaceDisconnect => "server namespace disconnect",
        }
    }
}

impl From<CloseReason> for DisconnectReason {
    fn from(reason: CloseReason) -> Self {
        match reason {
            CloseReason::TransportClose => DisconnectReason::TransportClose,
            CloseReason::TransportError => DisconnectReason::TransportError,
            CloseReason::ParseError => DisconnectReason::ParseError,
            CloseReason::PingTimeout => DisconnectReason::PingTimeout,
            CloseReason::ForcedServerClose => DisconnectReason::ForcedServerClose,
            CloseReason::ServerShuttingDown => DisconnectReason::ServerShuttingDown,
            _ => DisconnectReason::ForcedClose,
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for DisconnectReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
