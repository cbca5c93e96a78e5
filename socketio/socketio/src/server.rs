//! The server: namespaces registry, configuration, and the Engine.IO server underneath.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};

use engineio::{EngineIo, IntoEngineIo};
use serde::Serialize;

use crate::ack::BroadcastAcks;
use crate::adapter::{AdapterFactory, MemoryAdapter, RemoteSocket};
use crate::client::{ConnectTimeouts, SioHandler};
use crate::error::{Error, MiddlewareError};
use crate::extract::Args;
use crate::namespace::{Namespace, NsHandlers};
use crate::operators::BroadcastOperators;
use crate::socket::SocketRef;
use crate::Config;

type Matcher = Arc<dyn Fn(&str) -> bool + Send + Sync>;

pub(crate) struct ServerCore {
    pub(crate) config: Config,
    namespaces: RwLock<HashMap<String, Arc<Namespace>>>,
    dynamic: RwLock<Vec<(Matcher, Arc<NsHandlers>)>>,
    adapter: AdapterFactory,
    pub(crate) timeouts: Arc<ConnectTimeouts>,
}

impl ServerCore {
    /// The namespace a CONNECT names: a static one, or a new child of a matching dynamic one.
    pub(crate) fn namespace_for(&self, name: &str) -> Option<Arc<Namespace>> {
        if let Some(ns) = self.namespaces.read().ok()?.get(name) {
            return Some(ns.clone());
        }
        let handlers = self
            .dynamic
            .read()
            .ok()?
            .iter()
            .find(|(matches, _)| matches(name))
            .map(|(_, h)| h.clone())?;
        let mut map = self.namespaces.write().ok()?;
        let ns = map.entry(name.to_owned()).or_insert_with(|| {
            Namespace::new(name, handlers, &self.adapter, self.config.ack_timeout)
        });
        Some(ns.clone())
    }

    fn get_or_create(&self, name: &str) -> Arc<Namespace> {
        if let Some(ns) = self
            .namespaces
            .read()
            .ok()
            .and_then(|m| m.get(name).cloned())
        {
            return ns;
        }
        let mut map = match self.namespaces.write() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(name.to_owned())
            .or_insert_with(|| {
                Namespace::new(name, Arc::default(), &self.adapter, self.config.ack_timeout)
            })
            .clone()
    }
}

/// A Socket.IO server. Cheap to clone; mount it with an integration (or [`SocketIo::serve`]).
#[derive(Clone)]
pub struct SocketIo {
    core: Arc<ServerCore>,
    engine: EngineIo<SioHandler>,
}

impl SocketIo {
    /// A server with this configuration and the in-memory adapter.
    pub fn new(config: Config) -> Self {
        Self::with_adapter(config, Arc::new(|ns| Arc::new(MemoryAdapter::new(ns))))
    }

    /// A server with another adapter.
    pub fn with_adapter(config: Config, adapter: AdapterFactory) -> Self {
        let core = Arc::new(ServerCore {
            config: config.clone(),
            namespaces: RwLock::new(HashMap::new()),
            dynamic: RwLock::new(Vec::new()),
            adapter,
            timeouts: Arc::default(),
        });
        let engine = EngineIo::new(config.engine_config(), SioHandler { core: core.clone() });
        SocketIo { core, engine }
    }

    /// The namespace `name`, created if needed (Node's `io.of(name)`).
    pub fn of(&self, name: &str) -> NamespaceRef {
        NamespaceRef(self.core.get_or_create(name))
    }

    /// Registers the connection handler of a namespace (shortcut for `of(name).on_connection(f)`).
    pub fn ns(&self, name: &str, f: impl Fn(SocketRef) + Send + Sync + 'static) -> NamespaceRef {
        let ns = self.of(name);
        ns.on_connection(f);
        ns
    }

    /// A dynamic namespace: every name for which `matches` returns true is created on first
    /// CONNECT, sharing this parent's middleware and connection handler.
    pub fn of_dynamic(
        &self,
        matches: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) -> DynamicNamespace {
        let handlers: Arc<NsHandlers> = Arc::default();
        if let Ok(mut d) = self.core.dynamic.write() {
            d.push((Arc::new(matches), handlers.clone()));
        }
        DynamicNamespace(handlers)
    }

    /// Operators on the main namespace `/` (Node's `io.to(..)`, `io.emit(..)`, ...).
    pub fn sockets(&self) -> NamespaceRef {
        self.of("/")
    }

    /// The Engine.IO server underneath.
    pub fn engine(&self) -> &EngineIo<SioHandler> {
        &self.engine
    }

    /// Closes every connection ("server shutting down").
    pub fn close(&self) {
        self.engine.close_all();
    }

