//! The state of one socket that its connection owns: event handlers, catch-all listeners,
//! disconnect and error listeners, packet middlewares, and the acks it waits for.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use socketio_codec::Value;

use crate::ack::{AckSender, AckWaiter};
use crate::command::Op;
use crate::error::MiddlewareError;
use crate::extract::{ErasedHandler, EventParts};
use crate::reason::DisconnectReason;
use crate::socket::SocketRef;

/// Identifies one registered listener, to remove it with `off` / `off_any`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

impl ListenerId {
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        ListenerId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A catch-all listener: the socket, the event name and its arguments.
pub(crate) type AnyListener = Arc<dyn Fn(&SocketRef, &str, &[Value]) + Send + Sync>;
/// A `disconnecting` / `disconnect` listener: the reason and Node's description.
pub(crate) type ReasonListener =
    Arc<dyn Fn(&SocketRef, DisconnectReason, Option<&str>) + Send + Sync>;
/// An `error` listener (a packet middleware refused an event).
pub(crate) type ErrorListener = Arc<dyn Fn(&SocketRef, &MiddlewareError) + Send + Sync>;
/// A boxed future of a middleware.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
/// A packet middleware (`socket.use`).
pub(crate) type PacketMiddleware = Arc<
    dyn Fn(SocketRef, IncomingEvent) -> BoxFuture<Result<IncomingEvent, MiddlewareError>>
        + Send
        + Sync,
>;

/// An incoming event, as packet middlewares (`socket.use`) see it: they may change the
/// arguments, or refuse the event.
#[derive(Clone, Debug, PartialEq)]
pub struct IncomingEvent {
    /// The event name.
    pub event: String,
    /// The arguments after the name (binary values inline).
    pub args: Vec<Value>,
    /// The ack id, when the client wants an answer.
    pub(crate) ack_id: Option<u64>,
}

impl IncomingEvent {
    /// Whether the client asked for an answer.
    pub fn wants_ack(&self) -> bool {
        self.ack_id.is_some()
    }
}

struct EventListener {
    id: ListenerId,
    handler: Arc<dyn ErasedHandler>,
    once: bool,
}

/// One socket's listeners and pending acks; owned by the connection's session task.
pub(crate) struct SocketState {
    pub(crate) socket: SocketRef,
    handlers: HashMap<Arc<str>, Vec<EventListener>>,
    any: Vec<(ListenerId, AnyListener)>,
    any_outgoing: Vec<(ListenerId, AnyListener)>,
    disconnecting: Vec<ReasonListener>,
    disconnect: Vec<ReasonListener>,
    errors: Vec<ErrorListener>,
    middlewares: Vec<PacketMiddleware>,
    /// Acks waited for: id -> (waiter, deadline).
    pub(crate) acks: HashMap<u64, (AckWaiter, Instant)>,
}

impl SocketState {
    pub(crate) fn new(socket: SocketRef) -> Self {
        SocketState {
            socket,
            handlers: HashMap::new(),
            any: Vec::new(),
            any_outgoing: Vec::new(),
            disconnecting: Vec::new(),
            disconnect: Vec::new(),
            errors: Vec::new(),
            middlewares: Vec::new(),
            acks: HashMap::new(),
        }
    }

    /// Applies a listener change.
    pub(crate) fn apply(&mut self, op: Op) {
        match op {
            Op::On {
                event,
                id,
                handler,
                once,
            } => self
                .handlers
                .entry(event)
                .or_default()
                .push(EventListener { id, handler, once }),
            Op::Off { event, id } => {
                if let Some(list) = self.handlers.get_mut(&event) {
                    match id {
                        Some(id) => list.retain(|l| l.id != id),
                        None => list.clear(),
                    }
                    if list.is_empty() {
                        self.handlers.remove(&event);
                    }
                }
            }
            Op::OnAny {
                id,
                listener,
                prepend,
                outgoing,
            } => {
                let list = if outgoing {
                    &mut self.any_outgoing
                } else {
                    &mut self.any
                };
                if prepend {
                    list.insert(0, (id, listener));
                } else {
                    list.push((id, listener));
                }
                self.sync_outgoing_flag();
            }
            Op::OffAny { id, outgoing } => {
                let list = if outgoing {
                    &mut self.any_outgoing
                } else {
                    &mut self.any
                };
                match id {
                    Some(id) => list.retain(|(l, _)| *l != id),
                    None => list.clear(),
                }
                self.sync_outgoing_flag();
            }
            Op::OnDisconnecting(f) => self.disconnecting.push(f),
            Op::OnDisconnect(f) => self.disconnect.push(f),
            Op::OnError(f) => self.errors.push(f),
            Op::Use(f) => self.middlewares.push(f),
        }
    }

    fn sync_outgoing_flag(&self) {
        self.socket.set_has_outgoing(!self.any_outgoing.is_empty());
    }

    /// The packet middlewares, if any.
    pub(crate) fn middlewares(&self) -> Vec<PacketMiddleware> {
        self.middlewares.clone()
    }

    /// Tells the error listeners that a packet middleware refused an event.
    pub(crate) fn refused(&self, error: &MiddlewareError) {
        if self.errors.is_empty() {
            tracing::debug!(id = %self.socket.id(), "event refused by a packet middleware: {error}");
        }
        for f in &self.errors {
            f(&self.socket, error);
        }
    }

    /// Hands an event to the catch-all listeners, as received: Node's `onevent` calls them
    /// before the packet middlewares run (so they see refused events too, unchanged).
    pub(crate) fn notify_any(&self, event: &IncomingEvent) {
        for (_, f) in &self.any {
            f(&self.socket, &event.event, &event.args);
        }
    }

    /// Hands an event that passed the packet middlewares to the listeners of its name, in the
    /// order they were added. Every listener gets the same ack: the first answer is sent.
    pub(crate) fn dispatch(&mut self, event: IncomingEvent) {
        if !self.socket.connected() {
            // `disconnect()` was called meanwhile: Node's `dispatch` drops the event too.
            return;
        }
        let Some(list) = self.handlers.get_mut(event.event.as_str()) else {
            return;
        };
        let handlers: Vec<Arc<dyn ErasedHandler>> =
            list.iter().map(|l| l.handler.clone()).collect();
        list.retain(|l| !l.once);
        if list.is_empty() {
            self.handlers.remove(event.event.as_str());
        }
        let ack = AckSender::new(self.socket.clone(), event.ack_id);
        let last = handlers.len().saturating_sub(1);
        let IncomingEvent { event, args, .. } = event;
        let mut args = Some(args);
        for (i, handler) in handlers.iter().enumerate() {
            let args = if i == last {
                args.take().unwrap_or_default()
            } else {
                args.clone().unwrap_or_default()
            };
            handler.call(EventParts {
                socket: self.socket.clone(),
                event: event.clone(),
                args,
                ack: ack.clone(),
            });
        }
    }

    /// Tells the outgoing catch-all listeners about an event sent to this socket.
    pub(crate) fn notify_outgoing(&self, event: &str, args: &[Value]) {
        for (_, f) in &self.any_outgoing {
            f(&self.socket, event, args);
        }
    }

    /// The `disconnecting` listeners.
    pub(crate) fn disconnecting(&self, reason: DisconnectReason, description: Option<&str>) {
        for f in &self.disconnecting {
            f(&self.socket, reason, description);
        }
    }

    /// The `disconnect` listeners.
    pub(crate) fn disconnected(&self, reason: DisconnectReason, description: Option<&str>) {
        for f in &self.disconnect {
            f(&self.socket, reason, description);
        }
    }
}
