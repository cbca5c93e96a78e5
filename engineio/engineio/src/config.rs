//! Server configuration, with the Node `engine.io` server's names and defaults.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use engineio_proto::Transports;

use crate::StaticFiles;

/// The allow-request hook: called for every handshake with the request head; `Err(message)`
/// refuses it with code 4 (`Forbidden`, HTTP 403); an empty message keeps "Forbidden".
pub type AllowRequest = Arc<
    dyn Fn(&http::request::Parts) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>>
        + Send
        + Sync,
>;

/// The session id generator (Node's `generateId(req)`): called for every handshake that
/// passed the checks, with the request head. The id must be 20 characters of the base64url
/// alphabet (`A-Z a-z 0-9 - _`, what Node's default ids look like and what
/// [`Sid`](crate::Sid) holds) and must not be in use; anything else, or an `Err`, refuses
/// the handshake with code 3 (`Bad request`, context `ID_GENERATION_ERROR`), as Node refuses
/// when its `generateId` throws.
pub type GenerateId = Arc<
    dyn Fn(&http::request::Parts) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send>>
        + Send
        + Sync,
>;

/// Which origins CORS allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CorsOrigin {
    /// `Access-Control-Allow-Origin: *` (Node `cors({ origin: "*" })`).
    Any,
    /// Reflect the request's Origin, whatever it is (Node `cors({ origin: true })`).
    Mirror,
    /// Reflect the request's Origin only when it is in this list.
    List(Vec<String>),
}

/// CORS settings (Node's `cors` option). Off unless set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cors {
    /// Allowed origins.
    pub origin: CorsOrigin,
    /// Send `Access-Control-Allow-Credentials: true`. Default false.
    pub credentials: bool,
}

impl Cors {
    /// Any origin, no credentials.
    pub fn any() -> Self {
        Cors {
            origin: CorsOrigin::Any,
            credentials: false,
        }
    }
}

/// Compression of polling responses (Node's `httpCompression` option).
///
/// A polling `GET` answer (the handshake included) whose body is at least `threshold` bytes is
/// compressed with the coding the request's `Accept-Encoding` prefers among `gzip` and
/// `deflate` (zlib-wrapped), as npm `accepts` negotiates it: q-values first, then the order of
/// the header, then gzip. Error responses, `POST` answers and websocket frames are never
/// compressed. Of Node's zlib options only the level is offered; the others keep zlib's
/// defaults (15-bit window, memory level 8, default strategy), as Node's do by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpCompression {
    /// The smallest body, in bytes, that is compressed. Default 1024, as Node: below about a
    /// kilobyte the gzip/zlib framing and the CPU cost outweigh what is saved.
    pub threshold: usize,
    /// The zlib compression level, 0 (stored) to 9 (smallest); higher values are taken as 9.
    /// Default 6, zlib's `Z_DEFAULT_COMPRESSION` (what Node uses unless told otherwise): the
    /// usual balance of speed and size.
    pub level: u32,
}

impl Default for HttpCompression {
    fn default() -> Self {
        HttpCompression {
            threshold: 1024,
            level: 6,
        }
    }
}

