//! The Socket.IO profiles of the conformance server (`sio` and `sio-full`), as
//! `SIO_CONTRACT.md` defines them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::json;
use socketio::{AckSender, Args, Cors, Data, Namespace, SocketIo, SocketRef, Value};

/// How the Socket.IO conformance server is set up.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Profile `sio-full` (or `sio3`) rather than `sio`.
    pub full: bool,
    /// Profile `sio3`: `sio-full` that also accepts Engine.IO v3 / Socket.IO v4 clients.
    pub eio3: bool,
    /// `--parser msgpack`: the msgpack parser (npm `socket.io-msgpack-parser`).
    pub msgpack: bool,
    /// `--redis URL`: join a cluster through Redis.
    pub redis: Option<String>,
    /// `--sharded`: the sharded Redis adapter instead of the classic one.
    pub sharded: bool,
    /// `--streams`: the Redis streams adapter instead of the classic one.
    pub streams: bool,
    /// `--name NAME`: this server's name in cluster answers (default `rust`).
    pub name: String,
    /// `--cookie`: the session cookie (`io`), for cookie-based sticky load balancing.
    pub cookie: bool,
    /// `--recovery` (`--recovery-duration-ms N`, `--recovery-no-skip`): connection state
    /// recovery.
    pub recovery: Option<socketio::ConnectionStateRecovery>,
    /// `--node-options` (with `sio-full`): session ids `nodeopt-<12 digits>` from a
    /// `generate_id`, `cleanup_empty_child_namespaces`, the `connection_error` log and the
    /// events of SIO_CONTRACT.md "Node options".
    pub node_options: bool,
    /// `--no-trailing-slash`: `add_trailing_slash(false)`.
    pub no_trailing_slash: bool,
    /// `--ping-interval-ms N` / `--ping-timeout-ms N` (ours, for the recovery soak's 10,000
    /// sockets): instead of the contract's 300 ms / 200 ms.
    pub ping_interval: Option<Duration>,
    /// See `ping_interval`.
    pub ping_timeout: Option<Duration>,
}

/// The server of profile `sio`, `sio-full` or `sio3`, on `adapter` (the memory adapter when
/// `None`).
pub fn server(options: &Options, adapter: Option<socketio::adapter::AdapterFactory>) -> SocketIo {
    let mut builder = SocketIo::builder()
        .connect_timeout(Duration::from_millis(1000))
        .ping_interval(options.ping_interval.unwrap_or(Duration::from_millis(300)))
        .ping_timeout(options.ping_timeout.unwrap_or(Duration::from_millis(200)))
        .max_http_buffer_size(1_000_000)
        .cors(Cors::any())
        .allow_eio3(options.eio3);
    if options.msgpack {
        builder = builder.parser(socketio::MsgpackParser);
    }
    if let Some(adapter) = adapter {
        builder = builder.adapter(adapter);
    }
    if options.cookie {
        builder = builder.cookie(socketio::CookieOptions::default());
    }
    if let Some(recovery) = options.recovery {
        builder = builder.connection_state_recovery(recovery);
    }
    if options.no_trailing_slash {
        builder = builder.add_trailing_slash(false);
    }
    let node_options = options.full && options.node_options;
    if node_options {
        let next = AtomicU64::new(0);
        builder = builder
            .generate_id(move |_req| {
                let n = next.fetch_add(1, Ordering::Relaxed);
                std::future::ready(Ok(format!("nodeopt-{n:012}")))
            })
            .cleanup_empty_child_namespaces(true);
    }
    let io = builder.build();
    let errors: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    if node_options {
        let log = errors.clone();
        io.on_connection_error(move |err| {
            log.lock().push(json!({
                "code": err.code,
                "message": err.message,
                "context": error_context(err.context),
            }));
        });
    }
    let full = options.full;
    if full {
        cluster_listeners(&io.sockets(), &options.name);
    }
    let name = options.name.clone();
    let weak = io.downgrade();
    let recovery = options.recovery.is_some();
    let stats_io = weak.clone();
    io.on_connection(move |socket: SocketRef| {
        if full {
            setup_full(&socket);
            setup_cluster(&socket, &name);
        }
        if node_options {
            setup_node_options(&socket, &errors, &weak);
        }
        if recovery {
            setup_recovery_stats(&socket, &stats_io);
        }
        socket.emit("auth", &socket.handshake().auth);
        socket.on("message", |s: SocketRef, args: Args| {
            s.emit_args("message-back", args)
        });
        socket.on("message-with-ack", |args: Args, ack: AckSender| {
            ack.send_args(args)
        });
    });
    let stats_io = io.downgrade();
    io.ns("/custom", move |socket: SocketRef| {
        if recovery {
            setup_recovery_stats(&socket, &stats_io);
        }
        socket.emit("auth", &socket.handshake().auth);
    });
    if full {
        full_namespaces(&io);
    }
    io
}

