//! Connection state recovery: what the adapter keeps goes at its expiry without any traffic
//! (one timer task per namespace, on tokio's clock, paused here: `sleep` moves it), the timer
//! starts only when something is kept, and ends with the server or the namespace.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use serde_json::json;
use socketio::adapter::RecoveryStats;
use socketio::codec::PacketType;
use socketio::{ConnectionStateRecovery, SocketIo, SocketRef, Value};
use support::Harness;

const KEPT: Duration = Duration::from_secs(2);

fn server() -> SocketIo {
    let io = SocketIo::builder()
        .connection_state_recovery(ConnectionStateRecovery {
            max_disconnection_duration: KEPT,
            ..Default::default()
        })
        .cleanup_empty_child_namespaces(true)
        .build();
    io.on_connection(|s: SocketRef| s.join("news"));
    io.of_dynamic(|name| name.starts_with("/dyn-"));
    io
}

/// Sessions and packets the adapter of `/` keeps.
fn kept(io: &SocketIo) -> (usize, usize) {
    let stats = io.sockets().adapter().recovery_stats().unwrap();
    (stats.sessions, stats.packets)
}

/// The tasks alive on this runtime (the harness runs none of its own).
fn tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Lets the tasks woken by a stop run to their end (the clock is paused: nothing else moves).
async fn yield_a_few() {
    for _ in 0..8 {
        tokio::task::yield_now().await;
    }
}

/// Joins `/` and returns the private session id of the CONNECT reply.
fn join_with_pid(c: &support::TestClient) -> String {
    c.connect("/");
    let reply = c.next_packet();
    assert_eq!(reply.kind, PacketType::Connect);
    reply
        .data
        .unwrap()
        .get("pid")
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

/// The offset appended to an event received (its last argument).
fn offset(args: &[Value]) -> String {
    args.last().unwrap().as_str().unwrap().to_owned()
}

#[tokio::test(start_paused = true)]
async fn sessions_and_packets_go_at_their_expiry_without_any_traffic() {
    let io = server();
    let h = Harness::new(io.clone());
    assert_eq!(
        io.sockets().adapter().recovery_stats(),
        Some(RecoveryStats::default())
    );
    let clients: Vec<_> = (0..3)
        .map(|_| {
            let c = h.client();
            join_with_pid(&c);
            c
        })
        .collect();
    let late = h.client();
    let late_pid = join_with_pid(&late);
    io.to("news").emit("n", &1);
    io.emit("n", &2);
    late.expect_event("/", "n");
    late.expect_event("/", "n");
    for c in &clients {
        c.close_transport();
    }
    assert_eq!(kept(&io), (3, 2));

    // Within max_disconnection_duration nothing goes.
    tokio::time::sleep(KEPT / 2).await;
    assert_eq!(kept(&io), (3, 2));
    // The fourth socket drops later: it outlives the others.
    late.close_transport();
    assert_eq!(kept(&io), (4, 2));

    // Past the expiry of the first three and of the packets: gone, though nothing was called.
    tokio::time::sleep(KEPT / 2 + Duration::from_millis(100)).await;
    assert_eq!(kept(&io), (1, 0));

    // Past the last one: the store is empty, the timer waits for nothing.
    tokio::time::sleep(KEPT).await;
    assert_eq!(kept(&io), (0, 0));
    // And the session it removed cannot come back: a new one.
    let again = h.client();
    again.connect_with("/", json!({ "pid": late_pid, "offset": "anything" }));
    let reply = again.next_packet();
    assert_ne!(
        reply.data.unwrap().get("pid").unwrap().as_str(),
        Some(late_pid.as_str())
    );
}

#[tokio::test(start_paused = true)]
async fn a_session_is_recovered_before_its_expiry_and_the_timer_follows() {
    let io = server();
    let h = Harness::new(io.clone());
    let watcher = h.client();
    watcher.join("/");
    let dropped = h.client();
    let pid = join_with_pid(&dropped);
    let sid = dropped.server_socket("/").id();
    io.emit("n", &1);
    let seen = offset(&dropped.expect_event("/", "n"));
    watcher.expect_event("/", "n");
    dropped.close_transport();
    io.emit("n", &2); // missed
    watcher.expect_event("/", "n");
    assert_eq!(kept(&io), (1, 2));

    tokio::time::sleep(KEPT - Duration::from_millis(100)).await;
    let back = h.client();
    back.connect_with("/", json!({ "pid": pid, "offset": seen }));
    // As Node: the missed packets, then the CONNECT reply with the same id.
    let missed = back.expect_event("/", "n");
    assert_eq!(missed[0], Value::from(2));
    assert_eq!(back.expect_connect("/"), sid.as_str());
    assert_eq!(kept(&io), (0, 2));

    // The packets go at their own expiry; the recovered socket is connected, not kept.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(kept(&io), (0, 0));
}

#[tokio::test(start_paused = true)]
async fn the_timer_starts_when_something_is_kept_and_ends_with_the_server() {
    let io = server();
    let base = tasks();
    let h = Harness::new(io.clone());
    let c = h.client();
    c.join("/");
    assert_eq!(tasks(), base, "nothing kept: no timer");
    io.emit("n", &1);
    assert_eq!(tasks(), base + 1, "one timer for `/`");
    io.emit("n", &2);
    c.close_transport();
    assert_eq!(tasks(), base + 1, "still one");
    // Idle (nothing left to wait for), it stays, and wakes when something is kept again.
    tokio::time::sleep(KEPT * 2).await;
    assert_eq!(kept(&io), (0, 0));
    assert_eq!(tasks(), base + 1);
    io.emit("n", &3);
    tokio::time::sleep(KEPT * 2).await;
    assert_eq!(kept(&io), (0, 0));

    io.emit("n", &4);
    io.close().await;
    yield_a_few().await;
    assert_eq!(tasks(), base, "the server closed: no timer left");
}

#[tokio::test(start_paused = true)]
async fn the_timer_of_a_removed_child_namespace_ends_with_it() {
    let io = server();
    let base = tasks();
    let h = Harness::new(io.clone());
    let c = h.client();
    c.join("/dyn-1");
    let child = c.server_socket("/dyn-1").nsp();
    child.emit("n", &1);
    assert_eq!(tasks(), base + 1);
    // The last socket leaves (not kept: it left on purpose): the child goes, its timer too.
    c.disconnect("/dyn-1");
    h.settle().await;
    yield_a_few().await;
    assert_eq!(tasks(), base);
    assert!(io.namespaces().iter().all(|n| n.name() != "/dyn-1"));
    drop(child);
}

#[tokio::test(start_paused = true)]
async fn without_recovery_no_timer_and_nothing_kept() {
    let io = SocketIo::new(Default::default());
    let base = tasks();
    let h = Harness::new(io.clone());
    let c = h.client();
    c.join("/");
    io.emit("n", &1);
    c.close_transport();
    assert_eq!(tasks(), base);
    assert_eq!(io.sockets().adapter().recovery_stats(), None);
}
