//! Namespaces: their middleware, connection handler, sockets and adapter.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::adapter::{Adapter, AdapterFactory};
use crate::error::MiddlewareError;
use crate::socket::SocketRef;
use crate::Sid;

/// A connect middleware: may refuse the socket before it joins.
pub(crate) type Middleware = Arc<
    dyn Fn(SocketRef) -> Pin<Box<dyn Future<Output = Result<(), MiddlewareError>> + Send>>
        + Send
        + Sync,
>;

/// The connection handler.
pub(crate) type ConnectHandler = Arc<dyn Fn(SocketRef) + Send + Sync>;

/// Middleware and connection handler, shared by a dynamic namespace's children.
#[derive(Default)]
pub(crate) struct NsHandlers {
    pub(crate) middlewares: RwLock<Vec<Middleware>>,
    pub(crate) on_connection: RwLock<Option<ConnectHandler>>,
}

impl NsHandlers {
    pub(crate) fn middlewares(&self) -> Vec<Middleware> {
        self.middlewares
            .read()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    pub(crate) fn connection_handler(&self) -> Option<ConnectHandler> {
        self.on_connection.read().ok().and_then(|h| h.clone())
    }
}

/// A namespace: its sockets and its adapter.
pub struct Namespace {
    name: Arc<str>,
    pub(crate) handlers: Arc<NsHandlers>,
    sockets: RwLock<HashMap<Sid, SocketRef>>,
    pub(crate) adapter: Arc<dyn Adapter>,
    ack_ids: AtomicU64,
    ack_timeout: Duration,
}

impl Namespace {
    pub(crate) fn new(
        name: &str,
        handlers: Arc<NsHandlers>,
        factory: &AdapterFactory,
        ack_timeout: Duration,
    ) -> Arc<Namespace> {
        Arc::new_cyclic(|weak| Namespace {
            name: Arc::from(name),
            handlers,
            sockets: RwLock::new(HashMap::new()),
            adapter: factory(weak.clone()),
            ack_ids: AtomicU64::new(0),
            ack_timeout,
        })
    }

    /// The namespace name (`/`, `/admin`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The adapter.
    pub fn adapter(&self) -> &Arc<dyn Adapter> {
        &self.adapter
    }

    /// A connected socket by id.
    pub fn get_socket(&self, sid: &Sid) -> Option<SocketRef> {
        self.sockets.read().ok()?.get(sid).cloned()
    }

    /// Runs `f` on the socket table under one read lock (broadcast target lookup).
    pub(crate) fn with_sockets<R>(
        &self,
        f: impl FnOnce(&HashMap<Sid, SocketRef>) -> R,
    ) -> Option<R> {
        self.sockets.read().ok().map(|map| f(&map))
    }

    /// Every connected socket.
    pub fn sockets(&self) -> Vec<SocketRef> {
        self.sockets
            .read()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// How many sockets are connected.
    pub fn socket_count(&self) -> usize {
        self.sockets.read().map(|m| m.len()).unwrap_or(0)
    }

    pub(crate) fn add_socket(&self, socket: SocketRef) {
        let id = socket.id();
        if let Ok(mut map) = self.sockets.write() {
            map.insert(id, socket);
        }
        let own = id.to_string();
        self.adapter.add_all(id, &[own.as_str()]);
    }

    pub(crate) fn remove_socket(&self, sid: Sid) {
        if let Ok(mut map) = self.sockets.write() {
            map.remove(&sid);
        }
    }

    /// The next outgoing ack id (a per-namespace counter from 0, as Node's `_ids`).
    pub(crate) fn next_ack_id(&self) -> u64 {
        self.ack_ids.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn ack_timeout(&self) -> Duration {
        self.ack_timeout
    }
}

impl std::fmt::Debug for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Namespace")
            .field("name", &self.name)
            .finish()
    }
}