/// The Redis adapter of `--redis URL [--sharded]`.
pub async fn redis_adapter(
    url: &str,
    options: &Options,
) -> Result<socketio::adapter::AdapterFactory, socketio::AdapterError> {
    let conn = socketio_adapter_redis::RedisConnection::connect(url).await?;
    Ok(if options.streams {
        socketio_adapter_redis::create_streams_adapter(conn, Default::default())
    } else if options.sharded {
        socketio_adapter_redis::create_sharded_adapter(conn, Default::default())
    } else {
        socketio_adapter_redis::create_adapter(conn, Default::default())
    })
}

/// With `--recovery`: `__recovery_stats__` (ack) answers what every namespace's adapter keeps
/// for connection state recovery, `{ "<nsp>": { sessions, packets, bytes } }` (the recovery
/// soak reads it; ours only, not in the Node reference).
fn setup_recovery_stats(socket: &SocketRef, io: &socketio::WeakSocketIo) {
    let io = io.clone();
    socket.on("__recovery_stats__", move |ack: AckSender| {
        let Some(io) = io.upgrade() else { return };
        let stats: serde_json::Map<String, serde_json::Value> = io
            .namespaces()
            .iter()
            .filter_map(|ns| {
                let s = ns.adapter().recovery_stats()?;
                Some((
                    ns.name().to_owned(),
                    json!({ "sessions": s.sessions, "packets": s.packets, "bytes": s.bytes }),
                ))
            })
            .collect();
        ack.send(&stats);
    });
}

fn sorted_ids(sockets: Vec<socketio::RemoteSocket>) -> Vec<String> {
    let mut ids: Vec<String> = sockets.iter().map(|s| s.id().to_string()).collect();
    ids.sort();
    ids
}

