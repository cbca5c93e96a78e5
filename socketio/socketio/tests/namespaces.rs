//! Namespaces and CONNECT (protocol.md §2.4, and the decoder rules of §2.3 that close the
//! connection): static and dynamic namespaces, the CONNECT reply, invalid namespaces, the state
//! errors that close the connection, the connect timeout on the virtual clock.

#![allow(clippy::unwrap_used)]

mod support;

use engineio::CloseReason;
use serde_json::json;
use socketio::{DisconnectReason, MiddlewareError, SocketIo, SocketRef};
use support::{v, Harness, Log};

/// A server whose connection handlers (on `/` and `/custom`) emit `auth` with the handshake
/// auth, as the conformance server does.
fn auth_echo_server() -> SocketIo {
    let io = SocketIo::new(Default::default());
    for nsp in ["/", "/custom"] {
        io.ns(nsp, |s: SocketRef| s.emit("auth", &s.handshake().auth));
    }
    io
}

/// Records every disconnect of `/` with its reason.
fn record_disconnects(io: &SocketIo, log: &Log) {
    let log = log.clone();
    io.on_connection(move |s: SocketRef| {
        let log = log.clone();
        s.on_disconnect(move |_, reason| log.push(reason.as_str()));
    });
}

// ----- the CONNECT reply -----

#[tokio::test(start_paused = true)]
async fn r2_4_connect_reply_carries_a_fresh_socket_id() {
    let h = Harness::default_server();
    let c = h.client();
    c.connect("/");
    let sid = c.expect_connect("/");
    assert_eq!(sid.len(), 20);
    assert_ne!(sid, c.sid().as_str(), "never the Engine.IO sid");
    c.expect_nothing();
    assert!(c.is_open());
    assert_eq!(c.server_socket("/").id().as_str(), sid);
}

