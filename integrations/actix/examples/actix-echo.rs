//! Engine.IO echo server on actix-web, with an ordinary `/hello` route on the same port.
//!
//! `cargo run -p socketio-actix --example actix-echo` then connect an Engine.IO client to
//! `http://127.0.0.1:3000` (`curl http://127.0.0.1:3000/hello` answers "hello"). `PORT`
//! overrides the port.

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

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    // One engine for all workers, created outside the factory.
    let engine = EngineIo::new(Config::default(), Echo);
    let server = HttpServer::new(move || {
        App::new()
            .configure(socketio_actix::configure(engine.clone()))
            .route("/hello", web::get().to(|| async { "hello" }))
    })
    .bind(("127.0.0.1", port))?;
    println!("listening on http://127.0.0.1:{port} (Engine.IO at /engine.io/, GET /hello)");
    server.run().await
}
