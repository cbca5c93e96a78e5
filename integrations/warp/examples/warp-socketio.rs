//! A Socket.IO server on warp: rooms, a chat and an echo with acks, beside an ordinary route.
//!
//! `cargo run -p socketio-warp --example warp-socketio` (`PORT` overrides 3000), then
//! `curl http://127.0.0.1:3000/hello`, and from Node with `socket.io-client`:
//!
//! ```js
//! const socket = io("http://127.0.0.1:3000");
//! socket.emit("join", "rust", (rooms) => console.log("my rooms", rooms));
//! socket.emit("chat", { room: "rust", text: "hi" }); // to the others in the room
//! socket.on("chat", (msg) => console.log(msg));
//! console.log(await socket.emitWithAck("echo", new Uint8Array([1, 2]))); // binary kept
//! ```

use socketio::{AckSender, Data, SocketIo, SocketRef, Value};
use warp::Filter;

/// Node: `io.on("connection", (socket) => { .. })`.
fn on_connect(socket: SocketRef) {
    socket.emit("welcome", socket.id().as_str());
    socket.on(
        "join",
        |socket: SocketRef, Data(room): Data<String>, ack: AckSender| {
            socket.join(&room);
            socket.to(&room).emit("joined", socket.id().as_str());
            ack.send(&socket.rooms());
        },
    );
    socket.on(
        "chat",
        |socket: SocketRef, Data(msg): Data<Value>| match msg["room"].as_str() {
            Some(room) => socket.to(room).emit("chat", &msg),
            None => socket.broadcast().emit("chat", &msg),
        },
    );
    socket.on("echo", |Data(data): Data<Value>, ack: AckSender| {
        ack.send(&data)
    });
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let io = SocketIo::new(Default::default());
    io.on_connection(on_connect);

    let sockets = io.sockets();
    let hello =
        warp::path!("hello").map(move || format!("hello, {} connected\n", sockets.socket_count()));
    println!("listening on http://127.0.0.1:{port} (Socket.IO at /socket.io/, GET /hello)");
    // One server for both: Socket.IO on the engine's websocket stack, the rest to warp.
    // (`warp::serve(socketio_warp::engineio_filter(io).or(hello))` works too, with warp's
    // own, heavier websockets.)
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    socketio_warp::serve(listener, io, warp::service(hello)).await
}
