//! Node's engine options and events through `EngineIo::dispatch` with in-memory requests:
//! `connection_error` (code, message, context), `generateId`, `addTrailingSlash`, the
//! `compress` send option of polling answers and the close `description`.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use bytes::Bytes;
use engineio::{
    CloseReason, Config, Data, Dispatch, EngineIo, ErrorContext, Handler, ResponseBody,
    SendOptions, Socket,
};
use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
use http_body_util::{BodyExt, Full};
use parking_lot::Mutex;
use tokio::sync::mpsc;

/// Echoes messages, with compress off for messages starting with `plain:`; reports every
/// close with its description.
struct Echo {
    closed: mpsc::UnboundedSender<(CloseReason, Option<String>)>,
}

impl Handler for Echo {
    type Connection = Socket;
    fn on_connect(&self, socket: Socket, _now: std::time::Instant) -> Socket {
        socket
    }
    fn on_message(&self, socket: &mut Socket, data: Data, _now: std::time::Instant) {
        let plain = matches!(&data, Data::Text(t) if t.starts_with("plain:"));
        let options = SendOptions { compress: !plain };
        let _ = socket.try_send_all_with(&[data], options);
    }
    fn on_disconnect(&self, socket: Socket, reason: CloseReason, _now: std::time::Instant) {
        let description = socket.close_description().map(str::to_owned);
        let _ = self.closed.send((reason, description));
    }
}

/// (code, message, context, method) of a `connection_error`.
type Heard = (u8, &'static str, ErrorContext, String);

struct Server {
    engine: EngineIo<Echo>,
    closed: mpsc::UnboundedReceiver<(CloseReason, Option<String>)>,
    errors: Arc<Mutex<Vec<Heard>>>,
}

fn server(config: Config) -> Server {
    let (tx, closed) = mpsc::unbounded_channel();
    let engine = EngineIo::new(config, Echo { closed: tx });
    let errors: Arc<Mutex<Vec<_>>> = Arc::default();
    let log = errors.clone();
    engine.on_connection_error(move |err| {
        log.lock().push((
            err.code,
            err.message,
            err.context.clone(),
            err.req.method.to_string(),
        ));
    });
    Server {
        engine,
        closed,
        errors,
    }
}

impl Server {
    fn take_errors(&self) -> Vec<Heard> {
        std::mem::take(&mut *self.errors.lock())
    }
}

struct Answer {
    status: u16,
    encoding: Option<String>,
    body: Bytes,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).unwrap()
    }
}

fn request(method: &str, uri: &str) -> http::request::Builder {
    http::Request::builder().method(method).uri(uri)
}

async fn send(engine: &EngineIo<Echo>, req: http::Request<Full<Bytes>>) -> Answer {
    match engine.dispatch(req).await {
        Dispatch::Response(res) => {
            let encoding = res
                .headers()
                .get(CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap().to_owned());
            let status = res.status().as_u16();
            let body: ResponseBody = res.into_body();
            let body = body.collect().await.unwrap().to_bytes();
            Answer {
                status,
                encoding,
                body,
            }
        }
        Dispatch::WebSocket { .. } => panic!("not a websocket request"),
    }
}

async fn call(engine: &EngineIo<Echo>, method: &str, uri: &str, body: &str) -> Answer {
    let req = request(method, uri)
        .header(ACCEPT_ENCODING, "gzip")
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    send(engine, req).await
}

async fn handshake(engine: &EngineIo<Echo>) -> String {
    let answer = call(engine, "GET", "/engine.io/?EIO=4&transport=polling", "").await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let text = answer.text();
    let start = text.find("\"sid\":\"").unwrap() + 7;
    text[start..start + 20].to_owned()
}

fn polling(sid: &str) -> String {
    format!("/engine.io/?EIO=4&transport=polling&sid={sid}")
}

// ----- connection_error -----

