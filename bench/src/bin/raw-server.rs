//! `raw-server --port P`: the ceiling. A plain tokio-tungstenite websocket server that answers
//! the benchmark's wire packets by string manipulation, with no Engine.IO or Socket.IO layer:
//!
//! - on connect: an Engine.IO open packet `0{"sid":..,..}`;
//! - `40` -> `40{"sid":"..."}`;
//! - `42<id>["echo",args..]` -> `43<id>[args..]`;
//! - `42["broadcast",x]` -> `42["msg",x]` to every connection (encoded once, the same `Bytes`
//!   cloned per connection, through a tokio broadcast channel);
//! - everything else (pongs `3`, ...) is ignored. It sends no pings and does not time out
//!   peers; it has no polling transport (the polling scenario skips it).
//!
//! Writes are batched: frames available at once are written with one flush. Websocket read
//! buffers are 4 KiB (tungstenite's 128 KiB default is zero-filled on every read). Prints
//! `listening on 127.0.0.1:P` when ready.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

/// Broadcasts a slow connection may lag behind before it loses some.
const BROADCAST_CAPACITY: usize = 4096;

struct Shared {
    broadcast: broadcast::Sender<Utf8Bytes>,
    next_sid: AtomicU64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut port = 3000u16;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next().map(|v| v.parse::<u16>())) {
            ("--port", Some(Ok(p))) => port = p,
            _ => {
                eprintln!("usage: raw-server --port P");
                return ExitCode::from(2);
            }
        }
    }
    let listener = match TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("raw-server: bind 127.0.0.1:{port}: {e}");
            return ExitCode::from(1);
        }
    };
    let shared = Arc::new(Shared {
        broadcast: broadcast::channel(BROADCAST_CAPACITY).0,
        next_sid: AtomicU64::new(1),
    });
    println!("listening on 127.0.0.1:{port}");
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                // Out of file descriptors and the like: wait a little and go on.
                eprintln!("raw-server: accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            // 4 KiB read buffers: tungstenite's default (128 KiB) is zero-filled on every read
            // and costs 128 KiB of resident memory per connection.
            let config = WebSocketConfig::default().read_buffer_size(4096);
            if let Ok(ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await
            {
                let _ = connection(ws, &shared).await;
            }
        });
    }
}

type Ws = WebSocketStream<TcpStream>;
type WsResult = Result<(), tokio_tungstenite::tungstenite::Error>;

async fn connection(mut ws: Ws, shared: &Shared) -> WsResult {
    let n = shared.next_sid.fetch_add(1, Ordering::Relaxed);
    let open = format!(
        "0{{\"sid\":\"{n:020}\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}}"
    );
    ws.send(Message::text(open)).await?;
    let mut rx = shared.broadcast.subscribe();
    loop {
        tokio::select! {
            msg = ws.next() => {
                let Some(msg) = msg else { return Ok(()) };
                if !on_message(&mut ws, msg?, shared, n).await? {
                    return Ok(());
                }
                // Take in whatever else is already readable, then write once.
                while let Some(Some(msg)) = ws.next().now_or_never() {
                    if !on_message(&mut ws, msg?, shared, n).await? {
                        return Ok(());
                    }
                }
                ws.flush().await?;
            }
            out = rx.recv() => {
                match out {
                    Ok(text) => ws.feed(Message::Text(text)).await?,
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return Ok(()),
                }
                while let Ok(text) = rx.try_recv() {
                    ws.feed(Message::Text(text)).await?;
                }
                ws.flush().await?;
            }
        }
    }
}

/// Handles one incoming message (queues replies without flushing); false when it closes.
async fn on_message(
    ws: &mut Ws,
    msg: Message,
    shared: &Shared,
    n: u64,
) -> Result<bool, tokio_tungstenite::tungstenite::Error> {
    let text = match msg {
        Message::Text(text) => text,
        Message::Close(_) => return Ok(false),
        _ => return Ok(true),
    };
    if let Some(reply) = reply(&text, n) {
        match reply {
            Reply::One(r) => ws.feed(Message::text(r)).await?,
            Reply::Broadcast(b) => {
                let _ = shared.broadcast.send(Utf8Bytes::from(b));
            }
        }
    }
    Ok(true)
}

enum Reply {
    One(String),
    Broadcast(String),
}

/// The answer to one packet, by string manipulation.
fn reply(text: &str, n: u64) -> Option<Reply> {
    if text == "40" || text.starts_with("40{") {
        return Some(Reply::One(format!("40{{\"sid\":\"s{n:019}\"}}")));
    }
    let rest = text.strip_prefix("42")?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (id, args) = rest.split_at(digits);
    if let Some(after) = args.strip_prefix("[\"echo\"") {
        if id.is_empty() {
            return None;
        }
        // after = `,a,b]` or `]`
        let tail = after.strip_prefix(',').unwrap_or(after);
        return Some(Reply::One(format!("43{id}[{tail}")));
    }
    if let Some(after) = args.strip_prefix("[\"broadcast\"") {
        return Some(Reply::Broadcast(format!("42[\"msg\"{after}")));
    }
    None
}
