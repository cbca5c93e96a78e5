//! One socket: a client connected to one namespace.

use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use socketio_codec::{Packet, PacketType};
use tokio::sync::oneshot;

use crate::ack::{wait_one, AckWaiter};
use crate::client::ClientShared;
use crate::emit::{event_packet, EncodedPacket, Payload};
use crate::error::{AckError, AckResponse, Error};
use crate::extensions::Extensions;
use crate::extract::{Args, Erased, ErasedHandler, EventHandler, EventParts};
use crate::handshake::Handshake;
use crate::namespace::Namespace;
use crate::operators::BroadcastOperators;
use crate::reason::DisconnectReason;
use crate::Sid;

type AnyListener = Arc<dyn Fn(&SocketRef, &str, &[Value]) + Send + Sync>;
type ReasonListener = Arc<dyn Fn(&SocketRef, DisconnectReason) + Send + Sync>;
type PacketMiddleware = Arc<dyn Fn(&SocketRef, &str, &[Value]) -> Result<(), String> + Send + Sync>;
type ErrorListener = Arc<dyn Fn(&SocketRef, &str) + Send + Sync>;

#[derive(Default)]
struct Listeners {
    any: Vec<AnyListener>,
    any_outgoing: Vec<AnyListener>,
    disconnecting: Vec<ReasonListener>,
    disconnect: Vec<ReasonListener>,
    middlewares: Vec<PacketMiddleware>,
    error: Vec<ErrorListener>,
}

/// A handle on a socket; cheap to clone. Dereferences to [`Socket`].
#[derive(Clone)]
pub struct SocketRef(pub(crate) Arc<Socket>);

impl Deref for SocketRef {
    type Target = Socket;
    fn deref(&self) -> &Socket {
        &self.0
    }
}

impl fmt::Debug for SocketRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Socket")
            .field("id", &self.0.id)
            .field("nsp", &self.0.ns.name())
            .finish()
    }
}

