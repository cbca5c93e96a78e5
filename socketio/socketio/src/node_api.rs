//! Node's socket.io 4.8 server API, one section per method, with its Rust name and a runnable
//! example (every block below is a doc test).
//!
//! The sections follow the tables of the [crate docs](crate): [the server](#the-server-io),
//! [namespaces](#namespaces-nsp), [sockets](#sockets-socket). The examples register handlers
//! on a fresh `SocketIo::new(Default::default())`; none connects a client (the scenario tests
//! in `tests/` do that).
//!
//! Three habits replace what a Node server writes differently:
//!
//! - **Handlers ask for what they need.** `socket.on("ev", (data, callback) => ..)` becomes
//!   `socket.on("ev", |socket: SocketRef, Data(data): Data<T>, ack: AckSender| ..)`: the
//!   arguments are [extractors](crate::FromEvent), in any order. `Data<T>` deserializes the
//!   arguments (the handler is skipped when they do not match `T`); [`Value`](crate::Value)
//!   takes anything, binary included.
//! - **Handlers own what they capture** (`'static` closures). Instead of capturing `io`, a
//!   handler takes the [`Namespace`](crate::Namespace) (`socket.nsp()`, or the `Namespace`
//!   extractor), or captures a clone of `io`.
//! - **Emits do not fail loudly.** As in Node, `emit` returns nothing; a failure (the socket
//!   left, its queue is full) is logged with `tracing`. `try_emit` returns it.
//!
//! # The server (`io`)
//!
//! ## `new Server(options)`
//!
//! [`SocketIo::builder`](crate::SocketIo::builder) takes Node's option names;
//! [`SocketIo::new`](crate::SocketIo::new) takes a [`Config`](crate::Config).
//!
//! ```
//! use std::time::Duration;
//! use socketio::{Cors, SocketIo};
//!
//! // new Server({ pingInterval: 10000, cors: { origin: "*" }, connectTimeout: 5000 })
//! let io = SocketIo::builder()
//!     .ping_interval(Duration::from_secs(10))
//!     .cors(Cors::any())
//!     .connect_timeout(Duration::from_secs(5))
//!     .build();
//! assert_eq!(io.config().path, "/socket.io");
//! let io = SocketIo::new(Default::default()); // new Server()
//! # drop(io);
//! ```
//!
//! ## `io.on("connection", (socket) => ..)`
//!
//! [`SocketIo::on_connection`](crate::SocketIo::on_connection) (`io.ns(name, handler)` for
//! another namespace). The handler may be `async`.
//!
//! ```
//! use socketio::{SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     println!("{} connected", socket.id());
//! });
//! io.ns("/admin", |socket: SocketRef| async move {
//!     socket.emit("hello", "admin");
//! });
//! ```
//!
//! ## `io.of(name)`, `io.of(/regex/)`, `io.of((name, auth, next) => ..)`
//!
//! [`SocketIo::of`](crate::SocketIo::of), [`SocketIo::of_dynamic`](crate::SocketIo::of_dynamic),
//! [`SocketIo::of_dynamic_async`](crate::SocketIo::of_dynamic_async). The children of a
//! dynamic parent share its handlers; emits on the parent reach every child;
//! [`SocketIo::namespaces`](crate::SocketIo::namespaces) lists them.
//!
//! ```
//! use socketio::{SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! let admin = io.of("/admin");
//! admin.on_connection(|socket: SocketRef| socket.emit("welcome", "admin"));
//! // io.of(/^\/team-\d+$/)
//! let teams = io.of_dynamic(|name| {
//!     name.strip_prefix("/team-").is_some_and(|n| n.parse::<u32>().is_ok())
//! });
//! teams.on_connection(|socket: SocketRef| socket.emit("team", socket.ns()));
//! // io.of((name, auth, next) => next(null, auth.key === "k"))
//! io.of_dynamic_async(|_name, auth| async move { auth["key"].as_str() == Some("k") });
//! io.of("/team-1"); // a child of `teams`
//! assert_eq!(teams.children().len(), 1);
//! let names: Vec<String> = io.namespaces().iter().map(|n| n.name().to_owned()).collect();
//! assert_eq!(names, ["/", "/admin", "/team-1"]);
//! teams.emit("news", "to every team");
//! ```
//!
//! ## `io.use((socket, next) => ..)`
//!
//! [`SocketIo::use_middleware`](crate::SocketIo::use_middleware) (the main namespace's
//! [`Namespace::use_middleware`](crate::Namespace::use_middleware)): an async function;
//! `Err` refuses the connection with `connect_error` (`next(err)`, `err.data` with
//! [`MiddlewareError::with_data`](crate::MiddlewareError::with_data)).
//!
//! ```
//! use socketio::{MiddlewareError, SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! io.use_middleware(|socket: SocketRef| async move {
//!     match socket.handshake().auth["token"].as_str() {
//!         Some("secret") => Ok(()),
//!         _ => Err(MiddlewareError::new("not authorized").with_data(serde_json::json!({
//!             "content": "Please retry later"
//!         }))),
//!     }
//! });
//! ```
//!
//! ## `io.to(room)`, `io.in(room)`, `io.except(room)`
//!
//! [`SocketIo::to`](crate::SocketIo::to), [`SocketIo::within`](crate::SocketIo::within)
//! (`in` is a Rust keyword), [`SocketIo::except`](crate::SocketIo::except), then
//! [`BroadcastOperators`](crate::BroadcastOperators). One room or many:
//! [`IntoRooms`](crate::IntoRooms) (`"a"`, `String`, `["a", "b"]`, a `Vec`, a slice, a
//! [`Value`](crate::Value) a client sent, [`rooms(iter)`](crate::rooms)).
//!
//! ```
//! use socketio::{rooms, SocketIo};
//!
//! let io = SocketIo::new(Default::default());
//! io.to("room1").emit("hello", "world");
//! io.to(["room1", "room2"]).except("room3").emit("hello", "world");
//! io.within(vec![String::from("room4")]).emit("hello", &1);
//! io.to(rooms((1..=3).map(|n| format!("table-{n}")))).emit("deal", &());
//! ```
//!
//! ## `io.emit(ev, ...args)`
//!
//! [`SocketIo::emit`](crate::SocketIo::emit) (one argument),
//! [`SocketIo::emit_many`](crate::SocketIo::emit_many) (a tuple: several arguments),
//! [`SocketIo::emit_args`](crate::SocketIo::emit_args) (raw [`Value`](crate::Value)s),
//! [`SocketIo::try_emit`](crate::SocketIo::try_emit) (the error instead of a log line).
//!
//! ```
//! use socketio::{EmitError, SocketIo};
//!
//! let io = SocketIo::new(Default::default());
//! io.emit("hello", "world"); // io.emit("hello", "world")
//! io.emit_many("hello", &(1, "two", [3])); // io.emit("hello", 1, "two", [3])
//! io.emit_many("ping", &()); // io.emit("ping")
//! io.emit("file", &bytes::Bytes::from_static(b"\x01\x02")); // a Buffer
//! assert!(matches!(io.try_emit("connect", &()), Err(EmitError::ReservedEvent(_))));
//! ```
//!
//! ## `io.timeout(ms).emit(ev, data, (err, responses) => ..)`, `io.timeout(ms).emitWithAck`
//!
//! [`SocketIo::timeout`](crate::SocketIo::timeout) +
//! [`BroadcastOperators::emit_with_ack`](crate::BroadcastOperators::emit_with_ack):
//! [`BroadcastAcks`](crate::BroadcastAcks) has the answers and `timed_out` (Node's `err`).
//! Without `timeout`, `Config::ack_timeout` applies.
//!
//! ```
//! use std::time::Duration;
//! use socketio::SocketIo;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let io = SocketIo::new(Default::default());
//! let acks = io
//!     .timeout(Duration::from_secs(5))
//!     .emit_with_ack("question", "ready?")
//!     .await
//!     .unwrap();
//! assert!(acks.responses.is_empty() && !acks.timed_out); // nobody is connected
//! let answers: Vec<bool> = acks.deserialize().unwrap(); // the first argument of each
//! # assert!(answers.is_empty());
//! # }
//! ```
//!
//! ## `io.volatile.emit`, `io.local.emit`, `io.compress(false).emit`
//!
//! [`SocketIo::volatile`](crate::SocketIo::volatile) (dropped for a connection whose
//! queue is full), [`SocketIo::local`](crate::SocketIo::local) (this server only, with a
//! cluster adapter), [`SocketIo::compress`](crate::SocketIo::compress) (as Node's engine: a
//! polling answer made only of `compress(false)` packets is not HTTP-compressed; see
//! `Config::engine.http_compression`; carried to other servers).
//!
//! ```
//! use socketio::SocketIo;
//!
//! let io = SocketIo::new(Default::default());
//! io.volatile().emit("tick", &1);
//! io.local().to("room").emit("here-only", &());
//! io.compress(false).emit("raw", "data");
//! ```
//!
//! ## `io.fetchSockets()`
//!
//! [`SocketIo::fetch_sockets`](crate::SocketIo::fetch_sockets) (also on operators:
//! `io.within("room").fetch_sockets()`): [`RemoteSocket`](crate::RemoteSocket)s with id,
//! handshake, rooms, data, and `emit` / `join` / `leave` / `disconnect`.
//!
//! ```
//! use socketio::SocketIo;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let io = SocketIo::new(Default::default());
//! for socket in io.within("room1").fetch_sockets().await.unwrap() {
//!     println!("{} in {:?} with {:?}", socket.id(), socket.rooms(), socket.data_value());
//!     socket.emit("hello", &());
//!     socket.join("room2");
//! }
//! # }
//! ```
//!
//! ## `io.socketsJoin(rooms)`, `io.socketsLeave(rooms)`, `io.disconnectSockets(close)`
//!
//! [`SocketIo::sockets_join`](crate::SocketIo::sockets_join),
//! [`SocketIo::sockets_leave`](crate::SocketIo::sockets_leave),
//! [`SocketIo::disconnect_sockets`](crate::SocketIo::disconnect_sockets), and the same on
//! operators.
//!
//! ```
//! use socketio::SocketIo;
//!
//! let io = SocketIo::new(Default::default());
//! io.sockets_join("lobby"); // every socket of "/"
//! io.within("room1").sockets_join(["room2", "room3"]);
//! io.within("room1").sockets_leave("room2");
//! io.within("banned").disconnect_sockets(false); // io.in("banned").disconnectSockets()
//! io.disconnect_sockets(true); // and close their connections
//! ```
//!
//! ## `io.serverSideEmit(ev, ...args)`, `io.serverSideEmitWithAck`, `io.on(ev)` of other servers
//!
//! [`SocketIo::server_side_emit`](crate::SocketIo::server_side_emit),
//! [`SocketIo::server_side_emit_with_ack`](crate::SocketIo::server_side_emit_with_ack)
//! (one answer per other server), [`SocketIo::on_server_event`](crate::SocketIo::on_server_event)
//! (the answer callback is `Some` when the sender waits). With the in-memory adapter there is
//! no other server.
//!
//! ```
//! use socketio::{Args, SocketIo, Value};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let io = SocketIo::new(Default::default());
//! io.on_server_event("uptime?", |_args: Args, answer| {
//!     if let Some(answer) = answer {
//!         answer(Value::from(42u64)); // callback(42)
//!     }
//! });
//! io.server_side_emit("hello", "other servers").await.unwrap();
//! let answers = io.server_side_emit_with_ack("uptime?", &()).await.unwrap();
//! assert!(answers.is_empty()); // a single server
//! # }
//! ```
//!
//! ## `io.close()`
//!
//! [`SocketIo::close`](crate::SocketIo::close): closes every connection ("server shutting
//! down") and the adapters, and waits for the connections to be gone. The listener belongs to
//! the framework: stop it the framework's way (axum's `with_graceful_shutdown`, ...).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let io = socketio::SocketIo::new(Default::default());
//! io.close().await;
//! # }
//! ```
//!
//! ## `io.engine`, `io.sockets`, `io.adapter(..)`, `io.of(name).adapter`
//!
//! [`SocketIo::engine`](crate::SocketIo::engine) (the Engine.IO server: its
//! `session_count()` is Node's `io.engine.clientsCount`);
//! [`SocketIo::sockets`](crate::SocketIo::sockets) (the main namespace, as in Node);
//! the adapter is chosen when the server is built
//! ([`SocketIoBuilder::adapter`](crate::SocketIoBuilder::adapter), `SocketIo::with_adapter`,
//! e.g. the Redis adapter crate) and read with [`Namespace::adapter`](crate::Namespace::adapter).
//!
//! ```
//! use socketio::adapter::Adapter;
//! use socketio::SocketIo;
//!
//! let io = SocketIo::builder()
//!     .adapter(socketio_adapter_memory::MemoryAdapter::factory()) // io.adapter(createAdapter())
//!     .build();
//! assert_eq!(io.engine().session_count(), 0); // io.engine.clientsCount
//! assert_eq!(io.sockets().name(), "/"); // io.sockets
//! assert_eq!(io.sockets().socket_count(), 0); // io.sockets.sockets.size
//! assert!(io.of("/").adapter().local_rooms().is_empty()); // io.of("/").adapter.rooms
//! ```
//!
//! ## `io.listen(port)`, `io.attach(httpServer)`
//!
//! Not as such: the server is mounted in a framework, beside its routes.
//! [`SocketIo::serve`](crate::SocketIo::serve) is `io.listen` (plain hyper, nothing else on
//! the port); `engineio::serve_with(listener, io.engine().clone(), fallback)` is `io.attach`
//! to a plain hyper server with routes of its own; the integration crates mount it in axum
//! (`socketio_axum::EngineIoLayer::new(io)`), actix-web (`socketio_actix::configure(io)`) and
//! warp (`socketio_warp::engineio_filter(io)`). Their `examples/` have one small server each.
//!
//! ```no_run
//! # #[tokio::main]
//! # async fn main() -> std::io::Result<()> {
//! let io = socketio::SocketIo::new(Default::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! io.serve(listener).await // io.listen(3000)
//! # }
//! ```
//!
//! # Namespaces (`nsp`)
//!
//! A [`Namespace`](crate::Namespace) has the same operators as the server (the server's are
//! shortcuts to `io.sockets()`), on its own sockets.
//!
//! ## `nsp.name`, `nsp.sockets`, `nsp.adapter`
//!
//! [`Namespace::name`](crate::Namespace::name), [`Namespace::sockets`](crate::Namespace::sockets)
//! (a `Vec` of this server's sockets; [`Namespace::get_socket`](crate::Namespace::get_socket)
//! is `nsp.sockets.get(id)`, [`Namespace::socket_count`](crate::Namespace::socket_count) its
//! size), [`Namespace::adapter`](crate::Namespace::adapter).
//!
//! ```
//! use socketio::adapter::Adapter;
//! use socketio::SocketIo;
//!
//! let io = SocketIo::new(Default::default());
//! let nsp = io.of("/chat");
//! assert_eq!(nsp.name(), "/chat");
//! for socket in nsp.sockets() {
//!     socket.emit("hello", &());
//! }
//! assert_eq!(nsp.socket_count(), 0);
//! assert!(nsp.adapter().local_rooms().is_empty());
//! ```
//!
//! ## `nsp.use((socket, next) => ..)`
//!
//! [`Namespace::use_middleware`](crate::Namespace::use_middleware): middlewares run in order;
//! one may set `socket.data` or join rooms before the socket connects.
//!
//! ```
//! use socketio::{MiddlewareError, SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! let admin = io.of("/admin");
//! admin.use_middleware(|socket: SocketRef| async move {
//!     let Some(user) = socket.handshake().auth["user"].as_str() else {
//!         return Err(MiddlewareError::new("who are you?"));
//!     };
//!     socket.set_data(&serde_json::json!({ "user": user }));
//!     socket.join("admins");
//!     Ok(())
//! });
//! ```
//!
//! ## `nsp.to/in/except`, `nsp.emit`, `nsp.timeout`, `nsp.volatile`, `nsp.local`, `nsp.compress`
//!
//! [`Namespace::to`](crate::Namespace::to), [`Namespace::within`](crate::Namespace::within),
//! [`Namespace::except`](crate::Namespace::except), [`Namespace::emit`](crate::Namespace::emit),
//! [`Namespace::timeout`](crate::Namespace::timeout) + `emit_with_ack`,
//! [`Namespace::volatile`](crate::Namespace::volatile), [`Namespace::local`](crate::Namespace::local),
//! [`Namespace::compress`](crate::Namespace::compress).
//!
//! ```
//! use std::time::Duration;
//! use socketio::SocketIo;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let io = SocketIo::new(Default::default());
//! let nsp = io.of("/orders");
//! nsp.emit("open", &true);
//! nsp.to("eu").except("paris").volatile().emit("price", &12.5);
//! nsp.within("us").local().compress(false).emit("price", &13.0);
//! let acks = nsp.timeout(Duration::from_millis(500)).emit_with_ack("ready?", &()).await;
//! assert!(acks.unwrap().responses.is_empty());
//! # }
//! ```
//!
//! ## `nsp.fetchSockets()`, `nsp.socketsJoin/socketsLeave`, `nsp.disconnectSockets`
//!
//! [`Namespace::fetch_sockets`](crate::Namespace::fetch_sockets),
//! [`Namespace::sockets_join`](crate::Namespace::sockets_join),
//! [`Namespace::sockets_leave`](crate::Namespace::sockets_leave),
//! [`Namespace::disconnect_sockets`](crate::Namespace::disconnect_sockets).
//!
//! ```
//! use socketio::SocketIo;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let io = SocketIo::new(Default::default());
//! let nsp = io.of("/game");
//! let players = nsp.within("table-1").fetch_sockets().await.unwrap();
//! assert!(players.is_empty());
//! nsp.within("table-1").sockets_join("finals");
//! nsp.sockets_leave("lobby");
//! nsp.within("cheaters").disconnect_sockets(true);
//! # }
//! ```
//!
//! ## `nsp.serverSideEmit`, `nsp.serverSideEmitWithAck`, `nsp.on(ev)` of other servers
//!
//! [`Namespace::server_side_emit`](crate::Namespace::server_side_emit),
//! [`Namespace::server_side_emit_with_ack`](crate::Namespace::server_side_emit_with_ack),
//! [`Namespace::on_server_event`](crate::Namespace::on_server_event).
//!
//! ```
//! use socketio::SocketIo;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let io = SocketIo::new(Default::default());
//! let nsp = io.of("/game");
//! nsp.on_server_event("scores", |args, _answer| println!("scores: {:?}", args.get(0)));
//! nsp.server_side_emit("scores", &[1, 2, 3]).await.unwrap();
//! assert!(nsp.server_side_emit_with_ack("count?", &()).await.unwrap().is_empty());
//! # }
//! ```
//!
//! # Sockets (`socket`)
//!
//! A [`SocketRef`](crate::SocketRef) is a cheap handle, usable from any task.
//!
//! ## `socket.id`, `socket.handshake`, `socket.nsp`, `socket.conn`
//!
//! [`SocketRef::id`](crate::SocketRef::id), [`SocketRef::handshake`](crate::SocketRef::handshake)
//! ([`Handshake`](crate::Handshake): `headers()`, `query`, `auth`, `address()`, `time()`,
//! `url()`, `issued()`, `secure()`, `xdomain()`), [`SocketRef::nsp`](crate::SocketRef::nsp)
//! (the [`Namespace`](crate::Namespace); `ns()` is its name; a handler may also take
//! `Namespace` as an extractor), [`SocketRef::conn`](crate::SocketRef::conn) (the Engine.IO
//! connection: `transport()`, `close()`).
//!
//! ```
//! use socketio::{Namespace, SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     let hs = socket.handshake();
//!     println!(
//!         "{} from {:?}, token {:?}, user-agent {:?}, room {:?}",
//!         socket.id(),
//!         hs.address(),
//!         hs.auth["token"],
//!         hs.headers().get("user-agent"),
//!         hs.query_param("room"),
//!     );
//!     socket.nsp().emit("arrived", socket.id().as_str()); // socket.nsp.emit(..)
//!     println!("over {:?}", socket.conn().transport()); // socket.conn.transport.name
//!     socket.on("bye", |nsp: Namespace| nsp.emit("left", &())); // the extractor
//! });
//! ```
//!
//! ## `socket.rooms`, `socket.join(rooms)`, `socket.leave(room)`
//!
//! [`SocketRef::rooms`](crate::SocketRef::rooms) (its own id included),
//! [`SocketRef::in_room`](crate::SocketRef::in_room) (`socket.rooms.has(room)`),
//! [`SocketRef::join`](crate::SocketRef::join), [`SocketRef::leave`](crate::SocketRef::leave);
//! one room or many, as [`IntoRooms`](crate::IntoRooms).
//!
//! ```
//! use socketio::{Data, SocketIo, SocketRef, Value};
//!
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     socket.join("lobby");
//!     socket.join(["room1", "room2"]);
//!     assert!(socket.in_room("room1") && socket.in_room(socket.id().as_str()));
//!     socket.leave("room2");
//!     // A room or a list of rooms from the client: socket.join(rooms)
//!     socket.on("join", |socket: SocketRef, Data(rooms): Data<Value>| socket.join(&rooms));
//!     println!("{:?}", socket.rooms());
//! });
//! ```
//!
//! ## `socket.data`
//!
//! [`SocketRef::data`](crate::SocketRef::data) (deserialized; `{}` at first),
//! [`SocketRef::set_data`](crate::SocketRef::set_data),
//! [`SocketRef::update_data`](crate::SocketRef::update_data),
//! [`SocketRef::data_value`](crate::SocketRef::data_value). It is JSON, as in Node: other
//! servers see it through `fetchSockets`. Typed state that stays on this server goes in
//! [`SocketRef::extensions`](crate::SocketRef::extensions).
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use socketio::{SocketIo, SocketRef};
//!
//! #[derive(Serialize, Deserialize)]
//! struct User {
//!     name: String,
//! }
//!
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     socket.set_data(&User { name: "ann".into() }); // socket.data = { name: "ann" }
//!     if let Ok(user) = socket.data::<User>() {
//!         socket.emit("hello", &user.name); // socket.data.name
//!     }
//!     socket.update_data(|data| data["name"].as_str().map(str::len));
//!     socket.extensions().insert(std::time::Instant::now()); // Rust-only, not serialized
//! });
//! ```
//!
//! ## `socket.connected`, `socket.disconnected`, `socket.recovered`
//!
//! [`SocketRef::connected`](crate::SocketRef::connected),
//! [`SocketRef::disconnected`](crate::SocketRef::disconnected),
//! [`SocketRef::recovered`](crate::SocketRef::recovered) (`true` when the socket came back
//! through connection state recovery: [`Config::connection_state_recovery`](crate::Config)
//! on, the in-memory adapter or the Redis streams one).
//!
//! ```
//! use socketio::{SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     assert!(socket.connected() && !socket.disconnected());
//!     if !socket.recovered() {
//!         socket.emit("welcome", &()); // a new session
//!     }
//! });
//! ```
//!
//! ## `socket.emit(ev, ...args)`
//!
//! [`SocketRef::emit`](crate::SocketRef::emit), [`SocketRef::emit_many`](crate::SocketRef::emit_many),
//! [`SocketRef::emit_args`](crate::SocketRef::emit_args), [`SocketRef::try_emit`](crate::SocketRef::try_emit).
//! Binary (`Bytes`, `Vec<u8>` through `serde_bytes`, a [`Value::Binary`](crate::Value)) goes as
//! attachments, anywhere in the data.
//!
//! ```
//! use socketio::{Args, SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     socket.emit("hello", "world");
//!     socket.emit_many("move", &(10, 20)); // socket.emit("move", 10, 20)
//!     socket.emit("file", &bytes::Bytes::from_static(&[1, 2, 3]));
//!     // Re-emit a field of what the client sent, binary kept.
//!     socket.on("upload", |socket: SocketRef, args: Args| {
//!         socket.emit("file", &args.field(0, "file"));
//!     });
//!     if let Err(e) = socket.try_emit("hello", &()) {
//!         eprintln!("not sent: {e}");
//!     }
//! });
//! ```
//!
//! ## `socket.emitWithAck(ev, data)`, `socket.timeout(ms).emit(ev, data, (err, res) => ..)`
//!
//! [`SocketRef::emit_with_ack`](crate::SocketRef::emit_with_ack) (a future: the
//! [`AckResponse`](crate::AckResponse), or [`AckError::Timeout`](crate::AckError) after
//! `Config::ack_timeout`), [`SocketRef::timeout`](crate::SocketRef::timeout) to choose the
//! timeout; [`AckFuture::deserialize`](crate::AckFuture::deserialize) for a typed answer.
//!
//! ```
//! use std::time::Duration;
//! use socketio::{AckError, SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| async move {
//!     let answer = socket.timeout(Duration::from_secs(5)).emit_with_ack("ready?", &()).await;
//!     match answer {
//!         Ok(response) => println!("answered {:?}", response.first()),
//!         Err(AckError::Timeout) => println!("no answer in time"),
//!         Err(e) => println!("{e}"),
//!     }
//!     let sum: Result<u32, AckError> = socket.emit_with_ack("add", &[1, 2]).deserialize().await;
//!     # let _ = sum;
//! });
//! ```
//!
//! ## `socket.volatile.emit`, `socket.compress(false).emit`
//!
//! [`SocketRef::volatile`](crate::SocketRef::volatile) (dropped when the connection's queue
//! is full), [`SocketRef::compress`](crate::SocketRef::compress) (as Node's engine: a
//! polling answer made only of `compress(false)` packets is not HTTP-compressed).
//!
//! ```
//! use socketio::{SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     socket.volatile().emit("position", &(1.0, 2.0));
//!     socket.compress(false).emit("raw", "data");
//! });
//! ```
//!
//! ## `socket.broadcast`, `socket.to/in/except(room)`, `socket.local`
//!
//! [`SocketRef::broadcast`](crate::SocketRef::broadcast) (everyone else),
//! [`SocketRef::to`](crate::SocketRef::to), [`SocketRef::within`](crate::SocketRef::within),
//! [`SocketRef::except`](crate::SocketRef::except), [`SocketRef::local`](crate::SocketRef::local):
//! all leave the socket itself out, as in Node.
//!
//! ```
//! use socketio::{SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     socket.broadcast().emit("arrived", socket.id().as_str());
//!     socket.to("room1").to("room2").emit("news", &()); // the others in room1 or room2
//!     socket.within("room1").emit("news", &()); // socket.in("room1")
//!     socket.except("muted").emit("news", &());
//!     socket.local().emit("this-server-only", &());
//!     socket.broadcast().volatile().emit("tick", &1);
//! });
//! ```
//!
//! ## `socket.disconnect()`, `socket.disconnect(true)`
//!
//! [`SocketRef::disconnect`](crate::SocketRef::disconnect) (leaves this namespace; the
//! connection stays for the others), [`SocketRef::disconnect_and_close`](crate::SocketRef::disconnect_and_close)
//! (closes the connection).
//!
//! ```
//! use socketio::{SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     socket.on("leave", |socket: SocketRef| socket.disconnect());
//!     socket.on("quit", |socket: SocketRef| socket.disconnect_and_close());
//! });
//! ```
//!
//! ## `socket.on(ev, listener)`, `socket.once`, `socket.off`, `socket.removeAllListeners(ev)`
//!
//! [`SocketRef::on`](crate::SocketRef::on) (every listener of an event runs, in order; it
//! returns a [`ListenerId`](crate::ListenerId)), [`SocketRef::once`](crate::SocketRef::once),
//! [`SocketRef::off`](crate::SocketRef::off) (by id: Rust closures have no identity to compare),
//! [`SocketRef::off_all`](crate::SocketRef::off_all) (`removeAllListeners(ev)`; Node's
//! `removeAllListeners()` of every event has no equivalent: call `off_all` per event).
//! Callbacks: [`AckSender::send`](crate::AckSender::send) (`callback(data)`),
//! [`AckSender::send_many`](crate::AckSender::send_many) (`callback(a, b)`),
//! [`AckSender::send_empty`](crate::AckSender::send_empty) (`callback()`).
//!
//! ```
//! use socketio::{AckSender, Data, SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     // socket.on("add", ([a, b], callback) => callback(a + b))
//!     socket.on("add", |Data((a, b)): Data<(i64, i64)>, ack: AckSender| ack.send(&(a + b)));
//!     socket.on("ping", |ack: AckSender| ack.send_empty()); // callback()
//!     socket.once("hello", |socket: SocketRef| socket.emit("hi", "once"));
//!     let id = socket.on("tick", |Data(n): Data<u64>| println!("tick {n}"));
//!     socket.off("tick", id);
//!     socket.off_all("hello");
//! });
//! ```
//!
//! ## `socket.onAny`, `socket.prependAny`, `socket.offAny`, `socket.listenersAny`
//!
//! [`SocketRef::on_any`](crate::SocketRef::on_any), [`SocketRef::prepend_any`](crate::SocketRef::prepend_any),
//! [`SocketRef::off_any`](crate::SocketRef::off_any) (by id) and
//! [`SocketRef::off_any_all`](crate::SocketRef::off_any_all) (`offAny()`). `listenersAny()` has
//! no equivalent: the listeners live in the connection's task, which a handle reaches with
//! messages only, and a list of closures could not be compared or removed anyway; keep the
//! `ListenerId`s you need.
//!
//! ```
//! use socketio::{SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     let id = socket.on_any(|socket, event, args| println!("{} sent {event} {args:?}", socket.id()));
//!     socket.prepend_any(|_, event, _| println!("first: {event}"));
//!     socket.off_any(id);
//!     socket.off_any_all();
//! });
//! ```
//!
//! ## `socket.onAnyOutgoing`, `prependAnyOutgoing`, `offAnyOutgoing`, `listenersAnyOutgoing`
//!
//! [`SocketRef::on_any_outgoing`](crate::SocketRef::on_any_outgoing),
//! [`SocketRef::prepend_any_outgoing`](crate::SocketRef::prepend_any_outgoing),
//! [`SocketRef::off_any_outgoing`](crate::SocketRef::off_any_outgoing) (by id),
//! [`SocketRef::off_any_outgoing_all`](crate::SocketRef::off_any_outgoing_all)
//! (`offAnyOutgoing()`). `listenersAnyOutgoing()`: no equivalent, as `listenersAny`.
//!
//! ```
//! use socketio::{SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     let id = socket.on_any_outgoing(|socket, event, _args| println!("to {}: {event}", socket.id()));
//!     socket.prepend_any_outgoing(|_, event, _| println!("first: {event}"));
//!     socket.off_any_outgoing(id);
//!     socket.off_any_outgoing_all();
//! });
//! ```
//!
//! ## `socket.use(([event, ...args], next) => ..)` and `socket.on("error")`
//!
//! [`SocketRef::use_middleware`](crate::SocketRef::use_middleware): every incoming event goes
//! through the packet middlewares in order; one may change the [`IncomingEvent`](crate::IncomingEvent)
//! or refuse it (`next(err)`), and the [`SocketRef::on_error`](crate::SocketRef::on_error)
//! listeners get the error.
//!
//! ```
//! use socketio::{IncomingEvent, MiddlewareError, SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     socket.use_middleware(|_socket, event: IncomingEvent| async move {
//!         if event.event == "admin" {
//!             return Err(MiddlewareError::new("unauthorized event"));
//!         }
//!         Ok(event)
//!     });
//!     socket.on_error(|socket, err| {
//!         if err.message == "unauthorized event" {
//!             socket.disconnect();
//!         }
//!     });
//! });
//! ```
//!
//! ## `socket.on("disconnecting")`, `socket.on("disconnect")`
//!
//! [`SocketRef::on_disconnecting`](crate::SocketRef::on_disconnecting) (the rooms are still
//! readable), [`SocketRef::on_disconnect`](crate::SocketRef::on_disconnect); the
//! [`DisconnectReason`](crate::DisconnectReason) prints as Node's reason string.
//!
//! ```
//! use socketio::{DisconnectReason, SocketIo, SocketRef};
//!
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     socket.on_disconnecting(|socket, _reason| {
//!         for room in socket.rooms() {
//!             socket.to(room).emit("user left", socket.id().as_str());
//!         }
//!     });
//!     socket.on_disconnect(|socket, reason: DisconnectReason| {
//!         println!("{} left: {reason}", socket.id()); // "transport close", ...
//!     });
//! });
//! ```
