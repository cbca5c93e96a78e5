//! `Config::http_compression` through `EngineIo::dispatch` with in-memory requests: which
//! polling answers are compressed (the GET answers, the handshake's included) and which never
//! are (errors, POST `ok`), as Node's engine.io 6.6 does.

#![allow(clippy::unwrap_used)]

use std::io::Read;

use bytes::Bytes;
use engineio::{
    CloseReason, Config, Data, Dispatch, EngineIo, Handler, HttpCompression, ResponseBody, Socket,
};
use flate2::read::{GzDecoder, ZlibDecoder};
use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE};
use http_body_util::{BodyExt, Full};

struct Echo;

impl Handler for Echo {
    type Connection = Socket;
    fn on_connect(&self, socket: Socket, _now: std::time::Instant) -> Socket {
        socket
    }
    fn on_message(&self, socket: &mut Socket, data: Data, _now: std::time::Instant) {
        let _ = socket.try_send(data);
    }
    fn on_disconnect(&self, _: Socket, _: CloseReason, _now: std::time::Instant) {}
}

struct Answer {
    status: u16,
    encoding: Option<String>,
    content_type: Option<String>,
    body: Bytes,
}

impl Answer {
    /// The body with the content coding undone.
    fn decoded(&self) -> String {
        let mut out = String::new();
        match self.encoding.as_deref() {
            None => out = String::from_utf8(self.body.to_vec()).unwrap(),
            Some("gzip") => {
                GzDecoder::new(&self.body[..])
                    .read_to_string(&mut out)
                    .unwrap();
            }
            Some("deflate") => {
                ZlibDecoder::new(&self.body[..])
                    .read_to_string(&mut out)
                    .unwrap();
            }
            Some(other) => panic!("unexpected coding {other}"),
        }
        out
    }
}

async fn call(
    engine: &EngineIo<Echo>,
    method: &str,
    query: &str,
    accept_encoding: Option<&str>,
    body: &str,
) -> Answer {
    let mut req = http::Request::builder()
        .method(method)
        .uri(format!("/engine.io/?{query}"));
    if let Some(value) = accept_encoding {
        req = req.header(ACCEPT_ENCODING, value);
    }
    let req = req.body(Full::new(Bytes::from(body.to_owned()))).unwrap();
    match engine.dispatch(req).await {
        Dispatch::Response(res) => {
            let header = |name| {
                res.headers()
                    .get(name)
                    .map(|v: &http::HeaderValue| v.to_str().unwrap().to_owned())
            };
            let encoding = header(CONTENT_ENCODING);
            let content_type = header(CONTENT_TYPE);
            let status = res.status().as_u16();
            let body: ResponseBody = res.into_body();
            let body = body.collect().await.unwrap().to_bytes();
            Answer {
                status,
                encoding,
                content_type,
                body,
            }
        }
        Dispatch::WebSocket { .. } => panic!("not a websocket request"),
    }
}

fn engine(http_compression: Option<HttpCompression>) -> EngineIo<Echo> {
    EngineIo::new(
        Config {
            http_compression,
            ..Config::default()
        },
        Echo,
    )
}

/// A handshake (with this Accept-Encoding); the sid and the answer.
async fn handshake(engine: &EngineIo<Echo>, accept_encoding: Option<&str>) -> (String, Answer) {
    let answer = call(
        engine,
        "GET",
        "EIO=4&transport=polling",
        accept_encoding,
        "",
    )
    .await;
    assert_eq!(answer.status, 200);
    let text = answer.decoded();
    let start = text.find("\"sid\":\"").unwrap() + 7;
    (text[start..start + 20].to_owned(), answer)
}

/// Sends `message` and polls its echo with this Accept-Encoding.
async fn echo(engine: &EngineIo<Echo>, message: &str, accept_encoding: Option<&str>) -> Answer {
    let (sid, _) = handshake(engine, None).await;
    let q = format!("EIO=4&transport=polling&sid={sid}");
    let post = call(engine, "POST", &q, Some("gzip"), &format!("4{message}")).await;
    assert_eq!(
        (post.status, post.encoding, &post.body[..]),
        (200, None, &b"ok"[..])
    );
    call(engine, "GET", &q, accept_encoding, "").await
}

