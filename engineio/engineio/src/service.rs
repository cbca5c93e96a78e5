//! The framework-neutral entry point: an `http::Request` with a streaming body in, an
//! `http::Response` (or a websocket to accept) out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::RwLock;

use bytes::Bytes;
use engineio_codec::{PayloadDecoder, Sid};
use engineio_proto::{
    route_with_context, ErrorContext, HttpResponse, Method, Opening, PostBody, Query, Refusal,
    RequestError, RequestId, RequestInfo, Route, Session, TransportKind, WsId,
};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, Full};
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use crate::compression;
use crate::config::ConnectionErrorHook;
use crate::cors;
use crate::driver::{self, Command, First, Reply};
use crate::socket::{Handler, Shared};
use crate::ws::{BoxWebSocket, WebSocket};
use crate::{Config, ConnectionError, HttpCompression};

/// The response body type of every Engine.IO response.
pub type ResponseBody = Full<Bytes>;

/// The error type a request body may fail with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An Engine.IO server: cheap to clone, shared by every request.
pub struct EngineIo<H: Handler> {
    pub(crate) inner: Arc<Inner<H>>,
}

impl<H: Handler> Clone for EngineIo<H> {
    fn clone(&self) -> Self {
        EngineIo {
            inner: self.inner.clone(),
        }
    }
}

pub(crate) struct Inner<H: Handler> {
    pub(crate) config: Config,
    pub(crate) proto: engineio_proto::Config,
    pub(crate) path_prefix: String,
    /// What a request path must start with ([`Config::add_trailing_slash`]).
    match_prefix: String,
    /// The `connection_error` listeners (the config's, then those added at run time).
    connection_error: RwLock<Vec<ConnectionErrorHook>>,
    pub(crate) handler: H,
    sessions: RwLock<HashMap<Sid, Arc<Shared>>>,
    /// Sessions open or being opened, counted against `Config::max_sessions`.
    slots: Arc<AtomicUsize>,
    /// The metric handles (see [`crate::metrics`]).
    metrics: Arc<crate::metrics::EngineMetrics>,
}

/// A place in the session table, counted against [`Config::max_sessions`]; given back when
/// dropped (when the session's task ends, or when a handshake is abandoned before it starts).
pub(crate) struct SessionSlot(Arc<AtomicUsize>);

impl Drop for SessionSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<H: Handler> Inner<H> {
    pub(crate) fn remove_session(&self, sid: &Sid) {
        self.sessions.write().remove(sid);
    }

    fn session(&self, sid: &Sid) -> Option<Arc<Shared>> {
        self.sessions.read().get(sid).cloned()
    }

    /// A fresh session id. Ids are 15 bytes from `rand::random`, i.e. the thread-local
    /// `ThreadRng` (ChaCha12, seeded and periodically reseeded from the OS): a CSPRNG, so ids
    /// cannot be guessed from earlier ones. A collision with a live session is retried.
    fn new_sid(&self) -> Sid {
        loop {
            let sid = Sid::from_random(rand::random::<[u8; 15]>());
            if self.session(&sid).is_none() {
                return sid;
            }
        }
    }

    /// Reserves a place for a new session, or `None` when `max_sessions` are open already.
    fn reserve_slot(&self) -> Option<SessionSlot> {
        let max = self.config.max_sessions.unwrap_or(usize::MAX);
        self.slots
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()?;
        Some(SessionSlot(self.slots.clone()))
    }
}

/// What to do with a request.
pub enum Dispatch<H: Handler> {
    /// Write this response.
    Response(Response<ResponseBody>),
    /// Accept the websocket: write `response` (101) the framework's way (or let the framework's
    /// websocket support do the handshake), then hand the websocket to `accept.run(ws)`.
    WebSocket {
        /// The 101 Switching Protocols response (for hyper-style upgrades).
        response: Response<ResponseBody>,
        /// Finishes the job once the websocket is open.
        accept: AcceptWebSocket<H>,
    },
}

impl<H: Handler> Dispatch<H> {
    /// The headers of the response to write.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        match self {
            Dispatch::Response(response) | Dispatch::WebSocket { response, .. } => {
                response.headers_mut()
            }
        }
    }
}

/// A websocket the server has agreed to take (a handshake or an upgrade).
pub struct AcceptWebSocket<H: Handler> {
    engine: EngineIo<H>,
    kind: WsKind,
}

enum WsKind {
    Handshake(
        engineio_codec::ProtocolVersion,
        Sid,
        Arc<RequestHead>,
        SessionSlot,
    ),
    Upgrade(Sid),
}

