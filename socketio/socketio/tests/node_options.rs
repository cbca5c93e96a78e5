//! The Node server options and events of issue 13 item 5, on the in-process harness:
//! `cleanupEmptyChildNamespaces`, `trust_proxy` (ours: `handshake.address` from
//! `X-Forwarded-For`), the `local` and `compress` flags as the adapter sees them, and the
//! `description` of the `disconnecting` / `disconnect` listeners.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use engineio::CloseReason;
use parking_lot::Mutex;
use serde_json::json;
use socketio::adapter::{
    AckStream, Adapter, AdapterError, AdapterFactory, BoxFuture, BroadcastFlags, BroadcastOptions,
    LocalNamespace, Packet, RoomListener,
};
use socketio::{DisconnectReason, MiddlewareError, Room, Sid, SocketInfo, SocketIo, SocketRef};
use socketio_adapter_memory::MemoryAdapter;
use support::{v, Harness, Log};

// ----- a recording adapter -----

/// What the server asked of the adapters: the operation, the namespace and the flags.
type Calls = Arc<Mutex<Vec<(&'static str, String, BroadcastFlags)>>>;

/// The memory adapter, recording the operations that may reach other servers.
struct Recording {
    inner: MemoryAdapter,
    calls: Calls,
}

impl Recording {
    fn record(&self, op: &'static str, opts: &BroadcastOptions) {
        let nsp = self.inner.namespace().map(|n| n.name().to_owned());
        self.calls
            .lock()
            .push((op, nsp.unwrap_or_default(), opts.flags.clone()));
    }
}

fn recording(calls: &Calls) -> AdapterFactory {
    let calls = calls.clone();
    Arc::new(move |ns: std::sync::Weak<dyn LocalNamespace>| {
        Arc::new(Recording {
            inner: MemoryAdapter::new(ns),
            calls: calls.clone(),
        }) as Arc<dyn Adapter>
    })
}

impl Adapter for Recording {
    fn close(&self) -> BoxFuture<Result<(), AdapterError>> {
        self.record("close", &BroadcastOptions::default());
        self.inner.close()
    }
    fn add_all(&self, sid: Sid, rooms: &[Room]) {
        self.inner.add_all(sid, rooms)
    }
    fn del(&self, sid: Sid, room: &str) {
        self.inner.del(sid, room)
    }
    fn del_all(&self, sid: Sid) {
        self.inner.del_all(sid)
    }
    fn socket_rooms(&self, sid: Sid) -> Vec<Room> {
        self.inner.socket_rooms(sid)
    }
    fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<Sid> {
        self.inner.local_sockets(opts)
    }
    fn local_rooms(&self) -> Vec<Room> {
        self.inner.local_rooms()
    }
    fn on_room_event(&self, listener: RoomListener) {
        self.inner.on_room_event(listener)
    }
    fn broadcast(&self, packet: Packet, opts: BroadcastOptions) -> usize {
        self.record("broadcast", &opts);
        self.inner.broadcast(packet, opts)
    }
    fn broadcast_with_ack(&self, packet: Packet, opts: BroadcastOptions) -> AckStream {
        self.record("broadcast_with_ack", &opts);
        self.inner.broadcast_with_ack(packet, opts)
    }
    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<Result<Vec<SocketInfo>, AdapterError>> {
        self.record("fetch_sockets", &opts);
        self.inner.fetch_sockets(opts)
    }
    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<Result<(), AdapterError>> {
        self.record("add_sockets", &opts);
        self.inner.add_sockets(opts, rooms)
    }
    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<Result<(), AdapterError>> {
        self.record("del_sockets", &opts);
        self.inner.del_sockets(opts, rooms)
    }
    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<Result<(), AdapterError>> {
        self.record("disconnect_sockets", &opts);
        self.inner.disconnect_sockets(opts, close)
    }
}

fn take(calls: &Calls) -> Vec<(&'static str, String, BroadcastFlags)> {
    std::mem::take(&mut *calls.lock())
}

fn names(io: &SocketIo) -> Vec<String> {
    io.namespaces()
        .iter()
        .map(|n| n.name().to_owned())
        .collect()
}

// ----- cleanup_empty_child_namespaces -----

fn dynamic_server(cleanup: bool, calls: &Calls) -> (SocketIo, socketio::Namespace, Log) {
    let io = SocketIo::builder()
        .adapter(recording(calls))
        .cleanup_empty_child_namespaces(cleanup)
        .build();
    let log = Log::new();
    let parent = io.of_dynamic(|name| name.starts_with("/dyn-"));
    let l = log.clone();
    parent.on_connection(move |s: SocketRef| l.push(format!("connection {}", s.ns())));
    (io, parent, log)
}

#[tokio::test(start_paused = true)]
async fn cleanup_on_removes_a_child_when_its_last_socket_leaves_as_node() {
    let calls = Calls::default();
    let (io, parent, log) = dynamic_server(true, &calls);
    let h = Harness::new(io.clone());
    let (a, b) = (h.client(), h.client());
    a.join("/dyn-1");
    b.join("/dyn-1");
    assert_eq!(names(&io), ["/", "/dyn-1"]);
    let child = parent.children()[0].clone();
    a.disconnect("/dyn-1");
    h.settle().await;
    assert_eq!(names(&io), ["/", "/dyn-1"], "one socket left");
    b.close_transport();
    h.settle().await;
    assert_eq!(names(&io), ["/"], "the last socket left");
    assert!(parent.children().is_empty());
    assert!(take(&calls)
        .iter()
        .any(|(op, nsp, _)| *op == "close" && nsp == "/dyn-1"));
    // A new CONNECT makes a new child, with the parent's handlers.
    let c = h.client();
    c.join("/dyn-1");
    assert_eq!(names(&io), ["/", "/dyn-1"]);
    assert_ne!(parent.children()[0], child);
    assert_eq!(
        log.take(),
        [
            "connection /dyn-1",
            "connection /dyn-1",
            "connection /dyn-1"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn cleanup_off_by_default_keeps_empty_children_as_node() {
    assert!(!socketio::Config::default().cleanup_empty_child_namespaces);
    let calls = Calls::default();
    let (io, parent, _log) = dynamic_server(false, &calls);
    let h = Harness::new(io.clone());
    let a = h.client();
    a.join("/dyn-1");
    a.disconnect("/dyn-1");
    h.settle().await;
    assert_eq!(names(&io), ["/", "/dyn-1"]);
    assert_eq!(parent.children().len(), 1);
    assert!(!take(&calls).iter().any(|(op, ..)| *op == "close"));
}

#[tokio::test(start_paused = true)]
async fn cleanup_on_a_child_whose_only_connect_is_refused_is_removed_as_node() {
    let calls = Calls::default();
    let (io, parent, _log) = dynamic_server(true, &calls);
    parent.use_middleware(|s: SocketRef| async move {
        match s.handshake().auth.get("ok") {
            Some(_) => Ok(()),
            None => Err(MiddlewareError::new("no")),
        }
    });
    let h = Harness::new(io.clone());
    let c = h.client();
    c.connect("/dyn-2");
    c.expect_connect_error("/dyn-2");
    assert_eq!(names(&io), ["/"]);
    assert!(parent.children().is_empty());
    // Another socket keeps it.
    c.connect_with("/dyn-3", json!({"ok": true}));
    c.expect_connect("/dyn-3");
    let d = h.client();
    d.connect("/dyn-3");
    d.expect_connect_error("/dyn-3");
    assert_eq!(names(&io), ["/", "/dyn-3"]);
}

#[tokio::test(start_paused = true)]
async fn cleanup_on_leaves_static_namespaces_and_the_main_one_alone() {
    let calls = Calls::default();
    let (io, _parent, _log) = dynamic_server(true, &calls);
    io.of("/static");
    let h = Harness::new(io.clone());
    let c = h.client();
    c.join("/");
    c.join("/static");
    c.disconnect("/static");
    c.disconnect("/");
    h.settle().await;
    assert_eq!(names(&io), ["/", "/static"]);
}

#[tokio::test(start_paused = true)]
async fn cleanup_on_a_child_made_by_of_stays_until_a_socket_leaves_it() {
    let calls = Calls::default();
    let (io, parent, _log) = dynamic_server(true, &calls);
    let made = io.of("/dyn-9");
    assert_eq!(parent.children(), vec![made]);
    let h = Harness::new(io.clone());
    let c = h.client();
    c.join("/dyn-9");
    c.disconnect("/dyn-9");
    h.settle().await;
    assert_eq!(names(&io), ["/"]);
}

// ----- trust_proxy -----

#[tokio::test(start_paused = true)]
async fn trust_proxy_off_by_default_the_address_is_the_peer_whatever_x_forwarded_for_says() {
    assert!(!socketio::Config::default().trust_proxy);
    let h = Harness::default_server();
    let c = h.client_with_headers(&[("x-forwarded-for", "203.0.113.7, 10.0.0.1")]);
    c.join("/");
    let s = c.server_socket("/");
    let peer = s.handshake().peer_address().unwrap();
    assert_eq!(peer.ip().to_string(), "127.0.0.1");
    assert_eq!(s.handshake().address(), Some(peer));
    assert_eq!(s.handshake().to_info().address, "127.0.0.1");
    // Nor is X-Forwarded-Proto believed.
    let https = h.client_with_headers(&[("x-forwarded-proto", "https")]);
    https.join("/");
    assert!(!https.server_socket("/").handshake().secure());
}

#[tokio::test(start_paused = true)]
async fn trust_proxy_on_the_address_is_the_first_x_forwarded_for_entry() {
    let io = SocketIo::builder().trust_proxy(true).build();
    let h = Harness::new(io);
    let c = h.client_with_headers(&[("x-forwarded-for", "203.0.113.7, 10.0.0.1")]);
    c.join("/");
    let s = c.server_socket("/");
    assert_eq!(
        s.handshake().address(),
        Some("203.0.113.7:0".parse().unwrap())
    );
    assert_eq!(s.handshake().to_info().address, "203.0.113.7");
    assert_eq!(
        s.handshake().peer_address().unwrap().ip().to_string(),
        "127.0.0.1"
    );
    // Without the header (or with garbage in it), the peer.
    let plain = h.client();
    plain.join("/");
    let s = plain.server_socket("/");
    assert_eq!(s.handshake().address(), s.handshake().peer_address());
    let garbage = h.client_with_headers(&[("x-forwarded-for", "unknown")]);
    garbage.join("/");
    let s = garbage.server_socket("/");
    assert_eq!(s.handshake().address(), s.handshake().peer_address());
    // X-Forwarded-Proto says whether the client's connection was encrypted.
    let https = h.client_with_headers(&[("x-forwarded-proto", "https")]);
    https.join("/");
    assert!(https.server_socket("/").handshake().secure());
    assert!(!plain.server_socket("/").handshake().secure());
}

// ----- local and compress flags -----

#[tokio::test(start_paused = true)]
async fn local_flag_reaches_the_adapter_for_every_operation_so_nothing_is_published() {
    let calls = Calls::default();
    let io = SocketIo::builder().adapter(recording(&calls)).build();
    let h = Harness::new(io.clone());
    let c = h.client();
    c.join("/");
    take(&calls);
    let local = BroadcastFlags {
        local: Some(true),
        ..Default::default()
    };
    io.local().emit("a", &1);
    io.of("/").local().emit("b", &2);
    c.server_socket("/").local().emit("c", &3);
    io.local().sockets_join("room");
    io.local().sockets_leave("room");
    let _ = h.wait(io.local().fetch_sockets()).await.unwrap();
    let ops: Vec<_> = take(&calls)
        .into_iter()
        .map(|(op, _, flags)| (op, flags))
        .collect();
    assert_eq!(
        ops,
        [
            ("broadcast", local.clone()),
            ("broadcast", local.clone()),
            ("broadcast", local.clone()),
            ("add_sockets", local.clone()),
            ("del_sockets", local.clone()),
            ("fetch_sockets", local.clone()),
        ]
    );
    c.expect_event("/", "a");
    c.expect_event("/", "b");
    c.expect_nothing();
    // With acks, and disconnects.
    let ops = io.local();
    let acks = tokio::spawn(async move { ops.emit_with_ack("d", &4).await });
    h.settle().await;
    let (id, _) = c.expect_event_with_ack("/", "d");
    c.ack("/", id, json!(["ok"]));
    let got = h.wait(acks).await.unwrap().unwrap();
    assert_eq!(got.values(), [v(json!("ok"))]);
    io.local().disconnect_sockets(false);
    h.settle().await;
    let ops: Vec<_> = take(&calls).into_iter().map(|(op, _, f)| (op, f)).collect();
    assert_eq!(ops[0].0, "broadcast_with_ack");
    assert_eq!(ops[0].1.local, Some(true));
    assert_eq!(ops[1], ("disconnect_sockets", local));
    // Without `local`, the flag is unset (the adapter publishes).
    io.emit("e", &5);
    assert_eq!(take(&calls)[0].2.local, None);
}

#[tokio::test(start_paused = true)]
async fn compress_flag_reaches_the_adapter_from_operators_and_from_a_socket_with_recovery() {
    let calls = Calls::default();
    let io = SocketIo::builder()
        .adapter(recording(&calls))
        .connection_state_recovery(Default::default())
        .build();
    let h = Harness::new(io.clone());
    let c = h.client();
    c.join("/");
    take(&calls);
    io.compress(false).emit("a", &1);
    io.emit("b", &2);
    // With recovery on, a socket's emit goes through the adapter (to get an offset).
    c.server_socket("/").compress(false).emit("c", &3);
    c.server_socket("/").emit("d", &4);
    let flags: Vec<_> = take(&calls)
        .into_iter()
        .map(|(_, _, f)| f.compress)
        .collect();
    assert_eq!(flags, [Some(false), None, Some(false), None]);
    for event in ["a", "b", "c", "d"] {
        c.expect_event("/", event);
    }
}

// ----- disconnect description -----

/// Records `disconnecting` and `disconnect` of `/` with their reason and description.
fn described(io: &SocketIo, log: &Log) {
    let log = log.clone();
    io.on_connection(move |s: SocketRef| {
        let l = log.clone();
        s.on_disconnecting_with_description(move |_, reason, description| {
            l.push(format!("disconnecting {reason} {description:?}"))
        });
        let l = log.clone();
        s.on_disconnect_with_description(move |_, reason, description| {
            l.push(format!("disconnect {reason} {description:?}"))
        });
        let l = log.clone();
        s.on_disconnect(move |_, reason: DisconnectReason| l.push(format!("plain {reason}")));
    });
}

#[tokio::test(start_paused = true)]
async fn description_of_a_transport_error_reaches_disconnecting_and_disconnect_as_node() {
    let io = SocketIo::new(Default::default());
    let log = Log::new();
    described(&io, &log);
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.end_session_described(CloseReason::TransportError, "overlap from client");
    assert_eq!(
        log.take(),
        [
            r#"disconnecting transport error Some("overlap from client")"#,
            r#"disconnect transport error Some("overlap from client")"#,
            "plain transport error",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn description_is_none_for_the_other_reasons_as_node() {
    let io = SocketIo::new(Default::default());
    let log = Log::new();
    described(&io, &log);
    let h = Harness::new(io);
    let a = h.client();
    a.join("/");
    a.disconnect("/");
    let b = h.client();
    b.join("/");
    b.close_transport();
    let c = h.client();
    c.join("/");
    c.server_socket("/").disconnect();
    h.settle().await;
    assert_eq!(
        log.take(),
        [
            "disconnecting client namespace disconnect None",
            "disconnect client namespace disconnect None",
            "plain client namespace disconnect",
            "disconnecting transport close None",
            "disconnect transport close None",
            "plain transport close",
            "disconnecting server namespace disconnect None",
            "disconnect server namespace disconnect None",
            "plain server namespace disconnect",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn description_reaches_every_namespace_of_the_connection() {
    let io = SocketIo::new(Default::default());
    let log = Log::new();
    for nsp in ["/", "/other"] {
        let log = log.clone();
        io.ns(nsp, move |s: SocketRef| {
            let l = log.clone();
            s.on_disconnect_with_description(move |s, _, d| l.push(format!("{} {d:?}", s.ns())));
        });
    }
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.join("/other");
    c.end_session_described(CloseReason::TransportError, "invalid heartbeat direction");
    assert_eq!(
        log.take(),
        [
            r#"/ Some("invalid heartbeat direction")"#,
            r#"/other Some("invalid heartbeat direction")"#,
        ]
    );
}

// ----- compress(false) down to the polling answer -----

mod http_compression {
    use bytes::Bytes;
    use engineio::{Dispatch, ResponseBody};
    use http_body_util::{BodyExt, Full};
    use socketio::SocketIo;

    /// One in-memory request through the server's engine: (status, Content-Encoding, body).
    async fn call(
        io: &SocketIo,
        method: &str,
        query: &str,
        body: &str,
    ) -> (u16, Option<String>, Bytes) {
        let req = http::Request::builder()
            .method(method)
            .uri(format!("/socket.io/?EIO=4&transport=polling{query}"))
            .header(http::header::ACCEPT_ENCODING, "gzip")
            .body(Full::new(Bytes::from(body.to_owned())))
            .unwrap();
        let Dispatch::Response(res) = io.engine().dispatch(req).await else {
            panic!("not a polling answer");
        };
        let encoding = res
            .headers()
            .get(http::header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap().to_owned());
        let status = res.status().as_u16();
        let body: ResponseBody = res.into_body();
        (status, encoding, body.collect().await.unwrap().to_bytes())
    }

    #[tokio::test]
    async fn compress_false_emits_make_polling_answers_that_are_not_compressed() {
        let io = SocketIo::new(Default::default());
        let (_, _, open) = call(&io, "GET", "", "").await;
        let open = String::from_utf8(open.to_vec()).unwrap();
        let sid = &open[open.find("\"sid\":\"").unwrap() + 7..][..20];
        let q = format!("&sid={sid}");
        assert_eq!(call(&io, "POST", &q, "40").await.2, "ok");
        let (_, _, reply) = call(&io, "GET", &q, "").await;
        assert!(reply.starts_with(b"40{\"sid\":"));
        let socket = io.sockets().sockets().pop().unwrap();
        let big = "z".repeat(4000);

        socket.compress(false).emit("big", &big);
        let (status, encoding, body) = call(&io, "GET", &q, "").await;
        assert_eq!((status, encoding), (200, None), "socket.compress(false)");
        assert_eq!(body.len(), big.len() + r#"42["big",""]"#.len());

        io.compress(false).emit("big", &big);
        let (_, encoding, _) = call(&io, "GET", &q, "").await;
        assert_eq!(encoding, None, "io.compress(false)");

        socket.emit("big", &big);
        let (_, encoding, _) = call(&io, "GET", &q, "").await;
        assert_eq!(encoding.as_deref(), Some("gzip"), "default");

        io.compress(true).emit("big", &big);
        let (_, encoding, _) = call(&io, "GET", &q, "").await;
        assert_eq!(encoding.as_deref(), Some("gzip"), "io.compress(true)");
    }
}
