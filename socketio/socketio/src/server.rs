//! The server: the namespaces registry, the settings every namespace shares, and the
//! Engine.IO server underneath.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use engineio::{EngineIo, IntoEngineIo, WeakEngineIo};
use parking_lot::RwLock;
use serde::Serialize;
use socketio_adapter::{AdapterFactory, Room, RoomEvent};
use socketio_adapter_memory::MemoryAdapter;
use socketio_codec::{Parser, Value};

use crate::ack::BroadcastAcks;
use crate::client::SioHandler;
use crate::error::{AckError, EmitError};
use crate::extract::Args;
use crate::listeners::BoxFuture;
use crate::namespace::{AsyncMatcher, ConnectionHandler, Matcher, Namespace, NsHandlers, NsKind};
use crate::operators::{BroadcastOperators, RemoteSocket};
use crate::Config;
use socketio_adapter::IntoRooms;

/// What every namespace of a server shares (no back reference to the registry).
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) parser: Arc<dyn Parser>,
    pub(crate) ack_timeout: Duration,
    pub(crate) observers: crate::observer::Observers,
    pub(crate) recovery: Option<crate::ConnectionStateRecovery>,
    /// The metric handles (see [`crate::metrics`]).
    pub(crate) metrics: crate::metrics::Metrics,
}

pub(crate) struct ServerCore {
    pub(crate) config: Config,
    pub(crate) settings: Arc<Settings>,
    /// Plain namespaces (static, and children of dynamic parents) by name.
    namespaces: RwLock<HashMap<String, Namespace>>,
    /// Dynamic parents, in the order they were added.
    parents: RwLock<Vec<Namespace>>,
    adapter: AdapterFactory,
}

/// The namespace a CONNECT names.
pub(crate) enum Lookup {
    /// It exists, or a dynamic parent just made it.
    Found(Namespace),
    /// Nothing serves it: "Invalid namespace".
    NotFound,
    /// An async dynamic matcher decides.
    Pending(BoxFuture<Option<Namespace>>),
}

impl ServerCore {
    fn plain(&self, name: &str, handlers: Arc<NsHandlers>) -> Namespace {
        let ns = Namespace::new(
            name,
            self.settings.clone(),
            handlers,
            &self.adapter,
            NsKind::Plain,
        );
        let settings = Arc::downgrade(&self.settings);
        let rooms = ns.0.metrics.rooms();
        ns.adapter().on_room_event(Arc::new(move |nsp, event| {
            match event {
                RoomEvent::Create(_) => rooms.increment(1.0),
                RoomEvent::Delete(_) => rooms.decrement(1.0),
                _ => {}
            }
            let Some(settings) = settings.upgrade() else {
                return;
            };
            settings.observers.each(|o| match event {
                RoomEvent::Create(room) => o.room_created(nsp, room),
                RoomEvent::Delete(room) => o.room_deleted(nsp, room),
                RoomEvent::Join(room, sid) => o.room_joined(nsp, room, *sid),
                RoomEvent::Leave(room, sid) => o.room_left(nsp, room, *sid),
            });
        }));
        init_adapter(&ns);
        ns
    }

    /// The existing namespace `name`, or a new child of the first parent whose sync matcher
    /// takes it.
    fn existing_or_sync_child(self: &Arc<Self>, name: &str) -> Option<Namespace> {
        if let Some(ns) = self.namespaces.read().get(name) {
            return Some(ns.clone());
        }
        let parents = self.parents.read().clone();
        let parent = parents
            .into_iter()
            .find(|p| matches!(p.matcher(), Some(Matcher::Sync(m)) if m(name)))?;
        Some(self.child(&parent, name))
    }

    /// The child `name` of `parent` (created once).
    fn child(self: &Arc<Self>, parent: &Namespace, name: &str) -> Namespace {
        let mut map = self.namespaces.write();
        if let Some(ns) = map.get(name) {
            return ns.clone();
        }
        let ns = self.plain(name, parent.0.handlers.clone());
        if self.config.cleanup_empty_child_namespaces {
            let core = Arc::downgrade(self);
            let parent = Arc::downgrade(&parent.0);
            let _ = ns.0.on_empty.set(Box::new(move |child| {
                if let (Some(core), Some(parent)) = (core.upgrade(), parent.upgrade()) {
                    core.remove_child(&Namespace(parent), child);
                }
            }));
        }
        map.insert(name.to_owned(), ns.clone());
        drop(map);
        parent.add_child(ns.clone());
        ns
    }

