//! One socket: a client connected to one namespace, and the handle user code holds on it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll};
use std::time::Duration;

use engineio::Data;
use parking_lot::RwLock;
use serde::de::DeserializeOwned;
use serde::Serialize;
use socketio_adapter::{Room, Sid};
use socketio_codec::{from_value, to_value, Packet, Value, ValueError};
use tokio::sync::oneshot;

use crate::ack::{wait_one, AckResponse, AckWaiter};
use crate::command::{ClientCommand, Op, SocketOp};
use crate::emit::{check_event, encode, event_packet, Payload};
use crate::error::{AckError, EmitError, MiddlewareError};
use crate::extensions::Extensions;
use crate::extract::{Args, Erased, ErasedHandler, EventHandler};
use crate::handshake::Handshake;
use crate::listeners::{IncomingEvent, ListenerId};
use crate::namespace::Namespace;
use crate::operators::BroadcastOperators;
use crate::reason::DisconnectReason;
use socketio_adapter::IntoRooms;

/// Where a socket is in its life. Stored in one atomic so that any task can check it.
const CONNECTING: u8 = 0;
const CONNECTED: u8 = 1;
const CLOSED: u8 = 2;
/// `disconnect()` was called: no longer connected for user code (emits fail, as Node's
/// `connected` turns false at once), the connection has yet to run the leaving flow.
const LEAVING: u8 = 3;

/// A handle on a socket (Node's server-side `Socket`); cheap to clone, usable from any task.
///
/// The socket's listeners, handlers and pending acks belong to its connection's task; this
/// handle reaches them with messages, so registering a listener or emitting never takes a
/// lock on them. Emits go straight to the connection's outgoing queue, in order.
#[derive(Clone)]
pub struct SocketRef(pub(crate) Arc<SocketShared>);

pub(crate) struct SocketShared {
    id: Sid,
    ns: Namespace,
    engine: engineio::Socket,
    handshake: Handshake,
    state: AtomicU8,
    recovered: bool,
    /// The private session id of connection state recovery (when it is on).
    pid: Option<Arc<str>>,
    data: RwLock<Value>,
    extensions: Extensions,
    inbox: mpsc::Sender<SocketOp>,
    has_outgoing: AtomicBool,
    span: tracing::Span,
}

/// What a new socket is made of.
pub(crate) struct NewSocket {
    pub(crate) id: Sid,
    pub(crate) ns: Namespace,
    pub(crate) engine: engineio::Socket,
    pub(crate) handshake: Handshake,
    pub(crate) inbox: mpsc::Sender<SocketOp>,
    pub(crate) recovered: bool,
    pub(crate) data: Value,
    pub(crate) pid: Option<String>,
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

impl SocketRef {
    pub(crate) fn new(parts: NewSocket) -> SocketRef {
        let NewSocket {
            id,
            ns,
            engine,
            handshake,
            inbox,
            recovered,
            data,
            pid,
        } = parts;
        // A child of the current span: the session's, in the connection's task.
        let span = tracing::info_span!("socketio_socket", nsp = %ns.name(), id = %id);
        SocketRef(Arc::new(SocketShared {
            id,
            ns,
            engine,
            handshake,
            state: AtomicU8::new(CONNECTING),
            recovered,
            pid: pid.map(Arc::from),
            data: RwLock::new(data),
            extensions: Extensions::default(),
            inbox,
            has_outgoing: AtomicBool::new(false),
            span,
        }))
    }

    // ----- identity -----

    /// The socket id (20 characters, not the Engine.IO session id).
    pub fn id(&self) -> Sid {
        self.0.id
    }

    /// The namespace name (Node's `socket.nsp.name`).
    pub fn ns(&self) -> &str {
        self.0.ns.name()
    }

    /// The namespace (Node's `socket.nsp`).
    pub fn nsp(&self) -> Namespace {
        self.0.ns.clone()
    }

    /// The handshake: headers, query, auth, address, time, url.
    pub fn handshake(&self) -> &Handshake {
        &self.0.handshake
    }

    /// Whether the socket is connected to its namespace.
    pub fn connected(&self) -> bool {
        self.0.state.load(Ordering::SeqCst) == CONNECTED
    }

