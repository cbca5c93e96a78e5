//! The adapter: where rooms live and how broadcasts find their targets.
//!
//! The [`Adapter`] trait mirrors Node's adapter interface so that a cross-server adapter (the
//! Redis adapter's request types: broadcast, broadcast with acks, sockets join/leave,
//! disconnect, fetch sockets, server-side emit, server count) and connection state recovery
//! (persist/restore a session, replay by offset) can implement it. [`MemoryAdapter`] is the
//! default: the in-process rooms index of `socketio-adapter-memory`.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock, Weak};

use serde_json::Value;
use socketio_adapter_memory::{RoomEvent, RoomsIndex};
use tokio::sync::mpsc;

use crate::emit::EncodedPacket;
use crate::error::AckResponse;
use crate::namespace::Namespace;
use crate::socket::SocketRef;
use crate::Sid;

/// A boxed future, as adapter methods that may cross servers return.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Who a broadcast or a sockets operation targets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BroadcastOptions {
    /// Rooms to reach (every socket when empty).
    pub rooms: Vec<String>,
    /// Rooms whose members are skipped.
    pub except: Vec<String>,
    /// Sockets skipped (the sender, for `socket.broadcast`).
    pub except_sids: Vec<Sid>,
    /// This server only (no effect on one node).
    pub local: bool,
    /// Drop instead of queue when a connection cannot take the packet now.
    pub volatile: bool,
}

/// A socket found by `fetch_sockets`: on this server, the socket itself; a cross-server
/// adapter may return sockets of other servers with `local: None`.
#[derive(Clone, Debug)]
pub struct RemoteSocket {
    /// The socket id.
    pub id: Sid,
    /// Its rooms.
    pub rooms: Vec<String>,
    /// The socket, when it lives on this server.
    pub local: Option<SocketRef>,
}

/// A disconnected session kept for connection state recovery.
#[derive(Clone, Debug)]
pub struct PersistedSession {
    /// The socket id.
    pub sid: Sid,
    /// The private session id.
    pub pid: String,
    /// The rooms.
    pub rooms: Vec<String>,
    /// The socket data.
    pub data: Value,
}

/// A rooms index plus broadcast delivery, one per namespace (Node's `Adapter`).
pub trait Adapter: Send + Sync + 'static {
    /// Adds a socket to rooms.
    fn add_all(&self, sid: Sid, rooms: &[&str]);
    /// Removes a socket from a room.
    fn del(&self, sid: Sid, room: &str);
    /// Removes a socket from every room.
    fn del_all(&self, sid: Sid);
    /// The rooms of a socket.
    fn socket_rooms(&self, sid: Sid) -> Vec<String>;
    /// The local sockets a broadcast with these options reaches.
    fn sockets(&self, opts: &BroadcastOptions) -> Vec<Sid>;
    /// Delivers an encoded packet to every target. Returns how many local sockets got it.
    fn broadcast(&self, packet: &EncodedPacket, opts: &BroadcastOptions) -> usize;
    /// Delivers a packet expecting acks: each target registers `ack_id` to answer on `acks`.
    /// Returns how many answers to expect (a cross-server adapter adds remote counts).
    fn broadcast_with_ack(
        &self,
        packet: &EncodedPacket,
        ack_id: u64,
        opts: &BroadcastOptions,
        acks: &mpsc::UnboundedSender<AckResponse>,
    ) -> usize;
    /// The sockets targeted by `opts`, with their rooms.
    fn fetch_sockets(&self, opts: &BroadcastOptions) -> BoxFuture<Vec<RemoteSocket>>;
    /// Makes the targets join rooms.
    fn add_sockets(&self, opts: &BroadcastOptions, rooms: &[&str]);
    /// Makes the targets leave rooms.
    fn del_sockets(&self, opts: &BroadcastOptions, rooms: &[&str]);
    /// Disconnects the targets (closing their connections when `close`).
    fn disconnect_sockets(&self, opts: &BroadcastOptions, close: bool);
    /// Emits to the other servers of the cluster (nothing to do on one node).
    fn server_side_emit(&self, _packet: &EncodedPacket) {}
    /// How many servers share this namespace.
    fn server_count(&self) -> BoxFuture<usize> {
        Box::pin(async { 1 })
    }
    /// Keeps a disconnected session for connection state recovery (no-op by default).
    fn persist_session(&self, _session: PersistedSession) {}
    /// Finds a persisted session by private id and offset (none by default).
    fn restore_session(&self, _pid: &str, _offset: &str) -> BoxFuture<Option<PersistedSession>> {
        Box::pin(async { None })
    }
}

/// Builds the adapter of a namespace.
pub type AdapterFactory = Arc<dyn Fn(Weak<Namespace>) -> Arc<dyn Adapter> + Send + Sync>;

