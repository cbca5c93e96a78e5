//! `socketio`: a Socket.IO server (protocol v5 for `socket.io-client` 3.x/4.x, v4 for 2.x)
//! wire-compatible with Node's `socket.io` 4.8.
//!
//! Built on the `engineio` crate (one task per connection) and `socketio-codec`; adapters
//! (the rooms index, and cross-server broadcasts) plug in through `socketio-adapter`. What
//! Node developers know maps one to one:
//!
//! | Node | here |
//! |---|---|
//! | `new Server({ pingInterval, cors, .. })` | [`SocketIo::builder`] ([`SocketIoBuilder`]), or [`SocketIo::new`] with a [`Config`] |
//! | `io.on("connection", cb)` / `io.of("/x").on("connection", cb)` | [`SocketIo::on_connection`] / [`Namespace::on_connection`] |
//! | `io.of("/x")`, `io.of(/regex/)`, `io.of((name, auth, next) => ..)` | [`SocketIo::of`], [`SocketIo::of_dynamic`], [`SocketIo::of_dynamic_async`] |
//! | `nsp.use((socket, next) => ..)` | [`Namespace::use_middleware`] (async, `Err` refuses) |
//! | `socket.on("ev", (data, ack) => ..)`, `socket.once`, `socket.off` | [`SocketRef::on`] with extractors ([`Data`], [`AckSender`], [`Args`], ...), [`SocketRef::once`], [`SocketRef::off`] |
//! | `socket.emit`, `socket.timeout(ms).emitWithAck` | [`SocketRef::emit`], [`SocketRef::timeout`] + [`SocketEmitter::emit_with_ack`] |
//! | `socket.volatile.emit` | [`SocketRef::volatile`] |
//! | `callback(..)` / `callback()` | [`AckSender::send`] / [`AckSender::send_empty`] |
//! | `socket.join/leave/rooms` | [`SocketRef::join`], [`SocketRef::leave`], [`SocketRef::rooms`] (one room or many: [`IntoRooms`]) |
//! | `socket.to(r).emit`, `socket.broadcast.emit` | [`SocketRef::to`], [`SocketRef::broadcast`] |
//! | `io.to(r).except(r2).volatile.emit` | [`SocketIo::to`], [`BroadcastOperators`] |
//! | `io.timeout(ms).emit(ev, cb)` | [`BroadcastOperators::timeout`] + [`BroadcastOperators::emit_with_ack`] |
//! | `io.fetchSockets()`, `socketsJoin`, `socketsLeave`, `disconnectSockets` | [`SocketIo::fetch_sockets`] ([`RemoteSocket`]), [`BroadcastOperators::sockets_join`], ... |
//! | `io.serverSideEmit`, `io.on("ev")` | [`Namespace::server_side_emit`], [`Namespace::on_server_event`] |
//! | `socket.data`, `socket.nsp`, `socket.handshake`, `socket.conn` | [`SocketRef::data`] / [`SocketRef::set_data`], [`SocketRef::nsp`], [`SocketRef::handshake`], [`SocketRef::conn`] |
//! | `socket.onAny`, `prependAny`, `offAny`, `onAnyOutgoing` | [`SocketRef::on_any`], [`SocketRef::prepend_any`], [`SocketRef::off_any`], [`SocketRef::on_any_outgoing`] |
//! | `socket.use(([ev, ...args], next) => ..)`, `socket.on("error")` | [`SocketRef::use_middleware`], [`SocketRef::on_error`] |
//! | `socket.on("disconnecting" / "disconnect")` | [`SocketRef::on_disconnecting`], [`SocketRef::on_disconnect`] |
//! | `socket.disconnect()`, `disconnect(true)` | [`SocketRef::disconnect`], [`SocketRef::disconnect_and_close`] |
//! | `io.close()` | [`SocketIo::close`] |
//! | instrumentation (`@socket.io/admin-ui`'s hooks) | [`SocketIo::observe`] with an [`Observer`] |
//! | metrics, logs | the [`metrics`](mod@metrics) facade and `tracing` spans per connection and socket (see [`metrics`](mod@metrics)) |
//!
//! A complete server:
//!
//! ```no_run
//! use socketio::{AckSender, Data, SocketIo, SocketRef, Value};
//!
//! # async fn run() -> std::io::Result<()> {
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     socket.on("chat", |socket: SocketRef, Data(msg): Data<String>| {
//!         socket.broadcast().emit("chat", &msg); // everyone else
//!     });
//!     socket.on("echo", |Data(v): Data<Value>, ack: AckSender| ack.send(&v)); // binary kept
//! });
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! io.serve(listener).await
//! # }
//! ```
//!
//! # How a connection runs
//!
//! Each Engine.IO connection is one task, which owns the Socket.IO state of that connection:
//! its sockets (one per namespace), their listeners, their pending acks, the connect progress
//! and the timers (connect timeout, ack timeouts). Handlers run in that task, in the order
//! packets arrived; an async handler runs there up to its first pending await, then as a task.
//! A [`SocketRef`] held anywhere reaches that state with messages, never with a lock; emits
//! go straight to the connection's outgoing queue. A broadcast is encoded once, and every
//! recipient's transport gets the same buffer.
//!
//! # Lock policy
//!
//! State shared across connections (a namespace's socket table and its adapter's rooms
//! index, the namespaces registry, `socket.data`) is behind `parking_lot` locks: no
//! poisoning (there is no lock result to drop), critical sections are short, and no lock is
//! held while user code or another component is called (the one exception is
//! [`SocketRef::update_data`], whose closure runs under `socket.data`'s lock). `std::sync`
//! locks are refused by clippy (`clippy.toml`, `disallowed-types`).

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod ack;
mod builder;
mod client;
mod command;
mod config;
mod emit;
mod error;
mod extensions;
mod extract;
mod handshake;
mod listeners;
pub mod metrics;
mod namespace;
mod observer;
mod operators;
mod reason;
mod server;
mod socket;
mod timers;

pub use ack::{AckResponse, AckSender, BroadcastAcks};
pub use builder::SocketIoBuilder;
pub use client::{Client, SioHandler};
pub use config::{Config, ConnectionStateRecovery};
pub use error::{AckError, EmitError, ExtractError, MiddlewareError};
pub use extensions::Extensions;
pub use extract::{
    Args, AsyncMarker, Bin, Data, EventHandler, EventName, EventParts, FromEvent, SyncMarker,
    TryData,
};
pub use handshake::Handshake;
pub use listeners::{IncomingEvent, ListenerId};
pub use namespace::{AsyncConnection, ConnectionHandler, Namespace, SyncConnection};
pub use observer::Observer;
pub use operators::{BroadcastOperators, RemoteSocket};
pub use reason::DisconnectReason;
pub use server::{SocketIo, WeakSocketIo};
pub use socket::{AckFuture, SocketEmitter, SocketRef};

pub use engineio::{
    CookieOptions, Cors, CorsOrigin, HttpCompression, SameSite, Sid, TransportKind, Transports,
};
pub use socketio_adapter::{
    self as adapter, AdapterError, HandshakeInfo, Room, ServerAck, SocketInfo,
};
pub use socketio_codec::{self as codec, JsonParser, Map, MsgpackParser, Value};