impl<H: Handler> AcceptWebSocket<H> {
    /// The largest message the websocket implementation should accept (configure its limit to this).
    pub fn max_message_size(&self) -> usize {
        self.engine.inner.config.max_http_buffer_size
    }

    /// Runs the websocket: for a handshake this drives the whole session and returns when it
    /// ends; for an upgrade it hands the websocket to the session's task and returns.
    pub async fn run(self, ws: impl WebSocket) {
        let ws: BoxWebSocket = Box::new(ws);
        match self.kind {
            WsKind::Handshake(version, sid, head, slot) => {
                self.engine
                    .start_session(
                        version,
                        sid,
                        First::WebSocket(WsId(0), ws),
                        false,
                        head,
                        slot,
                    )
                    .await
            }
            WsKind::Upgrade(sid) => {
                if let Some(shared) = self.engine.inner.session(&sid) {
                    let _ = shared.tx.send(Command::Upgrade(ws)).await;
                }
            }
        }
    }
}

/// A handle on an [`EngineIo`] that does not keep it alive ([`EngineIo::downgrade`]): for
/// what the server owns and must reach the server back (instrumentation, timers), without a
/// reference cycle.
pub struct WeakEngineIo<H: Handler> {
    inner: Weak<Inner<H>>,
}

impl<H: Handler> Clone for WeakEngineIo<H> {
    fn clone(&self) -> Self {
        WeakEngineIo {
            inner: self.inner.clone(),
        }
    }
}

impl<H: Handler> WeakEngineIo<H> {
    /// The server, unless it was dropped (no handle and no session left).
    pub fn upgrade(&self) -> Option<EngineIo<H>> {
        self.inner.upgrade().map(|inner| EngineIo { inner })
    }
}

impl<H: Handler> std::fmt::Debug for WeakEngineIo<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeakEngineIo")
            .field("alive", &(self.inner.strong_count() > 0))
            .finish()
    }
}

impl<H: Handler> EngineIo<H> {
    /// A weak handle on this server (see [`WeakEngineIo`]).
    pub fn downgrade(&self) -> WeakEngineIo<H> {
        WeakEngineIo {
            inner: Arc::downgrade(&self.inner),
        }
    }

