//! `socketio-warp`: Engine.IO (and Socket.IO, which wraps it) on warp 0.4.
//!
//! Two ways to mount it:
//!
//! - [`serve`] (recommended): one server for the engine and your warp routes. Requests under
//!   the Engine.IO path (`Config::path`, default `/engine.io/`; `/socket.io/` for Socket.IO) go
//!   to the engine, on the same hyper connection handling and websocket stack as the axum and
//!   plain hyper mounts; the others to your routes (`warp::service`). This is the fast one:
//!   warp's own `warp::ws()` gives every websocket a 128 KiB read buffer and copies each
//!   outgoing text frame.
//! - [`engineio_filter`]: a warp [`Filter`] that takes the requests under the Engine.IO path
//!   and rejects the others with "not found", so it composes with `.or(...)` inside
//!   `warp::serve`. Polling goes through [`EngineIo::dispatch`]; websockets through
//!   `warp::ws()`.
//!
//! ```no_run
//! use warp::Filter;
//!
//! # async fn run() -> std::io::Result<()> {
//! let io = socketio::SocketIo::new(Default::default());
//! io.on_connection(|socket: socketio::SocketRef| socket.emit("hello", "world"));
//! let hello = warp::path!("hello").map(|| "hello");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! socketio_warp::serve(listener, io, warp::service(hello)).await
//! # }
//! ```
//!
//! The filter, with a plain Engine.IO echo:
//!
//! ```no_run
//! use engineio::{CloseReason, Config, Data, EngineIo, Handler, Socket};
//! use warp::Filter;
//!
//! struct Echo;
//! impl Handler for Echo {
//!     type Connection = Socket;
//!     fn on_connect(&self, socket: Socket, _now: std::time::Instant) -> Socket { socket }
//!     fn on_message(&self, socket: &mut Socket, data: Data, _now: std::time::Instant) { let _ = socket.try_send(data); }
//!     fn on_disconnect(&self, _socket: Socket, _reason: CloseReason, _now: std::time::Instant) {}
//! }
//!
//! # async fn run() {
//! let engine = EngineIo::new(Config::default(), Echo);
//! let hello = warp::path!("hello").map(|| "hello");
//! let routes = socketio_warp::engineio_filter(engine).or(hello);
//! warp::serve(routes).run(([127, 0, 0, 1], 3000)).await;
//! # }
//! ```

use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use engineio::{Dispatch, EngineIo, Frame, Handler, IntoEngineIo, RemoteAddr, WsError, WsOut};
use futures_util::{Sink, Stream, StreamExt};
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, StreamBody};
use warp::filters::path::FullPath;
use warp::filters::ws::{Message, Ws};
use warp::reply::{Reply, Response};
use warp::{Filter, Rejection};

/// Serves `engine` and `routes` on `listener` until the listener fails: the requests under
/// the engine's path go to the engine (polling, and websockets through the engine's own
/// websocket stack, as [`engineio::serve_with`]); every other request to `routes`, as
/// `warp::serve(routes)` would (a rejection becomes its error response). HTTP/1.1 and
/// HTTP/2.
///
/// One difference from `warp::serve`: `warp::addr::remote()` sees no address in `routes`
/// (warp only sets it in its own server); the engine gets the peer address as usual.
///
/// `routes` is the warp service of your filters: `warp::service(routes)`.
pub async fn serve<E, S>(
    listener: tokio::net::TcpListener,
    engine: E,
    routes: S,
) -> std::io::Result<()>
where
    E: IntoEngineIo,
    S: tower_service::Service<
            Request<hyper::body::Incoming>,
            Response = Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    engineio::serve_with(listener, engine.into_engine_io(), move |req| {
        let mut routes = routes.clone();
        async move {
            match routes.call(req).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        }
    })
    .await
}

/// A filter serving `engine` under its path; other paths are rejected with "not found".
pub fn engineio_filter<E: IntoEngineIo>(
    engine: E,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync + 'static {
    let engine = engine.into_engine_io();
    let matcher = engine.clone();
    let on_path = warp::path::full()
        .and_then(move |path: FullPath| {
            let ok = matcher.matches(path.as_str());
            async move {
                if ok {
                    Ok(path)
                } else {
                    Err(warp::reject::not_found())
                }
            }
        })
        .boxed();
    let query = warp::query::raw().or(warp::any().map(String::new)).unify();
    let ws = warp::ws().map(Some).or(warp::any().map(|| None)).unify();
    on_path
        .and(warp::method())
        .and(query)
        .and(warp::header::headers_cloned())
        .and(ws)
        .and(warp::addr::remote())
        .and(warp::body::stream())
        .then(
            move |path: FullPath,
                  method: Method,
                  query: String,
                  headers: HeaderMap,
                  ws: Option<Ws>,
                  addr: Option<SocketAddr>,
                  body| {
                let engine = engine.clone();
                async move {
                    let uri = if query.is_empty() {
                        path.as_str().to_owned()
                    } else {
                        format!("{}?{query}", path.as_str())
                    };
                    let mut req = Request::new(request_body(body));
                    *req.method_mut() = method;
                    *req.headers_mut() = headers;
                    if let Some(addr) = addr {
                        req.extensions_mut().insert(RemoteAddr(addr));
                    }
                    match uri.parse() {
                        Ok(uri) => *req.uri_mut() = uri,
                        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
                    }
                    handle(&engine, req, ws).await
                }
            },
        )
}