fn setup_full(socket: &SocketRef) {
    let incoming: Arc<Mutex<Vec<String>>> = Arc::default();
    let outgoing: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = incoming.clone();
    socket.on_any(move |_, event, _| log.lock().push(event.to_owned()));
    let log = outgoing.clone();
    socket.on_any_outgoing(move |_, event, _| log.lock().push(event.to_owned()));

    let rooms_at_disconnecting: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = rooms_at_disconnecting.clone();
    socket.on_disconnecting(move |s, _| {
        let own = s.id().to_string();
        let mut rooms: Vec<String> = s
            .rooms()
            .iter()
            .map(|r| r.to_string())
            .filter(|r| *r != own)
            .collect();
        rooms.sort();
        *seen.lock() = rooms;
    });
    socket.on_disconnect(move |s, reason| {
        let rooms = rooms_at_disconnecting.lock().clone();
        s.nsp().to("observers").emit(
            "left",
            &json!({ "id": s.id().as_str(), "rooms": rooms, "reason": reason.as_str() }),
        );
    });

    socket.on("join", |s: SocketRef, args: Args, ack: AckSender| {
        s.join(args.get(0));
        ack.send_empty();
    });
    socket.on("leave", |s: SocketRef, args: Args, ack: AckSender| {
        s.leave(args.get(0));
        ack.send_empty();
    });
    socket.on("rooms", |s: SocketRef, ack: AckSender| {
        let mut rooms = s.rooms();
        rooms.sort();
        ack.send(&rooms);
    });
    socket.on("to-room", |nsp: Namespace, args: Args| {
        nsp.to(args.get(0)).emit_args("room-msg", args.skip(1));
    });
    socket.on("to-room-from-socket", |s: SocketRef, args: Args| {
        s.to(args.get(0)).emit_args("room-msg", args.skip(1));
    });
    socket.on("to-rooms", |nsp: Namespace, args: Args| {
        nsp.to(args.get(0)).emit_args("room-msg", args.skip(1));
    });
    socket.on("except-room", |nsp: Namespace, args: Args| {
        nsp.except(args.get(0))
            .emit_args("except-msg", args.skip(1));
    });
    socket.on("broadcast", |s: SocketRef, args: Args| {
        s.broadcast().emit_args("broadcast-msg", args);
    });
    socket.on("broadcast-all", |nsp: Namespace, args: Args| {
        nsp.emit_args("all-msg", args);
    });
    socket.on("volatile-all", |nsp: Namespace, args: Args| {
        nsp.volatile().emit_args("volatile-all-msg", args)
    });
    socket.on("volatile", |s: SocketRef, args: Args| {
        s.volatile().emit_args("volatile-msg", args);
    });
    socket.on(
        "ask-me",
        |s: SocketRef, args: Args, ack: AckSender| async move {
            let answer = s
                .timeout(Duration::from_millis(500))
                .emit_args_with_ack("ask", args)
                .await;
            match answer {
                Ok(r) => ack.send(&Value::from_iter([("answer", r.first())])),
                Err(_) => ack.send(&json!({ "error": "timeout" })),
            }
        },
    );
    socket.on(
        "ask-all",
        |nsp: Namespace, Data(arg): Data<Value>, ack: AckSender| async move {
            let Ok(acks) = nsp
                .timeout(Duration::from_millis(500))
                .emit_with_ack("ask", &arg)
                .await
            else {
                return;
            };
            let mut answers = acks.values();
            answers.sort_by_key(|v| serde_json::to_string(v).unwrap_or_default());
            let error = if acks.timed_out {
                Value::from("timeout")
            } else {
                Value::Null
            };
            ack.send(&Value::from_iter([
                ("error", error),
                ("answers", Value::Array(answers)),
            ]));
        },
    );
    socket.on(
        "fetch-sockets",
        |nsp: Namespace, ack: AckSender| async move {
            if let Ok(sockets) = nsp.fetch_sockets().await {
                ack.send(&sorted_ids(sockets));
            }
        },
    );
    socket.on(
        "room-sockets",
        |nsp: Namespace, args: Args, ack: AckSender| async move {
            if let Ok(sockets) = nsp.within(args.get(0)).fetch_sockets().await {
                ack.send(&sorted_ids(sockets));
            }
        },
    );
    socket.on("make-join", |nsp: Namespace, args: Args, ack: AckSender| {
        nsp.within(args.get(0)).sockets_join(args.get(1));
        ack.send_empty();
    });
    socket.on(
        "make-leave",
        |nsp: Namespace, args: Args, ack: AckSender| {
            nsp.within(args.get(0)).sockets_leave(args.get(1));
            ack.send_empty();
        },
    );
    socket.on(
        "disconnect-room",
        |nsp: Namespace, args: Args, ack: AckSender| {
            nsp.within(args.get(0)).disconnect_sockets(false);
            ack.send_empty();
        },
    );
    socket.on(
        "set-data",
        |s: SocketRef, Data(obj): Data<Value>, ack: AckSender| {
            s.set_data(&obj);
            ack.send_empty();
        },
    );
    // Node's `socket.data` starts as `{}`.
    socket.on("get-data", |s: SocketRef, ack: AckSender| {
        ack.send(&s.data_value())
    });
    socket.on("disconnect-me", |s: SocketRef| s.disconnect());
    socket.on("close-me", |s: SocketRef| s.disconnect_and_close());
    socket.on("close-engine", |s: SocketRef| s.conn().close());
    socket.on("binary-back", |s: SocketRef, args: Args| {
        s.emit_args("binary-back", args)
    });
    socket.on("emit-outgoing-log", move |ack: AckSender| {
        let list = outgoing.lock().clone();
        ack.send(&list);
    });
    socket.on("any-log", move |ack: AckSender| {
        let mut list = incoming.lock().clone();
        // The catch-all listener has already logged this very event.
        list.pop();
        ack.send(&list);
    });
    socket.on("server-emit-binary", |s: SocketRef| {
        #[derive(Serialize)]
        struct Nested {
            nested: Bytes,
        }
        let nested = Nested {
            nested: Bytes::from_static(&[4, 5]),
        };
        s.emit_many("bin", &(Bytes::from_static(&[1, 2, 3]), nested));
    });
}