#[tokio::test]
async fn connection_error_reports_every_routing_refusal_with_nodes_code_and_context() {
    let s = server(Config::default());
    let cases: [(&str, &str, u8, ErrorContext); 4] = [
        (
            "GET",
            "/engine.io/?EIO=4&transport=carrier-pigeon",
            0,
            ErrorContext::UnknownTransport {
                transport: Some("carrier-pigeon".into()),
            },
        ),
        (
            "GET",
            "/engine.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA",
            1,
            ErrorContext::UnknownSid {
                sid: "AAAAAAAAAAAAAAAAAAAA".into(),
            },
        ),
        (
            "PUT",
            "/engine.io/?EIO=4&transport=polling",
            2,
            ErrorContext::BadHandshakeMethod {
                method: "PUT".into(),
            },
        ),
        (
            "GET",
            "/engine.io/?EIO=4&transport=websocket",
            3,
            ErrorContext::TransportHandshakeError,
        ),
    ];
    for (method, uri, code, context) in cases {
        let answer = call(&s.engine, method, uri, "").await;
        assert_eq!(answer.status, 400, "{uri}");
        let messages = [
            "Transport unknown",
            "Session ID unknown",
            "Bad handshake method",
            "Bad request",
        ];
        let message = messages[usize::from(code)];
        assert_eq!(
            answer.text(),
            format!("{{\"code\":{code},\"message\":\"{message}\"}}")
        );
        assert_eq!(
            s.take_errors(),
            vec![(code, message, context, method.to_owned())],
            "{method} {uri}"
        );
    }
    // A good handshake reports nothing.
    handshake(&s.engine).await;
    assert!(s.take_errors().is_empty());
}

#[tokio::test]
async fn connection_error_reports_an_unsupported_protocol_version_with_the_protocol() {
    let s = server(Config::default());
    let answer = call(&s.engine, "GET", "/engine.io/?EIO=3&transport=polling", "").await;
    assert_eq!(answer.status, 400);
    let [(code, message, context, _)] = <[_; 1]>::try_from(s.take_errors()).unwrap();
    assert_eq!((code, message), (5, "Unsupported protocol version"));
    assert_eq!(
        context,
        ErrorContext::UnsupportedProtocolVersion {
            protocol: engineio::ProtocolVersion::V3
        }
    );
}

#[tokio::test]
async fn connection_error_reports_a_refusal_of_allow_request_with_its_message() {
    let config = Config::default().with_allow_request(|parts| {
        let bot = parts.headers.contains_key("x-bot");
        async move {
            if bot {
                Err("no bots".to_owned())
            } else {
                Err(String::new())
            }
        }
    });
    let s = server(config);
    let req = request("GET", "/engine.io/?EIO=4&transport=polling")
        .header("x-bot", "1")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let answer = send(&s.engine, req).await;
    assert_eq!(
        (answer.status, answer.text().as_str()),
        (403, r#"{"code":4,"message":"no bots"}"#)
    );
    let answer = call(&s.engine, "GET", "/engine.io/?EIO=4&transport=polling", "").await;
    assert_eq!(answer.status, 403);
    let errors = s.take_errors();
    let summary: Vec<_> = errors.iter().map(|e| (e.0, e.1, e.2.clone())).collect();
    assert_eq!(
        summary,
        vec![
            (
                4,
                "Forbidden",
                ErrorContext::Forbidden {
                    message: Some("no bots".into())
                }
            ),
            (4, "Forbidden", ErrorContext::Forbidden { message: None }),
        ]
    );
}

#[tokio::test]
async fn connection_error_config_listener_and_later_listeners_all_hear_a_refusal() {
    let heard: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let log = heard.clone();
    let config = Config::default().with_connection_error(move |_| log.lock().push("config"));
    let s = server(config);
    let log = heard.clone();
    s.engine
        .on_connection_error(move |_| log.lock().push("later"));
    call(&s.engine, "GET", "/engine.io/?EIO=4", "").await;
    assert_eq!(*heard.lock(), ["config", "later"]);
    assert_eq!(s.take_errors().len(), 1);
}

#[tokio::test]
async fn connection_error_reports_polling_after_the_session_closed_as_unknown_sid() {
    let s = server(Config::default());
    let sid = handshake(&s.engine).await;
    // The client closes the session.
    let post = call(&s.engine, "POST", &polling(&sid), "1").await;
    assert_eq!(post.text(), "ok");
    let mut s = s;
    assert_eq!(
        s.closed.recv().await,
        Some((CloseReason::TransportClose, None))
    );
    let late = call(&s.engine, "GET", &polling(&sid), "").await;
    assert_eq!(late.status, 400);
    let errors = s.take_errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].2, ErrorContext::UnknownSid { sid });
}