/// warp's body stream as an `http_body::Body`.
fn request_body<S, D>(
    stream: S,
) -> StreamBody<impl Stream<Item = Result<http_body::Frame<Bytes>, warp::Error>>>
where
    S: Stream<Item = Result<D, warp::Error>>,
    D: Buf,
{
    StreamBody::new(stream.map(|chunk| {
        chunk.map(|mut buf| http_body::Frame::data(buf.copy_to_bytes(buf.remaining())))
    }))
}

async fn handle<H, B>(engine: &EngineIo<H>, req: Request<B>, ws: Option<Ws>) -> Response
where
    H: Handler,
    B: http_body::Body<Data = Bytes> + Send,
    B::Error: Into<engineio::BoxError>,
{
    match engine.dispatch(req).await {
        Dispatch::Response(response) => to_warp(response).await,
        Dispatch::WebSocket { accept, .. } => {
            // `warp::ws()` is stricter than the engine (it also wants GET, `Connection: upgrade`
            // and version 13): without it there is nothing to upgrade.
            let Some(ws) = ws else {
                return StatusCode::BAD_REQUEST.into_response();
            };
            let limit = engineio::message_limit(accept.max_message_size());
            ws.max_message_size(limit)
                .max_frame_size(limit)
                .on_upgrade(move |socket| accept.run(WarpWs(socket)))
                .into_response()
        }
    }
}

async fn to_warp(response: http::Response<engineio::ResponseBody>) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(collected) = body.collect().await;
    Response::from_parts(parts, collected.to_bytes().into())
}

/// [`engineio::WebSocket`] over warp's websocket.
struct WarpWs(warp::ws::WebSocket);

impl Stream for WarpWs {
    type Item = Result<Frame, WsError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let msg = match Pin::new(&mut self.0).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) if peer_gone(&e) => return Poll::Ready(None),
                // Over the size limit: the session answers with close code 1009.
                Poll::Ready(Some(Err(e))) if too_big(&e) => {
                    return Poll::Ready(Some(Err(Box::new(engineio::MessageTooBig))))
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(Box::new(e)))),
                Poll::Ready(Some(Ok(msg))) => msg,
            };
            if msg.is_close() {
                return Poll::Ready(None);
            }
            if msg.is_text() {
                match engineio::ByteString::try_from(msg.into_bytes()) {
                    Ok(text) => return Poll::Ready(Some(Ok(Frame::Text(text)))),
                    // Unreachable: tungstenite checked the UTF-8 already.
                    Err(_) => continue,
                }
            }
            if msg.is_binary() {
                return Poll::Ready(Some(Ok(Frame::Binary(msg.into_bytes()))));
            }
            // ping / pong: warp (tungstenite) answers pings itself
        }
    }
}

impl Sink<WsOut> for WarpWs {
    type Error = WsError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.0).poll_ready(cx).map_err(box_err)
    }

    fn start_send(mut self: Pin<&mut Self>, item: WsOut) -> Result<(), WsError> {
        let msg = match item {
            WsOut::Frame(Frame::Text(text)) => Message::text(&*text),
            WsOut::Frame(Frame::Binary(bytes)) => Message::binary(bytes),
            WsOut::Close(Some(code)) => Message::close_with(code, ""),
            WsOut::Close(None) => Message::close(),
        };
        Pin::new(&mut self.0).start_send(msg).map_err(box_err)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.0).poll_flush(cx).map_err(box_err)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.0).poll_close(cx).map_err(box_err)
    }
}

/// Whether the error means the peer vanished without a close frame: a close, as Node reports
/// it (as `engineio::TungsteniteWs` does; warp wraps its own tungstenite's error).
fn peer_gone(e: &warp::Error) -> bool {
    use tungstenite::error::{Error as TError, ProtocolError};
    std::error::Error::source(e)
        .and_then(|inner| inner.downcast_ref::<TError>())
        .is_some_and(|inner| {
            matches!(
                inner,
                TError::ConnectionClosed
                    | TError::AlreadyClosed
                    | TError::Io(_)
                    | TError::Protocol(ProtocolError::ResetWithoutClosingHandshake)
            )
        })
}

fn too_big(e: &warp::Error) -> bool {
    use tungstenite::error::Error as TError;
    std::error::Error::source(e)
        .and_then(|inner| inner.downcast_ref::<TError>())
        .is_some_and(|inner| matches!(inner, TError::Capacity(_)))
}

fn box_err(e: warp::Error) -> WsError {
    Box::new(e)
}