#[tokio::test(start_paused = true)]
async fn r2_4_connect_reply_has_only_the_sid_without_recovery() {
    let h = Harness::default_server();
    let c = h.client();
    c.connect("/");
    let p = c.next_packet();
    let keys: Vec<&String> = p
        .data
        .as_ref()
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["sid"]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_connect_payload_is_the_handshake_auth_key_order_kept() {
    let h = Harness::new(auth_echo_server());
    let c = h.client();
    c.connect_with("/", json!({"z": 1, "a": {"b": [true, null]}, "m": "x"}));
    c.expect_connect("/");
    let auth = c.expect_event("/", "auth");
    assert_eq!(
        auth,
        [v(json!({"z": 1, "a": {"b": [true, null]}, "m": "x"}))]
    );
    assert_eq!(
        support::wire(&support::event_packet("/", "auth", auth.into(), None)),
        r#"2["auth",{"z":1,"a":{"b":[true,null]},"m":"x"}]"#
    );
}

#[tokio::test(start_paused = true)]
async fn r2_4_auth_is_an_empty_object_without_payload() {
    let h = Harness::new(auth_echo_server());
    let c = h.client();
    c.connect("/custom");
    c.expect_connect("/custom");
    assert_eq!(c.expect_event("/custom", "auth"), [v(json!({}))]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_connect_reply_is_written_before_what_the_handler_emits() {
    let io = SocketIo::new(Default::default());
    io.on_connection(|s: SocketRef| {
        s.emit("first", &1);
        s.emit("second", &2);
    });
    let h = Harness::new(io);
    let c = h.client();
    c.connect("/");
    let wire = c.received_wire();
    assert_eq!(wire.len(), 3, "{wire:?}");
    assert!(wire[0].starts_with("0{\"sid\":"), "{wire:?}");
    assert_eq!(&wire[1..], [r#"2["first",1]"#, r#"2["second",2]"#]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_connect_reply_comes_before_an_async_handler_emits() {
    let io = SocketIo::new(Default::default());
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    let g = gate.clone();
    io.on_connection(move |s: SocketRef| {
        let g = g.clone();
        async move {
            s.emit("before-await", &());
            g.notified().await;
            s.emit("after-await", &());
        }
    });
    let h = Harness::new(io);
    let c = h.client();
    c.connect("/");
    h.settle().await;
    c.expect_connect("/");
    c.expect_event("/", "before-await");
    c.expect_nothing();
    gate.notify_one();
    h.settle().await;
    c.expect_event("/", "after-await");
}

#[tokio::test(start_paused = true)]
async fn r2_4_each_namespace_gets_its_own_socket_and_reply() {
    let h = Harness::new(auth_echo_server());
    let c = h.client();
    c.connect("/");
    c.connect("/custom");
    let a = c.expect_connect("/");
    c.expect_event("/", "auth");
    let b = c.expect_connect("/custom");
    c.expect_event("/custom", "auth");
    assert_ne!(a, b);
    assert_eq!(c.server_socket("/custom").ns(), "/custom");
}

#[tokio::test(start_paused = true)]
async fn r2_4_connect_without_comma_names_the_namespace() {
    let h = Harness::new(auth_echo_server());
    let c = h.client();
    c.send_text("0/custom");
    c.expect_connect("/custom");
}

// ----- invalid namespaces -----

#[tokio::test(start_paused = true)]
async fn r2_4_unknown_namespace_is_refused_and_the_connection_stays() {
    let h = Harness::new(auth_echo_server());
    let c = h.client();
    c.connect("/random");
    assert_eq!(
        c.received_wire(),
        [r#"4/random,{"message":"Invalid namespace"}"#]
    );
    assert!(c.is_open());
    c.connect("/");
    c.expect_connect("/");
}

#[tokio::test(start_paused = true)]
async fn r2_4_unknown_namespace_with_payload_is_refused_too() {
    let h = Harness::default_server();
    let c = h.client();
    c.connect_with("/nope", json!({"token": "x"}));
    assert_eq!(
        c.expect_connect_error("/nope"),
        v(json!({"message": "Invalid namespace"}))
    );
    assert!(h.io().namespaces().iter().all(|n| n.name() != "/nope"));
}

// ----- dynamic namespaces -----

fn dyn_server() -> SocketIo {
    let io = SocketIo::new(Default::default());
    io.of_dynamic(|name| {
        name.strip_prefix("/dyn-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
    .on_connection(|s: SocketRef| s.emit("nsp", s.ns()));
    io
}

#[tokio::test(start_paused = true)]
async fn r2_4_dynamic_parent_creates_a_child_on_connect() {
    let h = Harness::new(dyn_server());
    let c = h.client();
    c.connect("/dyn-42");
    c.expect_connect("/dyn-42");
    assert_eq!(c.expect_event("/dyn-42", "nsp"), [v(json!("/dyn-42"))]);
    let names: Vec<String> = h
        .io()
        .namespaces()
        .iter()
        .map(|n| n.name().to_owned())
        .collect();
    assert!(names.contains(&"/dyn-42".to_owned()), "{names:?}");
}

#[tokio::test(start_paused = true)]
async fn r2_4_dynamic_parent_refuses_names_it_does_not_match() {
    let h = Harness::new(dyn_server());
    let c = h.client();
    for name in ["/dyn-x", "/dyn-", "/dyn-12a", "/xdyn-1"] {
        c.connect(name);
        assert_eq!(
            c.expect_connect_error(name),
            v(json!({"message": "Invalid namespace"}))
        );
    }
    assert!(c.is_open());
}

#[tokio::test(start_paused = true)]
async fn r2_4_of_on_a_dynamic_child_before_any_connect_makes_it_a_child() {
    let io = SocketIo::new(Default::default());
    let parent = io.of_dynamic(|name| name.starts_with("/dyn-"));
    parent.on_connection(|s: SocketRef| s.emit("from-parent", s.ns()));
    // Made before anybody connects: a child of the parent, not a plain namespace.
    let child = io.of("/dyn-7");
    assert_eq!(parent.children(), vec![child.clone()]);
    let log = Log::new();
    let l = log.clone();
    child.on_connection(move |s: SocketRef| l.push(format!("child handler {}", s.ns())));
    let h = Harness::new(io.clone());
    let c = h.client();
    c.connect("/dyn-7");
    c.expect_connect("/dyn-7");
    assert_eq!(
        c.expect_event("/dyn-7", "from-parent"),
        [v(json!("/dyn-7"))]
    );
    assert_eq!(log.take(), ["child handler /dyn-7"]);
    // The same namespace, not a second child.
    assert_eq!(io.of("/dyn-7"), child);
    assert_eq!(parent.children().len(), 1);
    parent.emit("hello", "children");
    assert_eq!(c.expect_event("/dyn-7", "hello"), [v(json!("children"))]);
}

#[tokio::test(start_paused = true)]
async fn namespaces_lists_static_namespaces_and_dynamic_children_not_parents() {
    let io = SocketIo::new(Default::default());
    let parent = io.of_dynamic(|name| name.starts_with("/dyn-"));
    io.of("admin");
    io.of("/dyn-2"); // a child, made by `of`
    let h = Harness::new(io.clone());
    let c = h.client();
    c.join("/dyn-1"); // a child, made by a CONNECT
    let names: Vec<String> = io
        .namespaces()
        .iter()
        .map(|n| n.name().to_owned())
        .collect();
    assert_eq!(names, ["/", "/admin", "/dyn-1", "/dyn-2"]);
    assert!(io.namespaces().iter().all(|n| !n.is_parent()));
    let mut children: Vec<String> = parent
        .children()
        .iter()
        .map(|n| n.name().to_owned())
        .collect();
    children.sort();
    assert_eq!(children, ["/dyn-1", "/dyn-2"]);
    // `io.of(name)` of an existing child is that child: what it emits reaches the client.
    io.of("/dyn-1").emit("hi", &1);
    assert_eq!(c.expect_event("/dyn-1", "hi"), [v(json!(1))]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_dynamic_children_share_the_parent_middlewares() {
    let io = SocketIo::new(Default::default());
    let parent = io.of_dynamic(|name| name.starts_with("/team-"));
    parent.use_middleware(|s: SocketRef| async move {
        match s.handshake().auth.get("ok") {
            Some(_) => Ok(()),
            None => Err(MiddlewareError::new("no")),
        }
    });
    let h = Harness::new(io);
    let c = h.client();
    c.connect("/team-a");
    assert_eq!(
        c.expect_connect_error("/team-a"),
        v(json!({"message": "no"}))
    );
    c.connect_with("/team-b", json!({"ok": 1}));
    c.expect_connect("/team-b");
}

#[tokio::test(start_paused = true)]
async fn r2_4_async_dynamic_matcher_sees_the_auth() {
    let io = SocketIo::new(Default::default());
    io.of_dynamic_async(|name, auth| async move {
        tokio::task::yield_now().await;
        name.starts_with("/room-") && auth.get("key").and_then(|k| k.as_str()) == Some("k")
    })
    .on_connection(|s: SocketRef| s.emit("in", s.ns()));
    let h = Harness::new(io);
    let c = h.client();
    c.connect_with("/room-1", json!({"key": "k"}));
    h.settle().await;
    c.expect_connect("/room-1");
    c.expect_event("/room-1", "in");
    c.connect_with("/room-2", json!({"key": "wrong"}));
    h.settle().await;
    assert_eq!(
        c.expect_connect_error("/room-2"),
        v(json!({"message": "Invalid namespace"}))
    );
    assert!(c.is_open());
}

// ----- state errors close the connection -----

#[tokio::test(start_paused = true)]
async fn r2_4_second_connect_for_a_joined_namespace_closes_the_connection() {
    let io = SocketIo::new(Default::default());
    let log = Log::new();
    record_disconnects(&io, &log);
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.connect("/");
    c.expect_nothing();
    assert_eq!(c.closed(), Some(CloseReason::ForcedClose));
    assert_eq!(log.take(), ["forced close"]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_event_for_a_namespace_not_joined_closes_the_connection() {
    let h = Harness::new(auth_echo_server());
    let c = h.client();
    c.join("/");
    c.received();
    c.emit("/custom", "message", json!([1]), None);
    c.expect_nothing();
    assert_eq!(c.closed(), Some(CloseReason::ForcedClose));
}

#[tokio::test(start_paused = true)]
async fn r2_4_disconnect_for_a_namespace_not_joined_closes_the_connection() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    c.disconnect("/custom");
    assert_eq!(c.closed(), Some(CloseReason::ForcedClose));
}

#[tokio::test(start_paused = true)]
async fn r2_4_ack_for_a_namespace_not_joined_closes_the_connection() {
    let h = Harness::default_server();
    let c = h.client();
    c.ack("/", 0, json!([]));
    assert_eq!(c.closed(), Some(CloseReason::ForcedClose));
}

#[tokio::test(start_paused = true)]
async fn r2_4_client_connect_error_closes_the_connection() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    c.send_text(r#"4{"message":"x"}"#);
    assert_eq!(c.closed(), Some(CloseReason::ForcedClose));
}

#[tokio::test(start_paused = true)]
async fn r2_4_event_after_leaving_a_namespace_closes_the_connection() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    c.disconnect("/");
    assert!(c.is_open());
    c.emit("/", "late", json!([]), None);
    assert_eq!(c.closed(), Some(CloseReason::ForcedClose));
}

#[tokio::test(start_paused = true)]
async fn r2_3_malformed_packets_close_the_connection() {
    let inputs = [
        r#"0"x""#,
        "0[1]",
        "0null",
        "0{bad",
        "2abc",
        "2{}",
        "2[]",
        r#"2["disconnect"]"#,
        "2[{}]",
        "9",
        r#"5["a"]"#,
        "1{}",
    ];
    for input in inputs {
        let h = Harness::default_server();
        let c = h.client();
        c.join("/");
        c.send_text(input);
        assert_eq!(c.closed(), Some(CloseReason::ForcedClose), "input {input}");
        c.expect_nothing();
    }
}

#[tokio::test(start_paused = true)]
async fn r2_3_binary_message_when_no_attachment_is_expected_closes() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    c.send_binary(&[1, 2, 3]);
    assert_eq!(c.closed(), Some(CloseReason::ForcedClose));
}

#[tokio::test(start_paused = true)]
async fn r2_3_text_message_while_attachments_are_expected_closes() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    c.send_text(r#"51-["a",{"_placeholder":true,"num":0}]"#);
    assert!(c.is_open());
    c.send_text(r#"2["a"]"#);
    assert_eq!(c.closed(), Some(CloseReason::ForcedClose));
}

#[tokio::test(start_paused = true)]
async fn r2_4_numeric_event_name_is_accepted() {
    let log = Log::new();
    let io = SocketIo::new(Default::default());
    let l = log.clone();
    io.on_connection(move |s: SocketRef| {
        let l = l.clone();
        s.on("1", move || l.push("one"));
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.send_text("2[1]");
    assert!(c.is_open());
    assert_eq!(log.take(), ["one"]);
}

// ----- leaving and coming back -----

#[tokio::test(start_paused = true)]
async fn r2_4_client_disconnect_leaves_without_reply_and_can_join_again() {
    let io = SocketIo::new(Default::default());
    let log = Log::new();
    record_disconnects(&io, &log);
    let h = Harness::new(io.clone());
    let c = h.client();
    let first = c.join("/");
    c.disconnect("/");
    c.expect_nothing();
    assert!(c.is_open());
    assert_eq!(log.take(), ["client namespace disconnect"]);
    assert_eq!(io.sockets().socket_count(), 0);
    let second = c.join("/");
    assert_ne!(first, second, "a new socket id");
}

#[tokio::test(start_paused = true)]
async fn r2_4_client_disconnect_of_one_namespace_keeps_the_others() {
    let h = Harness::new(auth_echo_server());
    let c = h.client();
    c.connect("/");
    c.connect("/custom");
    c.received();
    c.disconnect("/custom");
    assert!(c.socket("/custom").is_none());
    assert!(c.socket("/").is_some());
    c.emit("/", "still-here", json!([]), None);
    assert!(c.is_open());
}

// ----- connect timeout -----

fn short_connect_timeout() -> SocketIo {
    SocketIo::builder()
        .connect_timeout(support::ms(1_000))
        .build()
}

#[tokio::test(start_paused = true)]
async fn r2_4_connect_timeout_closes_a_connection_that_joins_nothing() {
    let h = Harness::new(short_connect_timeout());
    let c = h.client();
    assert_eq!(h.next_deadline_ms(), Some(1_000));
    h.advance(999).await;
    assert!(c.is_open());
    h.advance(1).await;
    assert_eq!(c.closed(), Some(CloseReason::ForcedClose));
    assert_eq!(h.open_connections(), 0);
}

#[tokio::test(start_paused = true)]
async fn r2_4_connect_timeout_default_is_45_seconds() {
    let h = Harness::default_server();
    let c = h.client();
    h.advance(44_999).await;
    assert!(c.is_open());
    h.advance(1).await;
    assert!(!c.is_open());
}

#[tokio::test(start_paused = true)]
async fn r2_4_connect_timeout_is_not_reset_by_refused_connects() {
    let io = short_connect_timeout();
    io.of("/private")
        .use_middleware(|_s: SocketRef| async { Err(MiddlewareError::new("no")) });
    let h = Harness::new(io);
    let c = h.client();
    h.advance(400).await;
    c.connect("/random");
    c.expect_connect_error("/random");
    h.advance(400).await;
    c.connect("/private");
    c.expect_connect_error("/private");
    h.advance(199).await;
    assert!(c.is_open());
    h.advance(1).await;
    assert_eq!(c.closed(), Some(CloseReason::ForcedClose));
    assert_eq!(h.elapsed_ms(), 1_000);
}

#[tokio::test(start_paused = true)]
async fn r2_4_a_join_stops_the_connect_timeout() {
    let h = Harness::new(short_connect_timeout());
    let c = h.client();
    h.advance(500).await;
    c.join("/");
    h.advance(5_000).await;
    assert!(c.is_open());
}

#[tokio::test(start_paused = true)]
async fn r2_4_connect_timeout_stays_stopped_after_the_client_leaves() {
    // Node clears the timer on the first join; a connection with zero namespaces stays open.
    let h = Harness::new(short_connect_timeout());
    let c = h.client();
    c.join("/");
    c.disconnect("/");
    h.advance(5_000).await;
    assert!(
        c.is_open(),
        "closed by a connect timeout that should have been cleared"
    );
    assert_eq!(h.next_deadline_ms(), None);
}

#[tokio::test(start_paused = true)]
async fn r2_4_connect_timeout_waits_for_slow_middlewares_to_succeed() {
    let io = short_connect_timeout();
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    let g = gate.clone();
    io.sockets().use_middleware(move |_s: SocketRef| {
        let g = g.clone();
        async move {
            g.notified().await;
            Ok(())
        }
    });
    let h = Harness::new(io);
    let c = h.client();
    c.connect("/");
    h.advance(999).await;
    c.expect_nothing();
    gate.notify_one();
    h.settle().await;
    c.expect_connect("/");
    h.advance(10).await;
    assert!(c.is_open());
}

#[tokio::test(start_paused = true)]
async fn r2_4_of_adds_the_leading_slash_as_node_does() {
    let io = SocketIo::new(Default::default());
    io.of("admin")
        .on_connection(|s: SocketRef| s.emit("nsp", s.ns()));
    let h = Harness::new(io);
    let c = h.client();
    c.connect("/admin");
    c.expect_connect("/admin");
    assert_eq!(c.expect_event("/admin", "nsp"), [v(json!("/admin"))]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_disconnect_reason_for_a_state_error_is_forced_close() {
    let io = SocketIo::new(Default::default());
    let log = Log::new();
    record_disconnects(&io, &log);
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.send_text("2{}");
    assert_eq!(log.take(), [DisconnectReason::ForcedClose.as_str()]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_connection_handlers_run_in_registration_order() {
    let log = Log::new();
    let io = SocketIo::new(Default::default());
    for tag in ["first", "second"] {
        let l = log.clone();
        io.on_connection(move |s: SocketRef| {
            l.push(format!(
                "{tag} {}",
                serde_json::to_string(&s.data_value()).unwrap()
            ))
        });
    }
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    assert_eq!(
        log.take(),
        ["first {}", "second {}"],
        "socket.data starts as {{}}"
    );
}
