//! Engine.IO echo server on axum, with an ordinary `/hello` route on the same port.
//!
//! `cargo run -p socketio-axum --example axum-echo` then connect an Engine.IO client to
//! `http://127.0.0.1:3000` (`curl http://127.0.0.1:3000/hello` answers "hello"). `PORT`
//! overrides the port.

use axum::{routing::get, Router};
use engineio::{CloseReason, Config, Data, EngineIo, Handler, Socket};
use socketio_axum::EngineIoLayer;

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

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let engine = EngineIo::new(Config::default(), Echo);
    let app = Router::new()
        .route("/hello", get(|| async { "hello" }))
        .layer(EngineIoLayer::new(engine));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://127.0.0.1:{port} (Engine.IO at /engine.io/, GET /hello)");
    axum::serve(listener, app).await
}
