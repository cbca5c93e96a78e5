//! What connection state recovery keeps of a disconnected socket: [`Session`].

use std::time::Duration;

use serde::{Deserialize, Serialize};
use socketio_codec::{Packet, Value};

use crate::{AdapterError, Room, Sid};

/// What the server asks of its adapter for connection state recovery (Node's
/// `connectionStateRecovery`), plus the bounds of what may be kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecoverySettings {
    /// How long a disconnected session (and the packets it may miss) is kept (Node's
    /// `maxDisconnectionDuration`).
    pub max_disconnection_duration: Duration,
    /// The most packets kept for replay; past it the oldest go (a client that needs them
    /// gets a new session).
    pub max_packets: usize,
    /// The most bytes of packet data kept for replay (approximate: string and binary lengths);
    /// past it the oldest packets go.
    pub max_bytes: usize,
    /// The most disconnected sessions kept; past it the oldest go.
    pub max_sessions: usize,
}

/// Why a session could not be recovered (the client then gets a new session).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecoveryFailure {
    /// No session with that private id (never existed, already restored, or dropped).
    #[error("unknown session")]
    UnknownSession,
    /// The session outlived `max_disconnection_duration`.
    #[error("session expired")]
    Expired,
    /// The offset is not (or no longer) known: the packets after it cannot be replayed.
    #[error("offset not found (too old or unknown)")]
    OffsetNotFound,
    /// The adapter keeps no sessions.
    #[error("the adapter does not support connection state recovery")]
    Unsupported,
    /// The backend could not be asked.
    #[error(transparent)]
    Backend(#[from] AdapterError),
}

impl RecoveryFailure {
    /// A short label for logs and metrics (`unknown_session`, `expired`, ...).
    pub fn label(&self) -> &'static str {
        match self {
            RecoveryFailure::UnknownSession => "unknown_session",
            RecoveryFailure::Expired => "expired",
            RecoveryFailure::OffsetNotFound => "offset_not_found",
            RecoveryFailure::Unsupported => "unsupported",
            RecoveryFailure::Backend(_) => "backend",
        }
    }
}

/// A disconnected socket kept for recovery (Node's `SessionToPersist`): its id, private id,
/// rooms and data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The socket id, given back on recovery.
    #[serde(with = "crate::serde_sid")]
    pub sid: Sid,
    /// The private session id the client presents to recover (`pid`).
    pub pid: String,
    /// The rooms (its own id included).
    pub rooms: Vec<Room>,
    /// `socket.data`.
    pub data: Value,
}

/// What an adapter keeps for recovery on this server ([`Adapter::recovery_stats`](crate::Adapter::recovery_stats)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecoveryStats {
    /// Disconnected sessions kept.
    pub sessions: usize,
    /// Packets kept for replay.
    pub packets: usize,
    /// Their approximate size in bytes (what `max_bytes` bounds).
    pub bytes: usize,
}

/// A session found again, with the packets the socket missed since the client's offset, in
/// order (each already carrying its offset as its last argument).
#[derive(Clone, Debug, PartialEq)]
pub struct RestoredSession {
    /// The session.
    pub session: Session,
    /// The missed EVENT packets, oldest first.
    pub missed: Vec<Packet>,
}