    /// Removes a child that has no socket left (`cleanup_empty_child_namespaces`), as Node:
    /// out of the registry and its parent's children, its adapter closed. A later CONNECT or
    /// `io.of(name)` makes a new one.
    fn remove_child(&self, parent: &Namespace, child: &Namespace) {
        {
            let mut map = self.namespaces.write();
            // Checked again under the registry lock: still empty, still the registered one.
            let registered = map.get(child.name()).is_some_and(|ns| ns == child);
            if !registered || child.socket_count() > 0 {
                return;
            }
            map.remove(child.name());
        }
        parent.remove_child(child);
        child.stop_recovery_timer();
        tracing::debug!(nsp = %child.name(), "empty child namespace removed");
        let close = child.adapter().close();
        let name = child.name().to_owned();
        crate::extract::start(async move {
            if let Err(e) = close.await {
                tracing::warn!(nsp = %name, "adapter close failed: {e}");
            }
        });
    }

    /// The namespace a CONNECT names (Node's `_checkNamespace`): a known one, or a child of a
    /// dynamic parent, asking async matchers in order.
    pub(crate) fn lookup(self: &Arc<Self>, name: &str, auth: &Value) -> Lookup {
        if let Some(ns) = self.existing_or_sync_child(name) {
            return Lookup::Found(ns);
        }
        let asyncs: Vec<(Namespace, AsyncMatcher)> = self
            .parents
            .read()
            .iter()
            .filter_map(|p| match p.matcher() {
                Some(Matcher::Async(m)) => Some((p.clone(), m.clone())),
                _ => None,
            })
            .collect();
        if asyncs.is_empty() {
            return Lookup::NotFound;
        }
        let core = self.clone();
        let name = name.to_owned();
        let auth = auth.clone();
        Lookup::Pending(Box::pin(async move {
            for (parent, matcher) in asyncs {
                if matcher(name.clone(), auth.clone()).await {
                    return Some(core.child(&parent, &name));
                }
            }
            None
        }))
    }

    /// `io.of(name)`: the namespace, a child of a parent whose sync matcher takes the name, or
    /// a new plain namespace.
    pub(crate) fn of(self: &Arc<Self>, name: &str) -> Namespace {
        if let Some(ns) = self.existing_or_sync_child(name) {
            return ns;
        }
        let mut map = self.namespaces.write();
        map.entry(name.to_owned())
            .or_insert_with(|| self.plain(name, Arc::default()))
            .clone()
    }

    fn add_parent(&self, matcher: Matcher) -> Namespace {
        let ns = Namespace::new(
            "",
            self.settings.clone(),
            Arc::default(),
            &self.adapter,
            NsKind::Parent {
                matcher,
                children: RwLock::new(Vec::new()),
            },
        );
        self.parents.write().push(ns.clone());
        ns
    }

    fn all(&self) -> Vec<Namespace> {
        self.namespaces.read().values().cloned().collect()
    }
}

/// Starts a namespace's adapter; a failure is logged (the adapter keeps serving this server).
fn init_adapter(ns: &Namespace) {
    let init = ns.adapter().init();
    let name = ns.name().to_owned();
    let run = async move {
        if let Err(e) = init.await {
            tracing::warn!(nsp = %name, "adapter init failed: {e}");
        }
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        crate::extract::start(run);
    } else {
        // No runtime yet (a namespace made before the server runs): the memory adapter's init
        // is ready at once; another adapter's init must not need a runtime to start (its
        // connection logic retries on its own).
        let mut run = Box::pin(run);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let _ = run.as_mut().poll(&mut cx);
    }
}

