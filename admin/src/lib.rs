//! `socketio-admin`: the server side of the [Socket.IO Admin UI] for the `socketio` crate,
//! wire-compatible with npm `@socket.io/admin-ui` 0.5.1 (its `instrument(io, opts)`), so
//! that the official UI (hosted, or its `ui/dist` files served by your own server) can watch
//! and manage a Rust server.
//!
//! [Socket.IO Admin UI]: https://socket.io/docs/v4/admin-ui/
//!
//! This sits on top of the `socketio` layer: it adds a namespace (`/admin` by default) and
//! one [`Observer`](socketio::Observer), and uses nothing but the public API (namespace
//! operators, `fetch_sockets`), so that it works on a cluster through any adapter.
//!
//! | Node | here |
//! |---|---|
//! | `instrument(io, { auth: { type: "basic", username, password } })` | [`instrument`]`(&io, AdminOptions::new(Auth::basic(username, hash)))` |
//! | `auth: false` | [`Auth::None`] |
//! | `namespaceName`, `readonly`, `serverId`, `mode` | [`AdminOptions::namespace_name`], [`AdminOptions::readonly`], [`AdminOptions::server_id`], [`AdminOptions::mode`] ([`Mode`]) |
//! | `store: new InMemoryStore()` | the only store: session ids kept in memory, never expiring |
//!
//! ```no_run
//! use socketio::{Cors, CorsOrigin, SocketIo};
//! use socketio_admin::{instrument, AdminOptions, Auth};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // The UI connects with `withCredentials: true`: allow its origin with credentials.
//! let io = SocketIo::builder()
//!     .cors(Cors {
//!         origin: CorsOrigin::List(vec!["https://admin.socket.io".into()]),
//!         credentials: true,
//!     })
//!     .build();
//! let hash = bcrypt::hash("changeit", bcrypt::DEFAULT_COST)?;
//! instrument(&io, AdminOptions::new(Auth::basic("admin", hash)))?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! io.serve(listener).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # What the UI gets
//!
//! - On connection: `config` (the features: actions unless read-only, aggregated events,
//!   and every event in development), then in development `all_sockets` (every socket of
//!   every namespace, cluster-wide).
//! - Every 2 s, from every server: `server_stats` (server id, host name, pid, uptime, engine
//!   clients and how many still poll, namespaces and their socket counts, and the engine
//!   events of the last seconds aggregated per second: connections, disconnections with
//!   their reason, messages and bytes in and out).
//! - In development: `socket_connected`, `socket_updated` (transport upgrade, `socket.data`
//!   set), `socket_disconnected`, `room_joined`, `room_left`, `event_received`, `event_sent`.
//! - Unless read-only, the UI may `emit` to, make `join` or `leave` a room, or `_disconnect`
//!   the sockets of a namespace, a room or one socket.
//!
//! Sockets are shown as Node shows them: `id, clientId` (the first 12 characters of the
//! Engine.IO id), `transport, nsp, data, handshake` (without `auth`), `rooms`. In development
//! `socket.data._admin` holds the client id and transport so that other servers of a cluster
//! can show them (as Node does); it is hidden from what the UI shows.

//!
//! # Differences from Node
//!
//! - A new admin socket gets the `room_joined` of its own room right after its CONNECT reply,
//!   where Node writes it just before (the `socketio` crate sends the CONNECT reply before
//!   anything else reaches a socket). The UI does not depend on it.
//! - `server_stats.uptime` counts from `instrument`, not from the process start;
//!   `namespaces` are sorted by name instead of in creation order.
//! - `emit`, `join`, `leave` and `_disconnect` on a namespace this server does not have do
//!   nothing, where Node's `io.of(nsp)` would create it.
//! - Sessions live in memory only (Node's `InMemoryStore`); there is no `RedisStore`, so on a
//!   cluster behind a load balancer without sticky sessions the UI logs in again with the
//!   password when it lands on another server.
//! - `serverId` defaults to the host name, without Node's `#pid` suffix for cluster workers.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod admin;
mod error;
mod instrument;
mod options;
mod serialize;
mod stats;

pub use error::AdminError;
pub use instrument::instrument;
pub use options::{AdminOptions, Auth, Mode};