    /// Whether emits to this socket go out: connected, or still in its connect middlewares
    /// (Node writes those emits at once, before the CONNECT reply).
    fn can_send(&self) -> bool {
        matches!(self.0.state.load(Ordering::SeqCst), CONNECTING | CONNECTED)
    }

    /// Whether the socket is not (or no longer) connected (Node's `socket.disconnected`).
    pub fn disconnected(&self) -> bool {
        !self.connected()
    }

    /// Whether the socket came back through connection state recovery (Node's `recovered`).
    pub fn recovered(&self) -> bool {
        self.0.recovered
    }

    /// The private session id a client presents to recover this socket (connection state
    /// recovery on), `None` otherwise.
    pub fn pid(&self) -> Option<&str> {
        self.0.pid.as_deref()
    }

    /// The Engine.IO transport in use.
    pub fn transport(&self) -> engineio::TransportKind {
        self.0.engine.transport()
    }

    /// The Engine.IO session id of the connection.
    pub fn engine_id(&self) -> Sid {
        self.0.engine.sid()
    }

    /// The Engine.IO connection (Node's `socket.conn`): closing it closes every namespace of
    /// the connection.
    pub fn conn(&self) -> &engineio::Socket {
        &self.0.engine
    }

    /// The socket's `tracing` span (`socketio_socket`, fields `nsp` and `id`; a child of its
    /// connection's `engineio_session` span). The server enters it while the socket's
    /// handlers run; enter it (or `Instrument` a task with it) to tag other work with the
    /// socket. A disabled span when no subscriber wants it (see [`crate::metrics`]).
    ///
    /// ```
    /// use socketio::SocketRef;
    /// use tracing::Instrument;
    ///
    /// fn register(socket: &SocketRef) {
    ///     socket.on("job", |socket: SocketRef| {
    ///         let span = socket.span().clone();
    ///         tokio::spawn(async move { tracing::info!("job done") }.instrument(span));
    ///     });
    /// }
    /// ```
    pub fn span(&self) -> &tracing::Span {
        &self.0.span
    }

    // ----- data -----

    /// `socket.data`, deserialized (Node's `socket.data`: any JSON, `{}` at first, visible to
    /// other servers through `fetchSockets`).
    pub fn data<T: DeserializeOwned>(&self) -> Result<T, ValueError> {
        from_value(self.0.data.read().clone())
    }

    /// `socket.data` as a [`Value`].
    pub fn data_value(&self) -> Value {
        self.0.data.read().clone()
    }

    /// Replaces `socket.data` (Node's `socket.data = ..`). Data that does not serialize (a
    /// map with non-string keys, a failing `Serialize` impl) leaves it unchanged and is logged:
    /// see [`SocketRef::try_set_data`].
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use socketio::{SocketIo, SocketRef};
    ///
    /// #[derive(Serialize, Deserialize)]
    /// struct User {
    ///     name: String,
    /// }
    ///
    /// let io = SocketIo::new(Default::default());
    /// io.on_connection(|socket: SocketRef| {
    ///     assert!(socket.data::<User>().is_err()); // `{}` at first
    ///     socket.set_data(&User { name: "ann".into() }); // socket.data = { name: "ann" }
    ///     assert_eq!(socket.data::<User>().unwrap().name, "ann");
    /// });
    /// ```
    pub fn set_data<T: Serialize + ?Sized>(&self, data: &T) {
        if let Err(e) = self.try_set_data(data) {
            tracing::warn!(id = %self.0.id, "socket.data not set: {e}");
        }
    }

    /// Replaces `socket.data`, or says why the data does not serialize.
    pub fn try_set_data<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), ValueError> {
        let value = to_value(data)?;
        *self.0.data.write() = value;
        self.observers().each(|o| o.data_changed(self));
        Ok(())
    }

    /// Changes `socket.data` in place (`socket.data.user = ..`).
    pub fn update_data<R>(&self, f: impl FnOnce(&mut Value) -> R) -> R {
        let r = f(&mut self.0.data.write());
        self.observers().each(|o| o.data_changed(self));
        r
    }

    /// Typed Rust state attached to this socket, not serialized (stays on this server).
    pub fn extensions(&self) -> &Extensions {
        &self.0.extensions
    }

    // ----- listeners -----

