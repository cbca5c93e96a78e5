//! `socketio-actix`: Engine.IO (and Socket.IO, which wraps it) on actix-web 4.
//!
//! [`scope`] makes an actix [`Scope`] at the Engine.IO path (`Config::path`, default
//! `/engine.io`), and [`configure`] a closure for `App::configure`. Create the server (anything
//! implementing [`IntoEngineIo`]) once, outside `HttpServer::new`, and clone it into each
//! worker: sessions are tasks on the worker that took the handshake, and requests arriving on
//! other workers reach them over channels.
//!
//! Requests become `http::Request`s with a streaming body; websockets go through `actix-ws`,
//! whose types are bound to their worker: two local pump tasks move frames between them and
//! channels, and the engine gets a `Send` [`engineio::WebSocket`] over those channels.
//!
//! ```no_run
//! use actix_web::{web, App, HttpServer};
//! use engineio::{CloseReason, Config, Data, EngineIo, Handler, Socket};
//!
//! struct Echo;
//! impl Handler for Echo {
//!     type Connection = Socket;
//!     fn on_connect(&self, socket: Socket, _now: std::time::Instant) -> Socket { socket }
//!     fn on_message(&self, socket: &mut Socket, data: Data, _now: std::time::Instant) { let _ = socket.try_send(data); }
//!     fn on_disconnect(&self, _socket: Socket, _reason: CloseReason, _now: std::time::Instant) {}
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let engine = EngineIo::new(Config::default(), Echo);
//!     HttpServer::new(move || {
//!         App::new()
//!             .configure(socketio_actix::configure(engine.clone()))
//!             .route("/hello", web::get().to(|| async { "hello" }))
//!     })
//!     .bind(("127.0.0.1", 3000))?
//!     .run()
//!     .await
//! }
//! ```

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::http::header::{HeaderName as ActixName, HeaderValue as ActixValue};
use actix_web::http::StatusCode as ActixStatus;
use actix_web::{web, HttpRequest, HttpResponse, Scope};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseReason, ProtocolError, Session};
use bytes::Bytes;
use engineio::{
    is_websocket_upgrade, Dispatch, EngineIo, Frame, Handler, IntoEngineIo, RemoteAddr, WsError,
    WsOut,
};
use futures_util::{Sink, Stream, StreamExt};
use http_body_util::{BodyExt, Empty, StreamBody};
use tokio::sync::mpsc;

/// How many frames wait in each direction between the actix-ws pumps and the session.
const WS_BUFFER: usize = 16;

/// A scope at the Engine.IO path that hands every request under it to `engine` (404 for the
/// paths under the scope that are not under the Engine.IO prefix).
pub fn scope<E: IntoEngineIo>(engine: E) -> Scope {
    let engine = engine.into_engine_io();
    let path = engine.config().path.trim_end_matches('/').to_owned();
    web::scope(&path).default_service(web::to(move |req: HttpRequest, payload: web::Payload| {
        let engine = engine.clone();
        async move { handle(&engine, req, payload).await }
    }))
}

/// [`scope`] as a closure for `App::configure` / `Scope::configure`.
pub fn configure<E: IntoEngineIo>(engine: E) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.service(scope(engine));
    }
}

/// Runs one actix request through `engine`.
pub async fn handle<H: Handler>(
    engine: &EngineIo<H>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if !engine.matches(req.path()) {
        return HttpResponse::NotFound().finish();
    }
    let Some(mut head) = request_head(&req) else {
        return HttpResponse::BadRequest().finish();
    };
    if let Some(addr) = req.peer_addr() {
        head.extensions.insert(RemoteAddr(addr));
    }
    if !is_websocket_upgrade(&head.headers) {
        let body = StreamBody::new(payload.map(|chunk| chunk.map(http_body::Frame::data)));
        return match engine.dispatch(http::Request::from_parts(head, body)).await {
            Dispatch::Response(response) => to_actix(response).await,
            // Only upgrade requests are accepted as websockets.
            Dispatch::WebSocket { .. } => HttpResponse::BadRequest().finish(),
        };
    }
    let req_empty = http::Request::from_parts(head, Empty::<Bytes>::new());
    match engine.dispatch(req_empty).await {
        Dispatch::Response(response) => to_actix(response).await,
        Dispatch::WebSocket { accept, .. } => match actix_ws::handle(&req, payload) {
            Ok((response, session, stream)) => {
                let limit = engineio::message_limit(accept.max_message_size());
                let stream = stream
                    .max_frame_size(limit)
                    .aggregate_continuations()
                    .max_continuation_size(limit);
                let (in_tx, in_rx) = mpsc::channel(WS_BUFFER);
                let (out_tx, out_rx) = futures_channel::mpsc::channel(WS_BUFFER);
                actix_web::rt::spawn(read_pump(stream, session.clone(), in_tx));
                actix_web::rt::spawn(write_pump(session, out_rx));
                tokio::spawn(accept.run(ActixWs {
                    rx: in_rx,
                    tx: out_tx,
                }));
                response
            }
            Err(e) => e.error_response(),
        },
    }
}

