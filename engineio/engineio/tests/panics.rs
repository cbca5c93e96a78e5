//! A panicking application callback must not leak its session: the session is closed and
//! unregistered, `on_disconnect` still runs, and the server keeps serving.

#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use engineio::{CloseReason, Config, Data, Dispatch, EngineIo, Handler, Socket};
use http_body_util::{BodyExt, Full};

#[derive(Clone, Default)]
struct Panicky {
    disconnects: Arc<AtomicUsize>,
}

impl Handler for Panicky {
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
    fn on_disconnect(&self, _: Socket, _: CloseReason, _now: std::time::Instant) {
        self.disconnects.fetch_add(1, Ordering::SeqCst);
    }
}

async fn call(engine: &EngineIo<Panicky>, method: &str, query: &str, body: &str) -> (u16, String) {
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

async fn handshake(engine: &EngineIo<Panicky>) -> String {
    let (status, body) = call(engine, "GET", "EIO=4&transport=polling", "").await;
    assert_eq!(status, 200, "{body}");
    let start = body.find("\"sid\":\"").unwrap() + 7;
    body[start..start + 20].to_owned()
}

#[tokio::test]
async fn a_panicking_handler_closes_and_unregisters_its_session() {
    let app = Panicky::default();
    let engine = EngineIo::new(Config::default(), app.clone());
    let sid = handshake(&engine).await;
    let other = handshake(&engine).await;
    assert_eq!(engine.session_count(), 2);

    let q = format!("EIO=4&transport=polling&sid={sid}");
    let (status, body) = call(&engine, "POST", &q, "4boom").await;
    assert_eq!((status, body.as_str()), (200, "ok"));

    // The session is closed: the next GET carries the close packet (as any server close on
    // polling), then the session is gone.
    let (status, body) = call(&engine, "GET", &q, "").await;
    assert_eq!((status, body.as_str()), (200, "6\x1e1"));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while engine.session_count() != 1 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(engine.session_count(), 1, "the panicking session is gone");
    assert_eq!(
        app.disconnects.load(Ordering::SeqCst),
        1,
        "on_disconnect ran"
    );
    let (status, body) = call(&engine, "GET", &q, "").await;
    assert_eq!(status, 400);
    assert_eq!(body, r#"{"code":1,"message":"Session ID unknown"}"#);

    // The other session is untouched and still echoes.
    let q = format!("EIO=4&transport=polling&sid={other}");
    assert_eq!(call(&engine, "POST", &q, "4still here").await.1, "ok");
    assert_eq!(call(&engine, "GET", &q, "").await.1, "4still here");
}