    fn op(&self, op: Op) {
        // The connection is gone when this fails: nothing to register on.
        let _ = self.0.inbox.send(SocketOp { sid: self.0.id, op });
    }

    /// Adds a listener of an event (Node's `socket.on`); every listener of an event runs, in
    /// the order they were added. Returns its id, for [`SocketRef::off`].
    pub fn on<H, M>(&self, event: &str, handler: H) -> ListenerId
    where
        H: EventHandler<M>,
        M: 'static,
    {
        self.add_listener(event, handler, false)
    }

    /// Adds a listener that runs for the next event of that name only (Node's `socket.once`).
    pub fn once<H, M>(&self, event: &str, handler: H) -> ListenerId
    where
        H: EventHandler<M>,
        M: 'static,
    {
        self.add_listener(event, handler, true)
    }

    fn add_listener<H, M>(&self, event: &str, handler: H, once: bool) -> ListenerId
    where
        H: EventHandler<M>,
        M: 'static,
    {
        let id = ListenerId::next();
        let handler: Arc<dyn ErasedHandler> = Arc::new(Erased {
            handler,
            _marker: std::marker::PhantomData,
        });
        self.op(Op::On {
            event: Arc::from(event),
            id,
            handler,
            once,
        });
        id
    }

    /// Removes one listener of an event (Node's `socket.off(event, listener)`).
    pub fn off(&self, event: &str, id: ListenerId) {
        self.op(Op::Off {
            event: Arc::from(event),
            id: Some(id),
        });
    }

    /// Removes every listener of an event (Node's `socket.removeAllListeners(event)`).
    pub fn off_all(&self, event: &str) {
        self.op(Op::Off {
            event: Arc::from(event),
            id: None,
        });
    }

    /// Adds a catch-all listener of incoming events (Node's `socket.onAny`): it runs before
    /// the packet middlewares and the listeners of the event, with the event name and the
    /// arguments as received (it also sees events a middleware then refuses).
    pub fn on_any(
        &self,
        f: impl Fn(&SocketRef, &str, &[Value]) + Send + Sync + 'static,
    ) -> ListenerId {
        self.any(Arc::new(f), false, false)
    }

    /// Adds a catch-all listener first in line (Node's `socket.prependAny`).
    pub fn prepend_any(
        &self,
        f: impl Fn(&SocketRef, &str, &[Value]) + Send + Sync + 'static,
    ) -> ListenerId {
        self.any(Arc::new(f), true, false)
    }

    /// Removes a catch-all listener (Node's `socket.offAny(listener)`).
    pub fn off_any(&self, id: ListenerId) {
        self.op(Op::OffAny {
            id: Some(id),
            outgoing: false,
        });
    }

    /// Removes every catch-all listener (Node's `socket.offAny()`).
    pub fn off_any_all(&self) {
        self.op(Op::OffAny {
            id: None,
            outgoing: false,
        });
    }

    /// Adds a catch-all listener of the events sent to this socket (Node's
    /// `socket.onAnyOutgoing`); it runs in the connection's task, in the order of the emits.
    /// The listeners present when the connection handles an emit's notice are the ones called:
    /// a listener added and removed again in one synchronous turn may miss the emits in between.
    pub fn on_any_outgoing(
        &self,
        f: impl Fn(&SocketRef, &str, &[Value]) + Send + Sync + 'static,
    ) -> ListenerId {
        self.any(Arc::new(f), false, true)
    }

    /// Adds an outgoing catch-all listener first in line (Node's `prependAnyOutgoing`).
    pub fn prepend_any_outgoing(
        &self,
        f: impl Fn(&SocketRef, &str, &[Value]) + Send + Sync + 'static,
    ) -> ListenerId {
        self.any(Arc::new(f), true, true)
    }

    /// Removes an outgoing catch-all listener (Node's `offAnyOutgoing(listener)`).
    pub fn off_any_outgoing(&self, id: ListenerId) {
        self.op(Op::OffAny {
            id: Some(id),
            outgoing: true,
        });
    }

    /// Removes every outgoing catch-all listener (Node's `socket.offAnyOutgoing()`).
    pub fn off_any_outgoing_all(&self) {
        self.op(Op::OffAny {
            id: None,
            outgoing: true,
        });
    }

