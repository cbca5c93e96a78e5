//! The metrics of the Socket.IO layer (and the Engine.IO queue-full counter underneath), by
//! name and labels, with `metrics-util`'s `DebuggingRecorder` installed as the global recorder:
//! sockets and rooms by namespace, packets in and out, broadcasts, ack timeouts, disconnect
//! reasons, refused CONNECTs, handler panics, volatile and queue-full drops, recovery sessions.
//!
//! The recorder is global and its snapshots reset what they read (counters and gauges alike);
//! every metric here is changed by increments only, so the running sum of the snapshots is the
//! current value. The tests of this file share the recorder: each holds a lock and measures
//! what changed while it ran.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashMap;
use std::sync::OnceLock;

use engineio::CloseReason;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use parking_lot::Mutex;
use serde_json::json;
use socketio::{AckSender, Args, MiddlewareError, SocketIo, SocketRef};
use support::{ms, Harness};

/// A metric: name and labels (`k=v`, sorted).
type Series = (String, Vec<String>);

struct Recorder {
    snapshotter: Snapshotter,
    totals: Mutex<HashMap<Series, f64>>,
}

fn recorder() -> &'static Recorder {
    static RECORDER: OnceLock<Recorder> = OnceLock::new();
    RECORDER.get_or_init(|| {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        recorder
            .install()
            .expect("no other recorder in this test binary");
        Recorder {
            snapshotter,
            totals: Mutex::default(),
        }
    })
}

/// Runs one test at a time (each on its own runtime: an async lock); installs the recorder
/// before any server is built.
async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    recorder();
    SERIAL.lock().await
}

/// The current value of every series.
fn totals() -> HashMap<Series, f64> {
    let r = recorder();
    let mut totals = r.totals.lock();
    for (key, _, _, value) in r.snapshotter.snapshot().into_vec() {
        let key = key.key();
        let mut labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        labels.sort();
        let value = match value {
            DebugValue::Counter(n) => n as f64,
            DebugValue::Gauge(g) => g.into_inner(),
            DebugValue::Histogram(_) => continue,
        };
        *totals.entry((key.name().to_owned(), labels)).or_default() += value;
    }
    totals.clone()
}

/// What changed since `before`: `name{labels}` -> delta, the unchanged left out.
struct Delta(HashMap<Series, f64>);

impl Delta {
    fn since(before: &HashMap<Series, f64>) -> Delta {
        let after = totals();
        let mut delta = HashMap::new();
        for (k, v) in after {
            let d = v - before.get(&k).copied().unwrap_or(0.0);
            if d != 0.0 {
                delta.insert(k, d);
            }
        }
        Delta(delta)
    }

    /// The change of `name` with exactly these labels (0 when unchanged).
    fn get(&self, name: &str, labels: &[&str]) -> f64 {
        let mut labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        labels.sort();
        self.0
            .get(&(name.to_owned(), labels))
            .copied()
            .unwrap_or(0.0)
    }

    /// Every series that changed, for failure messages.
    fn dump(&self) -> String {
        let mut lines: Vec<String> = self
            .0
            .iter()
            .map(|((n, l), v)| format!("{n}{{{}}} {v}", l.join(",")))
            .collect();
        lines.sort();
        lines.join("\n")
    }
}

fn server() -> SocketIo {
    let io = SocketIo::builder().max_buffered_packets(4).build();
    io.ns("/m", |s: SocketRef| {
        s.on("echo", |Args(args): Args, ack: AckSender| {
            ack.send_args(args)
        });
        s.on(
            "join",
            |s: SocketRef, socketio::Data(room): socketio::Data<String>| s.join(room),
        );
        s.on(
            "leave",
            |s: SocketRef, socketio::Data(room): socketio::Data<String>| s.leave(room),
        );
        s.on("shout", |s: SocketRef, Args(args): Args| {
            s.nsp().emit_args("heard", args)
        });
    });
    io.of("/private")
        .use_middleware(|_s: SocketRef| async { Err(MiddlewareError::new("nope")) });
    io.ns("/boom", |_s: SocketRef| -> () {
        panic!("connection handler bug")
    });
    io
}

#[tokio::test(start_paused = true)]
async fn sockets_rooms_and_packets_by_namespace() {
    let _serial = serial().await;
    let before = totals();
    let h = Harness::new(server());
    let a = h.client();
    a.join("/m");
    let b = h.client();
    b.join("/m");
    // Joined: 2 sockets, 2 rooms (each socket's own), 2 CONNECTs in, 2 replies out.
    let d = Delta::since(&before);
    assert_eq!(
        d.get("socketio_sockets", &["namespace=/m"]),
        2.0,
        "{}",
        d.dump()
    );
    assert_eq!(
        d.get("socketio_sockets_connected_total", &["namespace=/m"]),
        2.0
    );
    assert_eq!(d.get("socketio_rooms", &["namespace=/m"]), 2.0);
    assert_eq!(d.get("socketio_packets_in_total", &[]), 2.0);
    assert_eq!(d.get("socketio_packets_out_total", &[]), 2.0);

    a.emit("/m", "join", json!(["lobby"]), None);
    b.emit("/m", "join", json!(["lobby"]), None);
    a.emit("/m", "echo", json!([1]), Some(7));
    assert_eq!(a.expect_ack("/m", 7), [support::v(json!(1))]);
    a.emit("/m", "shout", json!(["hi"]), None);
    a.expect_event("/m", "heard");
    b.expect_event("/m", "heard");
    let d = Delta::since(&before);
    assert_eq!(
        d.get("socketio_rooms", &["namespace=/m"]),
        3.0,
        "{}",
        d.dump()
    );
    // 2 CONNECTs, 2 joins, 1 echo, 1 shout in; 2 replies, 1 ack, 2 deliveries out.
    assert_eq!(d.get("socketio_packets_in_total", &[]), 6.0);
    assert_eq!(d.get("socketio_packets_out_total", &[]), 5.0);
    assert_eq!(d.get("socketio_broadcasts_total", &[]), 1.0);

    // The client leaves the namespace; the other's transport closes.
    b.disconnect("/m");
    a.close_transport();
    h.settle().await;
    let d = Delta::since(&before);
    assert_eq!(
        d.get("socketio_sockets", &["namespace=/m"]),
        0.0,
        "{}",
        d.dump()
    );
    assert_eq!(d.get("socketio_rooms", &["namespace=/m"]), 0.0);
    assert_eq!(
        d.get(
            "socketio_disconnects_total",
            &["reason=client namespace disconnect"]
        ),
        1.0
    );
    assert_eq!(
        d.get("socketio_disconnects_total", &["reason=transport close"]),
        1.0
    );
}

