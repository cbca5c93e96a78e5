//! `socketio`: a Socket.IO server (protocol v5 for `socket.io-client` 3.x/4.x, v4 for 2.x)
//! wire-compatible with Node's `socket.io` 4.8.
//!
//! Built on the `engineio` crate (one task per connection) and `socketio-codec`. What Node
//! developers know maps one to one:
//!
//! | Node | here |
//! |---|---|
//! | `io.on("connection", cb)` / `io.of("/x").on("connection", cb)` | [`SocketIo::ns`] / [`NamespaceRef::on_connection`] |
//! | `io.of(/regex/)` | [`SocketIo::of_dynamic`] |
//! | `nsp.use((socket, next) => ...)` | [`NamespaceRef::use_middleware`] |
//! | `socket.on("ev", (data, ack) => ...)` | [`SocketRef::on`] with extractors ([`Data`], [`AckSender`], [`Bin`], ...) |
//! | `socket.emit`, `socket.timeout(ms).emitWithAck` | [`SocketRef::emit`], [`SocketRef::emit_with_ack_timeout`] |
//! | `socket.join/leave/rooms` | [`SocketRef::join`], [`SocketRef::leave`], [`SocketRef::rooms`] |
//! | `socket.to(r).emit`, `socket.broadcast.emit` | [`SocketRef::to`], [`SocketRef::broadcast`] |
//! | `io.to(r).except(r2).volatile.emit` | [`NamespaceRef::to`] and [`BroadcastOperators`] |
//! | `io.fetchSockets()`, `socketsJoin`, `disconnectSockets` | [`BroadcastOperators::fetch_sockets`], ... |
//! | `socket.data` | [`Socket::extensions`] |
//! | `socket.onAny`, `socket.use` | [`SocketRef::on_any`], [`SocketRef::use_middleware`] |
//!
//! A complete server:
//!
//! ```no_run
//! use socketio::{AckSender, Config, Data, SocketIo, SocketRef};
//! use serde_json::Value;
//!
//! # async fn run() -> std::io::Result<()> {
//! let io = SocketIo::new(Config::default());
//! io.ns("/", |socket: SocketRef| {
//!     socket.on("chat", |socket: SocketRef, Data(msg): Data<String>| {
//!         // to everyone else in the namespace
//!         let _ = socket.broadcast().emit("chat", &msg);
//!     });
//!     socket.on("ping", |Data(v): Data<Value>, ack: AckSender| {
//!         let _ = ack.send(&v);
//!     });
//! });
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! io.serve(listener).await
//! # }
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod ack;
mod adapter;
mod client;
mod config;
mod emit;
mod error;
mod extensions;
mod extract;
mod handshake;
mod namespace;
mod operators;
mod reason;
mod server;
mod socket;

pub use ack::{AckSender, BroadcastAcks};
pub use adapter::{
    Adapter, AdapterFactory, BoxFuture, BroadcastOptions, MemoryAdapter, PersistedSession,
    RemoteSocket, RoomListener,
};
pub use client::{Client, SioHandler};
pub use config::Config;
pub use emit::EncodedPacket;
pub use engineio::Sid;
pub use error::{AckError, AckResponse, Error, ExtractError, MiddlewareError};
pub use extensions::Extensions;
pub use extract::{
    Args, AsyncMarker, Bin, Data, EventHandler, EventName, EventParts, FromEvent, SyncMarker,
    TryData,
};
pub use handshake::Handshake;
pub use namespace::Namespace;
pub use operators::BroadcastOperators;
pub use reason::DisconnectReason;
pub use server::{DynamicNamespace, NamespaceRef, SocketIo};
pub use socket::{Socket, SocketRef, Volatile};

pub use socketio_codec as codec;