/// Engine.IO server settings. `Config::default()` is Node's defaults.
#[derive(Clone)]
pub struct Config {
    /// The path prefix the server answers under. Default `/engine.io` (a trailing slash is added
    /// when matching, see [`Config::add_trailing_slash`]).
    pub path: String,
    /// Node's `addTrailingSlash`: whether the path is matched as `<path>/` (default true, as
    /// Node: `/engine.io/?EIO=4..` and `/engine.io/anything..` are the server's,
    /// `/engine.io?EIO=4..` is not). False matches the path as a bare prefix, exactly as Node
    /// does: `/engine.io?EIO=4..`, `/engine.io/..` and also `/engine.iox..` are the server's.
    pub add_trailing_slash: bool,
    /// Server ping period (v4), or the period v3 clients must ping at. Default 25000 ms.
    pub ping_interval: Duration,
    /// How long to wait for a pong. Default 20000 ms.
    pub ping_timeout: Duration,
    /// How long a websocket upgrade may take. Default 10000 ms.
    pub upgrade_timeout: Duration,
    /// Largest accepted POST body or websocket message, in bytes (Node `maxHttpBufferSize`).
    /// Default 1e6.
    pub max_http_buffer_size: usize,
    /// Enabled transports. Default polling and websocket.
    pub transports: Transports,
    /// Whether polling sessions may upgrade to websocket. Default true.
    pub allow_upgrades: bool,
    /// Whether Engine.IO v3 clients are accepted. Default false.
    pub allow_eio3: bool,
    /// CORS. Default off.
    pub cors: Option<Cors>,
    /// The allow-request hook. Default none (every handshake allowed).
    pub allow_request: Option<AllowRequest>,
    /// How many packets may wait per session (outgoing buffer and command queue). Node has no
    /// limit; default 1024.
    pub max_buffered_packets: usize,
    /// How long reading one POST body may take; a peer that trickles its body is cut off (400,
    /// session closed with "transport error"). Node has no such limit; default 10000 ms.
    pub post_read_timeout: Duration,
    /// How long a server close on polling waits for a GET to carry the close packet. Default
    /// 30000 ms, as Node's `closeTimeout`.
    pub close_timeout: Duration,
    /// The most sessions open at once (counting handshakes in progress). A handshake beyond it
    /// is refused like an allow-request refusal: polling gets HTTP 403
    /// `{"code":4,"message":"Too many sessions"}`, a websocket handshake `400 Bad Request` with
    /// the body `Too many sessions` (Node's refused-upgrade answer); open sessions are not
    /// touched. Checked after the allow-request hook, before the protocol version. Node has no
    /// such limit; default `None` (no limit beyond memory: every session is still bounded by
    /// its timers and buffers).
    pub max_sessions: Option<usize>,
    /// Files answered on `GET`/`HEAD` `<path>/<name>` before any Engine.IO handling (Node's
    /// Socket.IO `serveClient` serves the browser client this way; the `socketio` crate fills
    /// it from its `serve_client` setting). Default none: every request is Engine.IO's.
    pub static_files: Option<Arc<StaticFiles>>,
    /// Compression of polling responses (Node `httpCompression`). Default on, with Node's
    /// defaults ([`HttpCompression::default`]: threshold 1024 bytes, zlib level 6), because
    /// Node has it on and long polling answers (batches of messages) compress well; `None`
    /// turns it off (Node `httpCompression: false`), e.g. behind a proxy that compresses.
    pub http_compression: Option<HttpCompression>,
    /// The session cookie (Node's `cookie`): `Set-Cookie: io=<sid>; Path=/; HttpOnly;
    /// SameSite=Lax` on the handshake response, for load balancers that pin clients by
    /// cookie. Default `None` (off), as Node.
    pub cookie: Option<crate::CookieOptions>,
    /// Changes the headers of the handshake response (Node's `initial_headers` event): called
    /// with them and the request, after CORS and the cookie. Default none.
    pub initial_headers: Option<HeadersHook>,
    /// Changes the headers of every polling response and websocket handshake (Node's
    /// `headers` event), after `initial_headers` for the handshake. Default none.
    pub headers: Option<HeadersHook>,
    /// A message sent to every new session right after the open packet, before anything of
    /// the application (Node's `initialPacket`): the polling handshake answer carries both
    /// (`0{...}\x1e4<packet>`, as Node writes it), a websocket gets it as its second frame.
    /// Default none.
    pub initial_packet: Option<engineio_codec::Data>,
    /// Makes the session ids (Node's `generateId`). Default none: 15 random bytes from a
    /// CSPRNG in base64url, as Node's `base64id` (see [`GenerateId`] for what an id must be).
    pub generate_id: Option<GenerateId>,
    /// Told about every refused request (Node's `connection_error` event), before the error
    /// response is written. Default none. More listeners can be added to a running server
    /// with [`EngineIo::on_connection_error`](crate::EngineIo::on_connection_error).
    pub connection_error: Option<ConnectionErrorHook>,
}

