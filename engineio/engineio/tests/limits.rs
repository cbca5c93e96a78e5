//! Limits of the async layer (issue 7), through `EngineIo::dispatch` with in-memory requests:
//! `max_sessions` refuses handshakes beyond it and frees a place when a session ends; session
//! ids are distinct 20-char base64url strings.

#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use engineio::{CloseReason, Config, Data, Dispatch, EngineIo, Handler, ResponseBody, Socket};
use http_body_util::{BodyExt, Full};

struct Quiet;

impl Handler for Quiet {
    type Connection = Socket;
    fn on_connect(&self, socket: Socket, _now: std::time::Instant) -> Socket {
        socket
    }
    fn on_message(&self, _: &mut Socket, _: Data, _now: std::time::Instant) {}
    fn on_disconnect(&self, _: Socket, _: CloseReason, _now: std::time::Instant) {}
}

async fn call(engine: &EngineIo<Quiet>, method: &str, query: &str, body: &str) -> (u16, String) {
    let req = http::Request::builder()
        .method(method)
        .uri(format!("/engine.io/?{query}"))
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    match engine.dispatch(req).await {
        Dispatch::Response(res) => {
            let status = res.status().as_u16();
            let body: ResponseBody = res.into_body();
            let bytes = body.collect().await.unwrap().to_bytes();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }
        Dispatch::WebSocket { .. } => panic!("not a websocket request"),
    }
}

async fn handshake(engine: &EngineIo<Quiet>) -> Result<String, (u16, String)> {
    let (status, body) = call(engine, "GET", "EIO=4&transport=polling", "").await;
    if status != 200 {
        return Err((status, body));
    }
    // the sid of `0{"sid":"<20 chars>",...}`
    let start = body.find("\"sid\":\"").unwrap() + 7;
    Ok(body[start..start + 20].to_owned())
}

#[tokio::test]
async fn max_sessions_refuses_beyond_the_limit_and_frees_on_close() {
    let engine = EngineIo::new(
        Config {
            max_sessions: Some(2),
            ..Config::default()
        },
        Quiet,
    );
    let a = handshake(&engine).await.unwrap();
    let _b = handshake(&engine).await.unwrap();
    assert_eq!(engine.session_count(), 2);
    assert_eq!(
        handshake(&engine).await,
        Err((
            403,
            r#"{"code":4,"message":"Too many sessions"}"#.to_owned()
        ))
    );
    // the client closes one session: its place is free again
    let q = format!("EIO=4&transport=polling&sid={a}");
    assert_eq!(call(&engine, "POST", &q, "1").await, (200, "ok".into()));
    let mut freed = false;
    for _ in 0..100 {
        if handshake(&engine).await.is_ok() {
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(freed, "no place freed after a close");
}

#[tokio::test]
async fn no_max_sessions_by_default() {
    assert_eq!(Config::default().max_sessions, None);
    let engine = EngineIo::new(Config::default(), Quiet);
    for _ in 0..50 {
        handshake(&engine).await.unwrap();
    }
    assert_eq!(engine.session_count(), 50);
}

#[tokio::test]
async fn session_ids_are_distinct_base64url() {
    let engine = EngineIo::new(Config::default(), Quiet);
    let mut seen = HashSet::new();
    for _ in 0..500 {
        let sid = handshake(&engine).await.unwrap();
        assert_eq!(sid.len(), 20);
        assert!(sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert!(seen.insert(sid), "duplicate session id");
    }
    // 500 ids x 20 chars: every one of the 64 characters shows up (a CSPRNG, not a counter)
    let chars: HashSet<u8> = seen
        .iter()
        .flat_map(|s| s.bytes().collect::<Vec<_>>())
        .collect();
    assert_eq!(chars.len(), 64);
}
