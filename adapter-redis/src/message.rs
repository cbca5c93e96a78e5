//! What servers of a cluster tell each other, whatever the wire format: Node's
//! `ClusterMessage`s, and the classic adapter's requests, which say the same things.

use socketio_adapter::{BroadcastOptions, Packet, Room, SocketInfo, Value};

/// A message from one server to the others (a broadcast, a request, a heartbeat).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Request {
    /// Deliver to the targets.
    Broadcast {
        packet: Packet,
        opts: BroadcastOptions,
    },
    /// Deliver to the targets and report the count and every ack.
    BroadcastWithAck {
        request_id: String,
        packet: Packet,
        opts: BroadcastOptions,
    },
    /// The targets join rooms.
    SocketsJoin {
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    },
    /// The targets leave rooms.
    SocketsLeave {
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    },
    /// Disconnect the targets.
    DisconnectSockets { opts: BroadcastOptions, close: bool },
    /// Describe the targets.
    FetchSockets {
        request_id: String,
        opts: BroadcastOptions,
    },
    /// A server-side emit (`[event, ...args]`), answered when `request_id` is set.
    ServerSideEmit {
        request_id: Option<String>,
        args: Vec<Value>,
    },
    /// Every room (classic ALL_ROOMS).
    AllRooms { request_id: String },
    /// The ids of the sockets in rooms (classic SOCKETS, legacy).
    Sockets {
        request_id: String,
        rooms: Vec<Room>,
    },
    /// One socket joins, leaves, or is disconnected (classic REMOTE_JOIN / REMOTE_LEAVE /
    /// REMOTE_DISCONNECT with a `sid`, legacy); answered by its server.
    OneSocket {
        request_id: String,
        sid: String,
        action: OneSocketAction,
    },
    /// A server joined (cluster INITIAL_HEARTBEAT).
    InitialHeartbeat,
    /// A server is alive (cluster HEARTBEAT).
    Heartbeat,
    /// A server left (cluster ADAPTER_CLOSE).
    AdapterClose,
}

/// What a legacy one-socket request does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OneSocketAction {
    Join(Room),
    Leave(Room),
    Disconnect(bool),
}

/// An answer to a request.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Response {
    /// The sockets of one server.
    FetchSockets {
        request_id: String,
        sockets: Vec<SocketInfo>,
    },
    /// One server's answer to a server-side emit.
    ServerSideEmit { request_id: String, value: Value },
    /// How many sockets of one server got a broadcast with ack.
    ClientCount { request_id: String, count: usize },
    /// One socket's ack to a broadcast (its first argument).
    BroadcastAck { request_id: String, value: Value },
    /// The rooms of one server.
    AllRooms {
        request_id: String,
        rooms: Vec<Room>,
    },
    /// Socket ids of one server (legacy SOCKETS).
    Sockets {
        request_id: String,
        sids: Vec<String>,
    },
    /// A legacy one-socket request was done.
    Done { request_id: String },
}

impl Response {
    pub(crate) fn request_id(&self) -> &str {
        match self {
            Response::FetchSockets { request_id, .. }
            | Response::ServerSideEmit { request_id, .. }
            | Response::ClientCount { request_id, .. }
            | Response::BroadcastAck { request_id, .. }
            | Response::AllRooms { request_id, .. }
            | Response::Sockets { request_id, .. }
            | Response::Done { request_id } => request_id,
        }
    }
}

/// What a request waits for, to read answers that do not say their type (the classic
/// adapter's SOCKETS, ALL_ROOMS and REMOTE_FETCH answers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequestKind {
    FetchSockets,
    ServerSideEmit,
    BroadcastWithAck,
    AllRooms,
}

/// A decoded message: from which server (`None`: the emitter or an old sender), and what.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Incoming {
    Request {
        uid: Option<String>,
        request: Request,
    },
    Response(Response),
}

/// A random id of `len` characters in Node's `uid2` alphabet.
pub(crate) fn uid2(len: usize) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..len)
        .map(|_| char::from(ALPHABET[usize::from(rand::random::<u8>() & 63)]))
        .collect()
}

/// A random id of 16 lowercase hex characters (Node's `randomBytes(8).toString("hex")`).
pub(crate) fn hex16() -> String {
    let bytes: [u8; 8] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