    /// A server with this configuration and handler.
    pub fn new(config: Config, handler: H) -> Self {
        let proto = config.protocol();
        let path_prefix = config.path_prefix();
        let match_prefix = config.match_prefix();
        let connection_error = RwLock::new(config.connection_error.iter().cloned().collect());
        EngineIo {
            inner: Arc::new(Inner {
                config,
                proto,
                path_prefix,
                match_prefix,
                connection_error,
                handler,
                sessions: RwLock::new(HashMap::new()),
                slots: Arc::new(AtomicUsize::new(0)),
                metrics: Arc::new(crate::metrics::EngineMetrics::new()),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.inner.handler
    }

    /// Whether a request path belongs to this server: a prefix match on `path` + `/`, or on
    /// `path` alone when [`Config::add_trailing_slash`] is false (Node's check).
    pub fn matches(&self, path: &str) -> bool {
        path.starts_with(&self.inner.match_prefix)
    }

    /// Adds a listener of refused requests (Node's `io.engine.on("connection_error", ..)`),
    /// called, in the order added, before the error response is written. See
    /// [`ConnectionError`].
    pub fn on_connection_error(
        &self,
        listener: impl Fn(&ConnectionError<'_>) + Send + Sync + 'static,
    ) {
        self.inner.connection_error.write().push(Arc::new(listener));
    }

    /// Tells the `connection_error` listeners (none is called under the lock).
    fn emit_connection_error(&self, req: &http::request::Parts, refusal: &Refusal) {
        let listeners = {
            let all = self.inner.connection_error.read();
            if all.is_empty() {
                return;
            }
            all.clone()
        };
        let event = ConnectionError::new(req, &refusal.error, &refusal.context);
        for listener in listeners {
            listener(&event);
        }
    }

    /// A session id for a handshake: [`Config::generate_id`]'s, checked, or a random one.
    async fn generate_sid(&self, parts: &http::request::Parts) -> Result<Sid, String> {
        let Some(generate) = &self.inner.config.generate_id else {
            return Ok(self.inner.new_sid());
        };
        let id = generate(parts).await?;
        let sid = Sid::parse(&id).ok_or_else(|| {
            format!("invalid session id {id:?}: not 20 characters of A-Z a-z 0-9 - _")
        })?;
        if self.inner.session(&sid).is_some() {
            return Err(format!("session id {id} is in use"));
        }
        Ok(sid)
    }

    /// How many sessions are open.
    pub fn session_count(&self) -> usize {
        self.inner.sessions.read().len()
    }

    /// Closes every session with "server shutting down".
    pub fn close_all(&self) {
        let sessions: Vec<Arc<Shared>> = self.inner.sessions.read().values().cloned().collect();
        for shared in sessions {
            crate::Socket { shared }.close_with(engineio_proto::CloseReason::ServerShuttingDown);
        }
    }

    /// Handles one request on the Engine.IO path.
    ///
    /// A `GET`/`HEAD` for one of the [`Config::static_files`] (`<path>/<name>`) is answered
    /// with that file first; everything else is Engine.IO.
    ///
    /// The body need not be `Send` (actix-web's payload is not); the returned future is `Send`
    /// when the body is.
    pub async fn dispatch<B>(&self, req: Request<B>) -> Dispatch<H>
    where
        B: Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        let (parts, body) = req.into_parts();
        let websocket = is_websocket_upgrade(&parts.headers);
        let cors_headers = match (&self.inner.config.cors, websocket) {
            (Some(cfg), false) => cors::headers(cfg, &parts.headers),
            _ => HeaderMap::new(),
        };
        // Static files (`Config::static_files`) come first, as Node's `serveClient` does.
        if let Some(files) = &self.inner.config.static_files {
            let path = parts.uri.path();
            let prefix = &self.inner.path_prefix;
            if let Some(mut response) = files.respond(&parts.method, path, prefix, &parts.headers) {
                response.headers_mut().extend(cors_headers);
                return Dispatch::Response(response);
            }
        }
        let method = Method::from_name(parts.method.as_str());
        if method == Method::Options && self.inner.config.cors.is_some() {
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = StatusCode::NO_CONTENT;
            response.headers_mut().extend(cors_headers);
            cors::add_preflight(response.headers_mut(), &parts.headers);
            return Dispatch::Response(response);
        }
        let query_str = parts.uri.query().unwrap_or("");
        let info = RequestInfo {
            method,
            method_name: parts.method.as_str(),
            query: Query::parse(query_str),
            origin: parts.headers.get(header::ORIGIN).map(|v| v.as_bytes()),
            websocket_upgrade: websocket,
        };
        let routed = route_with_context(&self.inner.proto, &info, |sid| {
            self.inner.session(sid).map(|s| (s.transport(), s.version))
        });
        let reply =
            |response: HttpResponse| Dispatch::Response(to_http(response, cors_headers.clone()));
        // A polling GET answer (the handshake's too) may be compressed; compressed here, in
        // the request's task, so the session task never spends CPU on it.
        let poll_reply = |response: HttpResponse| {
            let compression = self.inner.config.http_compression.as_ref();
            Dispatch::Response(to_http_poll(
                response,
                compression,
                &parts.headers,
                cors_headers.clone(),
            ))
        };
        let refuse = |refusal: Refusal| {
            self.emit_connection_error(&parts, &refusal);
            let err = refusal.error;
            if websocket {
                Dispatch::Response(ws_refusal(&err))
            } else {
                Dispatch::Response(to_http(HttpResponse::error(&err), cors_headers.clone()))
            }
        };
        let forbidden = |message: Option<String>| Refusal {
            error: RequestError::Forbidden(message.clone()),
            context: ErrorContext::Forbidden { message },
        };
        let route = match routed {
            Ok(route) => route,
            Err(err) => return refuse(err),
        };
        match route {
            Route::Handshake {
                version,
                transport,
                b64,
            } => {
                if let Some(hook) = &self.inner.config.allow_request {
                    if let Err(message) = hook(&parts).await {
                        return refuse(forbidden((!message.is_empty()).then_some(message)));
                    }
                }
                // `Config::max_sessions`: refused like the hook refuses, before the version check.
                let Some(slot) = self.inner.reserve_slot() else {
                    return refuse(forbidden(Some("Too many sessions".into())));
                };
                if let Err(error) = self.inner.proto.accept_version(version) {
                    let context = ErrorContext::UnsupportedProtocolVersion { protocol: version };
                    return refuse(Refusal { error, context });
                }
                let sid = match self.generate_sid(&parts).await {
                    Ok(sid) => sid,
                    Err(error) => {
                        return refuse(Refusal {
                            error: RequestError::BadRequest,
                            context: ErrorContext::IdGenerationError { error },
                        })
                    }
                };
                let head = Arc::new(RequestHead::from_parts(&parts));
                let mut dispatch = match transport {
                    TransportKind::WebSocket => {
                        self.accept_ws(&parts.headers, WsKind::Handshake(version, sid, head, slot))
                    }
                    TransportKind::Polling => {
                        let (tx, rx) = oneshot::channel();
                        let engine = self.clone();
                        tokio::spawn(async move {
                            engine
                                .start_session(
                                    version,
                                    sid,
                                    First::Polling(RequestId(0), tx),
                                    b64,
                                    head,
                                    slot,
                                )
                                .await
                        });
                        poll_reply(await_response(rx).await)
                    }
                };
                self.handshake_headers(dispatch.headers_mut(), sid, &parts);
                dispatch
            }
            Route::PollGet(sid) => {
                let (tx, rx) = oneshot::channel();
                let response = self.command(&sid, Command::Get(tx), rx).await;
                if let Some(refusal) = session_refusal(&response, sid) {
                    self.emit_connection_error(&parts, &refusal);
                }
                let mut dispatch = poll_reply(response);
                if let Some(hook) = &self.inner.config.headers {
                    hook(dispatch.headers_mut(), &parts);
                }
                dispatch
            }
            Route::PollPost(sid) => {
                let response = self.post(&sid, &parts.headers, body).await;
                if let Some(refusal) = session_refusal(&response, sid) {
                    self.emit_connection_error(&parts, &refusal);
                }
                reply(response)
            }
            Route::PollOtherMethod(_) => reply(HttpResponse::empty(500)),
            Route::Upgrade(sid) => self.accept_ws(&parts.headers, WsKind::Upgrade(sid)),
            // Node accepts the upgrade, then closes it (no `connection_error`).
            Route::RejectUpgrade => Dispatch::Response(ws_refusal(&RequestError::BadRequest)),
        }
    }

    /// The cookie and the header hooks of a handshake response.
    fn handshake_headers(&self, headers: &mut HeaderMap, sid: Sid, parts: &http::request::Parts) {
        let config = &self.inner.config;
        if let Some(cookie) = config.cookie.as_ref().and_then(|c| c.header(sid.as_str())) {
            headers.append(header::SET_COOKIE, cookie);
        }
        if let Some(hook) = &config.initial_headers {
            hook(headers, parts);
        }
        if let Some(hook) = &config.headers {
            hook(headers, parts);
        }
    }

    fn accept_ws(&self, headers: &HeaderMap, kind: WsKind) -> Dispatch<H> {
        let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY) else {
            return Dispatch::Response(ws_refusal(&RequestError::BadRequest));
        };
        let accept_key =
            tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let h = response.headers_mut();
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
        if let Ok(v) = HeaderValue::from_str(&accept_key) {
            h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
        }
        Dispatch::WebSocket {
            response,
            accept: AcceptWebSocket {
                engine: self.clone(),
                kind,
            },
        }
    }

    async fn command(&self, sid: &Sid, cmd: Command, rx: oneshot::Receiver<Reply>) -> HttpResponse {
        let Some(shared) = self.inner.session(sid) else {
            return HttpResponse::error(&RequestError::UnknownSid);
        };
        if shared.tx.send(cmd).await.is_err() {
            return HttpResponse::error(&RequestError::UnknownSid);
        }
        await_response(rx).await
    }

    async fn post<B>(&self, sid: &Sid, headers: &HeaderMap, body: B) -> HttpResponse
    where
        B: Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        let Some(shared) = self.inner.session(sid) else {
            return HttpResponse::error(&RequestError::UnknownSid);
        };
        let binary = headers.get(header::CONTENT_TYPE).is_some_and(|v| {
            v.as_bytes()
                .eq_ignore_ascii_case(b"application/octet-stream")
        });
        let (tx, rx) = oneshot::channel();
        if shared
            .tx
            .send(Command::PostStart { binary, reply: tx })
            .await
            .is_err()
        {
            return HttpResponse::error(&RequestError::UnknownSid);
        }
        let req = match rx.await {
            Ok(Reply::PostAccepted(req)) => req,
            Ok(Reply::Response(response)) => return response,
            Err(_) => return HttpResponse::error(&RequestError::UnknownSid),
        };
        let max = self.inner.config.max_http_buffer_size;
        let declared_too_large = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|len| len > max as u64);
        let body = if declared_too_large {
            PostBody::TooLarge
        } else {
            let decoder = PayloadDecoder::new(shared.version, binary, max);
            let read_timeout = self.inner.config.post_read_timeout;
            tokio::time::timeout(read_timeout, read_body(body, decoder))
                .await
                .unwrap_or(PostBody::Aborted)
        };
        let (tx, rx) = oneshot::channel();
        if shared
            .tx
            .send(Command::PostBody {
                req,
                body,
                reply: tx,
            })
            .await
            .is_err()
        {
            return HttpResponse::error(&RequestError::UnknownSid);
        }
        await_response(rx).await
    }