/// The events of `--node-options` (SIO_CONTRACT.md, "Node options").
fn setup_node_options(
    socket: &SocketRef,
    errors: &Arc<Mutex<Vec<serde_json::Value>>>,
    io: &socketio::WeakSocketIo,
) {
    let errors = errors.clone();
    socket.on("connection-errors", move |ack: AckSender| {
        let list = std::mem::take(&mut *errors.lock());
        ack.send(&list);
    });
    let io = io.clone();
    socket.on(
        "nsp-exists",
        move |Data(name): Data<String>, ack: AckSender| {
            let exists = io
                .upgrade()
                .is_some_and(|io| io.namespaces().iter().any(|n| n.name() == name));
            ack.send(&exists);
        },
    );
    socket.on(
        "big",
        |s: SocketRef, Data((n, compress)): Data<(usize, bool)>| {
            s.compress(compress).emit("big", &"x".repeat(n));
        },
    );
    socket.on(
        "big-all",
        |nsp: Namespace, Data((n, compress)): Data<(usize, bool)>| {
            nsp.compress(compress).emit("big", &"x".repeat(n));
        },
    );
    socket.on_disconnect_with_description(|s, reason, description| {
        s.nsp().to("observers").emit(
            "left-described",
            &json!({ "id": s.id().as_str(), "reason": reason.as_str(), "description": description }),
        );
    });
}

/// Node's `context` object of a `connection_error`, as JSON (fields Node leaves undefined
/// are omitted, as `JSON.stringify` drops them).
fn error_context(context: &socketio::ErrorContext) -> serde_json::Value {
    use socketio::ErrorContext as C;
    let protocol = |p: &engineio::ProtocolVersion| json!(p.as_str().parse::<u8>().unwrap_or(3));
    let mut out = serde_json::Map::new();
    if let Some(name) = context.name() {
        out.insert("name".into(), json!(name));
    }
    match context {
        C::UnknownTransport { transport: Some(t) } => {
            out.insert("transport".into(), json!(t));
        }
        C::InvalidOrigin { origin } => {
            out.insert("origin".into(), json!(origin));
        }
        C::UnknownSid { sid } => {
            out.insert("sid".into(), json!(sid));
        }
        C::TransportMismatch {
            transport,
            previous_transport,
        } => {
            out.insert("transport".into(), json!(transport.as_str()));
            out.insert(
                "previousTransport".into(),
                json!(previous_transport.as_str()),
            );
        }
        C::ProtocolMismatch {
            protocol: p,
            previous_protocol,
        } => {
            out.insert("protocol".into(), protocol(p));
            out.insert("previousProtocol".into(), protocol(previous_protocol));
        }
        C::BadHandshakeMethod { method } => {
            out.insert("method".into(), json!(method));
        }
        C::Forbidden { message: Some(m) } => {
            out.insert("message".into(), json!(m));
        }
        C::UnsupportedProtocolVersion { protocol: p } => {
            out.insert("protocol".into(), protocol(p));
        }
        C::IdGenerationError { error } => {
            out.insert("error".into(), json!(error));
        }
        _ => {}
    }
    serde_json::Value::Object(out)
}

/// The server-side listeners of the cluster events (SIO_CONTRACT.md, "Cluster").
fn cluster_listeners(nsp: &Namespace, name: &str) {
    let local = nsp.clone();
    nsp.on_server_event("sse", move |args, _ack| {
        local.local().emit_args("sse-received", args)
    });
    let name = name.to_owned();
    nsp.on_server_event("sse-ack", move |args, ack| {
        if let Some(ack) = ack {
            let arg = match args.get(0) {
                Value::String(s) => s,
                other => serde_json::to_string(&other).unwrap_or_default(),
            };
            ack(Value::from(format!("{name}:{arg}")));
        }
    });
}

