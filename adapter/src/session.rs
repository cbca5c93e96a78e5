//! What connection state recovery keeps of a disconnected socket: [`Session`].

use serde::{Deserialize, Serialize};
use socketio_codec::{Packet, Value};

use crate::{Room, Sid};

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

/// A session found again, with the packets the socket missed since the client's offset, in
/// order (each already carrying its offset as its last argument).
#[derive(Clone, Debug, PartialEq)]
pub struct RestoredSession {
    /// The session.
    pub session: Session,
    /// The missed EVENT packets, oldest first.
    pub missed: Vec<Packet>,
}