/// Listens to room events (create, delete, join, leave).
pub type RoomListener = Arc<dyn Fn(&str, &RoomEvent<Sid>) + Send + Sync>;

/// The in-process adapter: a rooms index read-locked on the emit path.
pub struct MemoryAdapter {
    ns: Weak<Namespace>,
    index: RwLock<RoomsIndex<Sid>>,
    listener: Option<RoomListener>,
}

impl MemoryAdapter {
    /// The adapter of one namespace.
    pub fn new(ns: Weak<Namespace>) -> Self {
        MemoryAdapter {
            ns,
            index: RwLock::new(RoomsIndex::default()),
            listener: None,
        }
    }

    /// The same, reporting room events to `listener` with the namespace name.
    pub fn with_listener(ns: Weak<Namespace>, listener: RoomListener) -> Self {
        MemoryAdapter {
            listener: Some(listener),
            ..MemoryAdapter::new(ns)
        }
    }

    fn write(&self, f: impl FnOnce(&mut RoomsIndex<Sid>, &mut Vec<RoomEvent<Sid>>)) {
        let mut events = Vec::new();
        if let Ok(mut index) = self.index.write() {
            f(&mut index, &mut events);
        }
        if let (Some(listener), Some(ns)) = (&self.listener, self.ns.upgrade()) {
            for e in &events {
                listener(ns.name(), e);
            }
        }
    }

    fn targets(&self, opts: &BroadcastOptions) -> Vec<SocketRef> {
        let Some(ns) = self.ns.upgrade() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Ok(index) = self.index.read() {
            ns.with_sockets(|sockets| {
                index.resolve(&opts.rooms, &opts.except, &opts.except_sids, |sid| {
                    if let Some(s) = sockets.get(&sid) {
                        out.push(s.clone());
                    }
                });
            });
        }
        out
    }
}

impl Adapter for MemoryAdapter {
    fn add_all(&self, sid: Sid, rooms: &[&str]) {
        self.write(|index, events| index.add_all(sid, rooms.iter().copied(), events));
    }

    fn del(&self, sid: Sid, room: &str) {
        self.write(|index, events| index.del(sid, room, events));
    }

    fn del_all(&self, sid: Sid) {
        self.write(|index, events| index.del_all(sid, events));
    }

    fn socket_rooms(&self, sid: Sid) -> Vec<String> {
        match self.index.read() {
            Ok(index) => index.socket_rooms(&sid).map(|r| r.to_string()).collect(),
            Err(_) => Vec::new(),
        }
    }

    fn sockets(&self, opts: &BroadcastOptions) -> Vec<Sid> {
        let mut out = Vec::new();
        if let Ok(index) = self.index.read() {
            index.resolve(&opts.rooms, &opts.except, &opts.except_sids, |sid| {
                out.push(sid)
            });
        }
        out
    }

    fn broadcast(&self, packet: &EncodedPacket, opts: &BroadcastOptions) -> usize {
        let mut count = 0;
        for socket in self.targets(opts) {
            socket.notify_outgoing(packet);
            if socket.send_encoded(packet, opts.volatile).is_ok() {
                count += 1;
            }
        }
        count
    }

    fn broadcast_with_ack(
        &self,
        packet: &EncodedPacket,
        ack_id: u64,
        opts: &BroadcastOptions,
        acks: &mpsc::UnboundedSender<AckResponse>,
    ) -> usize {
        let mut count = 0;
        for socket in self.targets(opts) {
            socket.register_ack(ack_id, crate::ack::AckWaiter::Many(acks.clone()));
            socket.notify_outgoing(packet);
            if socket.send_encoded(packet, opts.volatile).is_ok() {
                count += 1;
            } else {
                socket.forget_ack(ack_id);
            }
        }
        count
    }

    fn fetch_sockets(&self, opts: &BroadcastOptions) -> BoxFuture<Vec<RemoteSocket>> {
        let sockets: Vec<RemoteSocket> = self
            .targets(opts)
            .into_iter()
            .map(|s| RemoteSocket {
                id: s.id(),
                rooms: s.rooms(),
                local: Some(s),
            })
            .collect();
        Box::pin(async move { sockets })
    }

    fn add_sockets(&self, opts: &BroadcastOptions, rooms: &[&str]) {
        for socket in self.targets(opts) {
            socket.join(rooms.iter().copied());
        }
    }

    fn del_sockets(&self, opts: &BroadcastOptions, rooms: &[&str]) {
        for socket in self.targets(opts) {
            for room in rooms {
                socket.leave(room);
            }
        }
    }

    fn disconnect_sockets(&self, opts: &BroadcastOptions, close: bool) {
        for socket in self.targets(opts) {
            if close {
                socket.disconnect_and_close();
            } else {
                socket.disconnect();
            }
        }
    }
}