/// The socket events of the cluster part of the contract.
fn setup_cluster(socket: &SocketRef, name: &str) {
    let name = name.to_owned();
    socket.on("server-name", move |ack: AckSender| ack.send(&name));
    socket.on("recovered", |s: SocketRef, ack: AckSender| {
        ack.send(&s.recovered())
    });
    socket.on("sse", |nsp: Namespace, args: Args| async move {
        let mut all = vec![Value::from("sse")];
        all.extend(args.0);
        if let Err(e) = nsp.adapter().server_side_emit(all).await {
            eprintln!("server-side emit failed: {e}");
        }
    });
    socket.on(
        "sse-with-ack",
        |nsp: Namespace, Data(arg): Data<Value>, ack: AckSender| async move {
            match nsp.server_side_emit_with_ack("sse-ack", &arg).await {
                Ok(mut responses) => {
                    responses.sort_by_key(|v| serde_json::to_string(v).unwrap_or_default());
                    ack.send(&Value::from_iter([("responses", Value::Array(responses))]));
                }
                Err(e) => ack.send(&Value::from_iter([("error", e.to_string())])),
            }
        },
    );
    socket.on("local-broadcast", |nsp: Namespace, args: Args| {
        nsp.local().emit_args("local-msg", args)
    });
    socket.on(
        "fetch-details",
        |nsp: Namespace, ack: AckSender| async move {
            match nsp.fetch_sockets().await {
                Ok(sockets) => {
                    let mut details: Vec<Value> = sockets
                        .iter()
                        .map(|s| {
                            let mut rooms: Vec<String> =
                                s.rooms().iter().map(|r| r.to_string()).collect();
                            rooms.sort();
                            Value::from_iter([
                                ("id", Value::from(s.id().as_str())),
                                (
                                    "rooms",
                                    Value::from_iter(rooms.into_iter().map(Value::from)),
                                ),
                                ("data", s.data_value().clone()),
                                ("auth", s.handshake().auth.clone()),
                            ])
                        })
                        .collect();
                    details.sort_by_key(|v| v.get("id").and_then(Value::as_str).map(str::to_owned));
                    ack.send(&details);
                }
                Err(e) => ack.send(&Value::from_iter([("error", e.to_string())])),
            }
        },
    );
}

fn full_namespaces(io: &SocketIo) {
    let private = io.of("/private");
    private.use_middleware(|s: SocketRef| async move {
        if s.handshake().auth.get("token").and_then(Value::as_str) == Some("secret") {
            Ok(())
        } else {
            Err(socketio::MiddlewareError::new("not authorized")
                .with_data(Value::from_iter([("reason", "bad token")])))
        }
    });
    private.on_connection(|s: SocketRef| s.emit("auth", &s.handshake().auth));

    let ordered = io.of("/ordered");
    for step in ["a", "b"] {
        // As Node's reference: `socket.data.trail = [...(socket.data.trail ?? []), step]`.
        ordered.use_middleware(move |s: SocketRef| async move {
            s.update_data(|data| {
                if let Value::Object(map) = data {
                    let trail = map
                        .entry("trail".to_owned())
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(items) = trail {
                        items.push(Value::from(step));
                    }
                }
            });
            Ok(())
        });
    }
    ordered.on_connection(|s: SocketRef| {
        let data = s.data_value();
        s.emit("trail", &data.get("trail").cloned().unwrap_or_default());
    });

    io.of_dynamic(|name| {
        name.strip_prefix("/dyn-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
    .on_connection(|s: SocketRef| s.emit("nsp", s.ns()));

    io.ns("/handshake", |s: SocketRef| {
        const OMIT: [&str; 5] = ["EIO", "transport", "t", "sid", "b64"];
        let h = s.handshake();
        let mut query = socketio::Map::new();
        for (k, v) in &h.query {
            if !OMIT.contains(&k.as_str()) {
                query.insert(k.clone(), Value::from(v.as_str()));
            }
        }
        s.emit(
            "handshake",
            &Value::from_iter([
                ("query", Value::Object(query)),
                ("auth", h.auth.clone()),
                (
                    "url_has_path",
                    Value::from(h.url().starts_with("/socket.io/")),
                ),
                ("has_address", Value::from(h.address().is_some())),
                ("has_time", Value::from(true)),
                ("has_headers", Value::from(true)),
            ]),
        );
    });
}
