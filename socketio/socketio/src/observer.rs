//! [`Observer`]: what the server tells instrumentation (the Admin UI, metrics) about its
//! connections, sockets, rooms and events. Nothing is computed when no observer is set.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use engineio::CloseReason;
use parking_lot::RwLock;
use socketio_codec::Value;

use crate::reason::DisconnectReason;
use crate::socket::SocketRef;
use crate::Sid;

/// Receives what happens in the server. Every method has an empty default; they run in the
/// task where it happens (a connection's task, mostly): keep them short and never block.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use socketio::{Observer, SocketIo, SocketRef};
///
/// #[derive(Default)]
/// struct Count(AtomicUsize);
/// impl Observer for Count {
///     fn socket_connected(&self, _socket: &SocketRef) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// let io = SocketIo::new(Default::default());
/// io.observe(Arc::new(Count::default()));
/// ```
#[allow(unused_variables)]
pub trait Observer: Send + Sync + 'static {
    /// An Engine.IO connection opened.
    fn engine_connected(&self, engine: &engineio::Socket) {}
    /// An Engine.IO connection moved to websocket.
    fn engine_upgraded(&self, engine: &engineio::Socket) {}
    /// An Engine.IO connection closed, with Node's reason.
    fn engine_closed(&self, engine: &engineio::Socket, reason: CloseReason) {}
    /// An Engine.IO message arrived (its length in bytes).
    fn message_in(&self, engine: &engineio::Socket, len: usize) {}
    /// An Engine.IO message was queued for a connection (its length in bytes).
    fn message_out(&self, len: usize) {}
    /// A socket joined its namespace (before the connection handlers run).
    fn socket_connected(&self, socket: &SocketRef) {}
    /// A socket left its namespace.
    fn socket_disconnected(&self, socket: &SocketRef, reason: DisconnectReason) {}
    /// A socket's `data` was set.
    fn data_changed(&self, socket: &SocketRef) {}
    /// An event arrived for a socket.
    fn event_received(&self, socket: &SocketRef, event: &str, args: &[Value]) {}
    /// An event was sent to a socket (once per receiving socket).
    fn event_sent(&self, socket: &SocketRef, event: &str, args: &[Value]) {}
    /// A socket of this server joined a room.
    fn room_joined(&self, nsp: &str, room: &str, sid: Sid) {}
    /// A socket of this server left a room.
    fn room_left(&self, nsp: &str, room: &str, sid: Sid) {}
    /// A room came to exist on this server.
    fn room_created(&self, nsp: &str, room: &str) {}
    /// A room of this server lost its last member.
    fn room_deleted(&self, nsp: &str, room: &str) {}
    /// The server is closing ([`SocketIo::close`](crate::SocketIo::close)), before its
    /// connections are: an observer stops its own timers here.
    fn server_closed(&self) {}
}

/// The observers of a server: a flag read on every path, the list only when it is set.
#[derive(Default)]
pub(crate) struct Observers {
    any: AtomicBool,
    list: RwLock<Vec<Arc<dyn Observer>>>,
}

impl Observers {
    pub(crate) fn add(&self, observer: Arc<dyn Observer>) {
        self.list.write().push(observer);
        self.any.store(true, Ordering::Release);
    }

    /// Whether there is any observer (one atomic load).
    pub(crate) fn active(&self) -> bool {
        self.any.load(Ordering::Acquire)
    }

    /// Calls `f` for every observer.
    pub(crate) fn each(&self, f: impl Fn(&dyn Observer)) {
        if !self.active() {
            return;
        }
        let list = self.list.read().clone();
        for o in &list {
            f(&**o);
        }
    }
}

impl std::fmt::Debug for Observers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observers")
            .field("active", &self.active())
            .finish()
    }
}