#[tokio::test(start_paused = true)]
async fn refusals_panics_and_server_disconnect_reasons() {
    let _serial = serial().await;
    let before = totals();
    let h = Harness::new(server());
    let c = h.client();
    c.connect("/nowhere");
    c.expect_connect_error("/nowhere");
    c.connect("/private");
    h.settle().await;
    c.expect_connect_error("/private");
    let d = Delta::since(&before);
    assert_eq!(
        d.get(
            "socketio_connects_refused_total",
            &["reason=invalid_namespace"]
        ),
        1.0,
        "{}",
        d.dump()
    );
    assert_eq!(
        d.get("socketio_connects_refused_total", &["reason=middleware"]),
        1.0
    );
    assert_eq!(d.get("socketio_sockets", &["namespace=/private"]), 0.0);

    c.join("/m");
    c.server_socket("/m").disconnect();
    c.expect_disconnect("/m");
    let other = h.client();
    other.join("/m");
    other.end_session(CloseReason::PingTimeout);
    let boom = h.client();
    boom.connect("/boom");
    h.settle().await;
    let d = Delta::since(&before);
    assert_eq!(
        d.get(
            "socketio_disconnects_total",
            &["reason=server namespace disconnect"]
        ),
        1.0,
        "{}",
        d.dump()
    );
    assert_eq!(
        d.get("socketio_disconnects_total", &["reason=ping timeout"]),
        1.0
    );
    assert_eq!(
        d.get("socketio_handler_panics_total", &["handler=connection"]),
        1.0
    );
}

#[tokio::test(start_paused = true)]
async fn ack_timeouts_volatile_and_queue_full_drops() {
    let _serial = serial().await;
    let before = totals();
    let h = Harness::new(server());
    let c = h.client();
    c.join("/m");
    let socket = c.server_socket("/m");

    // An emit with ack the client never answers.
    let ack = socket.timeout(ms(100)).emit_with_ack("question", &1);
    c.expect_event_with_ack("/m", "question");
    h.advance(150).await;
    assert!(h.wait(ack).await.is_err());

    // The connection's outgoing buffer is full: a volatile emit is dropped, another fails.
    c.set_buffered(4);
    socket.volatile().emit("tick", &1);
    assert!(socket.try_emit("tock", &1).is_err());
    let d = Delta::since(&before);
    assert_eq!(
        d.get("socketio_ack_timeouts_total", &[]),
        1.0,
        "{}",
        d.dump()
    );
    assert_eq!(d.get("socketio_volatile_drops_total", &[]), 1.0);
    assert_eq!(d.get("engineio_queue_full_total", &["queue=buffer"]), 1.0);
}

#[tokio::test(start_paused = true)]
async fn recovery_sessions_follow_persist_restore_and_expiry() {
    let _serial = serial().await;
    let before = totals();
    let io = SocketIo::builder()
        .connection_state_recovery(socketio::ConnectionStateRecovery {
            max_disconnection_duration: std::time::Duration::from_secs(2),
            ..Default::default()
        })
        .build();
    io.ns("/r", |_s: SocketRef| {});
    let h = Harness::new(io.clone());
    let pid_of = |c: &support::TestClient| {
        c.connect("/r");
        let reply = c.next_packet();
        reply
            .data
            .unwrap()
            .get("pid")
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    };
    let a = h.client();
    let a_pid = pid_of(&a);
    let b = h.client();
    pid_of(&b);
    io.of("/r").emit("n", &1);
    let offset = a.expect_event("/r", "n")[1].as_str().unwrap().to_owned();
    a.close_transport();
    b.close_transport();
    let d = Delta::since(&before);
    assert_eq!(
        d.get("socketio_recovery_sessions", &["namespace=/r"]),
        2.0,
        "{}",
        d.dump()
    );
    // One comes back: one left.
    let back = h.client();
    back.connect_with("/r", json!({ "pid": a_pid, "offset": offset }));
    h.settle().await;
    let d = Delta::since(&before);
    assert_eq!(d.get("socketio_recovery_sessions", &["namespace=/r"]), 1.0);
    assert_eq!(
        d.get("socketio_recovery_attempts_total", &["outcome=recovered"]),
        1.0
    );
    // The other expires: the timer removes it, and the gauge follows.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let d = Delta::since(&before);
    assert_eq!(
        d.get("socketio_recovery_sessions", &["namespace=/r"]),
        0.0,
        "{}",
        d.dump()
    );
}