/// A listener of refused requests (Node's `connection_error` event).
pub type ConnectionErrorHook = Arc<dyn Fn(&crate::ConnectionError<'_>) + Send + Sync>;

/// A hook that changes response headers, given the request (Node's `initial_headers` /
/// `headers` events).
pub type HeadersHook = Arc<dyn Fn(&mut http::HeaderMap, &http::request::Parts) + Send + Sync>;

impl Default for Config {
    fn default() -> Self {
        let proto = engineio_proto::Config::default();
        Config {
            path: "/engine.io".to_owned(),
            ping_interval: proto.ping_interval,
            ping_timeout: proto.ping_timeout,
            upgrade_timeout: proto.upgrade_timeout,
            max_http_buffer_size: proto.max_payload,
            transports: proto.transports,
            allow_upgrades: proto.allow_upgrades,
            allow_eio3: proto.allow_eio3,
            cors: None,
            allow_request: None,
            max_buffered_packets: proto.max_buffered_packets,
            close_timeout: proto.close_timeout,
            post_read_timeout: Duration::from_millis(10_000),
            max_sessions: None,
            static_files: None,
            http_compression: Some(HttpCompression::default()),
            cookie: None,
            initial_headers: None,
            headers: None,
            add_trailing_slash: true,
            initial_packet: None,
            generate_id: None,
            connection_error: None,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("path", &self.path)
            .field("ping_interval", &self.ping_interval)
            .field("ping_timeout", &self.ping_timeout)
            .field("upgrade_timeout", &self.upgrade_timeout)
            .field("max_http_buffer_size", &self.max_http_buffer_size)
            .field("transports", &self.transports)
            .field("allow_upgrades", &self.allow_upgrades)
            .field("allow_eio3", &self.allow_eio3)
            .field("cors", &self.cors)
            .field("allow_request", &self.allow_request.is_some())
            .field("max_buffered_packets", &self.max_buffered_packets)
            .field("close_timeout", &self.close_timeout)
            .field("post_read_timeout", &self.post_read_timeout)
            .field("max_sessions", &self.max_sessions)
            .field("static_files", &self.static_files.as_ref().map(|f| f.len()))
            .field("http_compression", &self.http_compression)
            .field("cookie", &self.cookie)
            .field("initial_headers", &self.initial_headers.is_some())
            .field("headers", &self.headers.is_some())
            .field("add_trailing_slash", &self.add_trailing_slash)
            .field("initial_packet", &self.initial_packet)
            .field("generate_id", &self.generate_id.is_some())
            .field("connection_error", &self.connection_error.is_some())
            .finish()
    }
}

impl Config {
    /// Sets the allow-request hook from an async closure.
    pub fn with_allow_request<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(&http::request::Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        self.allow_request = Some(Arc::new(move |parts| Box::pin(hook(parts))));
        self
    }

    /// Sets the session id generator from an async closure (see [`GenerateId`]).
    pub fn with_generate_id<F, Fut>(mut self, generate: F) -> Self
    where
        F: Fn(&http::request::Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, String>> + Send + 'static,
    {
        self.generate_id = Some(Arc::new(move |parts| Box::pin(generate(parts))));
        self
    }

    /// Sets the listener of refused requests (see [`Config::connection_error`]).
    pub fn with_connection_error(
        mut self,
        listener: impl Fn(&crate::ConnectionError<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.connection_error = Some(Arc::new(listener));
        self
    }

    /// The path prefix with exactly one trailing slash (static files live under it).
    pub(crate) fn path_prefix(&self) -> String {
        format!("{}/", self.path.trim_end_matches('/'))
    }

    /// What a request path must start with to be the server's (Node's `_computePath`).
    pub(crate) fn match_prefix(&self) -> String {
        let path = self.path.strip_suffix('/').unwrap_or(&self.path);
        if self.add_trailing_slash {
            format!("{path}/")
        } else {
            path.to_owned()
        }
    }

    /// The protocol-level settings.
    pub(crate) fn protocol(&self) -> engineio_proto::Config {
        engineio_proto::Config {
            ping_interval: self.ping_interval,
            ping_timeout: self.ping_timeout,
            upgrade_timeout: self.upgrade_timeout,
            close_timeout: self.close_timeout,
            max_payload: self.max_http_buffer_size,
            transports: self.transports,
            allow_upgrades: self.allow_upgrades,
            allow_eio3: self.allow_eio3,
            max_buffered_packets: self.max_buffered_packets,
            initial_packet: self.initial_packet.clone(),
        }
    }
}