/// A Socket.IO server (Node's `Server`). Cheap to clone; mount it with an integration (or
/// [`SocketIo::serve`]).
#[derive(Clone)]
pub struct SocketIo {
    core: Arc<ServerCore>,
    engine: EngineIo<SioHandler>,
}

impl SocketIo {
    /// A server with this configuration and the in-memory adapter.
    pub fn new(config: Config) -> Self {
        Self::with_adapter(config, MemoryAdapter::factory())
    }

    /// A server with another adapter (Node's `io.adapter(createAdapter(..))`).
    pub fn with_adapter(config: Config, adapter: AdapterFactory) -> Self {
        let settings = Arc::new(Settings {
            parser: config.parser.clone(),
            ack_timeout: config.ack_timeout,
            observers: Default::default(),
            recovery: config.connection_state_recovery,
            metrics: crate::metrics::Metrics::new(),
        });
        let core = Arc::new(ServerCore {
            config: config.clone(),
            settings,
            namespaces: RwLock::new(HashMap::new()),
            parents: RwLock::new(Vec::new()),
            adapter,
        });
        // The main namespace always exists, as in Node.
        core.of("/");
        let engine = EngineIo::new(config.engine_config(), SioHandler { core: core.clone() });
        SocketIo { core, engine }
    }

    /// A builder with Node's option names (`SocketIo::builder().ping_interval(..).build()`).
    pub fn builder() -> crate::SocketIoBuilder {
        crate::SocketIoBuilder::default()
    }

    /// Adds an observer of connections, sockets, rooms and events (for instrumentation such
    /// as the Admin UI or metrics). Nothing is computed for observers while there is none.
    ///
    /// The server owns its observers: one that needs the server back holds a
    /// [`WeakSocketIo`] ([`SocketIo::downgrade`]), not a `SocketIo`, or neither is ever freed.
    pub fn observe(&self, observer: Arc<dyn crate::Observer>) {
        self.core.settings.observers.add(observer);
    }

