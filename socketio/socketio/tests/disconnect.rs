//! Leaving (protocol.md §2.4, SIO_CONTRACT "Disconnect reasons"): `disconnecting` then
//! `disconnect`, the reason of each cause, the DISCONNECT packets the server writes, and the
//! order sockets leave in when the connection closes.

#![allow(clippy::unwrap_used)]

mod support;

use engineio::CloseReason;
use serde_json::json;
use socketio::{EmitError, SocketIo, SocketRef};
use support::{v, Harness, Log};

/// A server whose sockets (in `/` and `/custom`) log `disconnecting` (with their rooms) and
/// `disconnect` (with their rooms, which are gone by then), and obey `disconnect-me`,
/// `close-me` and `close-engine`.
fn logging_server(log: &Log) -> SocketIo {
    let io = SocketIo::new(Default::default());
    for nsp in ["/", "/custom"] {
        let log = log.clone();
        io.ns(nsp, move |s: SocketRef| {
            s.join("room");
            let l = log.clone();
            s.on_disconnecting(move |s, reason| {
                let mut rooms: Vec<String> = s.rooms().iter().map(|r| r.to_string()).collect();
                rooms.retain(|r| r != s.id().as_str());
                l.push(format!("disconnecting {} {reason} {rooms:?}", s.ns()));
            });
            let l = log.clone();
            s.on_disconnect(move |s, reason| {
                l.push(format!("disconnect {} {reason} {:?}", s.ns(), s.rooms()));
            });
            s.on("disconnect-me", |s: SocketRef| s.disconnect());
            s.on("close-me", |s: SocketRef| s.disconnect_and_close());
            s.on("close-engine", |s: SocketRef| s.conn().close());
        });
    }
    io
}

