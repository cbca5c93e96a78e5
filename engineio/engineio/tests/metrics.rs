//! The Engine.IO metrics by name and labels, with `metrics-util`'s `DebuggingRecorder` as the
//! global recorder: a polling session (messages and bytes both ways), its upgrade to a real
//! websocket (sessions by transport, upgrades), close reasons, and a panicking handler.
//!
//! The recorder's snapshots reset what they read; every metric here changes by increments
//! only, so the running sum of the snapshots is the current value.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use bytes::Bytes;
use engineio::{CloseReason, Config, Data, Dispatch, EngineIo, Handler, Socket};
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// Echoes every message; "boom" panics. Tells the test when a session ends.
struct Echo {
    closed: mpsc::UnboundedSender<CloseReason>,
}

impl Handler for Echo {
    type Connection = Socket;
    fn on_connect(&self, socket: Socket, _now: std::time::Instant) -> Socket {
        socket
    }
    fn on_message(&self, socket: &mut Socket, data: Data, _now: std::time::Instant) {
        if data == Data::Text("boom".into()) {
            panic!("handler bug");
        }
        let _ = socket.try_send(data);
    }
    fn on_disconnect(&self, _: Socket, reason: CloseReason, _now: std::time::Instant) {
        let _ = self.closed.send(reason);
    }
}

/// `name{k=v,..}` -> the running sum of the snapshots.
struct Totals {
    snapshotter: Snapshotter,
    sums: HashMap<String, f64>,
}

impl Totals {
    fn install() -> Totals {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        recorder.install().unwrap();
        Totals {
            snapshotter,
            sums: HashMap::new(),
        }
    }

    /// The current value of `name` with exactly these labels (0 when never changed).
    fn get(&mut self, name: &str, labels: &[&str]) -> f64 {
        for (key, _, _, value) in self.snapshotter.snapshot().into_vec() {
            let key = key.key();
            let mut l: Vec<String> = key
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            l.sort();
            let value = match value {
                DebugValue::Counter(n) => n as f64,
                DebugValue::Gauge(g) => g.into_inner(),
                DebugValue::Histogram(_) => continue,
            };
            *self
                .sums
                .entry(format!("{}{{{}}}", key.name(), l.join(",")))
                .or_default() += value;
        }
        let mut labels: Vec<&str> = labels.to_vec();
        labels.sort();
        self.sums
            .get(&format!("{name}{{{}}}", labels.join(",")))
            .copied()
            .unwrap_or(0.0)
    }
}

async fn call(engine: &EngineIo<Echo>, method: &str, query: &str, body: &str) -> (u16, String) {
    let req = http::Request::builder()
        .method(method)
        .uri(format!("/engine.io/?{query}"))
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    match engine.dispatch(req).await {
        Dispatch::Response(res) => {
            let status = res.status().as_u16();
            let bytes = res.into_body().collect().await.unwrap().to_bytes();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }
        Dispatch::WebSocket { .. } => panic!("not a websocket request"),
    }
}

async fn handshake(engine: &EngineIo<Echo>) -> String {
    let (status, body) = call(engine, "GET", "EIO=4&transport=polling", "").await;
    assert_eq!(status, 200, "{body}");
    let start = body.find("\"sid\":\"").unwrap() + 7;
    body[start..start + 20].to_owned()
}

// One test: the recorder is global to this binary.
#[tokio::test]
async fn sessions_messages_upgrades_closes_and_panics() {
    let mut m = Totals::install();
    let (tx, mut closed) = mpsc::unbounded_channel();
    let engine = EngineIo::new(Config::default(), Echo { closed: tx });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(engineio::serve(listener, engine.clone()));

    // A polling session: one message each way.
    let sid = handshake(&engine).await;
    let q = format!("EIO=4&transport=polling&sid={sid}");
    assert_eq!(m.get("engineio_sessions", &["transport=polling"]), 1.0);
    assert_eq!(
        m.get("engineio_sessions_opened_total", &["transport=polling"]),
        1.0
    );
    assert_eq!(
        call(&engine, "POST", &q, "4hello").await,
        (200, "ok".into())
    );
    assert_eq!(call(&engine, "GET", &q, "").await, (200, "4hello".into()));
    assert_eq!(m.get("engineio_messages_in_total", &[]), 1.0);
    assert_eq!(m.get("engineio_bytes_in_total", &[]), 5.0);
    assert_eq!(m.get("engineio_messages_out_total", &[]), 1.0);
    assert_eq!(m.get("engineio_bytes_out_total", &[]), 5.0);

    // Its upgrade to a websocket (a poll is held meanwhile, and answered with a noop).
    let poll = {
        let engine = engine.clone();
        let q = q.clone();
        tokio::spawn(async move { call(&engine, "GET", &q, "").await })
    };
    let url = format!("ws://{addr}/engine.io/?EIO=4&transport=websocket&sid={sid}");
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    ws.send(Message::text("2probe")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("3probe"));
    assert_eq!(poll.await.unwrap(), (200, "6".into()));
    ws.send(Message::text("5")).await.unwrap();
    ws.send(Message::text("4again")).await.unwrap();
    // The echo proves the upgrade was handled.
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("4again"));
    assert_eq!(m.get("engineio_upgrades_total", &[]), 1.0);
    assert_eq!(m.get("engineio_sessions", &["transport=polling"]), 0.0);
    assert_eq!(m.get("engineio_sessions", &["transport=websocket"]), 1.0);

    // The client closes its websocket: "transport close".
    ws.close(None).await.unwrap();
    assert_eq!(closed.recv().await, Some(CloseReason::TransportClose));
    assert_eq!(m.get("engineio_sessions", &["transport=websocket"]), 0.0);
    assert_eq!(
        m.get(
            "engineio_sessions_closed_total",
            &["reason=transport close"]
        ),
        1.0
    );

    // A panicking handler closes its session ("forced close") and is counted.
    let sid = handshake(&engine).await;
    let q = format!("EIO=4&transport=polling&sid={sid}");
    call(&engine, "POST", &q, "4boom").await;
    // The close packet goes out with the next poll.
    assert_eq!(call(&engine, "GET", &q, "").await, (200, "6\x1e1".into()));
    assert_eq!(closed.recv().await, Some(CloseReason::ForcedClose));
    assert_eq!(
        m.get("engineio_handler_panics_total", &["callback=on_message"]),
        1.0
    );
    assert_eq!(
        m.get("engineio_sessions_closed_total", &["reason=forced close"]),
        1.0
    );
    assert_eq!(m.get("engineio_sessions", &["transport=polling"]), 0.0);
    server.abort();
}