    /// Creates a session, registers it and runs its task to the end; `_slot` is held until then.
    async fn start_session(
        &self,
        version: engineio_codec::ProtocolVersion,
        sid: Sid,
        first: First,
        b64: bool,
        head: Arc<RequestHead>,
        _slot: SessionSlot,
    ) {
        let opening = match &first {
            First::Polling(req, _) => Opening::Polling { req: *req, b64 },
            First::WebSocket(ws, _) => Opening::WebSocket { ws: *ws },
        };
        let session = Session::new(
            tokio::time::Instant::now().into_std(),
            sid,
            version,
            opening,
            &self.inner.proto,
        );
        let (tx, rx) = mpsc::channel(self.inner.config.max_buffered_packets.max(1));
        let shared = Arc::new(Shared {
            sid,
            version,
            tx,
            upgraded: AtomicBool::new(matches!(first, First::WebSocket(..))),
            buffered: std::sync::atomic::AtomicUsize::new(0),
            max_buffered: self.inner.config.max_buffered_packets,
            head,
            close_description: std::sync::OnceLock::new(),
            metrics: self.inner.metrics.clone(),
        });
        let span = session_span(&shared);
        {
            // The id was checked when it was made; another handshake may have taken it since
            // (a custom `generate_id`): never two sessions under one id.
            let mut sessions = self.inner.sessions.write();
            if sessions.contains_key(&sid) {
                drop(sessions);
                tracing::warn!(%sid, "session id taken meanwhile; handshake refused");
                if let First::Polling(_, reply) = first {
                    let refused = HttpResponse::error(&RequestError::BadRequest);
                    let _ = reply.send(Reply::Response(refused));
                }
                return;
            }
            sessions.insert(sid, shared.clone());
        }
        driver::run(self.inner.clone(), shared, rx, session, first)
            .instrument(span)
            .await;
    }
}