    /// A handle that does not keep the server alive: for what the server owns and must reach
    /// the server back (observers, handlers, timers), without a reference cycle.
    pub fn downgrade(&self) -> WeakSocketIo {
        WeakSocketIo {
            engine: self.engine.downgrade(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.core.config
    }

    /// The namespace `name` (Node's `io.of(name)`): the existing one, a child of a dynamic
    /// parent whose matcher takes the name, or a new one. A name without its leading `/` gets
    /// one, as in Node (`of("admin")` is `/admin`).
    pub fn of(&self, name: &str) -> Namespace {
        if name.starts_with('/') {
            self.core.of(name)
        } else {
            self.core.of(&format!("/{name}"))
        }
    }

    /// Adds a connection handler to namespace `name` (shortcut for
    /// `of(name).on_connection(f)`).
    pub fn ns<H, M>(&self, name: &str, handler: H) -> Namespace
    where
        H: ConnectionHandler<M>,
    {
        let ns = self.of(name);
        ns.on_connection(handler);
        ns
    }

    /// Adds a connect middleware to the main namespace (Node's `io.use`; shortcut for
    /// `sockets().use_middleware(f)`): see [`Namespace::use_middleware`].
    pub fn use_middleware<F, Fut>(&self, f: F) -> Namespace
    where
        F: Fn(crate::SocketRef) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), crate::MiddlewareError>> + Send + 'static,
    {
        let ns = self.sockets();
        ns.use_middleware(f);
        ns
    }

    /// Listens to the server-side emits of other servers on the main namespace (Node's
    /// `io.on(event, ..)` for `serverSideEmit`): see [`Namespace::on_server_event`].
    pub fn on_server_event(
        &self,
        event: &str,
        f: impl Fn(Args, Option<socketio_adapter::ServerAck>) + Send + Sync + 'static,
    ) -> Namespace {
        let ns = self.sockets();
        ns.on_server_event(event, f);
        ns
    }

    /// Adds a connection handler to the main namespace (Node's `io.on("connection")`).
    pub fn on_connection<H, M>(&self, handler: H) -> Namespace
    where
        H: ConnectionHandler<M>,
    {
        self.ns("/", handler)
    }

    /// A dynamic parent namespace (Node's `io.of(/regex/)`): every name for which `matches`
    /// returns true becomes a child on its first CONNECT (or `io.of(name)`), sharing the
    /// parent's middlewares and connection handlers. Emits and operators on the parent reach
    /// every child.
    pub fn of_dynamic(&self, matches: impl Fn(&str) -> bool + Send + Sync + 'static) -> Namespace {
        self.core.add_parent(Matcher::Sync(Arc::new(matches)))
    }

    /// A dynamic parent decided by an async function of the name and the CONNECT auth (Node's
    /// `io.of((name, auth, next) => ..)`). It is asked only for names no namespace serves.
    pub fn of_dynamic_async<F, Fut>(&self, matches: F) -> Namespace
    where
        F: Fn(String, Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        self.core
            .add_parent(Matcher::Async(Arc::new(move |name, auth| {
                Box::pin(matches(name, auth))
            })))
    }

    /// Every namespace with sockets (static ones and children of dynamic parents).
    pub fn namespaces(&self) -> Vec<Namespace> {
        let mut all = self.core.all();
        all.sort_by(|a, b| a.name().cmp(b.name()));
        all
    }

    /// The main namespace `/` (Node's `io.sockets`).
    pub fn sockets(&self) -> Namespace {
        self.of("/")
    }

    /// The Engine.IO server underneath.
    pub fn engine(&self) -> &EngineIo<SioHandler> {
        &self.engine
    }

    /// Adds a listener of refused requests (Node's `io.engine.on("connection_error", ..)`):
    /// unknown transport or session, bad handshake method, bad request, forbidden by the
    /// allow-request hook, unsupported protocol version, each with Node's code, message and
    /// context ([`engineio::ConnectionError`]).
    ///
    /// ```
    /// let io = socketio::SocketIo::new(Default::default());
    /// io.on_connection_error(|err| {
    ///     eprintln!("{} {}: {:?}", err.code, err.message, err.context);
    /// });
    /// ```
    pub fn on_connection_error(
        &self,
        listener: impl Fn(&engineio::ConnectionError<'_>) + Send + Sync + 'static,
    ) {
        self.engine.on_connection_error(listener);
    }

    /// Closes every connection ("server shutting down") and every adapter, and waits until
    /// the connections are gone (Node's `io.close()`), at most `close_timeout`. The recovery
    /// expiry timers end too.
    pub async fn close(&self) {
        self.core.settings.observers.each(|o| o.server_closed());
        self.engine.close_all();
        let deadline = tokio::time::Instant::now() + self.core.config.engine.close_timeout;
        while self.engine.session_count() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        for ns in self.core.all() {
            ns.stop_recovery_timer();
            if let Err(e) = ns.adapter().close().await {
                tracing::warn!(nsp = %ns.name(), "adapter close failed: {e}");
            }
        }
    }

    /// Serves on a listener with plain hyper; other paths get 404.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        engineio::serve(listener, self.engine).await
    }

    // ----- the main namespace's operators (Node's `io.emit`, `io.to`, ...) -----

    /// Targets rooms of `/`.
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperators {
        self.sockets().to(rooms)
    }

    /// Same as [`SocketIo::to`] (Node's `io.in`).
    pub fn within(&self, rooms: impl IntoRooms) -> BroadcastOperators {
        self.sockets().to(rooms)
    }

    /// Every socket of `/` but the members of rooms.
    pub fn except(&self, rooms: impl IntoRooms) -> BroadcastOperators {
        self.sockets().except(rooms)
    }

    /// This server only.
    pub fn local(&self) -> BroadcastOperators {
        self.sockets().local()
    }

    /// Dropped for connections that cannot take it now.
    pub fn volatile(&self) -> BroadcastOperators {
        self.sockets().volatile()
    }

    /// Sets the compress flag (Node's `io.compress(flag)`; see [`SocketRef::compress`](crate::SocketRef::compress)).
    pub fn compress(&self, compress: bool) -> BroadcastOperators {
        self.sockets().compress(compress)
    }

    /// The ack timeout for a following `emit_with_ack`.
    pub fn timeout(&self, timeout: Duration) -> BroadcastOperators {
        self.sockets().timeout(timeout)
    }

    /// Emits to every socket of `/` (Node's `io.emit`). Like Node's it returns nothing: what
    /// cannot be sent (a reserved event name, data that does not serialize) is logged;
    /// [`SocketIo::try_emit`] returns the error instead.
    ///
    /// ```
    /// use socketio::{EmitError, SocketIo};
    ///
    /// let io = SocketIo::new(Default::default());
    /// io.emit("news", "hello"); // nothing to unwrap
    /// io.emit("connect", &()); // reserved: logged, not sent
    /// assert!(matches!(io.try_emit("connect", &()), Err(EmitError::ReservedEvent(_))));
    /// ```
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) {
        self.sockets().emit(event, data)
    }

