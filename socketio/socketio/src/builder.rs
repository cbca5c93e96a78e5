//! [`SocketIoBuilder`]: the server options under Node's names.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use socketio_adapter::AdapterFactory;
use socketio_codec::Parser;

use crate::{Config, Cors, SocketIo, Transports};

/// Builds a [`SocketIo`] with Node's option names (`new Server({ pingInterval, cors, .. })`).
/// Every option not set keeps Node's default.
///
/// ```
/// use std::time::Duration;
/// use socketio::{Cors, SocketIo};
///
/// let io = SocketIo::builder()
///     .ping_interval(Duration::from_secs(10))
///     .cors(Cors::any())
///     .max_http_buffer_size(1 << 20)
///     .build();
/// assert_eq!(io.config().path, "/socket.io");
/// ```
#[derive(Default)]
pub struct SocketIoBuilder {
    config: Config,
    adapter: Option<AdapterFactory>,
}

impl SocketIoBuilder {
    /// Starts from a configuration.
    pub fn from_config(config: Config) -> Self {
        SocketIoBuilder {
            config,
            adapter: None,
        }
    }

    /// `path` (default `/socket.io`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.config.path = path.into();
        self
    }

    /// `serveClient`: the directory of the `socket.io-client` build to serve (off by default).
    pub fn serve_client(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.serve_client = Some(dir.into());
        self
    }

    /// `connectTimeout` (default 45000 ms).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// The default timeout of emits with ack (ours; Node has none). Default 30000 ms.
    pub fn ack_timeout(mut self, timeout: Duration) -> Self {
        self.config.ack_timeout = timeout;
        self
    }

    /// `parser` (default the JSON parser).
    pub fn parser(mut self, parser: impl Parser) -> Self {
        self.config.parser = Arc::new(parser);
        self
    }

    /// `adapter` (default the in-memory adapter).
    pub fn adapter(mut self, adapter: AdapterFactory) -> Self {
        self.adapter = Some(adapter);
        self
    }

    /// socket.io-parser's `maxAttachments` (default 10).
    pub fn max_attachments(mut self, max: usize) -> Self {
        self.config.max_attachments = max;
        self
    }

    /// `connectionStateRecovery` (off by default).
    pub fn connection_state_recovery(mut self, recovery: crate::ConnectionStateRecovery) -> Self {
        self.config.connection_state_recovery = Some(recovery);
        self
    }

    /// `pingInterval` (default 25000 ms).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.config.engine.ping_interval = interval;
        self
    }

    /// `pingTimeout` (default 20000 ms).
    pub fn ping_timeout(mut self, timeout: Duration) -> Self {
        self.config.engine.ping_timeout = timeout;
        self
    }

    /// `upgradeTimeout` (default 10000 ms).
    pub fn upgrade_timeout(mut self, timeout: Duration) -> Self {
        self.config.engine.upgrade_timeout = timeout;
        self
    }

    /// `maxHttpBufferSize` (default 1e6 bytes).
    pub fn max_http_buffer_size(mut self, size: usize) -> Self {
        self.config.engine.max_http_buffer_size = size;
        self
    }

    /// `transports` (default polling and websocket).
    pub fn transports(mut self, transports: Transports) -> Self {
        self.config.engine.transports = transports;
        self
    }

    /// `allowUpgrades` (default true).
    pub fn allow_upgrades(mut self, allow: bool) -> Self {
        self.config.engine.allow_upgrades = allow;
        self
    }

    /// `allowEIO3` (default false): also serve Socket.IO 2.x clients.
    pub fn allow_eio3(mut self, allow: bool) -> Self {
        self.config.engine.allow_eio3 = allow;
        self
    }

    /// `cors` (default off).
    pub fn cors(mut self, cors: Cors) -> Self {
        self.config.engine.cors = Some(cors);
        self
    }

    /// `allowRequest`: an async check of every handshake; `Err(message)` refuses it (403).
    pub fn allow_request<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(&http::request::Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        self.config.engine = self.config.engine.with_allow_request(hook);
        self
    }

    /// The most packets waiting for one connection (ours; default 1024).
    pub fn max_buffered_packets(mut self, max: usize) -> Self {
        self.config.engine.max_buffered_packets = max;
        self
    }

    /// `cookie`: the session cookie for load balancers that pin clients by cookie (off by
    /// default; `CookieOptions::default()` is Node's `cookie: true`).
    pub fn cookie(mut self, cookie: engineio::CookieOptions) -> Self {
        self.config.engine.cookie = Some(cookie);
        self
    }

    /// `httpCompression` (on by default, threshold 1024 bytes); `None` turns it off.
    pub fn http_compression(mut self, compression: Option<engineio::HttpCompression>) -> Self {
        self.config.engine.http_compression = compression;
        self
    }

    /// The most sessions open at once (ours; default none).
    pub fn max_sessions(mut self, max: usize) -> Self {
        self.config.engine.max_sessions = Some(max);
        self
    }

    /// `addTrailingSlash` (default true): whether the path is matched as `<path>/`
    /// (`/socket.io/?EIO=4..`; `/socket.io?EIO=4..` is not the server's) or, with false, as a
    /// bare prefix, as Node does (`/socket.io?EIO=4..` too). See
    /// [`engineio::Config::add_trailing_slash`].
    pub fn add_trailing_slash(mut self, add: bool) -> Self {
        self.config.engine.add_trailing_slash = add;
        self
    }

    /// The engine's `generateId`: makes the Engine.IO session ids (default: 15 random bytes
    /// in base64url). An id must be 20 characters of `A-Z a-z 0-9 - _` and not in use, or the
    /// handshake is refused (code 3); see [`engineio::GenerateId`].
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering};
    ///
    /// let next = AtomicU64::new(0);
    /// let io = socketio::SocketIo::builder()
    ///     .generate_id(move |_req| {
    ///         let n = next.fetch_add(1, Ordering::Relaxed);
    ///         std::future::ready(Ok(format!("node-a-{n:014}")))
    ///     })
    ///     .build();
    /// # let _ = io;
    /// ```
    pub fn generate_id<F, Fut>(mut self, generate: F) -> Self
    where
        F: Fn(&http::request::Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, String>> + Send + 'static,
    {
        self.config.engine = self.config.engine.with_generate_id(generate);
        self
    }

    /// The engine's `initialPacket`: an Engine.IO message every new connection gets right
    /// after the open packet, before any Socket.IO packet (default none; see
    /// [`engineio::Config::initial_packet`]).
    pub fn initial_packet(mut self, packet: engineio::Data) -> Self {
        self.config.engine.initial_packet = Some(packet);
        self
    }

    /// The engine's `initial_headers` event: changes the headers of the handshake response.
    pub fn initial_headers(
        mut self,
        hook: impl Fn(&mut http::HeaderMap, &http::request::Parts) + Send + Sync + 'static,
    ) -> Self {
        self.config.engine.initial_headers = Some(Arc::new(hook));
        self
    }

    /// The engine's `headers` event: changes the headers of every polling response and
    /// websocket handshake.
    pub fn headers(
        mut self,
        hook: impl Fn(&mut http::HeaderMap, &http::request::Parts) + Send + Sync + 'static,
    ) -> Self {
        self.config.engine.headers = Some(Arc::new(hook));
        self
    }

    /// The engine's `connection_error` event: told about every refused request, with Node's
    /// code, message and context ([`engineio::ConnectionError`]). More listeners can be added
    /// later with [`SocketIo::on_connection_error`].
    pub fn on_connection_error(
        mut self,
        listener: impl Fn(&engineio::ConnectionError<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.config.engine = self.config.engine.with_connection_error(listener);
        self
    }

    /// `cleanupEmptyChildNamespaces` (default false): a child of a dynamic parent namespace is
    /// removed when its last socket leaves.
    pub fn cleanup_empty_child_namespaces(mut self, cleanup: bool) -> Self {
        self.config.cleanup_empty_child_namespaces = cleanup;
        self
    }

    /// Whether the handshake believes a proxy's `X-Forwarded-For` (client address) and
    /// `X-Forwarded-Proto` (`secure`) (ours; default false). Only behind a proxy that sets
    /// them; see [`Config::trust_proxy`].
    pub fn trust_proxy(mut self, trust: bool) -> Self {
        self.config.trust_proxy = trust;
        self
    }

    /// The configuration built so far.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The server.
    pub fn build(self) -> SocketIo {
        match self.adapter {
            Some(adapter) => SocketIo::with_adapter(self.config, adapter),
            None => SocketIo::new(self.config),
        }
    }
}

impl std::fmt::Debug for SocketIoBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketIoBuilder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
