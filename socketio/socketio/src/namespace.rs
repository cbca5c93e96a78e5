//! Namespaces: their middlewares, connection handlers, sockets and adapter; dynamic parents
//! and their children.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use parking_lot::RwLock;
use serde::Serialize;
use socketio_adapter::{
    AckSender as AdapterAckSender, Adapter, AdapterFactory, BroadcastOptions, LocalNamespace,
    Packet, ServerAck, Sid, SocketInfo,
};
use socketio_codec::Value;

use crate::ack::{AckWaiter, BroadcastAcks};
use crate::emit::encode;
use crate::error::{AckError, EmitError, MiddlewareError};
use crate::extract::Args;
use crate::listeners::BoxFuture;
use crate::operators::BroadcastOperators;
use crate::recovery::RecoveryTimer;
use crate::server::Settings;
use crate::socket::SocketRef;
use crate::RemoteSocket;
use socketio_adapter::IntoRooms;

/// A connect middleware: may refuse the socket before it joins.
pub(crate) type Middleware =
    Arc<dyn Fn(SocketRef) -> BoxFuture<Result<(), MiddlewareError>> + Send + Sync>;

/// A connection handler.
pub(crate) type ConnectHandler = Arc<dyn Fn(SocketRef) + Send + Sync>;

/// A listener of server-side emits from other servers: the arguments, and the answer when
/// the sender waits for one.
pub(crate) type ServerEventHandler = Arc<dyn Fn(Args, Option<ServerAck>) + Send + Sync>;

/// Middlewares and connection handlers, shared by a dynamic parent and its children.
#[derive(Default)]
pub(crate) struct NsHandlers {
    middlewares: RwLock<Vec<Middleware>>,
    on_connection: RwLock<Vec<ConnectHandler>>,
}

impl NsHandlers {
    pub(crate) fn middlewares(&self) -> Vec<Middleware> {
        self.middlewares.read().clone()
    }

    pub(crate) fn connection_handlers(&self) -> Vec<ConnectHandler> {
        self.on_connection.read().clone()
    }
}

/// What a child of a dynamic parent runs when its last socket left
/// (`cleanup_empty_child_namespaces`): removes it from the server.
pub(crate) type OnEmpty = Box<dyn Fn(&Namespace) + Send + Sync>;

/// An async dynamic-namespace matcher: the name and the CONNECT auth.
pub(crate) type AsyncMatcher = Arc<dyn Fn(String, Value) -> BoxFuture<bool> + Send + Sync>;

/// Decides whether a name is a child of a dynamic parent.
#[derive(Clone)]
pub(crate) enum Matcher {
    /// A function of the name (Node's `io.of(/regex/)`).
    Sync(Arc<dyn Fn(&str) -> bool + Send + Sync>),
    /// An async function of the name and the CONNECT auth (Node's `io.of((name, auth, next) => ..)`).
    Async(AsyncMatcher),
}

pub(crate) enum NsKind {
    /// A namespace with sockets.
    Plain,
    /// A dynamic parent: no sockets of its own; its children share its handlers.
    Parent {
        matcher: Matcher,
        children: RwLock<Vec<Namespace>>,
    },
}

/// A handle on a namespace (Node's `Namespace`): configure it, broadcast in it. Cheap to clone.
///
/// ```
/// use socketio::{SocketIo, SocketRef};
///
/// let io = SocketIo::new(Default::default());
/// let admin = io.of("/admin");
/// admin.use_middleware(|socket: SocketRef| async move {
///     match socket.handshake().auth.get("token").and_then(|t| t.as_str()) {
///         Some("secret") => Ok(()),
///         _ => Err(socketio::MiddlewareError::new("not authorized")),
///     }
/// });
/// admin.on_connection(|socket: SocketRef| socket.emit("welcome", "admin"));
/// admin.to("ops").emit("alert", &1); // Node: io.of("/admin").to("ops").emit("alert", 1)
/// ```
#[derive(Clone)]
pub struct Namespace(pub(crate) Arc<NsInner>);