    fn any(
        &self,
        listener: crate::listeners::AnyListener,
        prepend: bool,
        outgoing: bool,
    ) -> ListenerId {
        let id = ListenerId::next();
        if outgoing {
            // Set now, so that emits from here on are reported.
            self.set_has_outgoing(true);
        }
        self.op(Op::OnAny {
            id,
            listener,
            prepend,
            outgoing,
        });
        id
    }

    /// Runs when the socket is about to leave (Node's `disconnecting`; rooms still readable).
    pub fn on_disconnecting(
        &self,
        f: impl Fn(&SocketRef, DisconnectReason) + Send + Sync + 'static,
    ) {
        self.on_disconnecting_with_description(move |s, reason, _| f(s, reason));
    }

    /// Runs when the socket has left (Node's `disconnect`).
    pub fn on_disconnect(&self, f: impl Fn(&SocketRef, DisconnectReason) + Send + Sync + 'static) {
        self.on_disconnect_with_description(move |s, reason, _| f(s, reason));
    }

    /// [`SocketRef::on_disconnecting`] with Node's second argument, the `description` of the
    /// reason: for [`DisconnectReason::TransportError`], the message of the transport's error
    /// (`"overlap from client"`, `"invalid heartbeat direction"`, `"poll connection closed
    /// prematurely"`, `"RangeError: Max payload size exceeded"`, `"write error"`, ...; Node
    /// passes an `Error` with that message); `None` otherwise, as in Node.
    pub fn on_disconnecting_with_description(
        &self,
        f: impl Fn(&SocketRef, DisconnectReason, Option<&str>) + Send + Sync + 'static,
    ) {
        self.op(Op::OnDisconnecting(Arc::new(f)));
    }

    /// [`SocketRef::on_disconnect`] with Node's `description` of the reason (see
    /// [`SocketRef::on_disconnecting_with_description`]).
    ///
    /// ```
    /// # fn f(socket: socketio::SocketRef) {
    /// // socket.on("disconnect", (reason, description) => ..)
    /// socket.on_disconnect_with_description(|socket, reason, description| {
    ///     println!("{} left: {reason} ({})", socket.id(), description.unwrap_or("-"));
    /// });
    /// # }
    /// ```
    pub fn on_disconnect_with_description(
        &self,
        f: impl Fn(&SocketRef, DisconnectReason, Option<&str>) + Send + Sync + 'static,
    ) {
        self.op(Op::OnDisconnect(Arc::new(f)));
    }

    /// Runs when a packet middleware refused an event (Node's `socket.on("error")`).
    pub fn on_error(&self, f: impl Fn(&SocketRef, &MiddlewareError) + Send + Sync + 'static) {
        self.op(Op::OnError(Arc::new(f)));
    }

    /// Adds a packet middleware (Node's `socket.use`): every incoming event passes through
    /// the middlewares in order before any listener; one may change the event (return it) or
    /// refuse it (`Err`: the event is dropped and the error listeners get the error). Async
    /// middlewares may take their time; events that passed are dispatched as they complete.
    pub fn use_middleware<F, Fut>(&self, f: F)
    where
        F: Fn(SocketRef, IncomingEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<IncomingEvent, MiddlewareError>> + Send + 'static,
    {
        self.op(Op::Use(Arc::new(move |s, e| Box::pin(f(s, e)))));
    }

    // ----- emitting -----

    /// Emits an event with one argument (Node's `socket.emit(event, data)`). Failures (the
    /// socket left, its queue is full) are logged: see [`SocketRef::try_emit`].
    ///
    /// From a connect middleware, the event goes out at once, before the CONNECT reply (or the
    /// `connect_error`), as in Node; an emit with ack needs a connected socket.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) {
        log_emit(self.try_emit(event, data));
    }

    /// Emits an event whose arguments are the items of a tuple, `Vec` or array
    /// (`socket.emit(event, a, b)` is `emit_many(event, &(a, b))`; `&()` sends none).
    pub fn emit_many<T: Serialize + ?Sized>(&self, event: &str, data: &T) {
        log_emit(self.emitter().try_emit_payload(event, Payload::Many(data)));
    }

    /// Emits raw arguments (binary inline).
    pub fn emit_args(&self, event: &str, args: impl Into<Args>) {
        let args = args.into();
        log_emit(
            self.emitter()
                .try_emit_payload::<()>(event, Payload::Args(args.0)),
        );
    }