#[tokio::test(start_paused = true)]
async fn r2_4_disconnecting_sees_the_rooms_then_disconnect() {
    let log = Log::new();
    let h = Harness::new(logging_server(&log));
    let c = h.client();
    c.join("/");
    c.disconnect("/");
    assert_eq!(
        log.take(),
        [
            r#"disconnecting / client namespace disconnect ["room"]"#,
            "disconnect / client namespace disconnect []",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn r2_4_server_disconnect_sends_disconnect_and_keeps_the_connection() {
    let log = Log::new();
    let h = Harness::new(logging_server(&log));
    let c = h.client();
    c.join("/");
    c.emit("/", "disconnect-me", json!([]), None);
    assert_eq!(c.received_wire(), ["1"]);
    assert!(c.is_open());
    assert_eq!(
        log.take(),
        [
            r#"disconnecting / server namespace disconnect ["room"]"#,
            "disconnect / server namespace disconnect []",
        ]
    );
    // The namespace can be joined again.
    c.join("/");
}

#[tokio::test(start_paused = true)]
async fn r2_4_server_disconnect_in_a_namespace_names_it() {
    let log = Log::new();
    let h = Harness::new(logging_server(&log));
    let c = h.client();
    c.join("/");
    c.join("/custom");
    c.emit("/custom", "disconnect-me", json!([]), None);
    assert_eq!(c.received_wire(), ["1/custom,"]);
    assert!(c.socket("/").is_some());
    assert!(c.socket("/custom").is_none());
}

#[tokio::test(start_paused = true)]
async fn r2_4_disconnect_twice_sends_one_packet() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let s = c.server_socket("/");
    s.disconnect();
    s.disconnect();
    assert_eq!(c.received_wire(), ["1"]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_disconnect_and_close_sends_disconnect_for_every_namespace_in_join_order() {
    let log = Log::new();
    let h = Harness::new(logging_server(&log));
    let c = h.client();
    c.join("/custom");
    c.join("/");
    c.emit("/", "close-me", json!([]), None);
    assert_eq!(c.received_wire(), ["1/custom,", "1"]);
    assert_eq!(c.closed(), Some(CloseReason::ForcedServerClose));
    assert_eq!(
        log.take(),
        [
            r#"disconnecting /custom server namespace disconnect ["room"]"#,
            "disconnect /custom server namespace disconnect []",
            r#"disconnecting / server namespace disconnect ["room"]"#,
            "disconnect / server namespace disconnect []",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn r2_4_transport_close_disconnects_every_namespace_in_join_order() {
    let log = Log::new();
    let h = Harness::new(logging_server(&log));
    let c = h.client();
    c.join("/");
    c.join("/custom");
    c.close_transport();
    let entries = log.take();
    assert_eq!(
        entries,
        [
            r#"disconnecting / transport close ["room"]"#,
            "disconnect / transport close []",
            r#"disconnecting /custom transport close ["room"]"#,
            "disconnect /custom transport close []",
        ]
    );
    assert_eq!(h.io().sockets().socket_count(), 0);
    assert!(h.io().sockets().adapter().local_rooms().is_empty());
}

#[tokio::test(start_paused = true)]
async fn r2_4_engine_close_reasons_become_disconnect_reasons() {
    let cases = [
        (CloseReason::TransportClose, "transport close"),
        (CloseReason::TransportError, "transport error"),
        (CloseReason::ParseError, "parse error"),
        (CloseReason::PingTimeout, "ping timeout"),
        (CloseReason::ForcedClose, "forced close"),
        (CloseReason::ServerShuttingDown, "server shutting down"),
    ];
    for (engine_reason, expected) in cases {
        let log = Log::new();
        let h = Harness::new(logging_server(&log));
        let c = h.client();
        c.join("/");
        c.end_session(engine_reason);
        assert_eq!(
            log.take()[1],
            format!("disconnect / {expected} []"),
            "{engine_reason:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn r2_4_conn_close_sends_no_disconnect_packet_and_reason_is_forced_close() {
    let log = Log::new();
    let h = Harness::new(logging_server(&log));
    let c = h.client();
    c.join("/");
    c.join("/custom");
    c.received();
    c.emit("/", "close-engine", json!([]), None);
    c.expect_nothing();
    assert_eq!(c.closed(), Some(CloseReason::ForcedClose));
    let entries = log.take();
    assert_eq!(entries[1], "disconnect / forced close []");
    assert_eq!(entries[3], "disconnect /custom forced close []");
}

#[tokio::test(start_paused = true)]
async fn r2_4_a_socket_that_left_cannot_emit() {
    let h = Harness::default_server();
    let io = h.io();
    let c = h.client();
    c.join("/");
    let s = c.server_socket("/");
    assert!(s.connected());
    c.disconnect("/");
    assert!(!s.connected());
    assert!(matches!(s.try_emit("x", &()), Err(EmitError::Disconnected)));
    c.expect_nothing();
    assert!(io.sockets().get_socket(s.id()).is_none());
}

#[tokio::test(start_paused = true)]
async fn r2_4_emits_in_a_disconnect_listener_are_not_sent() {
    let io = SocketIo::new(Default::default());
    io.on_connection(|s: SocketRef| {
        s.on_disconnect(|s, _| s.emit("too-late", &()));
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.disconnect("/");
    c.expect_nothing();
}

#[tokio::test(start_paused = true)]
async fn r2_4_disconnecting_listener_can_tell_observers() {
    // The conformance "observers" room: told about every socket that left, with the rooms it
    // was in at `disconnecting` time.
    let io = SocketIo::new(Default::default());
    io.on_connection(|s: SocketRef| {
        s.on(
            "join",
            |s: SocketRef, socketio::Data(room): socketio::Data<String>| s.join(room),
        );
        let rooms = std::sync::Arc::new(parking_lot::Mutex::new(Vec::<String>::new()));
        let r = rooms.clone();
        s.on_disconnecting(move |s, _| {
            let mut list: Vec<String> = s.rooms().iter().map(|r| r.to_string()).collect();
            list.retain(|x| x != s.id().as_str());
            list.sort();
            *r.lock() = list;
        });
        s.on_disconnect(move |s, reason| {
            let payload =
                json!({"id": s.id().as_str(), "rooms": *rooms.lock(), "reason": reason.as_str()});
            s.nsp().to("observers").emit("left", &payload);
        });
    });
    let h = Harness::new(io);
    let observer = h.client();
    observer.join("/");
    observer.emit("/", "join", json!(["observers"]), None);
    let leaving = h.client();
    let id = leaving.join("/");
    leaving.emit("/", "join", json!(["b"]), None);
    leaving.emit("/", "join", json!(["a"]), None);
    leaving.close_transport();
    assert_eq!(
        observer.expect_event("/", "left"),
        [v(
            json!({"id": id, "rooms": ["a", "b"], "reason": "transport close"})
        )]
    );
}

#[tokio::test(start_paused = true)]
async fn r2_4_disconnect_from_another_task_reaches_the_connection() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let s = c.server_socket("/");
    let task = tokio::spawn(async move {
        tokio::task::yield_now().await;
        s.disconnect();
    });
    h.wait(task).await.unwrap();
    c.expect_disconnect("/");
    assert!(c.socket("/").is_none());
}

#[tokio::test(start_paused = true)]
async fn r2_4_client_leaving_one_namespace_keeps_the_other_sockets_rooms() {
    let log = Log::new();
    let h = Harness::new(logging_server(&log));
    let c = h.client();
    c.join("/");
    c.join("/custom");
    c.disconnect("/custom");
    let s = c.server_socket("/");
    assert!(s.rooms().iter().any(|r| &**r == "room"));
    assert!(h.io().of("/custom").adapter().local_rooms().is_empty());
}

#[tokio::test(start_paused = true)]
async fn r2_4_events_after_a_server_disconnect_in_the_same_batch_are_not_dispatched() {
    // Node: `socket.disconnect()` is synchronous, and packets already decoded for the socket
    // are dropped by `dispatch` once it is not connected any more.
    let log = Log::new();
    let io = SocketIo::new(Default::default());
    let l = log.clone();
    io.on_connection(move |s: SocketRef| {
        s.on("disconnect-me", |s: SocketRef| s.disconnect());
        let l = l.clone();
        s.on("after", move || l.push("after"));
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.send_batch(&[
        support::event_packet("/", "disconnect-me", v(json!([])), None),
        support::event_packet("/", "after", v(json!([])), None),
    ]);
    c.expect_disconnect("/");
    assert!(
        log.take().is_empty(),
        "dispatched to a socket that was told to leave"
    );
}

#[tokio::test(start_paused = true)]
async fn r2_4_emit_after_disconnect_in_the_same_handler_is_not_sent() {
    let io = SocketIo::new(Default::default());
    io.on_connection(|s: SocketRef| {
        s.on("bye", |s: SocketRef| {
            s.disconnect();
            s.emit("after-disconnect", &());
        });
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.emit("/", "bye", json!([]), None);
    assert_eq!(c.received_wire(), ["1"]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_disconnect_turns_connected_false_at_once() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let s = c.server_socket("/");
    s.disconnect();
    assert!(
        !s.connected(),
        "Node's `connected` is false right after `disconnect()`"
    );
    assert!(matches!(s.try_emit("x", &()), Err(EmitError::Disconnected)));
    // Already leaving: `disconnect(true)` does nothing more, as in Node.
    s.disconnect_and_close();
    assert_eq!(c.received_wire(), ["1"]);
    assert!(c.is_open());
}

#[tokio::test(start_paused = true)]
async fn r2_4_disconnect_in_the_connection_handler_follows_the_connect_reply() {
    let io = SocketIo::new(Default::default());
    io.on_connection(|s: SocketRef| s.disconnect());
    let h = Harness::new(io.clone());
    let c = h.client();
    c.connect("/");
    c.expect_connect("/");
    c.expect_disconnect("/");
    assert!(c.is_open());
    assert_eq!(io.sockets().socket_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn connected_and_disconnected_follow_the_socket() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let s = c.server_socket("/");
    assert!(s.connected() && !s.disconnected());
    s.disconnect();
    assert!(!s.connected() && s.disconnected());
    c.expect_disconnect("/");
    assert!(s.disconnected());
}