impl PartialEq for SocketRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A client connected to one namespace (Node's server-side `Socket`).
pub struct Socket {
    id: Sid,
    pub(crate) ns: Arc<Namespace>,
    pub(crate) client: Arc<ClientShared>,
    handshake: Handshake,
    handlers: RwLock<HashMap<String, Arc<dyn ErasedHandler>>>,
    listeners: RwLock<Listeners>,
    acks: Mutex<HashMap<u64, AckWaiter>>,
    connected: AtomicBool,
    /// Set once the socket left: later handler registrations are ignored (they could hold
    /// the socket alive forever).
    closed: AtomicBool,
    /// Whether an outgoing catch-all listener exists (skips a lock per emit otherwise).
    has_outgoing: AtomicBool,
    /// Events that arrived while the connection handler was still running.
    pending: Mutex<Option<Vec<Packet>>>,
    /// Typed per-socket data (Node's `socket.data`).
    pub extensions: Extensions,
}

impl Socket {
    pub(crate) fn new_ref(
        id: Sid,
        ns: Arc<Namespace>,
        client: Arc<ClientShared>,
        handshake: Handshake,
    ) -> SocketRef {
        SocketRef(Arc::new(Socket {
            id,
            ns,
            client,
            handshake,
            handlers: RwLock::new(HashMap::new()),
            listeners: RwLock::new(Listeners::default()),
            acks: Mutex::new(HashMap::new()),
            connected: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            has_outgoing: AtomicBool::new(false),
            pending: Mutex::new(Some(Vec::new())),
            extensions: Extensions::default(),
        }))
    }

    /// The socket id (20 characters, not the Engine.IO session id).
    pub fn id(&self) -> Sid {
        self.id
    }

    /// The namespace name.
    pub fn ns(&self) -> &str {
        self.ns.name()
    }

    /// The handshake: headers, query, auth, address, time, url.
    pub fn handshake(&self) -> &Handshake {
        &self.handshake
    }

    /// Whether the socket is connected to its namespace.
    pub fn connected(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }

    /// The Engine.IO transport currently in use.
    pub fn transport(&self) -> engineio::TransportKind {
        self.client.engine.transport()
    }

    /// The Engine.IO session id of the underlying connection.
    pub fn engine_id(&self) -> Sid {
        self.client.engine.sid()
    }
}

impl SocketRef {
    // ----- listeners -----

    /// Registers the handler of an event (replacing an earlier one for the same name).
    pub fn on<H, M>(&self, event: impl Into<String>, handler: H)
    where
        H: EventHandler<M>,
        M: 'static,
    {
        let erased: Arc<dyn ErasedHandler> = Arc::new(Erased {
            handler,
            _marker: std::marker::PhantomData,
        });
        if let Ok(mut map) = self.handlers.write() {
            if !self.closed.load(Ordering::Acquire) {
                map.insert(event.into(), erased);
            }
        }
    }

    /// Removes the handler of an event.
    pub fn off(&self, event: &str) {
        if let Ok(mut map) = self.handlers.write() {
            map.remove(event);
        }
    }

    /// A catch-all listener for incoming events (Node's `socket.onAny`): event name and arguments.
    pub fn on_any(&self, f: impl Fn(&SocketRef, &str, &[Value]) + Send + Sync + 'static) {
        self.with_listeners(|l| l.any.push(Arc::new(f)));
    }

    /// A catch-all listener for outgoing events of this socket (Node's `socket.onAnyOutgoing`).
    pub fn on_any_outgoing(&self, f: impl Fn(&SocketRef, &str, &[Value]) + Send + Sync + 'static) {
        self.with_listeners(|l| l.any_outgoing.push(Arc::new(f)));
        self.has_outgoing.store(true, Ordering::Release);
    }

    /// Runs when the socket is about to leave (rooms are still readable).
    pub fn on_disconnecting(
        &self,
        f: impl Fn(&SocketRef, DisconnectReason) + Send + Sync + 'static,
    ) {
        self.with_listeners(|l| l.disconnecting.push(Arc::new(f)));
    }

    /// Runs when the socket has left.
    pub fn on_disconnect(&self, f: impl Fn(&SocketRef, DisconnectReason) + Send + Sync + 'static) {
        self.with_listeners(|l| l.disconnect.push(Arc::new(f)));
    }

    /// A per-packet middleware (Node's `socket.use`): runs before the handlers of every incoming
    /// event; an `Err` drops the event and reaches the `on_error` listeners.
    pub fn use_middleware(
        &self,
        f: impl Fn(&SocketRef, &str, &[Value]) -> Result<(), String> + Send + Sync + 'static,
    ) {
        self.with_listeners(|l| l.middlewares.push(Arc::new(f)));
    }

    /// Listens to per-packet middleware errors (Node's `socket.on("error")`).
    pub fn on_error(&self, f: impl Fn(&SocketRef, &str) + Send + Sync + 'static) {
        self.with_listeners(|l| l.error.push(Arc::new(f)));
    }

    fn with_listeners(&self, f: impl FnOnce(&mut Listeners)) {
        if let Ok(mut l) = self.listeners.write() {
            if !self.closed.load(Ordering::Acquire) {
                f(&mut l);
            }
        }
    }

    // ----- emitting -----

    /// Emits an event with one argument.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), Error> {
        self.emit_payload(event, Payload::One(data), None)
    }

    /// Emits an event whose arguments are the items of `data` (a tuple, Vec or array).
    pub fn emit_many<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), Error> {
        self.emit_payload(event, Payload::Many(data), None)
    }

    /// Emits an event with raw arguments (binary placeholders and attachments kept).
    pub fn emit_args(&self, event: &str, args: &Args) -> Result<(), Error> {
        self.emit_payload::<()>(event, Payload::Raw(args), None)
    }

    /// Emits that are dropped instead of queued when the connection cannot take them now
    /// (Node's `socket.volatile.emit`).
    pub fn volatile(&self) -> Volatile<'_> {
        Volatile(self)
    }

    /// Emits an event with one argument and waits for the client's ack (the configured
    /// `ack_timeout` at most).
    pub async fn emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<AckResponse, AckError> {
        let timeout = self.ns.ack_timeout();
        self.emit_with_ack_timeout(event, data, timeout).await
    }

    /// Emits an event with one argument and waits for the ack at most `timeout` (Node's
    /// `socket.timeout(ms).emitWithAck(...)`).
    pub async fn emit_with_ack_timeout<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
        timeout: Duration,
    ) -> Result<AckResponse, AckError> {
        self.emit_payload_with_ack(event, Payload::One(data), timeout)
            .await
    }

    /// Emits raw arguments and waits for the ack at most `timeout`.
    pub async fn emit_args_with_ack_timeout(
        &self,
        event: &str,
        args: &Args,
        timeout: Duration,
    ) -> Result<AckResponse, AckError> {
        self.emit_payload_with_ack::<()>(event, Payload::Raw(args), timeout)
            .await
    }

    async fn emit_payload_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        payload: Payload<'_, T>,
        timeout: Duration,
    ) -> Result<AckResponse, AckError> {
        let id = self.ns.next_ack_id();
        let packet = event_packet(self.ns(), event, payload, Some(id)).map_err(Error::from)?;
        let (tx, rx) = oneshot::channel();
        self.register_ack(id, AckWaiter::One(tx));
        self.notify_outgoing(&packet);
        if let Err(e) = self.send_encoded(&packet, false) {
            self.forget_ack(id);
            return Err(e.into());
        }
        wait_one(self.clone(), id, rx, timeout).await
    }

    /// Emits and deserializes the ack answer.
    pub async fn emit_with_ack_as<R: DeserializeOwned, T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
        timeout: Duration,
    ) -> Result<R, AckError> {
        let response = self.emit_with_ack_timeout(event, data, timeout).await?;
        response.deserialize().map_err(AckError::Decode)
    }

    fn emit_payload<T: Serialize + ?Sized>(
        &self,
        event: &str,
        payload: Payload<'_, T>,
        id: Option<u64>,
    ) -> Result<(), Error> {
        let packet = event_packet(self.ns(), event, payload, id)?;
        self.notify_outgoing(&packet);
        self.send_encoded(&packet, false)
    }

    /// The Engine.IO connection under this socket (Node's `socket.conn`): closing it closes
    /// every namespace of the connection.
    pub fn conn(&self) -> &engineio::Socket {
        &self.client.engine
    }

    /// Writes an encoded packet to this socket's connection.
    pub(crate) fn send_encoded(&self, packet: &EncodedPacket, volatile: bool) -> Result<(), Error> {
        if !self.connected() {
            return Err(Error::Disconnected);
        }
        self.client.send_encoded(packet, volatile)
    }

    /// Calls the outgoing catch-all listeners, if any (parses the packet back only then).
    pub(crate) fn notify_outgoing(&self, packet: &EncodedPacket) {
        if !self.has_outgoing.load(Ordering::Acquire) {
            return;
        }
        let listeners = match self.listeners.read() {
            Ok(l) if !l.any_outgoing.is_empty() => l.any_outgoing.clone(),
            _ => return,
        };
        let Some(json_start) = packet.text.find('[') else {
            return;
        };
        let Ok(Value::Array(mut items)) = serde_json::from_str::<Value>(&packet.text[json_start..])
        else {
            return;
        };
        if items.is_empty() {
            return;
        }
        let name = match items.remove(0) {
            Value::String(s) => s,
            other => other.to_string(),
        };
        for f in listeners {
            f(self, &name, &items);
        }
    }

    pub(crate) fn register_ack(&self, id: u64, waiter: AckWaiter) {
        if let Ok(mut acks) = self.acks.lock() {
            acks.insert(id, waiter);
        }
    }

    pub(crate) fn forget_ack(&self, id: u64) {
        if let Ok(mut acks) = self.acks.lock() {
            acks.remove(&id);
        }
    }

    // ----- rooms -----

    /// Joins rooms.
    pub fn join<R: AsRef<str>>(&self, rooms: impl IntoIterator<Item = R>) {
        let rooms: Vec<R> = rooms.into_iter().collect();
        self.ns.adapter.add_all(
            self.id,
            &rooms.iter().map(|r| r.as_ref()).collect::<Vec<_>>(),
        );
    }

    /// Leaves a room.
    pub fn leave(&self, room: &str) {
        self.ns.adapter.del(self.id, room);
    }

    /// Leaves every room (the socket still gets namespace-wide broadcasts).
    pub(crate) fn leave_all(&self) {
        self.ns.adapter.del_all(self.id);
    }

    /// The rooms of this socket (its own id included).
    pub fn rooms(&self) -> Vec<String> {
        self.ns.adapter.socket_rooms(self.id)
    }

    // ----- broadcasting from this socket -----

    /// Targets a room, excluding this socket (Node's `socket.to(room)`).
    pub fn to<R: AsRef<str>>(&self, rooms: impl IntoIterator<Item = R>) -> BroadcastOperators {
        BroadcastOperators::new(self.ns.clone())
            .except_socket(self.id)
            .to(rooms)
    }

    /// Same as [`SocketRef::to`].
    pub fn within<R: AsRef<str>>(&self, rooms: impl IntoIterator<Item = R>) -> BroadcastOperators {
        self.to(rooms)
    }

    /// Every other socket of the namespace (Node's `socket.broadcast`).
    pub fn broadcast(&self) -> BroadcastOperators {
        BroadcastOperators::new(self.ns.clone()).except_socket(self.id)
    }

    /// Every socket of the namespace except those in `rooms` and this one.
    pub fn except<R: AsRef<str>>(&self, rooms: impl IntoIterator<Item = R>) -> BroadcastOperators {
        self.broadcast().except(rooms)
    }

    // ----- disconnecting -----

    /// Leaves the namespace (the client gets `disconnect` with "io server disconnect"); the
    /// connection and its other namespaces stay.
    pub fn disconnect(&self) {
        if !self.connected() {
            return;
        }
        let packet = socketio_codec::encode(&Packet::disconnect(self.ns()));
        let _ = self.client.send_encoded(
            &EncodedPacket {
                text: packet.text,
                attachments: Vec::new(),
            },
            false,
        );
        self.client.remove_socket(self.ns());
        self.close(DisconnectReason::ServerNamespaceDisconnect);
    }

    /// Leaves every namespace of the connection and closes it (Node's `disconnect(true)`).
    pub fn disconnect_and_close(&self) {
        self.client.disconnect_all_and_close();
    }

    // ----- incoming -----

    /// Routes one packet addressed to this socket's namespace.
    pub(crate) fn on_packet(&self, packet: Packet) {
        match packet.kind {
            PacketType::Event | PacketType::BinaryEvent => {
                if let Ok(mut pending) = self.pending.lock() {
                    if let Some(queue) = pending.as_mut() {
                        queue.push(packet);
                        return;
                    }
                }
                self.dispatch_event(packet);
            }
            PacketType::Ack | PacketType::BinaryAck => {
                let Some(id) = packet.id else { return };
                let waiter = self.acks.lock().ok().and_then(|mut a| a.remove(&id));
                if let Some(waiter) = waiter {
                    let args = match packet.data {
                        Some(Value::Array(args)) => args,
                        _ => Vec::new(),
                    };
                    waiter.deliver(AckResponse {
                        args,
                        attachments: packet.attachments,
                    });
                }
            }
            PacketType::Disconnect => {
                self.client.remove_socket(self.ns());
                self.close(DisconnectReason::ClientNamespaceDisconnect);
            }
            PacketType::Connect | PacketType::ConnectError => self.client.close_engine(),
        }
    }

    /// The connection handler has run: handle the events that arrived meanwhile, then go direct.
    pub(crate) fn release_pending(&self) {
        loop {
            let batch = match self.pending.lock() {
                Ok(mut pending) => match pending.as_mut() {
                    Some(queue) if !queue.is_empty() => std::mem::take(queue),
                    _ => {
                        *pending = None;
                        return;
                    }
                },
                Err(_) => return,
            };
            for packet in batch {
                self.dispatch_event(packet);
            }
        }
    }

    fn dispatch_event(&self, packet: Packet) {
        let mut args = match packet.data {
            Some(Value::Array(args)) => args,
            _ => return,
        };
        if args.is_empty() {
            return;
        }
        let event = match args.remove(0) {
            Value::String(s) => s,
            other => other.to_string(),
        };
        let (middlewares, any, error) = match self.listeners.read() {
            Ok(l) => (l.middlewares.clone(), l.any.clone(), l.error.clone()),
            Err(_) => return,
        };
        for mw in &middlewares {
            if let Err(message) = mw(self, &event, &args) {
                for f in &error {
                    f(self, &message);
                }
                return;
            }
        }
        for f in &any {
            f(self, &event, &args);
        }
        let handler = self
            .handlers
            .read()
            .ok()
            .and_then(|h| h.get(&event).cloned());
        if let Some(handler) = handler {
            handler.call(EventParts {
                socket: self.clone(),
                event,
                args,
                attachments: packet.attachments,
                ack_id: packet.id,
            });
        }
    }

    /// Marks the socket connected and registers it in its namespace.
    pub(crate) fn set_connected(&self) {
        self.connected.store(true, Ordering::Release);
    }

    /// Leaves the namespace: `disconnecting` listeners (rooms readable), rooms left, removed
    /// from the namespace, pending acks dropped, `disconnect` listeners.
    pub(crate) fn close(&self, reason: DisconnectReason) {
        if !self.connected.swap(false, Ordering::AcqRel) {
            return;
        }
        let (disconnecting, disconnect) = match self.listeners.read() {
            Ok(l) => (l.disconnecting.clone(), l.disconnect.clone()),
            Err(_) => (Vec::new(), Vec::new()),
        };
        for f in &disconnecting {
            f(self, reason);
        }
        self.leave_all();
        self.ns.remove_socket(self.id);
        if let Ok(mut acks) = self.acks.lock() {
            acks.clear();
        }
        for f in &disconnect {
            f(self, reason);
        }
        // Drop handlers: they may hold clones of this socket.
        self.closed.store(true, Ordering::Release);
        if let Ok(mut h) = self.handlers.write() {
            h.clear();
        }
        if let Ok(mut l) = self.listeners.write() {
            *l = Listeners::default();
        }
    }
}

/// Volatile emits of one socket: dropped when the connection's queue is full.
pub struct Volatile<'a>(&'a SocketRef);

impl Volatile<'_> {
    /// Emits an event with one argument.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), Error> {
        self.send(event, Payload::One(data))
    }

    /// Emits an event whose arguments are the items of `data`.
    pub fn emit_many<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), Error> {
        self.send(event, Payload::Many(data))
    }

    /// Emits raw arguments.
    pub fn emit_args(&self, event: &str, args: &Args) -> Result<(), Error> {
        self.send::<()>(event, Payload::Raw(args))
    }

    fn send<T: Serialize + ?Sized>(
        &self,
        event: &str,
        payload: Payload<'_, T>,
    ) -> Result<(), Error> {
        let packet = event_packet(self.0.ns(), event, payload, None)?;
        self.0.notify_outgoing(&packet);
        match self.0.send_encoded(&packet, true) {
            Err(Error::QueueFull) => Ok(()),
            other => other,
        }
    }
}
