//! `socketio`: a Socket.IO server (protocol v5 for `socket.io-client` 3.x/4.x, v4 for 2.x)
//! wire-compatible with Node's `socket.io` 4.8.
//!
//! Built on the `engineio` crate (one task per connection) and `socketio-codec`; adapters
//! (the rooms index, and cross-server broadcasts) plug in through `socketio-adapter`.
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
//! # Node's API, here
//!
//! Every server-side API of Node's `socket.io` 4.8 and its Rust name. Each row has a runnable
//! example in [`node_api`], under the same name, in the same order.
//!
//! ## The server (`io`)
//!
//! | Node | here |
//! |---|---|
//! | `new Server({ pingInterval, cors, .. })` | [`SocketIo::builder`] ([`SocketIoBuilder`], Node's option names), or [`SocketIo::new`] with a [`Config`] |
//! | `io.on("connection", cb)` | [`SocketIo::on_connection`]; `io.of("/x").on("connection", cb)` is [`SocketIo::ns`] or [`Namespace::on_connection`] |
//! | `io.of(name)`, `io.of(/regex/)`, `io.of((name, auth, next) => ..)` | [`SocketIo::of`], [`SocketIo::of_dynamic`], [`SocketIo::of_dynamic_async`]; the children: [`Namespace::children`], [`SocketIo::namespaces`] |
//! | `io.use(fn)` | [`SocketIo::use_middleware`] (async, `Err` refuses) |
//! | `io.to(r)`, `io.in(r)`, `io.except(r)` | [`SocketIo::to`], [`SocketIo::within`], [`SocketIo::except`] → [`BroadcastOperators`]; one room or many: [`IntoRooms`], [`rooms`] |
//! | `io.emit(ev, ...args)` | [`SocketIo::emit`], [`SocketIo::emit_many`], [`SocketIo::emit_args`]; [`SocketIo::try_emit`] returns the error |
//! | `io.timeout(ms).emit(ev, data, cb)` / `.emitWithAck` | [`SocketIo::timeout`] + [`BroadcastOperators::emit_with_ack`] → [`BroadcastAcks`] |
//! | `io.volatile`, `io.local`, `io.compress(f)` | [`SocketIo::volatile`], [`SocketIo::local`], [`SocketIo::compress`] |
//! | `io.fetchSockets()` | [`SocketIo::fetch_sockets`] → [`RemoteSocket`] |
//! | `io.socketsJoin`, `io.socketsLeave`, `io.disconnectSockets(close)` | [`SocketIo::sockets_join`], [`SocketIo::sockets_leave`], [`SocketIo::disconnect_sockets`] |
//! | `io.serverSideEmit`, `io.serverSideEmitWithAck`, `io.on(ev)` (from other servers) | [`SocketIo::server_side_emit`], [`SocketIo::server_side_emit_with_ack`], [`SocketIo::on_server_event`] |
//! | `io.close()` | [`SocketIo::close`] |
//! | `io.engine` | [`SocketIo::engine`] (`io.engine.clientsCount`: `engine().session_count()`) |
//! | instrumentation (what `@socket.io/admin-ui` hooks into) | [`SocketIo::observe`] with an [`Observer`] |
//! | metrics, logs (no Node equivalent) | the [`metrics`](mod@metrics) facade (see [`metrics::describe`]) and `tracing` spans per connection and socket |
//! | `io.sockets` | [`SocketIo::sockets`] (the main namespace) |
//! | `io.adapter(factory)`, `io.of(n).adapter` | [`SocketIoBuilder::adapter`] / [`SocketIo::with_adapter`]; [`Namespace::adapter`] |
//! | `io.listen(port)`, `io.attach(httpServer)` | N/A as such: [`SocketIo::serve`] listens with plain hyper; `engineio::serve_with` attaches to a hyper server with other routes; the `socketio-axum`, `socketio-actix`, `socketio-warp` crates mount it beside a framework's routes |
//!
//! ## Namespaces (`nsp`)
//!
//! | Node | here |
//! |---|---|
//! | `nsp.name`, `nsp.sockets`, `nsp.adapter` | [`Namespace::name`], [`Namespace::sockets`] (+ [`Namespace::get_socket`], [`Namespace::socket_count`]), [`Namespace::adapter`] |
//! | `nsp.use(fn)` | [`Namespace::use_middleware`] |
//! | `nsp.to`/`in`/`except`, `nsp.emit` | [`Namespace::to`], [`Namespace::within`], [`Namespace::except`], [`Namespace::emit`] (and `emit_many`, `emit_args`, `try_emit`) |
//! | `nsp.timeout`, `nsp.volatile`, `nsp.local`, `nsp.compress` | [`Namespace::timeout`] (+ `emit_with_ack`), [`Namespace::volatile`], [`Namespace::local`], [`Namespace::compress`] |
//! | `nsp.fetchSockets`, `nsp.socketsJoin`/`socketsLeave`, `nsp.disconnectSockets` | [`Namespace::fetch_sockets`], [`Namespace::sockets_join`], [`Namespace::sockets_leave`], [`Namespace::disconnect_sockets`] |
//! | `nsp.serverSideEmit`, `nsp.serverSideEmitWithAck`, `nsp.on(ev)` | [`Namespace::server_side_emit`], [`Namespace::server_side_emit_with_ack`], [`Namespace::on_server_event`] |
//!
//! ## Sockets (`socket`)
//!
//! | Node | here |
//! |---|---|
//! | `socket.id`, `socket.handshake`, `socket.nsp`, `socket.conn` | [`SocketRef::id`], [`SocketRef::handshake`] ([`Handshake`]), [`SocketRef::nsp`] (or the [`Namespace`] extractor; [`SocketRef::ns`] is the name), [`SocketRef::conn`] |
//! | `socket.rooms`, `socket.join`, `socket.leave` | [`SocketRef::rooms`], [`SocketRef::in_room`] (`rooms.has`), [`SocketRef::join`], [`SocketRef::leave`] ([`IntoRooms`]) |
//! | `socket.data` | [`SocketRef::data`], [`SocketRef::set_data`], [`SocketRef::update_data`], [`SocketRef::data_value`]; Rust-only typed state: [`SocketRef::extensions`] |
//! | `socket.connected`, `socket.disconnected`, `socket.recovered` | [`SocketRef::connected`], [`SocketRef::disconnected`], [`SocketRef::recovered`] |
//! | `socket.emit(ev, ...args)` | [`SocketRef::emit`], [`SocketRef::emit_many`], [`SocketRef::emit_args`]; [`SocketRef::try_emit`] returns the error |
//! | `socket.emitWithAck`, `socket.timeout(ms)` | [`SocketRef::emit_with_ack`] ([`AckFuture`]), [`SocketRef::timeout`] ([`SocketEmitter`]) |
//! | `socket.volatile`, `socket.compress(f)` | [`SocketRef::volatile`], [`SocketRef::compress`] |
//! | `socket.broadcast`, `socket.to`/`in`/`except`, `socket.local` | [`SocketRef::broadcast`], [`SocketRef::to`], [`SocketRef::within`], [`SocketRef::except`], [`SocketRef::local`] |
//! | `socket.disconnect()`, `disconnect(true)` | [`SocketRef::disconnect`], [`SocketRef::disconnect_and_close`] |
//! | `socket.on(ev, (...args, callback) => ..)`, `once`, `off`, `removeAllListeners(ev)` | [`SocketRef::on`] with extractors ([`Data`], [`TryData`], [`Args`], [`Bin`], [`EventName`], [`AckSender`], [`SocketRef`], [`Namespace`]), [`SocketRef::once`], [`SocketRef::off`] (by [`ListenerId`]), [`SocketRef::off_all`]; `removeAllListeners()` of every event: N/A (`off_all` per event) |
//! | `callback(data)`, `callback(a, b)`, `callback()` | [`AckSender::send`], [`AckSender::send_many`], [`AckSender::send_empty`] |
//! | `socket.onAny`, `prependAny`, `offAny`, `listenersAny` | [`SocketRef::on_any`], [`SocketRef::prepend_any`], [`SocketRef::off_any`] / [`SocketRef::off_any_all`]; `listenersAny`: N/A (listeners live in the connection's task; keep the [`ListenerId`]) |
//! | `socket.onAnyOutgoing`, `prependAnyOutgoing`, `offAnyOutgoing`, `listenersAnyOutgoing` | [`SocketRef::on_any_outgoing`], [`SocketRef::prepend_any_outgoing`], [`SocketRef::off_any_outgoing`] / [`SocketRef::off_any_outgoing_all`]; `listenersAnyOutgoing`: N/A |
//! | `socket.use(fn)`, `socket.on("error")` | [`SocketRef::use_middleware`] ([`IncomingEvent`]), [`SocketRef::on_error`] |
//! | `socket.on("disconnecting")`, `socket.on("disconnect")` | [`SocketRef::on_disconnecting`], [`SocketRef::on_disconnect`] ([`DisconnectReason`]) |
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
pub mod node_api;
mod observer;
mod operators;
mod reason;
mod recovery;
mod server;
mod socket;
pub mod testing;
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
    ConnectionError, CookieOptions, Cors, CorsOrigin, ErrorContext, HttpCompression, SameSite, Sid,
    TransportKind, Transports,
};
pub use socketio_adapter::{
    self as adapter, rooms, AdapterError, HandshakeInfo, IntoRooms, Room, Rooms, ServerAck,
    SocketInfo,
};
pub use socketio_codec::{self as codec, JsonParser, Map, MsgpackParser, Value};
