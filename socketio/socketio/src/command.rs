//! How other code reaches the state of a connection, which its session task owns.
//!
//! Two ways in, and no lock on the connection's insides:
//! - [`SocketOp`]s (registering and removing listeners, middlewares) go to the connection's
//!   inbox, a channel the connection drains before it dispatches anything. They need no
//!   wake-up: they matter only for what the connection handles next, and registrations made
//!   while a packet is being handled apply to the very next packet.
//! - [`ClientCommand`]s (an ack to wait for, a disconnect, a middleware that finished, an
//!   event whose async packet middlewares passed) go through the Engine.IO session's own queue
//!   (`engineio::Socket::try_send_command`), which wakes the session task, in order with the
//!   packets sent before them.

use std::sync::Arc;
use std::time::Duration;

use socketio_codec::Value;

use crate::ack::AckWaiter;
use crate::error::MiddlewareError;
use crate::extract::ErasedHandler;
use crate::listeners::{
    AnyListener, ErrorListener, IncomingEvent, ListenerId, PacketMiddleware, ReasonListener,
};
use crate::Sid;

/// A change to a socket's listeners, applied by its connection before the next dispatch.
pub(crate) struct SocketOp {
    pub(crate) sid: Sid,
    pub(crate) op: Op,
}

pub(crate) enum Op {
    /// `socket.on(event, handler)` / `socket.once(..)`.
    On {
        event: Arc<str>,
        id: ListenerId,
        handler: Arc<dyn ErasedHandler>,
        once: bool,
    },
    /// `socket.off(event, id)`; every listener of the event when `id` is `None`.
    Off {
        event: Arc<str>,
        id: Option<ListenerId>,
    },
    /// `socket.onAny` / `prependAny` / `onAnyOutgoing` / `prependAnyOutgoing`.
    OnAny {
        id: ListenerId,
        listener: AnyListener,
        prepend: bool,
        outgoing: bool,
    },
    /// `socket.offAny` / `offAnyOutgoing`; every one when `id` is `None`.
    OffAny {
        id: Option<ListenerId>,
        outgoing: bool,
    },
    /// `socket.on("disconnecting")`.
    OnDisconnecting(ReasonListener),
    /// `socket.on("disconnect")`.
    OnDisconnect(ReasonListener),
    /// `socket.on("error")`.
    OnError(ErrorListener),
    /// `socket.use(..)`.
    Use(PacketMiddleware),
}

/// A command for a connection's session task.
pub(crate) enum ClientCommand {
    /// Wait for the ack `id` of a packet about to be sent to `sid`, at most `timeout`.
    RegisterAck {
        sid: Sid,
        id: u64,
        waiter: AckWaiter,
        timeout: Duration,
    },
    /// Tell the outgoing catch-all listeners of `sid` about an event sent to it.
    NotifyOutgoing {
        sid: Sid,
        event: String,
        args: Vec<Value>,
    },
    /// `socket.disconnect()` / `disconnect(true)` from any task.
    Disconnect { sid: Sid, close: bool },
    /// The connect middlewares of `sid` finished.
    ConnectDone {
        sid: Sid,
        result: Result<(), MiddlewareError>,
    },
    /// An async dynamic-namespace matcher decided about `nsp` (`None`: no parent wants it).
    NamespaceResolved {
        nsp: String,
        auth: Value,
        ns: Option<crate::namespace::Namespace>,
    },
    /// The adapter answered a recovery attempt for a CONNECT to `ns`.
    Restored {
        ns: crate::namespace::Namespace,
        auth: Value,
        result: Result<socketio_adapter::RestoredSession, socketio_adapter::RecoveryFailure>,
    },
    /// The async packet middlewares of an event of `sid` finished.
    EventChecked {
        sid: Sid,
        result: Result<IncomingEvent, MiddlewareError>,
    },
}