    /// Serves on a listener with plain hyper; other paths get 404.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        engineio::serve(listener, self.engine).await
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

/// A handle on a namespace: configure it, and broadcast in it.
#[derive(Clone, Debug)]
pub struct NamespaceRef(pub(crate) Arc<Namespace>);

impl std::ops::Deref for NamespaceRef {
    type Target = Namespace;
    fn deref(&self) -> &Namespace {
        &self.0
    }
}

fn add_middleware<F, Fut>(handlers: &NsHandlers, f: F)
where
    F: Fn(SocketRef) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), MiddlewareError>> + Send + 'static,
{
    if let Ok(mut m) = handlers.middlewares.write() {
        m.push(Arc::new(move |s| Box::pin(f(s))));
    }
}

fn set_connection(handlers: &NsHandlers, f: impl Fn(SocketRef) + Send + Sync + 'static) {
    if let Ok(mut h) = handlers.on_connection.write() {
        *h = Some(Arc::new(f));
    }
}

impl NamespaceRef {
    /// Adds a connect middleware (run in order; an `Err` refuses the socket with `connect_error`).
    pub fn use_middleware<F, Fut>(&self, f: F) -> &Self
    where
        F: Fn(SocketRef) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), MiddlewareError>> + Send + 'static,
    {
        add_middleware(&self.0.handlers, f);
        self
    }

    /// Sets the connection handler (runs after the CONNECT reply; register event handlers here).
    pub fn on_connection(&self, f: impl Fn(SocketRef) + Send + Sync + 'static) -> &Self {
        set_connection(&self.0.handlers, f);
        self
    }

    fn ops(&self) -> BroadcastOperators {
        BroadcastOperators::new(self.0.clone())
    }

    /// Targets rooms.
    pub fn to<R: AsRef<str>>(&self, rooms: impl IntoIterator<Item = R>) -> BroadcastOperators {
        self.ops().to(rooms)
    }

    /// Same as [`NamespaceRef::to`] (Node's `in`).
    pub fn within<R: AsRef<str>>(&self, rooms: impl IntoIterator<Item = R>) -> BroadcastOperators {
        self.ops().to(rooms)
    }

    /// Everyone but the members of rooms.
    pub fn except<R: AsRef<str>>(&self, rooms: impl IntoIterator<Item = R>) -> BroadcastOperators {
        self.ops().except(rooms)
    }

    /// This server only.
    pub fn local(&self) -> BroadcastOperators {
        self.ops().local()
    }

    /// Dropped for connections that cannot take it now.
    pub fn volatile(&self) -> BroadcastOperators {
        self.ops().volatile()
    }

    /// Ack timeout for a following `emit_with_ack`.
    pub fn timeout(&self, timeout: std::time::Duration) -> BroadcastOperators {
        self.ops().timeout(timeout)
    }

    /// Emits to every socket of the namespace.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), Error> {
        self.ops().emit(event, data)
    }

    /// Emits with several arguments to every socket of the namespace.
    pub fn emit_many<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), Error> {
        self.ops().emit_many(event, data)
    }

    /// Emits raw arguments to every socket of the namespace.
    pub fn emit_args(&self, event: &str, args: &Args) -> Result<(), Error> {
        self.ops().emit_args(event, args)
    }

    /// Emits to every socket and collects the acks.
    pub async fn emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<BroadcastAcks, Error> {
        self.ops().emit_with_ack(event, data).await
    }

    /// Every socket of the namespace.
    pub async fn fetch_sockets(&self) -> Vec<RemoteSocket> {
        self.ops().fetch_sockets().await
    }

    /// Makes every socket join rooms.
    pub fn sockets_join<R: AsRef<str>>(&self, rooms: impl IntoIterator<Item = R>) {
        self.ops().sockets_join(rooms)
    }

    /// Makes every socket leave rooms.
    pub fn sockets_leave<R: AsRef<str>>(&self, rooms: impl IntoIterator<Item = R>) {
        self.ops().sockets_leave(rooms)
    }

    /// Disconnects every socket.
    pub fn disconnect_sockets(&self, close: bool) {
        self.ops().disconnect_sockets(close)
    }

    /// Emits to the other servers of the cluster (Node's `serverSideEmit`; nothing to reach on
    /// one node).
    pub fn server_side_emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), Error> {
        let packet =
            crate::emit::event_packet(self.0.name(), event, crate::emit::Payload::One(data), None)?;
        self.0.adapter.server_side_emit(&packet);
        Ok(())
    }
}

/// A dynamic namespace parent.
#[derive(Clone)]
pub struct DynamicNamespace(Arc<NsHandlers>);

impl DynamicNamespace {
    /// Adds a connect middleware shared by every child.
    pub fn use_middleware<F, Fut>(&self, f: F) -> &Self
    where
        F: Fn(SocketRef) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), MiddlewareError>> + Send + 'static,
    {
        add_middleware(&self.0, f);
        self
    }

    /// Sets the connection handler shared by every child.
    pub fn on_connection(&self, f: impl Fn(SocketRef) + Send + Sync + 'static) -> &Self {
        set_connection(&self.0, f);
        self
    }
}