/// The span of a session's task: every event the session (and the application's handler, in
/// that task) logs carries its `sid`, `transport` (recorded again on an upgrade) and `remote`
/// address (when the integration provides [`RemoteAddr`]). Nothing is formatted unless a
/// subscriber wants the span.
fn session_span(shared: &Shared) -> tracing::Span {
    let span = tracing::info_span!(
        "engineio_session",
        sid = %shared.sid,
        transport = shared.transport().as_str(),
        remote = tracing::field::Empty,
    );
    if let Some(addr) = shared.head.remote_addr {
        span.record("remote", tracing::field::display(addr));
    }
    span
}

async fn await_response(rx: oneshot::Receiver<Reply>) -> HttpResponse {
    match rx.await {
        Ok(Reply::Response(response)) => response,
        Ok(Reply::PostAccepted(_)) | Err(_) => HttpResponse::error(&RequestError::UnknownSid),
    }
}

async fn read_body<B>(body: B, mut decoder: PayloadDecoder) -> PostBody
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    let mut body = std::pin::pin!(body);
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    if decoder.push(&data).is_err() {
                        return PostBody::TooLarge;
                    }
                }
            }
            // The peer went away mid-body.
            Err(_) => return PostBody::Aborted,
        }
    }
    PostBody::Decoded(decoder.finish())
}

/// The `connection_error` of a polling request the session refused after routing (it closed
/// or upgraded meanwhile: Node's client table no longer has it, or has it on websocket).
fn session_refusal(response: &HttpResponse, sid: Sid) -> Option<Refusal> {
    if response.status != 400 || response.content_type != Some("application/json") {
        return None;
    }
    let unknown = RequestError::UnknownSid;
    if response.body == unknown.json_body().as_bytes() {
        let context = ErrorContext::UnknownSid {
            sid: sid.to_string(),
        };
        return Some(Refusal {
            error: unknown,
            context,
        });
    }
    let context = ErrorContext::TransportMismatch {
        transport: TransportKind::Polling,
        previous_transport: TransportKind::WebSocket,
    };
    Some(Refusal {
        error: RequestError::BadRequest,
        context,
    })
}

