//! The Socket.IO profiles of the conformance server (`sio` and `sio-full`), as
//! `SIO_CONTRACT.md` defines them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use serde_json::{json, Value};
use socketio::{AckSender, Args, Config, Data, NamespaceRef, SocketIo, SocketRef};

/// The server of profile `sio` (`full == false`), `sio-full`, or `sio3` (`sio-full` that also
/// accepts Engine.IO v3 / Socket.IO v4 clients, `eio3 == true`).
pub fn server(full: bool, eio3: bool) -> SocketIo {
    let mut config = Config {
        connect_timeout: Duration::from_millis(1000),
        ..Config::default()
    };
    config.engine.path = "/socket.io".into();
    config.engine.ping_interval = Duration::from_millis(300);
    config.engine.ping_timeout = Duration::from_millis(200);
    config.engine.max_http_buffer_size = 1_000_000;
    config.engine.cors = Some(engineio::Cors::any());
    config.engine.allow_eio3 = eio3;

    let io = SocketIo::new(config);
    let root = io.of("/");
    let nsp = root.clone();
    root.on_connection(move |socket: SocketRef| {
        if full {
            setup_full(&socket, &nsp);
        }
        let _ = socket.emit("auth", &socket.handshake().auth);
        socket.on("message", |s: SocketRef, args: Args| {
            let _ = s.emit_args("message-back", &args);
        });
        socket.on("message-with-ack", |args: Args, ack: AckSender| {
            let _ = ack.send_args(&args);
        });
    });
    io.ns("/custom", |socket: SocketRef| {
        let _ = socket.emit("auth", &socket.handshake().auth);
    });
    if full {
        full_namespaces(&io);
    }
    io
}