#[tokio::test]
async fn big_answers_are_compressed_as_the_client_accepts() {
    let engine = engine(Some(HttpCompression::default()));
    let message = "x".repeat(2000);
    for (accept, want) in [
        (Some("gzip"), Some("gzip")),
        (Some("deflate"), Some("deflate")),
        (Some("gzip, deflate, br"), Some("gzip")),
        (Some("deflate, gzip"), Some("deflate")),
        (Some("gzip;q=0, deflate"), Some("deflate")),
        (Some("*"), Some("gzip")),
        (Some("identity"), None),
        (Some("br"), None),
        (None, None),
    ] {
        let answer = echo(&engine, &message, accept).await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.encoding.as_deref(),
            want,
            "Accept-Encoding {accept:?}"
        );
        assert_eq!(
            answer.content_type.as_deref(),
            Some("text/plain; charset=UTF-8")
        );
        assert_eq!(answer.decoded(), format!("4{message}"));
        if want.is_some() {
            assert!(answer.body.len() < 100, "2001 x's compress to a few bytes");
        }
    }
}

#[tokio::test]
async fn threshold_is_the_body_length_in_bytes() {
    let engine = engine(Some(HttpCompression::default()));
    // "4" + 1022 bytes: 1023 bytes, plain; one more, compressed
    let below = echo(&engine, &"x".repeat(1022), Some("gzip")).await;
    assert_eq!((below.encoding, below.body.len()), (None, 1023));
    let at = echo(&engine, &"x".repeat(1023), Some("gzip")).await;
    assert_eq!(at.encoding.as_deref(), Some("gzip"));
    assert_eq!(at.decoded().len(), 1024);
    // counted in UTF-8 bytes: "4" + 341 x "€" (3 bytes each) is 1024 bytes
    let euros = echo(&engine, &"€".repeat(341), Some("gzip")).await;
    assert_eq!(euros.encoding.as_deref(), Some("gzip"));
    assert_eq!(euros.decoded(), format!("4{}", "€".repeat(341)));
}

#[tokio::test]
async fn off_means_never() {
    let engine = engine(None);
    let answer = echo(&engine, &"x".repeat(5000), Some("gzip")).await;
    assert_eq!((answer.encoding, answer.body.len()), (None, 5001));
    let (_, hs) = handshake(&engine, Some("gzip")).await;
    assert_eq!(hs.encoding, None);
}

#[tokio::test]
async fn handshake_is_compressed_only_past_the_threshold() {
    // the open packet is ~100 bytes: plain at the default threshold
    let (_, answer) = handshake(&engine(Some(HttpCompression::default())), Some("gzip")).await;
    assert_eq!(answer.encoding, None);
    // it is a polling answer like any other: compressed when it reaches the threshold
    let all = Some(HttpCompression {
        threshold: 0,
        ..HttpCompression::default()
    });
    let (_, answer) = handshake(&engine(all), Some("deflate")).await;
    assert_eq!(answer.encoding.as_deref(), Some("deflate"));
    assert!(answer.decoded().starts_with("0{\"sid\":\""));
}

#[tokio::test]
async fn errors_and_post_answers_are_never_compressed() {
    let all = Some(HttpCompression {
        threshold: 0,
        ..HttpCompression::default()
    });
    let engine = engine(all);
    // 400 code 1 on a GET, 400 code 0, 400 code 3 for a POST handshake: written plain
    for (method, query) in [
        ("GET", "EIO=4&transport=polling&sid=nope"),
        ("GET", "EIO=4&transport=carrier-pigeon"),
        ("POST", "EIO=4&transport=polling"),
    ] {
        let answer = call(&engine, method, query, Some("gzip"), "").await;
        assert_eq!(answer.status, 400, "{method} {query}");
        assert_eq!(answer.encoding, None, "{method} {query}");
        assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    }
    // POST `ok` (checked in `echo`), and the echo itself is compressed at threshold 0
    let answer = echo(&engine, "hi", Some("gzip")).await;
    assert_eq!(answer.encoding.as_deref(), Some("gzip"));
    assert_eq!(answer.decoded(), "4hi");
}