/// Whether the headers ask for a websocket upgrade.
pub fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// The one place a protocol response becomes an `http::Response`.
fn to_http(response: HttpResponse, extra: HeaderMap) -> Response<ResponseBody> {
    let mut out = Response::new(Full::new(response.body));
    *out.status_mut() =
        StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = out.headers_mut();
    if let Some(ct) = response.content_type {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.extend(extra);
    out
}

/// [`to_http`] for the answer to a polling `GET`: a `200` (a payload of packets, Node's
/// `Polling#doWrite`) is compressed when [`Config::http_compression`] and the request's
/// `Accept-Encoding` allow it. Errors are written as they are, as Node writes them outside the
/// transport. As Node, no `Vary` header is added (the answer is `no-store` anyway).
///
/// As Node, only a payload with a packet sent with `compress` is compressed
/// ([`HttpResponse::compress`]): not one made only of `compress(false)` messages, nor a bare
/// noop or close answer. One difference from Node, not visible to a client: Node streams the
/// compressed body (`Transfer-Encoding: chunked`) where this compresses it whole and lets the
/// framework send its `Content-Length`.
fn to_http_poll(
    response: HttpResponse,
    compression: Option<&HttpCompression>,
    request_headers: &HeaderMap,
    extra: HeaderMap,
) -> Response<ResponseBody> {
    let compressed = match compression {
        Some(config) if response.status == 200 && response.compress => {
            compression::compress(config, request_headers, &response.body)
        }
        _ => None,
    };
    let Some((encoding, body)) = compressed else {
        return to_http(response, extra);
    };
    let mut out = to_http(HttpResponse { body, ..response }, extra);
    out.headers_mut().insert(
        header::CONTENT_ENCODING,
        HeaderValue::from_static(encoding.name()),
    );
    out
}

/// A refused websocket upgrade: Node writes `400 Bad Request`, `Connection: close`,
/// `Content-type: text/html` and the message as the body, then drops the socket.
fn ws_refusal(err: &RequestError) -> Response<ResponseBody> {
    let mut out = Response::new(Full::new(Bytes::from(err.to_string())));
    *out.status_mut() = StatusCode::BAD_REQUEST;
    let h = out.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    out
}

/// Anything that is, or wraps, an Engine.IO server (the Socket.IO server does): what the
/// framework integrations accept.
pub trait IntoEngineIo {
    /// The handler of the wrapped server.
    type Handler: Handler;

    /// The Engine.IO server to mount.
    fn into_engine_io(self) -> EngineIo<Self::Handler>;
}

impl<H: Handler> IntoEngineIo for EngineIo<H> {
    type Handler = H;

    fn into_engine_io(self) -> EngineIo<H> {
        self
    }
}

/// The peer address of a connection. Integrations put it in the request extensions so the
/// handshake can report it (the hyper server does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RemoteAddr(pub std::net::SocketAddr);

/// The handshake request of a session, as the application may want it (Socket.IO's
/// `socket.handshake`).
#[derive(Clone, Debug)]
pub struct RequestHead {
    /// The request URI (path and query).
    pub uri: http::Uri,
    /// The request headers.
    pub headers: HeaderMap,
    /// The peer address, when the integration provides [`RemoteAddr`].
    pub remote_addr: Option<std::net::SocketAddr>,
    /// When the handshake happened.
    pub time: std::time::SystemTime,
}

impl RequestHead {
    /// Copies what a session keeps of the request into fresh allocations: a clone would share
    /// the server's whole read buffer (headers are slices of it) for the session's lifetime.
    fn from_parts(parts: &http::request::Parts) -> Self {
        let mut headers = HeaderMap::with_capacity(parts.headers.len());
        for (name, value) in &parts.headers {
            let name = http::HeaderName::from_bytes(name.as_str().as_bytes());
            let value = HeaderValue::from_bytes(value.as_bytes());
            if let (Ok(name), Ok(value)) = (name, value) {
                headers.append(name, value);
            }
        }
        let uri = parts
            .uri
            .to_string()
            .parse()
            .unwrap_or_else(|_| parts.uri.clone());
        RequestHead {
            uri,
            headers,
            remote_addr: parts.extensions.get::<RemoteAddr>().map(|a| a.0),
            time: std::time::SystemTime::now(),
        }
    }
}
