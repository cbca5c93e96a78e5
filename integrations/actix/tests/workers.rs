//! A polling session whose requests land on different actix workers (each a single-threaded
//! runtime) still works: the session task lives on one worker, the others reach it over
//! channels.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use actix_web::dev::Service;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, App, HttpServer};
use engineio::{CloseReason, Config, Data, EngineIo, Handler, Socket};

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

/// Starts a 2-worker server on a free port; every response says which worker thread wrote it.
fn start() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let engine = EngineIo::new(Config::default(), Echo);
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                App::new()
                    .wrap_fn(|req, srv| {
                        let fut = srv.call(req);
                        async move {
                            let mut res = fut.await?;
                            let worker = format!("{:?}", std::thread::current().id());
                            if let Ok(value) = HeaderValue::from_str(&worker) {
                                res.headers_mut()
                                    .insert(HeaderName::from_static("x-worker"), value);
                            }
                            Ok(res)
                        }
                    })
                    .configure(socketio_actix::configure(engine.clone()))
                    .route("/hello", web::get().to(|| async { "hello" }))
            })
            .workers(2)
            .disable_signals()
            .listen(listener)
            .expect("listen")
            .run()
            .await
        })
    });
    port
}

/// One request on a fresh connection: (status, x-worker, body).
fn request(port: u16, method: &str, path: &str, body: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("write");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("response head");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let worker = head
        .lines()
        .find_map(|l| l.strip_prefix("x-worker: "))
        .unwrap_or_default()
        .to_owned();
    (status, worker, body.to_owned())
}

#[test]
fn polling_session_across_workers() {
    let port = start();
    // The listener is bound: wait until the workers answer.
    let mut ready = false;
    for _ in 0..50 {
        if std::panic::catch_unwind(|| request(port, "GET", "/hello", "")).is_ok() {
            ready = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(ready, "server did not start");

    let (status, first_worker, body) =
        request(port, "GET", "/engine.io/?EIO=4&transport=polling", "");
    assert_eq!(status, 200, "{body}");
    let sid = body
        .split("\"sid\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("sid")
        .to_owned();
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let mut workers = HashSet::from([first_worker]);
    for i in 0..8 {
        let (status, worker, body) = request(port, "POST", &path, &format!("4msg{i}"));
        assert_eq!((status, body.as_str()), (200, "ok"));
        workers.insert(worker);
        let (status, worker, body) = request(port, "GET", &path, "");
        assert_eq!((status, body), (200, format!("4msg{i}")));
        workers.insert(worker);
    }
    assert!(
        workers.len() >= 2,
        "all requests were served by {workers:?}"
    );

    let (status, _, body) = request(port, "GET", "/hello", "");
    assert_eq!((status, body.as_str()), (200, "hello"));
    let (status, _, _) = request(port, "GET", "/engine.io-not/", "");
    assert_eq!(status, 404);
}
