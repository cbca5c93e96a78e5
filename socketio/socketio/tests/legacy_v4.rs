//! Socket.IO protocol v4 (Engine.IO v3 clients, `socket.io-client` 2.x; protocol.md §2.5):
//! the implicit join of `/`, `40` replies without payload, the query of a CONNECT as its auth,
//! and the legacy refusal payload.

#![allow(clippy::unwrap_used)]

mod support;

use serde_json::json;
use socketio::{AckSender, Args, MiddlewareError, SocketIo, SocketRef, Value};
use support::{v, Harness, Log};

fn v4_server() -> SocketIo {
    let io = SocketIo::builder().allow_eio3(true).build();
    io.on_connection(|s: SocketRef| {
        s.emit("welcome", &s.id().as_str());
        s.on("message-with-ack", |Args(a): Args, ack: AckSender| {
            ack.send_args(a)
        });
    });
    io.of("/admin")
        .use_middleware(|s: SocketRef| async move {
            match s.handshake().auth.get("token").and_then(Value::as_str) {
                Some("x") => Ok(()),
                Some("data") => {
                    Err(MiddlewareError::new("ignored").with_data(v(json!({"code": 7}))))
                }
                _ => Err(MiddlewareError::new("Not authorized")),
            }
        })
        .on_connection(|s: SocketRef| s.emit("auth", &s.handshake().auth));
    io
}

#[tokio::test(start_paused = true)]
async fn r2_5_main_namespace_is_joined_at_once() {
    let h = Harness::new(v4_server());
    let c = h.client_v3();
    let raw = c.raw_messages();
    assert_eq!(raw[0], "0", "a `40` with no payload, before anything else");
    assert_eq!(c.expect_connect("/"), "");
    let welcome = c.expect_event("/", "welcome");
    assert_eq!(
        welcome,
        [v(json!(c.sid().as_str()))],
        "socket id = engine sid"
    );
    assert_eq!(c.server_socket("/").id(), c.sid());
}

#[tokio::test(start_paused = true)]
async fn r2_5_no_connect_timeout_for_v4_clients() {
    let h = Harness::new(v4_server());
    let c = h.client_v3();
    assert_eq!(h.next_deadline_ms(), None);
    h.advance(60_000).await;
    assert!(c.is_open());
}

#[tokio::test(start_paused = true)]
async fn r2_5_connect_query_becomes_the_auth_and_reply_has_no_payload() {
    let h = Harness::new(v4_server());
    let c = h.client_v3();
    c.received();
    c.raw_messages();
    c.send_text("0/admin?token=x&n=1,");
    assert_eq!(c.raw_messages()[0], "0/admin,");
    assert_eq!(c.expect_connect("/admin"), "");
    assert_eq!(
        c.expect_event("/admin", "auth"),
        [v(json!({"token": "x", "n": "1"}))]
    );
}

#[tokio::test(start_paused = true)]
async fn r2_5_refusal_payload_is_the_message_as_a_string() {
    let h = Harness::new(v4_server());
    let c = h.client_v3();
    c.received();
    c.send_text("0/admin,");
    assert_eq!(c.received_wire(), [r#"4/admin,"Not authorized""#]);
}

#[tokio::test(start_paused = true)]
async fn r2_5_refusal_payload_is_the_data_when_there_is_some() {
    let h = Harness::new(v4_server());
    let c = h.client_v3();
    c.received();
    c.send_text("0/admin?token=data,");
    assert_eq!(c.received_wire(), [r#"4/admin,{"code":7}"#]);
}

#[tokio::test(start_paused = true)]
async fn r2_5_unknown_namespace_still_answers_an_object() {
    let h = Harness::new(v4_server());
    let c = h.client_v3();
    c.received();
    c.send_text("0/nope,");
    assert_eq!(
        c.received_wire(),
        [r#"4/nope,{"message":"Invalid namespace"}"#]
    );
    assert!(c.is_open());
}

#[tokio::test(start_paused = true)]
async fn r2_5_refused_main_namespace_gets_the_legacy_payload() {
    let io = SocketIo::builder().allow_eio3(true).build();
    io.sockets()
        .use_middleware(|_s: SocketRef| async { Err(MiddlewareError::new("closed today")) });
    let h = Harness::new(io);
    let c = h.client_v3();
    assert_eq!(c.received_wire(), [r#"4"closed today""#]);
}

#[tokio::test(start_paused = true)]
async fn r2_5_events_and_acks_work_as_in_v5() {
    let h = Harness::new(v4_server());
    let c = h.client_v3();
    c.received();
    c.emit("/", "message-with-ack", json!([1, "a"]), Some(3));
    assert_eq!(c.received_wire(), [r#"33[1,"a"]"#]);
    c.emit(
        "/",
        "message-with-ack",
        Value::Array(vec![support::bin(&[5])]),
        Some(4),
    );
    assert_eq!(c.expect_ack("/", 4), [support::bin(&[5])]);
}

#[tokio::test(start_paused = true)]
async fn r2_5_transport_close_disconnects_the_implicit_socket() {
    let log = Log::new();
    let io = SocketIo::builder().allow_eio3(true).build();
    let l = log.clone();
    io.on_connection(move |s: SocketRef| {
        let l = l.clone();
        s.on_disconnect(move |_, reason| l.push(reason.as_str()));
    });
    let h = Harness::new(io);
    let c = h.client_v3();
    c.close_transport();
    assert_eq!(log.take(), ["transport close"]);
}
