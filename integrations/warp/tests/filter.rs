//! The filter composes with other filters.

use engineio::{CloseReason, Config, Data, EngineIo, Handler, Socket};
use warp::Filter;

struct Echo;

impl Handler for Echo {
    type Connection = Socket;

    fn on_connect(&self, socket: Socket, _now: std::time::Instant) -> Socket {
        socket
    }

    fn on_message(&self, socket: &mut Socket, data: Data, _now: std::time::Instant) {
        let _ = socket.try_send(data);
    }

    fn on_disconnect(&self, _socket: Socket, _reason: CloseReason, _now: std::time::Instant) {}
}

#[tokio::test]
async fn composes_with_or() {
    let engine = EngineIo::new(Config::default(), Echo);
    let hello = warp::path!("hello").map(|| "hello");
    let routes = socketio_warp::engineio_filter(engine).or(hello);

    let res = warp::test::request()
        .path("/engine.io/?EIO=4&transport=polling")
        .reply(&routes)
        .await;
    assert_eq!(res.status(), 200);
    let body = String::from_utf8_lossy(res.body()).into_owned();
    assert!(body.starts_with("0{\"sid\":"), "{body}");
    let sid = body
        .split("\"sid\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("sid");

    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let res = warp::test::request()
        .method("POST")
        .path(&path)
        .body("4hi")
        .reply(&routes)
        .await;
    assert_eq!(
        (res.status().as_u16(), res.body().as_ref()),
        (200, &b"ok"[..])
    );
    let res = warp::test::request().path(&path).reply(&routes).await;
    assert_eq!(
        (res.status().as_u16(), res.body().as_ref()),
        (200, &b"4hi"[..])
    );

    let res = warp::test::request().path("/hello").reply(&routes).await;
    assert_eq!(
        (res.status().as_u16(), res.body().as_ref()),
        (200, &b"hello"[..])
    );
    let res = warp::test::request().path("/nope").reply(&routes).await;
    assert_eq!(res.status(), 404);
}