pub(crate) struct NsInner {
    name: Arc<str>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) handlers: Arc<NsHandlers>,
    sockets: RwLock<HashMap<Sid, SocketRef>>,
    adapter: Arc<dyn Adapter>,
    ack_ids: AtomicU64,
    pub(crate) kind: NsKind,
    server_listeners: RwLock<HashMap<String, Vec<ServerEventHandler>>>,
    /// Set on the children of dynamic parents when `cleanup_empty_child_namespaces` is on.
    pub(crate) on_empty: OnceLock<OnEmpty>,
    pub(crate) metrics: crate::metrics::NsMetrics,
    /// With recovery on (and sockets: not for a dynamic parent), the timer that removes what
    /// the adapter keeps once it expired.
    recovery_timer: Option<RecoveryTimer>,
}

impl Namespace {
    pub(crate) fn new(
        name: &str,
        settings: Arc<Settings>,
        handlers: Arc<NsHandlers>,
        factory: &AdapterFactory,
        kind: NsKind,
    ) -> Namespace {
        // A dynamic parent has no sockets or rooms of its own: no series for it, no timer.
        let plain = matches!(kind, NsKind::Plain);
        let recovery = plain && settings.recovery.is_some();
        let metrics = match kind {
            NsKind::Plain => crate::metrics::NsMetrics::new(name, recovery),
            NsKind::Parent { .. } => crate::metrics::NsMetrics::noop(),
        };
        Namespace(Arc::new_cyclic(|weak: &Weak<NsInner>| {
            let local: Weak<dyn LocalNamespace> = weak.clone();
            let recovery_timer = recovery.then(|| RecoveryTimer::new(weak.clone()));
            NsInner {
                name: Arc::from(name),
                settings,
                handlers,
                sockets: RwLock::new(HashMap::new()),
                adapter: factory(local),
                ack_ids: AtomicU64::new(0),
                kind,
                server_listeners: RwLock::new(HashMap::new()),
                on_empty: OnceLock::new(),
                metrics,
                recovery_timer,
            }
        }))
    }

    /// The namespace name (`/`, `/admin`, ...).
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The adapter of this namespace.
    pub fn adapter(&self) -> &Arc<dyn Adapter> {
        &self.0.adapter
    }

    /// Whether this is a dynamic parent (created by `io.of_dynamic`): it has no sockets of its
    /// own; its operations reach every child.
    pub fn is_parent(&self) -> bool {
        matches!(self.0.kind, NsKind::Parent { .. })
    }

    /// The children of a dynamic parent (empty for other namespaces).
    pub fn children(&self) -> Vec<Namespace> {
        match &self.0.kind {
            NsKind::Parent { children, .. } => children.read().clone(),
            NsKind::Plain => Vec::new(),
        }
    }

    pub(crate) fn add_child(&self, child: Namespace) {
        if let NsKind::Parent { children, .. } = &self.0.kind {
            children.write().push(child);
        }
    }

    pub(crate) fn remove_child(&self, child: &Namespace) {
        if let NsKind::Parent { children, .. } = &self.0.kind {
            children.write().retain(|c| c != child);
        }
    }

    pub(crate) fn matcher(&self) -> Option<&Matcher> {
        match &self.0.kind {
            NsKind::Parent { matcher, .. } => Some(matcher),
            NsKind::Plain => None,
        }
    }

    /// A connected socket of this server by id.
    pub fn get_socket(&self, sid: Sid) -> Option<SocketRef> {
        self.0.sockets.read().get(&sid).cloned()
    }

    /// The connected sockets of this server (Node's `nsp.sockets`).
    pub fn sockets(&self) -> Vec<SocketRef> {
        self.0.sockets.read().values().cloned().collect()
    }

    /// How many sockets of this server are connected.
    pub fn socket_count(&self) -> usize {
        self.0.sockets.read().len()
    }

    pub(crate) fn add_socket(&self, socket: SocketRef) {
        let id = socket.id();
        if self.0.sockets.write().insert(id, socket).is_none() {
            self.0.metrics.socket_added();
        }
        self.0
            .adapter
            .add_all(id, &[socketio_adapter::Room::from(id.as_str())]);
    }

    pub(crate) fn remove_socket(&self, sid: Sid) {
        self.0.adapter.del_all(sid);
        if self.0.sockets.write().remove(&sid).is_some() {
            self.0.metrics.socket_removed();
        }
        self.socket_gone();
    }

