//! Connect middlewares (`nsp.use`, protocol.md §2.4 "Middleware refusal"): order, refusal with
//! message and data, async middlewares, panics, and what a refused socket leaves behind.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use engineio::CloseReason;
use serde_json::json;
use socketio::{MiddlewareError, Sid, SocketIo, SocketRef, Value};
use support::{v, Harness, Log};
use tokio::sync::Notify;

fn private_server() -> SocketIo {
    let io = SocketIo::new(Default::default());
    io.of("/private")
        .use_middleware(|s: SocketRef| async move {
            match s.handshake().auth.get("token").and_then(Value::as_str) {
                Some("secret") => Ok(()),
                _ => Err(MiddlewareError::new("not authorized")
                    .with_data(v(json!({"reason": "bad token"})))),
            }
        })
        .on_connection(|s: SocketRef| s.emit("auth", &s.handshake().auth));
    io
}

fn sid(s: &str) -> Sid {
    Sid::parse(s).unwrap()
}

#[tokio::test(start_paused = true)]
async fn r2_4_middleware_refusal_sends_message_and_data() {
    let h = Harness::new(private_server());
    let c = h.client();
    c.connect_with("/private", json!({"token": "nope"}));
    assert_eq!(
        c.received_wire(),
        [r#"4/private,{"message":"not authorized","data":{"reason":"bad token"}}"#]
    );
    assert!(c.is_open());
    assert!(c.socket("/private").is_none());
}

#[tokio::test(start_paused = true)]
async fn r2_4_middleware_accepts_with_the_right_auth() {
    let h = Harness::new(private_server());
    let c = h.client();
    c.connect_with("/private", json!({"token": "secret"}));
    c.expect_connect("/private");
    assert_eq!(
        c.expect_event("/private", "auth"),
        [v(json!({"token": "secret"}))]
    );
}

#[tokio::test(start_paused = true)]
async fn r2_4_refusal_without_data_has_only_the_message() {
    let io = SocketIo::new(Default::default());
    io.sockets()
        .use_middleware(|_s: SocketRef| async { Err(MiddlewareError::new("go away")) });
    let h = Harness::new(io);
    let c = h.client();
    c.connect("/");
    assert_eq!(c.received_wire(), [r#"4{"message":"go away"}"#]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_middlewares_run_in_registration_order() {
    let io = SocketIo::new(Default::default());
    let ordered = io.of("/ordered");
    for step in ["a", "b"] {
        ordered.use_middleware(move |s: SocketRef| async move {
            s.update_data(|d| {
                let obj = d.as_object_mut().unwrap();
                let trail = obj
                    .entry("trail".to_owned())
                    .or_insert_with(|| Value::Array(vec![]));
                trail.as_array_mut().unwrap().push(Value::from(step));
            });
            Ok(())
        });
    }
    ordered.on_connection(|s: SocketRef| s.emit("trail", &s.data_value()["trail"]));
    let h = Harness::new(io);
    let c = h.client();
    c.connect("/ordered");
    c.expect_connect("/ordered");
    assert_eq!(c.expect_event("/ordered", "trail"), [v(json!(["a", "b"]))]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_a_refusal_stops_the_chain_and_skips_the_connection_handler() {
    let log = Log::new();
    let io = SocketIo::new(Default::default());
    let ns = io.sockets();
    let l = log.clone();
    ns.use_middleware(move |_s: SocketRef| {
        let l = l.clone();
        async move {
            l.push("first");
            Err(MiddlewareError::new("stop"))
        }
    });
    let l = log.clone();
    ns.use_middleware(move |_s: SocketRef| {
        let l = l.clone();
        async move {
            l.push("second");
            Ok(())
        }
    });
    let l = log.clone();
    ns.on_connection(move |_s: SocketRef| l.push("connection"));
    let h = Harness::new(io.clone());
    let c = h.client();
    c.connect("/");
    c.expect_connect_error("/");
    assert_eq!(log.take(), ["first"]);
    assert_eq!(io.sockets().socket_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn r2_4_async_middleware_decides_later() {
    let gate = Arc::new(Notify::new());
    let io = SocketIo::new(Default::default());
    let g = gate.clone();
    io.sockets().use_middleware(move |s: SocketRef| {
        let g = g.clone();
        async move {
            g.notified().await;
            match s.handshake().auth.get("ok") {
                Some(_) => Ok(()),
                None => Err(MiddlewareError::new("late no")),
            }
        }
    });
    io.on_connection(|s: SocketRef| s.emit("welcome", &()));
    let h = Harness::new(io);
    let yes = h.client();
    let no = h.client();
    yes.connect_with("/", json!({"ok": true}));
    no.connect("/");
    h.settle().await;
    yes.expect_nothing();
    no.expect_nothing();
    gate.notify_one();
    gate.notify_one();
    h.settle().await;
    yes.expect_connect("/");
    yes.expect_event("/", "welcome");
    assert_eq!(
        no.expect_connect_error("/"),
        v(json!({"message": "late no"}))
    );
}

#[tokio::test(start_paused = true)]
async fn r2_4_panicking_middleware_refuses_the_socket() {
    let io = SocketIo::new(Default::default());
    io.sockets().use_middleware(|s: SocketRef| async move {
        if s.handshake().auth.get("boom").is_some() {
            panic!("middleware bug");
        }
        Ok(())
    });
    let h = Harness::new(io);
    let c = h.client();
    c.connect_with("/", json!({"boom": 1}));
    assert_eq!(
        c.expect_connect_error("/"),
        v(json!({"message": "Internal server error"}))
    );
    assert!(c.is_open());
    c.connect("/");
    c.expect_connect("/");
}

#[tokio::test(start_paused = true)]
async fn r2_4_middleware_panicking_after_an_await_refuses_too() {
    let io = SocketIo::new(Default::default());
    io.sockets().use_middleware(|_s: SocketRef| async move {
        tokio::task::yield_now().await;
        panic!("late bug");
    });
    let h = Harness::new(io);
    let c = h.client();
    c.connect("/");
    h.settle().await;
    assert_eq!(
        c.expect_connect_error("/"),
        v(json!({"message": "Internal server error"}))
    );
}

#[tokio::test(start_paused = true)]
async fn r2_4_rooms_joined_in_a_refusing_middleware_are_left() {
    // Node: "should leave all rooms joined after a middleware failure".
    let seen = Log::new();
    let io = SocketIo::new(Default::default());
    let s2 = seen.clone();
    io.sockets().use_middleware(move |s: SocketRef| {
        let seen = s2.clone();
        async move {
            seen.push(s.id().as_str());
            s.join(["room1", "room2"]);
            Err(MiddlewareError::new("nope"))
        }
    });
    let h = Harness::new(io.clone());
    let c = h.client();
    c.connect("/");
    c.expect_connect_error("/");
    let id = sid(&seen.take()[0]);
    let adapter = io.sockets().adapter().clone();
    assert!(
        adapter.socket_rooms(id).is_empty(),
        "the refused socket is still indexed"
    );
    assert!(
        adapter.local_rooms().is_empty(),
        "{:?}",
        adapter.local_rooms()
    );
}

#[tokio::test(start_paused = true)]
async fn r2_4_rooms_joined_in_an_async_refusing_middleware_are_left() {
    let gate = Arc::new(Notify::new());
    let io = SocketIo::new(Default::default());
    let g = gate.clone();
    io.sockets().use_middleware(move |s: SocketRef| {
        let g = g.clone();
        async move {
            s.join("early");
            g.notified().await;
            s.join("late");
            Err(MiddlewareError::new("nope"))
        }
    });
    let h = Harness::new(io.clone());
    let c = h.client();
    c.connect("/");
    h.settle().await;
    assert_eq!(io.sockets().adapter().local_rooms().len(), 1);
    gate.notify_one();
    h.settle().await;
    c.expect_connect_error("/");
    assert!(io.sockets().adapter().local_rooms().is_empty());
}

#[tokio::test(start_paused = true)]
async fn r2_4_rooms_joined_by_an_accepting_middleware_are_kept() {
    let io = SocketIo::new(Default::default());
    io.sockets().use_middleware(|s: SocketRef| async move {
        s.join("vip");
        Ok(())
    });
    let h = Harness::new(io.clone());
    let c = h.client();
    let id = c.join("/");
    let mut rooms: Vec<String> = c
        .server_socket("/")
        .rooms()
        .iter()
        .map(|r| r.to_string())
        .collect();
    rooms.sort();
    let mut expected = vec![id, "vip".to_owned()];
    expected.sort();
    assert_eq!(rooms, expected);
    io.to("vip").emit("vip-news", &1);
    c.expect_event("/", "vip-news");
}

#[tokio::test(start_paused = true)]
async fn r2_4_middleware_sees_the_handshake() {
    let io = SocketIo::new(Default::default());
    io.sockets().use_middleware(|s: SocketRef| async move {
        let hs = s.handshake();
        let ok = hs.query_param("foo") == Some("bar")
            && hs.headers().get("x-test").is_some()
            && hs.auth.get("a").is_some()
            && hs.url().starts_with("/socket.io/")
            && hs.address().is_some();
        if ok {
            Ok(())
        } else {
            Err(MiddlewareError::new("handshake incomplete"))
        }
    });
    let h = Harness::new(io);
    let c = h.client_with_query("foo=bar");
    c.connect_with("/", json!({"a": 1}));
    c.expect_connect("/");
}

#[tokio::test(start_paused = true)]
async fn r2_4_data_set_by_a_middleware_reaches_the_connection_handler() {
    let io = SocketIo::new(Default::default());
    io.sockets().use_middleware(|s: SocketRef| async move {
        s.set_data(&json!({"user": "ann"}));
        Ok(())
    });
    io.on_connection(|s: SocketRef| s.emit("me", &s.data_value()));
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    assert_eq!(c.expect_event("/", "me"), [v(json!({"user": "ann"}))]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_listeners_registered_by_a_middleware_apply_once_connected() {
    let log = Log::new();
    let io = SocketIo::new(Default::default());
    let l = log.clone();
    io.sockets().use_middleware(move |s: SocketRef| {
        let l = l.clone();
        async move {
            s.on("ping", move || l.push("ping from middleware listener"));
            Ok(())
        }
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.emit("/", "ping", json!([]), None);
    assert_eq!(log.take(), ["ping from middleware listener"]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_refused_socket_is_not_in_the_namespace() {
    let h = Harness::new(private_server());
    let io = h.io();
    let c = h.client();
    c.connect("/private");
    c.expect_connect_error("/private");
    let ns = io.of("/private");
    assert_eq!(ns.socket_count(), 0);
    assert!(h.wait(ns.fetch_sockets()).await.unwrap().is_empty());
    ns.emit("to-all", &1);
    c.expect_nothing();
}

#[tokio::test(start_paused = true)]
async fn r2_4_connection_closed_while_a_middleware_waits_leaves_nothing() {
    let gate = Arc::new(Notify::new());
    let log = Log::new();
    let io = SocketIo::new(Default::default());
    let g = gate.clone();
    io.sockets().use_middleware(move |s: SocketRef| {
        let g = g.clone();
        async move {
            s.join("pending-room");
            g.notified().await;
            s.join("after-close");
            Ok(())
        }
    });
    let l = log.clone();
    io.on_connection(move |_s: SocketRef| l.push("connection"));
    let h = Harness::new(io.clone());
    let c = h.client();
    c.connect("/");
    h.settle().await;
    c.close_transport();
    assert_eq!(c.closed(), Some(CloseReason::TransportClose));
    gate.notify_one();
    h.settle().await;
    assert!(
        log.take().is_empty(),
        "the connection handler ran for a closed connection"
    );
    assert_eq!(io.sockets().socket_count(), 0);
    assert!(io.sockets().adapter().local_rooms().is_empty());
}

#[tokio::test(start_paused = true)]
async fn r2_4_panicking_connection_handler_closes_the_connection() {
    let io = SocketIo::new(Default::default());
    io.on_connection(|s: SocketRef| {
        if s.connected() {
            panic!("handler bug");
        }
    });
    let h = Harness::new(io);
    let c = h.client();
    c.connect("/");
    // The reply went out first; then the connection is closed.
    c.expect_connect("/");
    assert_eq!(c.closed(), Some(CloseReason::ForcedClose));
}

#[tokio::test(start_paused = true)]
async fn r2_4_middleware_of_one_namespace_does_not_guard_another() {
    let h = Harness::new(private_server());
    let c = h.client();
    c.connect("/");
    c.expect_connect("/");
    c.connect("/private");
    c.expect_connect_error("/private");
    assert!(c.socket("/").is_some());
}

#[tokio::test(start_paused = true)]
async fn r2_4_an_emit_from_a_middleware_goes_out_before_the_connect_reply() {
    // As in Node (what @socket.io/admin-ui's `session` event relies on): the event is written
    // at once, before the CONNECT reply, or before the connect_error of a refusal.
    let io = SocketIo::new(Default::default());
    io.sockets().use_middleware(|s: SocketRef| async move {
        s.emit("early", &1);
        match s.handshake().auth.get("ok") {
            Some(_) => Ok(()),
            None => Err(MiddlewareError::new("no")),
        }
    });
    io.on_connection(|s: SocketRef| s.emit("late", &2));
    let h = Harness::new(io);
    let c = h.client();
    c.connect_with("/", json!({"ok": true}));
    let wire = c.received_wire();
    assert_eq!(wire.len(), 3, "{wire:?}");
    assert_eq!(wire[0], r#"2["early",1]"#);
    assert!(wire[1].starts_with(r#"0{"sid":""#), "{wire:?}");
    assert_eq!(wire[2], r#"2["late",2]"#);

    let refused = h.client();
    refused.connect("/");
    assert_eq!(
        refused.received_wire(),
        [r#"2["early",1]"#, r#"4{"message":"no"}"#]
    );
}

#[tokio::test(start_paused = true)]
async fn io_use_middleware_is_the_main_namespace_middleware() {
    let io = SocketIo::new(Default::default());
    // Node: io.use((socket, next) => ..)
    let main = io.use_middleware(|s: SocketRef| async move {
        match s.handshake().auth.get("token") {
            Some(_) => Ok(()),
            None => Err(MiddlewareError::new("no token")),
        }
    });
    assert_eq!(main, io.sockets());
    io.of("/other");
    let h = Harness::new(io);
    let c = h.client();
    c.connect("/");
    assert_eq!(
        c.expect_connect_error("/"),
        v(json!({"message": "no token"}))
    );
    c.connect_with("/", json!({"token": 1}));
    c.expect_connect("/");
    // Other namespaces are not concerned.
    c.connect("/other");
    c.expect_connect("/other");
}
