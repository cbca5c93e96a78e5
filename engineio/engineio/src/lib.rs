//! `engineio`: the Engine.IO server on tokio.
//!
//! This is the async layer of the workspace. It runs the sans-IO state machine of
//! `engineio-proto` in one task per session (timers, polling requests and websocket frames all
//! arrive in that task), and exposes one framework-neutral boundary:
//!
//! - [`EngineIo::dispatch`]: an `http::Request` with any streaming body in, a [`Dispatch`] out
//!   (a response to write, or a websocket to accept and hand to [`AcceptWebSocket::run`]);
//! - [`WebSocket`]: the small trait an integration implements over its own websocket type
//!   ([`TungsteniteWs`] covers hyper upgrades);
//! - [`serve`] / [`serve_with`] / [`EngineIo::handle_hyper`]: a plain hyper 1 server.
//!
//! Applications implement [`Handler`]: `on_connect` receives a [`Socket`] handle (send text or
//! binary, close), `on_message` each message, `on_disconnect` the close reason.
//!
//! ```no_run
//! use engineio::{Config, Data, EngineIo, Handler, Socket, CloseReason};
//!
//! use std::time::Instant;
//!
//! struct Echo;
//! impl Handler for Echo {
//!     type Connection = Socket;
//!     fn on_connect(&self, socket: Socket, _now: Instant) -> Socket { socket }
//!     fn on_message(&self, socket: &mut Socket, data: Data, _now: Instant) { let _ = socket.try_send(data); }
//!     fn on_disconnect(&self, socket: Socket, reason: CloseReason, _now: Instant) {
//!         println!("{} left: {reason}", socket.sid());
//!     }
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let engine = EngineIo::new(Config::default(), Echo);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! engineio::serve(listener, engine).await
//! # }
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod compression;
mod config;
mod connection_error;
mod cookie;
mod cors;
mod driver;
mod error;
mod hyper_server;
pub mod metrics;
mod service;
mod socket;
mod static_files;
pub mod testing;
mod ws;

pub use config::{
    AllowRequest, Config, ConnectionErrorHook, Cors, CorsOrigin, GenerateId, HeadersHook,
    HttpCompression,
};
pub use connection_error::ConnectionError;
pub use cookie::{CookieOptions, SameSite};
pub use engineio_codec::{ByteString, Data, Frame, ProtocolVersion, Sid, Text};
pub use engineio_proto::{CloseReason, ErrorContext, SendOptions, TransportKind, Transports};
pub use error::Error;
pub use hyper_server::{serve, serve_with};
pub use service::{
    is_websocket_upgrade, AcceptWebSocket, BoxError, Dispatch, EngineIo, IntoEngineIo, RemoteAddr,
    RequestHead, ResponseBody, WeakEngineIo,
};
pub use socket::{AppCommand, Handler, Socket};
pub use static_files::StaticFiles;
pub use ws::{
    message_limit, tungstenite_config, BoxWebSocket, MessageTooBig, TungsteniteWs, WebSocket,
    WsError, WsOut, WS_READ_BUFFER_SIZE,
};

pub use engineio_codec as codec;
pub use engineio_proto as proto;