    /// A socket left, or never joined (refused, or its connection closed while connecting):
    /// a child of a dynamic parent with no socket left goes away when
    /// `cleanup_empty_child_namespaces` is on (Node's `_remove` of a child).
    pub(crate) fn socket_gone(&self) {
        if let Some(on_empty) = self.0.on_empty.get() {
            if self.socket_count() == 0 {
                on_empty(self);
            }
        }
    }

    /// A session was persisted for recovery: the expiry timer runs (the adapter starts it
    /// when it kept something while empty; this starts it when that happened where no tokio
    /// runtime was), and the sessions gauge follows.
    pub(crate) fn recovery_persisted(&self) {
        if let Some(timer) = &self.0.recovery_timer {
            timer.start();
        }
        self.0.recovery_changed();
    }

    /// A recovery attempt took (or failed to take) a session: the sessions gauge follows.
    pub(crate) fn recovery_restored(&self) {
        self.0.recovery_changed();
    }

    /// Ends the recovery expiry timer (the server closed, or the namespace was removed).
    pub(crate) fn stop_recovery_timer(&self) {
        if let Some(timer) = &self.0.recovery_timer {
            timer.stop();
        }
    }

    /// The next outgoing ack id (a per-namespace counter from 0, as Node's `_ids`).
    pub(crate) fn next_ack_id(&self) -> u64 {
        self.0.ack_ids.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn ack_timeout(&self) -> Duration {
        self.0.settings.ack_timeout
    }

    // ----- configuration -----

    /// Adds a connect middleware (Node's `nsp.use`): they run in order before the socket
    /// joins; an `Err` refuses it with `connect_error` (`message`, `data`). A middleware may
    /// read the handshake, set `socket.data`, join rooms, register listeners.
    pub fn use_middleware<F, Fut>(&self, f: F) -> &Self
    where
        F: Fn(SocketRef) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), MiddlewareError>> + Send + 'static,
    {
        self.0
            .handlers
            .middlewares
            .write()
            .push(Arc::new(move |s| Box::pin(f(s))));
        self
    }

    /// Adds a connection handler (Node's `nsp.on("connection")`): it runs once the socket
    /// joined, in the connection's task, after the CONNECT reply; register event handlers here.
    /// An async handler runs up to its first pending await there, then as a task.
    pub fn on_connection<H, M>(&self, handler: H) -> &Self
    where
        H: ConnectionHandler<M>,
    {
        let handler = Arc::new(handler);
        self.0
            .handlers
            .on_connection
            .write()
            .push(Arc::new(move |s| handler.call(s)));
        self
    }

    /// Listens to server-side emits of other servers (Node's `nsp.on(event)` for
    /// `serverSideEmit`): the arguments, and the answer to send when the sender waits for
    /// one.
    pub fn on_server_event(
        &self,
        event: &str,
        f: impl Fn(Args, Option<ServerAck>) + Send + Sync + 'static,
    ) -> &Self {
        self.0
            .server_listeners
            .write()
            .entry(event.to_owned())
            .or_default()
            .push(Arc::new(f));
        self
    }

    // ----- broadcasting -----

    /// Operators on every socket of the namespace.
    pub fn operators(&self) -> BroadcastOperators {
        BroadcastOperators::new(self.clone())
    }

    /// Targets rooms (Node's `nsp.to(room)`).
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperators {
        self.operators().to(rooms)
    }

    /// Same as [`Namespace::to`] (Node's `in`).
    pub fn within(&self, rooms: impl IntoRooms) -> BroadcastOperators {
        self.operators().to(rooms)
    }

    /// Every socket but the members of rooms.
    pub fn except(&self, rooms: impl IntoRooms) -> BroadcastOperators {
        self.operators().except(rooms)
    }

    /// This server only.
    pub fn local(&self) -> BroadcastOperators {
        self.operators().local()
    }

    /// Dropped for connections that cannot take it now.
    pub fn volatile(&self) -> BroadcastOperators {
        self.operators().volatile()
    }

    /// Sets the compress flag.
    pub fn compress(&self, compress: bool) -> BroadcastOperators {
        self.operators().compress(compress)
    }