fn arg_str(args: &Args, i: usize) -> String {
    match args.values.get(i) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

fn rest(args: &Args, from: usize) -> Args {
    Args {
        values: args.values.iter().skip(from).cloned().collect(),
        attachments: args.attachments.clone(),
    }
}

fn ack_empty(ack: AckSender) {
    let _ = ack.send_args(&Args::default());
}

fn sorted_ids(sockets: Vec<socketio::RemoteSocket>) -> Vec<String> {
    let mut ids: Vec<String> = sockets.iter().map(|s| s.id.to_string()).collect();
    ids.sort();
    ids
}

#[derive(Clone)]
struct SocketData(Value);

#[derive(Clone, Default)]
struct Trail(Vec<&'static str>);

fn setup_full(socket: &SocketRef, nsp: &NamespaceRef) {
    let incoming: Arc<Mutex<Vec<String>>> = Arc::default();
    let outgoing: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = incoming.clone();
    socket.on_any(move |_, event, _| {
        if let Ok(mut l) = log.lock() {
            l.push(event.to_owned());
        }
    });
    let log = outgoing.clone();
    socket.on_any_outgoing(move |_, event, _| {
        if let Ok(mut l) = log.lock() {
            l.push(event.to_owned());
        }
    });

    let rooms_at_disconnecting: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = rooms_at_disconnecting.clone();
    socket.on_disconnecting(move |s, _| {
        let own = s.id().to_string();
        let mut rooms: Vec<String> = s.rooms().into_iter().filter(|r| *r != own).collect();
        rooms.sort();
        if let Ok(mut r) = seen.lock() {
            *r = rooms;
        }
    });
    let ns = nsp.clone();
    socket.on_disconnect(move |s, reason| {
        let rooms = rooms_at_disconnecting
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default();
        let _ = ns.to(["observers"]).emit(
            "left",
            &json!({ "id": s.id().as_str(), "rooms": rooms, "reason": reason.as_str() }),
        );
    });

    socket.on("join", |s: SocketRef, args: Args, ack: AckSender| {
        s.join([arg_str(&args, 0)]);
        ack_empty(ack);
    });
    socket.on("leave", |s: SocketRef, args: Args, ack: AckSender| {
        s.leave(&arg_str(&args, 0));
        ack_empty(ack);
    });
    socket.on("rooms", |s: SocketRef, ack: AckSender| {
        let mut rooms = s.rooms();
        rooms.sort();
        let _ = ack.send(&rooms);
    });
    let ns = nsp.clone();
    socket.on("to-room", move |args: Args| {
        let _ = ns
            .to([arg_str(&args, 0)])
            .emit_args("room-msg", &rest(&args, 1));
    });
    socket.on("to-room-from-socket", |s: SocketRef, args: Args| {
        let _ = s
            .to([arg_str(&args, 0)])
            .emit_args("room-msg", &rest(&args, 1));
    });
    let ns = nsp.clone();
    socket.on("to-rooms", move |args: Args| {
        let rooms: Vec<String> = match args.values.first() {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect(),
            _ => Vec::new(),
        };
        let _ = ns.to(rooms).emit_args("room-msg", &rest(&args, 1));
    });
    let ns = nsp.clone();
    socket.on("except-room", move |args: Args| {
        let _ = ns
            .except([arg_str(&args, 0)])
            .emit_args("except-msg", &rest(&args, 1));
    });
    socket.on("broadcast", |s: SocketRef, args: Args| {
        let _ = s.broadcast().emit_args("broadcast-msg", &args);
    });
    let ns = nsp.clone();
    socket.on("broadcast-all", move |args: Args| {
        let _ = ns.emit_args("all-msg", &args);
    });
    socket.on("volatile", |s: SocketRef, args: Args| {
        let _ = s.volatile().emit_args("volatile-msg", &args);
    });
    socket.on(
        "ask-me",
        |s: SocketRef, args: Args, ack: AckSender| async move {
            let answer = s
                .emit_args_with_ack_timeout("ask", &args, Duration::from_millis(500))
                .await;
            let reply = match answer {
                Ok(r) => Args {
                    values: vec![
                        json!({ "answer": r.args.first().cloned().unwrap_or(Value::Null) }),
                    ],
                    attachments: r.attachments,
                },
                Err(_) => Args {
                    values: vec![json!({ "error": "timeout" })],
                    attachments: Vec::new(),
                },
            };
            let _ = ack.send_args(&reply);
        },
    );
    let ns = nsp.clone();
    socket.on("ask-all", move |Data(arg): Data<Value>, ack: AckSender| {
        let ns = ns.clone();
        async move {
            let Ok(acks) = ns
                .timeout(Duration::from_millis(500))
                .emit_with_ack("ask", &arg)
                .await
            else {
                return;
            };
            let mut answers: Vec<Value> = acks
                .responses
                .iter()
                .map(|r| r.args.first().cloned().unwrap_or(Value::Null))
                .collect();
            answers.sort_by_key(|v| v.to_string());
            let error = if acks.timed_out {
                json!("timeout")
            } else {
                Value::Null
            };
            let _ = ack.send(&json!({ "error": error, "answers": answers }));
        }
    });
    let ns = nsp.clone();
    socket.on("fetch-sockets", move |ack: AckSender| {
        let ns = ns.clone();
        async move {
            let _ = ack.send(&sorted_ids(ns.fetch_sockets().await));
        }
    });
    let ns = nsp.clone();
    socket.on("room-sockets", move |args: Args, ack: AckSender| {
        let ns = ns.clone();
        async move {
            let sockets = ns.within([arg_str(&args, 0)]).fetch_sockets().await;
            let _ = ack.send(&sorted_ids(sockets));
        }
    });
    let ns = nsp.clone();
    socket.on("make-join", move |args: Args, ack: AckSender| {
        ns.within([arg_str(&args, 0)])
            .sockets_join([arg_str(&args, 1)]);
        ack_empty(ack);
    });
    let ns = nsp.clone();
    socket.on("make-leave", move |args: Args, ack: AckSender| {
        ns.within([arg_str(&args, 0)])
            .sockets_leave([arg_str(&args, 1)]);
        ack_empty(ack);
    });
    let ns = nsp.clone();
    socket.on("disconnect-room", move |args: Args, ack: AckSender| {
        ns.within([arg_str(&args, 0)]).disconnect_sockets(false);
        ack_empty(ack);
    });
    socket.on(
        "set-data",
        |s: SocketRef, Data(obj): Data<Value>, ack: AckSender| {
            s.extensions.insert(SocketData(obj));
            ack_empty(ack);
        },
    );
    socket.on("get-data", |s: SocketRef, ack: AckSender| {
        // Node's `socket.data` starts as `{}`.
        let data = s
            .extensions
            .get::<SocketData>()
            .map(|d| d.0)
            .unwrap_or_else(|| json!({}));
        let _ = ack.send(&data);
    });
    socket.on("disconnect-me", |s: SocketRef| s.disconnect());
    socket.on("close-me", |s: SocketRef| s.disconnect_and_close());
    socket.on("close-engine", |s: SocketRef| s.conn().close());
    socket.on("binary-back", |s: SocketRef, args: Args| {
        let _ = s.emit_args("binary-back", &args);
    });
    socket.on("emit-outgoing-log", move |ack: AckSender| {
        let list = outgoing.lock().map(|l| l.clone()).unwrap_or_default();
        let _ = ack.send(&list);
    });
    socket.on("any-log", move |ack: AckSender| {
        let mut list = incoming.lock().map(|l| l.clone()).unwrap_or_default();
        // The catch-all listener has already logged this very event.
        list.pop();
        let _ = ack.send(&list);
    });
    socket.on("server-emit-binary", |s: SocketRef| {
        #[derive(Serialize)]
        struct Nested {
            nested: Bytes,
        }
        let nested = Nested {
            nested: Bytes::from_static(&[4, 5]),
        };
        let _ = s.emit_many("bin", &(Bytes::from_static(&[1, 2, 3]), nested));
    });
}

fn full_namespaces(io: &SocketIo) {
    let private = io.of("/private");
    private.use_middleware(|s: SocketRef| async move {
        if s.handshake().auth.get("token").and_then(Value::as_str) == Some("secret") {
            Ok(())
        } else {
            Err(socketio::MiddlewareError::new("not authorized")
                .with_data(json!({ "reason": "bad token" })))
        }
    });
    private.on_connection(|s: SocketRef| {
        let _ = s.emit("auth", &s.handshake().auth);
    });

    let ordered = io.of("/ordered");
    for step in ["a", "b"] {
        ordered.use_middleware(move |s: SocketRef| async move {
            s.extensions.update::<Trail, _>(|t| t.0.push(step));
            Ok(())
        });
    }
    ordered.on_connection(|s: SocketRef| {
        let trail = s.extensions.get::<Trail>().unwrap_or_default();
        let _ = s.emit("trail", &trail.0);
    });

    io.of_dynamic(|name| {
        name.strip_prefix("/dyn-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
    .on_connection(|s: SocketRef| {
        let _ = s.emit("nsp", s.ns());
    });

    io.ns("/handshake", |s: SocketRef| {
        const OMIT: [&str; 5] = ["EIO", "transport", "t", "sid", "b64"];
        let h = s.handshake();
        let mut query = serde_json::Map::new();
        for (k, v) in &h.query {
            if !OMIT.contains(&k.as_str()) {
                query.insert(k.clone(), Value::String(v.clone()));
            }
        }
        let _ = s.emit(
            "handshake",
            &json!({
                "query": query,
                "auth": h.auth,
                "url_has_path": h.url().starts_with("/socket.io/"),
                "has_address": h.address().is_some(),
                "has_time": true,
                "has_headers": true,
            }),
        );
    });
}