    /// Emits an event with one argument, or says why it did not go out.
    pub fn try_emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.emitter().try_emit_payload(event, Payload::One(data))
    }

    /// Emits an event with one argument and waits for the client's ack, at most the
    /// configured `ack_timeout` (Node's `socket.emitWithAck`; use `timeout(..)` to choose).
    pub fn emit_with_ack<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> AckFuture {
        self.emitter().emit_with_ack(event, data)
    }

    /// Same with several arguments.
    pub fn emit_many_with_ack<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> AckFuture {
        self.emitter()
            .emit_payload_with_ack(event, Payload::Many(data))
    }

    /// Same with raw arguments.
    pub fn emit_args_with_ack(&self, event: &str, args: impl Into<Args>) -> AckFuture {
        let args = args.into();
        self.emitter()
            .emit_payload_with_ack::<()>(event, Payload::Args(args.0))
    }

    fn emitter(&self) -> SocketEmitter {
        SocketEmitter {
            socket: self.clone(),
            volatile: false,
            compress: true,
            timeout: None,
        }
    }

    /// Emits that are dropped instead of queued when the connection cannot take them now
    /// (Node's `socket.volatile.emit`).
    pub fn volatile(&self) -> SocketEmitter {
        SocketEmitter {
            volatile: true,
            ..self.emitter()
        }
    }

    /// The ack timeout of the next emit with ack (Node's `socket.timeout(ms)`).
    pub fn timeout(&self, timeout: Duration) -> SocketEmitter {
        SocketEmitter {
            timeout: Some(timeout),
            ..self.emitter()
        }
    }

    /// The compress flag of the next emit (Node's `socket.compress(flag)`, default true): a
    /// polling answer made only of `compress(false)` packets is not HTTP-compressed, whatever
    /// its size (as Node's engine; websocket frames are never compressed).
    pub fn compress(&self, compress: bool) -> SocketEmitter {
        SocketEmitter {
            compress,
            ..self.emitter()
        }
    }

    // ----- rooms -----

    /// Joins rooms (Node's `socket.join`): `"room"`, `["a", "b"]`, a `Vec`, ... (any
    /// [`IntoRooms`]). A socket that left joins nothing.
    ///
    /// ```
    /// use socketio::{rooms, Data, SocketIo, SocketRef, Value};
    ///
    /// let io = SocketIo::new(Default::default());
    /// io.on_connection(|socket: SocketRef| {
    ///     let name = String::from("b");
    ///     socket.join("a"); // &str
    ///     socket.join(&name); // &String (or String)
    ///     socket.join(["c", "d"]); // an array
    ///     socket.join(vec![String::from("e")]); // a Vec (or &Vec, or a slice)
    ///     socket.join(rooms((1..=3).map(|n| format!("table-{n}")))); // any iterator
    ///     // What a client sent: "room" or ["room1", "room2"]
    ///     socket.on("join", |socket: SocketRef, Data(rooms): Data<Value>| socket.join(&rooms));
    /// });
    /// ```
    pub fn join(&self, rooms: impl IntoRooms) {
        let rooms = rooms.into_rooms();
        if rooms.is_empty() || self.is_closed() {
            return;
        }
        let adapter = self.0.ns.adapter();
        adapter.add_all(self.0.id, &rooms);
        // The socket may have left meanwhile, after its rooms were cleared: undo.
        if self.is_closed() {
            adapter.del_all(self.0.id);
        }
    }

    /// Leaves rooms (Node's `socket.leave`).
    pub fn leave(&self, rooms: impl IntoRooms) {
        let adapter = self.0.ns.adapter();
        for room in rooms.into_rooms() {
            adapter.del(self.0.id, &room);
        }
    }

    /// The rooms of this socket, its own id included (Node's `socket.rooms`).
    pub fn rooms(&self) -> Vec<Room> {
        self.0.ns.adapter().socket_rooms(self.0.id)
    }

    /// Whether this socket is in `room` (Node's `socket.rooms.has(room)`; true for its own id).
    pub fn in_room(&self, room: &str) -> bool {
        self.rooms().iter().any(|r| &**r == room)
    }

    // ----- broadcasting from this socket -----

    /// Every other socket of the namespace (Node's `socket.broadcast`).
    pub fn broadcast(&self) -> BroadcastOperators {
        BroadcastOperators::new(self.nsp()).except(self.0.id.as_str())
    }

    /// Targets rooms, excluding this socket (Node's `socket.to(room)`).
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperators {
        self.broadcast().to(rooms)
    }

    /// Same as [`SocketRef::to`] (Node's `socket.in`).
    pub fn within(&self, rooms: impl IntoRooms) -> BroadcastOperators {
        self.to(rooms)
    }

    /// Every other socket except the members of rooms (Node's `socket.except`).
    pub fn except(&self, rooms: impl IntoRooms) -> BroadcastOperators {
        self.broadcast().except(rooms)
    }

    /// Every other socket of this server (Node's `socket.local`).
    pub fn local(&self) -> BroadcastOperators {
        self.broadcast().local()
    }

    // ----- disconnecting -----

    /// Leaves the namespace (the client gets `disconnect` with "io server disconnect"); the
    /// connection and its other namespaces stay (Node's `socket.disconnect()`).
    /// From this call on the socket is not connected: what it emits next is not sent, and
    /// events already received for it are not dispatched (as in Node, where it happens at once).
    pub fn disconnect(&self) {
        if self.set_leaving() {
            self.command(ClientCommand::Disconnect {
                sid: self.0.id,
                close: false,
            });
        }
    }

    /// Leaves every namespace of the connection and closes it (Node's `disconnect(true)`).
    pub fn disconnect_and_close(&self) {
        if self.set_leaving() {
            self.command(ClientCommand::Disconnect {
                sid: self.0.id,
                close: true,
            });
        }
    }

    // ----- internals -----

    /// Whether the socket joined its namespace and has not left it yet (connected, or asked
    /// to leave and waiting for its connection to run the leaving flow).
    pub(crate) fn joined(&self) -> bool {
        matches!(self.0.state.load(Ordering::SeqCst), CONNECTED | LEAVING)
    }

    /// Connected -> leaving; false when it was not connected (nothing to leave, or already
    /// leaving).
    fn set_leaving(&self) -> bool {
        self.0
            .state
            .compare_exchange(CONNECTED, LEAVING, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.0.state.load(Ordering::SeqCst) == CLOSED
    }

    pub(crate) fn set_connected(&self) {
        let _ = self.0.state.compare_exchange(
            CONNECTING,
            CONNECTED,
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
    }

    /// Marks the socket gone; true when it was connected.
    pub(crate) fn set_closed(&self) -> bool {
        self.0.state.swap(CLOSED, Ordering::SeqCst) == CONNECTED
    }

    pub(crate) fn has_outgoing(&self) -> bool {
        self.0.has_outgoing.load(Ordering::Acquire)
    }

    pub(crate) fn set_has_outgoing(&self, on: bool) {
        self.0.has_outgoing.store(on, Ordering::Release);
    }

    /// A command for this socket's connection; one that must arrive waits for room.
    pub(crate) fn command(&self, cmd: ClientCommand) {
        self.0.engine.send_command_reliably(Box::new(cmd));
    }

    pub(crate) fn observers(&self) -> &crate::observer::Observers {
        &self.0.ns.0.settings.observers
    }

    pub(crate) fn settings(&self) -> &crate::server::Settings {
        &self.0.ns.0.settings
    }

    /// Counts a packet queued for this connection, and tells the observers about its messages.
    fn observe_out(&self, messages: &[Data]) {
        self.settings().metrics.packet_out();
        self.observers().each(|o| {
            for m in messages {
                o.message_out(match m {
                    Data::Text(t) => t.len(),
                    Data::Binary(b) => b.len(),
                });
            }
        });
    }

    /// Writes the messages of one packet, all or nothing. Volatile messages are dropped
    /// (`Ok`) when the connection cannot take them now.
    pub(crate) fn send_messages(&self, messages: &[Data], volatile: bool) -> Result<(), EmitError> {
        self.send_messages_with(messages, volatile, true)
    }

    /// [`SocketRef::send_messages`] with the compress flag.
    pub(crate) fn send_messages_with(
        &self,
        messages: &[Data],
        volatile: bool,
        compress: bool,
    ) -> Result<(), EmitError> {
        if !self.can_send() {
            return Err(EmitError::Disconnected);
        }
        if volatile && !self.0.engine.has_room(messages.len()) {
            self.settings().metrics.volatile_drop();
            return Ok(());
        }
        self.0
            .engine
            .try_send_all_with(messages, engineio::SendOptions { compress })?;
        self.observe_out(messages);
        Ok(())
    }

    /// Writes a packet that expects an ack: the connection starts waiting before it is sent.
    pub(crate) fn send_with_ack(
        &self,
        messages: &[Data],
        id: u64,
        waiter: AckWaiter,
        timeout: Duration,
        (volatile, compress): (bool, bool),
    ) -> Result<(), EmitError> {
        if !self.connected() {
            return Err(EmitError::Disconnected);
        }
        if volatile && !self.0.engine.has_room(messages.len() + 1) {
            self.settings().metrics.volatile_drop();
            return Err(EmitError::QueueFull);
        }
        let cmd = ClientCommand::RegisterAck {
            sid: self.0.id,
            id,
            waiter,
            timeout,
        };
        self.0.engine.try_send_command(Box::new(cmd))?;
        self.0
            .engine
            .try_send_all_with(messages, engineio::SendOptions { compress })?;
        self.observe_out(messages);
        Ok(())
    }

    /// Sends a packet to this socket, telling the outgoing listeners about events.
    pub(crate) fn send_packet(
        &self,
        packet: &Packet,
        volatile: bool,
        compress: bool,
    ) -> Result<(), EmitError> {
        let messages = encode(&*self.0.ns.0.settings.parser, packet);
        self.send_messages_with(&messages, volatile, compress)?;
        self.notify_outgoing(packet);
        Ok(())
    }

    /// Tells the outgoing catch-all listeners and the observers about an event sent to this
    /// socket (the packet is parsed back only when someone listens).
    pub(crate) fn notify_outgoing(&self, packet: &Packet) {
        if self.has_outgoing() || self.observers().active() {
            if let Some((event, args)) = crate::emit::event_parts(packet) {
                self.notify_outgoing_parts(event, args);
            }
        }
    }

    pub(crate) fn notify_outgoing_parts(&self, event: String, args: Vec<Value>) {
        self.observers().each(|o| o.event_sent(self, &event, &args));
        if self.has_outgoing() {
            self.command(ClientCommand::NotifyOutgoing {
                sid: self.0.id,
                event,
                args,
            });
        }
    }

    /// Answers the client's ack `id`.
    pub(crate) fn send_ack(&self, id: u64, args: Vec<Value>) -> Result<(), EmitError> {
        let packet = Packet::ack(self.ns(), Value::Array(args), id);
        let messages = encode(&*self.0.ns.0.settings.parser, &packet);
        self.send_messages(&messages, false)
    }

    /// Writes a packet whatever the socket state (CONNECT replies, DISCONNECT).
    pub(crate) fn send_control(&self, packet: &Packet) {
        let messages = encode(&*self.0.ns.0.settings.parser, packet);
        match self.0.engine.try_send_all(&messages) {
            Ok(()) => self.observe_out(&messages),
            Err(e) => tracing::debug!(parent: &self.0.span, "control packet dropped: {e}"),
        }
    }
}

fn log_emit(result: Result<(), EmitError>) {
    if let Err(e) = result {
        tracing::debug!("emit dropped: {e}");
    }
}

/// Emits to one socket with flags (Node's `socket.volatile`, `socket.compress(flag)`,
/// `socket.timeout(ms)`).
#[derive(Clone, Debug)]
pub struct SocketEmitter {
    socket: SocketRef,
    volatile: bool,
    compress: bool,
    timeout: Option<Duration>,
}

impl SocketEmitter {
    /// Sets the volatile flag.
    pub fn volatile(mut self) -> Self {
        self.volatile = true;
        self
    }

    /// Sets the compress flag (see [`SocketRef::compress`]).
    pub fn compress(mut self, compress: bool) -> Self {
        self.compress = compress;
        self
    }

    /// Sets the ack timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Emits an event with one argument.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) {
        log_emit(self.try_emit_payload(event, Payload::One(data)));
    }

    /// Emits an event whose arguments are the items of `data`.
    pub fn emit_many<T: Serialize + ?Sized>(&self, event: &str, data: &T) {
        log_emit(self.try_emit_payload(event, Payload::Many(data)));
    }

    /// Emits raw arguments.
    pub fn emit_args(&self, event: &str, args: impl Into<Args>) {
        let args = args.into();
        log_emit(self.try_emit_payload::<()>(event, Payload::Args(args.0)));
    }

    /// Emits an event with one argument, or says why it did not go out.
    pub fn try_emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.try_emit_payload(event, Payload::One(data))
    }

    pub(crate) fn try_emit_payload<T: Serialize + ?Sized>(
        &self,
        event: &str,
        payload: Payload<'_, T>,
    ) -> Result<(), EmitError> {
        check_event(event)?;
        if !self.socket.can_send() {
            return Err(EmitError::Disconnected);
        }
        let packet = event_packet(self.socket.ns(), event, payload.into_args()?, None);
        if self.socket.0.ns.0.settings.recovery.is_some() && !self.volatile {
            // As Node: with recovery on, an emit to one socket goes through the adapter to its
            // own room, so that it gets an offset and is kept for a replay.
            let mut opts =
                socketio_adapter::BroadcastOptions::default().to([self.socket.id().as_str()]);
            if !self.compress {
                opts.flags.compress = Some(false);
            }
            self.socket.nsp().adapter().broadcast(packet, opts);
            return Ok(());
        }
        self.socket
            .send_packet(&packet, self.volatile, self.compress)
    }

    /// Emits with one argument and waits for the ack (the timeout set, else `ack_timeout`).
    pub fn emit_with_ack<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> AckFuture {
        self.emit_payload_with_ack(event, Payload::One(data))
    }

    /// Same with raw arguments.
    pub fn emit_args_with_ack(&self, event: &str, args: impl Into<Args>) -> AckFuture {
        let args = args.into();
        self.emit_payload_with_ack::<()>(event, Payload::Args(args.0))
    }

    pub(crate) fn emit_payload_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        payload: Payload<'_, T>,
    ) -> AckFuture {
        AckFuture(self.start_ack(event, payload).map(wait_one_boxed))
    }

    fn start_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        payload: Payload<'_, T>,
    ) -> Result<oneshot::Receiver<Result<AckResponse, AckError>>, AckError> {
        check_event(event)?;
        let socket = &self.socket;
        if !socket.connected() {
            return Err(AckError::Disconnected);
        }
        let id = socket.0.ns.next_ack_id();
        let packet = event_packet(socket.ns(), event, payload.into_args()?, Some(id));
        let messages = encode(&*socket.0.ns.0.settings.parser, &packet);
        let (tx, rx) = oneshot::channel();
        let timeout = self.timeout.unwrap_or_else(|| socket.0.ns.ack_timeout());
        let flags = (self.volatile, self.compress);
        socket.send_with_ack(&messages, id, AckWaiter::One(tx), timeout, flags)?;
        socket.notify_outgoing(&packet);
        Ok(rx)
    }
}

type BoxedAck = Pin<Box<dyn Future<Output = Result<AckResponse, AckError>> + Send>>;

fn wait_one_boxed(rx: oneshot::Receiver<Result<AckResponse, AckError>>) -> BoxedAck {
    Box::pin(wait_one(rx))
}

/// The answer to an emit with ack: resolves with the client's ack arguments, or the reason
/// there is none. The emit is already sent when this is created; the future owns nothing
/// borrowed, so it can be spawned.
pub struct AckFuture(Result<BoxedAck, AckError>);

impl AckFuture {
    /// Waits for the ack and deserializes it (the only argument when there is one).
    pub async fn deserialize<T: DeserializeOwned>(self) -> Result<T, AckError> {
        self.await?.deserialize()
    }
}

impl Future for AckFuture {
    type Output = Result<AckResponse, AckError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.0 {
            Ok(fut) => fut.as_mut().poll(cx),
            Err(_) => {
                let err = std::mem::replace(&mut self.0, Err(AckError::Disconnected));
                Poll::Ready(Err(match err {
                    Err(e) => e,
                    Ok(_) => AckError::Disconnected,
                }))
            }
        }
    }
}

impl fmt::Debug for AckFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AckFuture")
    }
}