    /// The ack timeout for a following `emit_with_ack`.
    pub fn timeout(&self, timeout: Duration) -> BroadcastOperators {
        self.operators().timeout(timeout)
    }

    /// Emits an event with one argument to every socket.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) {
        self.operators().emit(event, data)
    }

    /// Emits an event whose arguments are the items of `data` to every socket.
    pub fn emit_many<T: Serialize + ?Sized>(&self, event: &str, data: &T) {
        self.operators().emit_many(event, data)
    }

    /// Emits raw arguments to every socket.
    pub fn emit_args(&self, event: &str, args: impl Into<Args>) {
        self.operators().emit_args(event, args)
    }

    /// Like [`Namespace::emit`], returning the error.
    pub fn try_emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.operators().try_emit(event, data)
    }

    /// Emits to every socket and collects their acks.
    pub async fn emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<BroadcastAcks, AckError> {
        self.operators().emit_with_ack(event, data).await
    }

    /// Every socket of the namespace, on every server.
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, AckError> {
        self.operators().fetch_sockets().await
    }

    /// Makes every socket join rooms.
    pub fn sockets_join(&self, rooms: impl IntoRooms) {
        self.operators().sockets_join(rooms)
    }

    /// Makes every socket leave rooms.
    pub fn sockets_leave(&self, rooms: impl IntoRooms) {
        self.operators().sockets_leave(rooms)
    }

    /// Disconnects every socket (closing their connections when `close`).
    pub fn disconnect_sockets(&self, close: bool) {
        self.operators().disconnect_sockets(close)
    }

    /// Emits to the other servers of the cluster (Node's `serverSideEmit`).
    pub async fn server_side_emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), AckError> {
        let args = server_args(event, crate::emit::Payload::One(data))?;
        Ok(self.0.adapter.server_side_emit(args).await?)
    }

    /// The same, collecting one answer per other server (Node's `serverSideEmitWithAck`).
    pub async fn server_side_emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<Vec<Value>, AckError> {
        let args = server_args(event, crate::emit::Payload::One(data))?;
        let timeout = self.ack_timeout();
        self.0
            .adapter
            .server_side_emit_with_ack(args, timeout)
            .await
            .map_err(|(e, _)| AckError::Adapter(e))
    }

    /// How many servers serve this namespace.
    pub async fn server_count(&self) -> Result<usize, AckError> {
        Ok(self.0.adapter.server_count().await?)
    }

    /// Every room of every server.
    pub async fn all_rooms(&self) -> Result<Vec<socketio_adapter::Room>, AckError> {
        Ok(self.0.adapter.all_rooms().await?)
    }
}

fn server_args<T: Serialize + ?Sized>(
    event: &str,
    payload: crate::emit::Payload<'_, T>,
) -> Result<Vec<Value>, EmitError> {
    crate::emit::check_event(event)?;
    let mut args = vec![Value::String(event.to_owned())];
    args.extend(payload.into_args()?);
    Ok(args)
}

impl std::fmt::Debug for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Namespace")
            .field("name", &self.name())
            .finish()
    }
}

impl PartialEq for Namespace {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A connection handler: `Fn(SocketRef)`, or `Fn(SocketRef) -> impl Future`.
pub trait ConnectionHandler<M>: Send + Sync + 'static {
    /// Runs the handler for one socket.
    fn call(&self, socket: SocketRef);
}

/// Marker: a sync connection handler.
pub struct SyncConnection;
/// Marker: an async connection handler.
pub struct AsyncConnection;

impl<F> ConnectionHandler<SyncConnection> for F
where
    F: Fn(SocketRef) + Send + Sync + 'static,
{
    fn call(&self, socket: SocketRef) {
        self(socket)
    }
}

impl<F, Fut> ConnectionHandler<AsyncConnection> for F
where
    F: Fn(SocketRef) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn call(&self, socket: SocketRef) {
        crate::extract::start(self(socket));
    }
}

impl NsInner {
    /// Removes what the adapter keeps for recovery and expired at `now`; when the next entry
    /// expires (see [`Adapter::purge_expired`]).
    pub(crate) fn purge_expired(&self, now: Instant) -> Option<Instant> {
        let next = self.adapter.purge_expired(now);
        self.recovery_changed();
        next
    }