/// The request head as `http` types (actix-web has its own).
fn request_head(req: &HttpRequest) -> Option<http::request::Parts> {
    let mut builder = http::Request::builder()
        .method(req.method().as_str())
        .uri(req.uri().to_string());
    for (name, value) in req.headers() {
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    builder.body(()).ok().map(|r| r.into_parts().0)
}

async fn to_actix(response: http::Response<engineio::ResponseBody>) -> HttpResponse {
    let (parts, body) = response.into_parts();
    let Ok(collected) = body.collect().await;
    let status = ActixStatus::from_u16(parts.status.as_u16()).unwrap_or(ActixStatus::OK);
    let mut out = HttpResponse::build(status);
    for (name, value) in &parts.headers {
        if let (Ok(name), Ok(value)) = (
            ActixName::from_bytes(name.as_str().as_bytes()),
            ActixValue::from_bytes(value.as_bytes()),
        ) {
            out.append_header((name, value));
        }
    }
    out.body(collected.to_bytes())
}

/// Client frames to the session; answers pings; ends when the peer closes or the session
/// drops its end.
async fn read_pump(
    mut stream: AggregatedMessageStream,
    mut session: Session,
    tx: mpsc::Sender<Result<Frame, WsError>>,
) {
    loop {
        let msg = tokio::select! {
            msg = stream.next() => msg,
            () = tx.closed() => return,
        };
        let item = match msg {
            None | Some(Ok(AggregatedMessage::Close(_))) => return,
            Some(Ok(AggregatedMessage::Text(text))) => Ok(Frame::Text(text)),
            Some(Ok(AggregatedMessage::Binary(bytes))) => Ok(Frame::Binary(bytes)),
            Some(Ok(AggregatedMessage::Ping(bytes))) => {
                let _ = session.pong(&bytes).await;
                continue;
            }
            Some(Ok(AggregatedMessage::Pong(_))) => continue,
            // A peer that vanished without a close frame (actix-ws reports the payload error
            // as I/O) is a close, as Node reports it; invalid UTF-8 text is an error.
            Some(Err(ProtocolError::Io(e))) if e.kind() != std::io::ErrorKind::InvalidData => {
                return
            }
            // Over the size limit: the session answers with close code 1009.
            Some(Err(ProtocolError::Overflow)) => Err(Box::new(engineio::MessageTooBig) as WsError),
            Some(Err(e)) => Err(WsError::from(e.to_string())),
        };
        let failed = item.is_err();
        if tx.send(item).await.is_err() || failed {
            return;
        }
    }
}

/// Session frames to the client; a close (or the session dropping its end) closes.
async fn write_pump(mut session: Session, mut rx: futures_channel::mpsc::Receiver<WsOut>) {
    while let Some(out) = rx.next().await {
        let sent = match out {
            WsOut::Frame(Frame::Text(text)) => session.text(text).await,
            WsOut::Frame(Frame::Binary(bytes)) => session.binary(bytes).await,
            WsOut::Close(code) => {
                let reason = code.map(|code| CloseReason {
                    code: code.into(),
                    description: None,
                });
                let _ = session.close(reason).await;
                return;
            }
        };
        if sent.is_err() {
            return;
        }
    }
    let _ = session.close(None).await;
}

/// The `Send` side of an actix-ws websocket, given to the session.
struct ActixWs {
    rx: mpsc::Receiver<Result<Frame, WsError>>,
    tx: futures_channel::mpsc::Sender<WsOut>,
}

impl Stream for ActixWs {
    type Item = Result<Frame, WsError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

impl Sink<WsOut> for ActixWs {
    type Error = WsError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.tx).poll_ready(cx).map_err(box_err)
    }

    fn start_send(mut self: Pin<&mut Self>, item: WsOut) -> Result<(), WsError> {
        Pin::new(&mut self.tx).start_send(item).map_err(box_err)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.tx).poll_flush(cx).map_err(box_err)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.tx).poll_close(cx).map_err(box_err)
    }
}

fn box_err(e: futures_channel::mpsc::SendError) -> WsError {
    Box::new(e)
}