// ----- generate_id -----

#[tokio::test]
async fn generate_id_names_the_session_and_its_requests_work() {
    let config = Config::default().with_generate_id(|parts| {
        let tenant = parts
            .headers
            .get("x-tenant")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none")
            .to_owned();
        async move { Ok(format!("{tenant:-<20}")) }
    });
    let s = server(config);
    let req = request("GET", "/engine.io/?EIO=4&transport=polling")
        .header("x-tenant", "acme")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let answer = send(&s.engine, req).await;
    assert!(
        answer
            .text()
            .starts_with(r#"0{"sid":"acme----------------""#),
        "{}",
        answer.text()
    );
    let sid = "acme----------------";
    assert_eq!(
        call(&s.engine, "POST", &polling(sid), "4hi").await.text(),
        "ok"
    );
    assert_eq!(
        call(&s.engine, "GET", &polling(sid), "").await.text(),
        "4hi"
    );
}

#[tokio::test]
async fn generate_id_an_invalid_or_taken_id_or_an_error_refuses_the_handshake_with_code_3() {
    let ids = Arc::new(Mutex::new(vec![
        Err("database down".to_owned()),
        Ok("same-id-for-everyone".to_owned()),
        Ok("same-id-for-everyone".to_owned()),
        Ok("short".to_owned()),
        Ok("has/slash/and+plus12".to_owned()),
        Ok(String::new()),
    ]));
    let next = ids.clone();
    let config = Config::default().with_generate_id(move |_| {
        let id = next.lock().remove(0);
        async move { id }
    });
    let s = server(config);
    let hs = "/engine.io/?EIO=4&transport=polling";
    let refused = r#"{"code":3,"message":"Bad request"}"#;
    // The generator fails.
    let answer = call(&s.engine, "GET", hs, "").await;
    assert_eq!((answer.status, answer.text().as_str()), (400, refused));
    // A good id, then the same one while its session lives.
    assert!(call(&s.engine, "GET", hs, "")
        .await
        .text()
        .starts_with("0{"));
    let answer = call(&s.engine, "GET", hs, "").await;
    assert_eq!((answer.status, answer.text().as_str()), (400, refused));
    // Ids that are not 20 characters of A-Z a-z 0-9 - _.
    for _ in 0..3 {
        let answer = call(&s.engine, "GET", hs, "").await;
        assert_eq!((answer.status, answer.text().as_str()), (400, refused));
    }
    assert_eq!(s.engine.session_count(), 1);
    let errors = s.take_errors();
    assert_eq!(errors.len(), 5);
    for (code, message, context, _) in &errors {
        assert_eq!((*code, *message), (3, "Bad request"));
        assert_eq!(context.name(), Some("ID_GENERATION_ERROR"));
    }
    let ErrorContext::IdGenerationError { error } = &errors[0].2 else {
        panic!("{errors:?}");
    };
    assert_eq!(error, "database down");
    let ErrorContext::IdGenerationError { error } = &errors[1].2 else {
        panic!("{errors:?}");
    };
    assert!(error.contains("in use"), "{error}");
}

// ----- add_trailing_slash -----

#[test]
fn add_trailing_slash_true_matches_path_slash_prefix_only_as_node() {
    let (tx, _rx) = mpsc::unbounded_channel();
    let engine = EngineIo::new(Config::default(), Echo { closed: tx });
    for (path, want) in [
        ("/engine.io/", true),
        ("/engine.io/x/y", true),
        ("/engine.io", false),
        ("/engine.iox", false),
        ("/ENGINE.IO/", false),
        ("/other/engine.io/", false),
    ] {
        assert_eq!(engine.matches(path), want, "{path}");
    }
}

#[test]
fn add_trailing_slash_false_matches_the_bare_path_prefix_as_node() {
    for configured in ["/socket.io", "/socket.io/"] {
        let (tx, _rx) = mpsc::unbounded_channel();
        let config = Config {
            path: configured.into(),
            add_trailing_slash: false,
            ..Config::default()
        };
        let engine = EngineIo::new(config, Echo { closed: tx });
        for (path, want) in [
            ("/socket.io", true),
            ("/socket.io/", true),
            // Node's check is a string prefix: this is the server's too.
            ("/socket.iox", true),
            ("/socket.i", false),
            ("/engine.io/", false),
        ] {
            assert_eq!(engine.matches(path), want, "{configured}: {path}");
        }
    }
}

#[tokio::test]
async fn add_trailing_slash_false_serves_a_handshake_without_the_slash() {
    let s = server(Config {
        add_trailing_slash: false,
        ..Config::default()
    });
    let answer = call(&s.engine, "GET", "/engine.io?EIO=4&transport=polling", "").await;
    assert_eq!(answer.status, 200);
    assert!(answer.text().starts_with("0{\"sid\":"));
}

// ----- initial_packet -----

#[tokio::test]
async fn initial_packet_is_the_first_message_after_the_open_packet_as_node() {
    let s = server(Config {
        initial_packet: Some(Data::Text("welcome".into())),
        ..Config::default()
    });
    let answer = call(&s.engine, "GET", "/engine.io/?EIO=4&transport=polling", "").await;
    let text = answer.text();
    assert!(text.starts_with("0{\"sid\":"), "{text}");
    assert!(text.ends_with("}\u{1e}4welcome"), "{text}");
    let sid = &text[9..29];
    assert_eq!(
        call(&s.engine, "POST", &polling(sid), "4hi").await.text(),
        "ok"
    );
    assert_eq!(
        call(&s.engine, "GET", &polling(sid), "").await.text(),
        "4hi"
    );
}

// ----- compress -----

#[tokio::test]
async fn compress_false_messages_make_an_uncompressed_answer_above_the_threshold() {
    let s = server(Config::default());
    let sid = handshake(&s.engine).await;
    let big = "y".repeat(3000);
    call(&s.engine, "POST", &polling(&sid), &format!("4plain:{big}")).await;
    let answer = call(&s.engine, "GET", &polling(&sid), "").await;
    assert_eq!(answer.encoding, None);
    assert_eq!(answer.text(), format!("4plain:{big}"));
    // The same size with the default option is compressed.
    call(&s.engine, "POST", &polling(&sid), &format!("4gzip:{big}")).await;
    let answer = call(&s.engine, "GET", &polling(&sid), "").await;
    assert_eq!(answer.encoding.as_deref(), Some("gzip"));
    // One default message in the payload is enough, as in Node.
    let both = format!("4plain:{big}\u{1e}4x");
    call(&s.engine, "POST", &polling(&sid), &both).await;
    let answer = call(&s.engine, "GET", &polling(&sid), "").await;
    assert_eq!(answer.encoding.as_deref(), Some("gzip"));
}

// ----- close description -----

#[tokio::test]
async fn a_second_get_closes_with_transport_error_described_overlap_from_client() {
    let mut s = server(Config::default());
    let sid = handshake(&s.engine).await;
    let uri = polling(&sid);
    // Whichever GET the session takes first is held; the other is the overlap.
    let (a, b) = tokio::join!(
        call(&s.engine, "GET", &uri, ""),
        call(&s.engine, "GET", &uri, "")
    );
    let mut answers = [(a.status, a.text()), (b.status, b.text())];
    answers.sort();
    assert_eq!(answers, [(200, "1".to_owned()), (400, String::new())]);
    assert_eq!(
        s.closed.recv().await,
        Some((
            CloseReason::TransportError,
            Some("overlap from client".into())
        ))
    );
}