    /// Publishes how many sessions the adapter keeps (`socketio_recovery_sessions`).
    fn recovery_changed(&self) {
        if self.recovery_timer.is_none() {
            return;
        }
        if let Some(stats) = self.adapter.recovery_stats() {
            self.metrics.recovery_sessions(stats.sessions);
        }
    }
}

impl LocalNamespace for NsInner {
    fn name(&self) -> &str {
        &self.name
    }

    /// Tokio's clock, as the engine's sessions use (a test runtime with a paused clock
    /// drives recovery expiry too).
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn recovery_kept(&self) {
        if let Some(timer) = &self.recovery_timer {
            timer.kick();
        }
    }

    fn deliver(&self, sids: &[Sid], packet: &Packet, opts: &BroadcastOptions) -> usize {
        let messages = encode(&*self.settings.parser, packet);
        let volatile = opts.flags.is_volatile();
        let compress = opts.flags.compress();
        let mut parts = None;
        let mut count = 0;
        let sockets = self.sockets.read();
        for sid in sids {
            let Some(socket) = sockets.get(sid) else {
                continue;
            };
            if socket
                .send_messages_with(&messages, volatile, compress)
                .is_ok()
            {
                count += 1;
                if socket.has_outgoing() || self.settings.observers.active() {
                    let (event, args) = parts
                        .get_or_insert_with(|| crate::emit::event_parts(packet).unwrap_or_default())
                        .clone();
                    socket.notify_outgoing_parts(event, args);
                }
            }
        }
        count
    }

    fn deliver_with_ack(
        &self,
        sids: &[Sid],
        packet: &Packet,
        opts: &BroadcastOptions,
        timeout: Duration,
        acks: AdapterAckSender,
    ) -> usize {
        let mut packet = packet.clone();
        // One id for every recipient: the counter is shared, so it is unique on each socket.
        packet.id = Some(self.ack_ids.fetch_add(1, Ordering::Relaxed));
        let id = packet.id.unwrap_or_default();
        let messages = encode(&*self.settings.parser, &packet);
        let flags = (opts.flags.is_volatile(), opts.flags.compress());
        let sockets: Vec<SocketRef> = {
            let map = self.sockets.read();
            sids.iter().filter_map(|s| map.get(s).cloned()).collect()
        };
        let mut count = 0;
        for socket in sockets {
            if socket
                .send_with_ack(
                    &messages,
                    id,
                    AckWaiter::Broadcast(acks.clone()),
                    timeout,
                    flags,
                )
                .is_ok()
            {
                count += 1;
            }
        }
        count
    }

    fn socket_infos(&self, sids: &[Sid]) -> Vec<SocketInfo> {
        let sockets = self.sockets.read();
        sids.iter()
            .filter_map(|sid| sockets.get(sid))
            .map(|s| SocketInfo {
                id: s.id(),
                handshake: s.handshake().to_info(),
                rooms: Vec::new(),
                data: s.data_value(),
            })
            .collect()
    }

    fn disconnect(&self, sids: &[Sid], close: bool) {
        let sockets: Vec<SocketRef> = {
            let map = self.sockets.read();
            sids.iter().filter_map(|s| map.get(s).cloned()).collect()
        };
        for socket in sockets {
            if close {
                socket.disconnect_and_close();
            } else {
                socket.disconnect();
            }
        }
    }

    fn recovery(&self) -> Option<socketio_adapter::RecoverySettings> {
        self.settings.recovery.map(|r| r.settings())
    }

    fn server_side_emit(&self, args: Vec<Value>, ack: Option<ServerAck>) {
        let mut args = args.into_iter();
        let Some(Value::String(event)) = args.next() else {
            return;
        };
        let listeners = self.server_listeners.read().get(&event).cloned();
        let Some(listeners) = listeners else {
            // Nobody listens: a waiting sender times out, as with Node.
            return;
        };
        let args = Args(args.collect());
        let mut ack = ack;
        for f in listeners {
            f(args.clone(), ack.take());
        }
    }
}