    /// Emits the items of `data` as arguments to every socket of `/`.
    pub fn emit_many<T: Serialize + ?Sized>(&self, event: &str, data: &T) {
        self.sockets().emit_many(event, data)
    }

    /// Emits raw arguments to every socket of `/`.
    pub fn emit_args(&self, event: &str, args: impl Into<Args>) {
        self.sockets().emit_args(event, args)
    }

    /// Like [`SocketIo::emit`], returning the error.
    pub fn try_emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.sockets().try_emit(event, data)
    }

    /// Emits to every socket of `/` and collects their acks.
    pub async fn emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<BroadcastAcks, AckError> {
        self.sockets().emit_with_ack(event, data).await
    }

    /// Every socket of `/`, on every server.
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, AckError> {
        self.sockets().fetch_sockets().await
    }

    /// Makes every socket of `/` join rooms.
    pub fn sockets_join(&self, rooms: impl IntoRooms) {
        self.sockets().sockets_join(rooms)
    }

    /// Makes every socket of `/` leave rooms.
    pub fn sockets_leave(&self, rooms: impl IntoRooms) {
        self.sockets().sockets_leave(rooms)
    }

    /// Disconnects every socket of `/`.
    pub fn disconnect_sockets(&self, close: bool) {
        self.sockets().disconnect_sockets(close)
    }

    /// Emits to the other servers' `/` server-side listeners.
    pub async fn server_side_emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), AckError> {
        self.sockets().server_side_emit(event, data).await
    }

    /// Emits to the other servers' `/` server-side listeners and collects one answer per
    /// server (Node's `io.serverSideEmitWithAck`).
    pub async fn server_side_emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<Vec<Value>, AckError> {
        self.sockets().server_side_emit_with_ack(event, data).await
    }

    /// Every room of `/` on every server.
    pub async fn all_rooms(&self) -> Result<Vec<Room>, AckError> {
        self.sockets().all_rooms().await
    }
}

/// A handle on a [`SocketIo`] that does not keep it alive ([`SocketIo::downgrade`]).
///
/// ```
/// use socketio::SocketIo;
///
/// let io = SocketIo::new(Default::default());
/// let weak = io.downgrade();
/// assert!(weak.upgrade().is_some());
/// drop(io);
/// assert!(weak.upgrade().is_none());
/// ```
#[derive(Clone, Debug)]
pub struct WeakSocketIo {
    engine: WeakEngineIo<SioHandler>,
}

impl WeakSocketIo {
    /// The server, unless it was dropped (no handle and no connection left).
    pub fn upgrade(&self) -> Option<SocketIo> {
        let engine = self.engine.upgrade()?;
        Some(SocketIo {
            core: engine.handler().core.clone(),
            engine,
        })
    }
}

impl IntoEngineIo for SocketIo {
    type Handler = SioHandler;

    fn into_engine_io(self) -> EngineIo<SioHandler> {
        self.engine
    }
}

impl IntoEngineIo for &SocketIo {
    type Handler = SioHandler;

    fn into_engine_io(self) -> EngineIo<SioHandler> {
        self.engine.clone()
    }
}

impl std::fmt::Debug for SocketIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketIo")
            .field("path", &self.core.config.path)
            .finish()
    }
}
