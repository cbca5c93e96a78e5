//! `socketio-axum`: Engine.IO (and Socket.IO, which wraps it) on axum 0.8.
//!
//! Two ways to mount a server (anything implementing [`IntoEngineIo`]):
//!
//! - [`EngineIoLayer`]: a tower layer; requests under the Engine.IO path (`Config::path`,
//!   default `/engine.io/`) go to the engine, everything else to the wrapped service;
//! - [`EngineIoService`]: a plain service for `Router::route_service`, `nest_service` or
//!   `fallback_service`. The path is matched against the original URI (axum's `OriginalUri`),
//!   so `nest_service("/engine.io", ...)` works although nesting strips the prefix; paths
//!   outside the Engine.IO path get 404.
//!
//! The handshake sees the peer address (`RemoteAddr`) when the app is served with
//! `into_make_service_with_connect_info::<SocketAddr>()`.
//!
//! Websockets go through hyper's upgrade (`hyper::upgrade::on`) and [`engineio::TungsteniteWs`],
//! so the server must keep upgrades enabled (`axum::serve` does).
//!
//! ```no_run
//! use axum::{routing::get, Router};
//! use engineio::{CloseReason, Config, Data, EngineIo, Handler, Socket};
//! use socketio_axum::EngineIoLayer;
//!
//! struct Echo;
//! impl Handler for Echo {
//!     type Connection = Socket;
//!     fn on_connect(&self, socket: Socket, _now: std::time::Instant) -> Socket { socket }
//!     fn on_message(&self, socket: &mut Socket, data: Data, _now: std::time::Instant) { let _ = socket.try_send(data); }
//!     fn on_disconnect(&self, _socket: Socket, _reason: CloseReason, _now: std::time::Instant) {}
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let engine = EngineIo::new(Config::default(), Echo);
//! let app = Router::new()
//!     .route("/hello", get(|| async { "hello" }))
//!     .layer(EngineIoLayer::new(engine.clone()));
//! // or, without the layer: Router::new().nest_service("/engine.io", EngineIoService::new(engine))
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{ConnectInfo, OriginalUri};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use engineio::{
    is_websocket_upgrade, BoxError, Dispatch, EngineIo, Handler, IntoEngineIo, RemoteAddr,
};
use http::{Request, StatusCode};
use hyper_util::rt::TokioIo;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A tower layer putting an Engine.IO server in front of a service.
pub struct EngineIoLayer<H: Handler> {
    engine: EngineIo<H>,
}

impl<H: Handler> Clone for EngineIoLayer<H> {
    fn clone(&self) -> Self {
        EngineIoLayer {
            engine: self.engine.clone(),
        }
    }
}

impl<H: Handler> EngineIoLayer<H> {
    /// A layer serving `engine` under its configured path.
    pub fn new(engine: impl IntoEngineIo<Handler = H>) -> Self {
        EngineIoLayer {
            engine: engine.into_engine_io(),
        }
    }
}

impl<H: Handler, S> tower_layer::Layer<S> for EngineIoLayer<H> {
    type Service = EngineIoMiddleware<S, H>;

    fn layer(&self, inner: S) -> Self::Service {
        EngineIoMiddleware {
            engine: self.engine.clone(),
            inner,
        }
    }
}

/// The service made by [`EngineIoLayer`]: Engine.IO paths to the engine, the rest to `inner`.
pub struct EngineIoMiddleware<S, H: Handler> {
    engine: EngineIo<H>,
    inner: S,
}

impl<S: Clone, H: Handler> Clone for EngineIoMiddleware<S, H> {
    fn clone(&self) -> Self {
        EngineIoMiddleware {
            engine: self.engine.clone(),
            inner: self.inner.clone(),
        }
    }
}

impl<S, H, B> tower_service::Service<Request<B>> for EngineIoMiddleware<S, H>
where
    H: Handler,
    S: tower_service::Service<Request<B>> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        if self.engine.matches(request_path(&req)) {
            let engine = self.engine.clone();
            return Box::pin(async move { Ok(handle(&engine, req).await) });
        }
        // The clone is not ready: call the instance `poll_ready` was called on.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move { inner.call(req).await.map(IntoResponse::into_response) })
    }
}

/// An Engine.IO server as a plain service (404 outside the Engine.IO path).
///
/// Mount it with `Router::nest_service(path, ...)` (the path must be the configured
/// `Config::path`), `route_service` or `fallback_service`.
pub struct EngineIoService<H: Handler> {
    engine: EngineIo<H>,
}

impl<H: Handler> Clone for EngineIoService<H> {
    fn clone(&self) -> Self {
        EngineIoService {
            engine: self.engine.clone(),
        }
    }
}

impl<H: Handler> EngineIoService<H> {
    /// A service serving `engine`.
    pub fn new(engine: impl IntoEngineIo<Handler = H>) -> Self {
        EngineIoService {
            engine: engine.into_engine_io(),
        }
    }
}

impl<H, B> tower_service::Service<Request<B>> for EngineIoService<H>
where
    H: Handler,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let engine = self.engine.clone();
        Box::pin(async move {
            if engine.matches(request_path(&req)) {
                Ok(handle(&engine, req).await)
            } else {
                Ok(StatusCode::NOT_FOUND.into_response())
            }
        })
    }
}

/// The path as the client sent it (axum's nesting rewrites `uri()`).
fn request_path<B>(req: &Request<B>) -> &str {
    match req.extensions().get::<OriginalUri>() {
        Some(OriginalUri(uri)) => uri.path(),
        None => req.uri().path(),
    }
}

/// Runs one request through the engine, with the URI the client sent (nesting strips the
/// prefix) and the peer address when axum knows it.
async fn handle<H, B>(engine: &EngineIo<H>, mut req: Request<B>) -> Response
where
    H: Handler,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    if let Some(OriginalUri(uri)) = req.extensions().get::<OriginalUri>() {
        *req.uri_mut() = uri.clone();
    }
    if let Some(ConnectInfo(addr)) = req.extensions().get::<ConnectInfo<SocketAddr>>() {
        let addr = RemoteAddr(*addr);
        req.extensions_mut().insert(addr);
    }
    let on_upgrade = is_websocket_upgrade(req.headers()).then(|| hyper::upgrade::on(&mut req));
    match engine.dispatch(req).await {
        Dispatch::Response(response) => response.map(Body::new),
        Dispatch::WebSocket { response, accept } => {
            let Some(on_upgrade) = on_upgrade else {
                return StatusCode::BAD_REQUEST.into_response();
            };
            let max = accept.max_message_size();
            tokio::spawn(async move {
                match on_upgrade.await {
                    Ok(upgraded) => {
                        let io = TokioIo::new(upgraded);
                        accept
                            .run(engineio::TungsteniteWs::from_upgraded(io, max).await)
                            .await;
                    }
                    Err(e) => tracing::debug!("websocket upgrade failed: {e}"),
                }
            });
            response.map(Body::new)
        }
    }
}
