//! The load generator's side of the wire: a Socket.IO v5 client over websocket
//! ([`SioClient`]) and over HTTP long-polling ([`PollingClient`]), both speaking Engine.IO v4
//! by hand (no Socket.IO client library), with just what the scenarios need.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufStream};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

/// Any error of the load generator's clients.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long a client waits for one expected packet before giving up.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A Socket.IO client over a websocket, joined to the main namespace `/`.
pub struct SioClient {
    ws: WebSocketStream<TcpStream>,
}

impl SioClient {
    /// Opens `ws://addr/socket.io/?EIO=4&transport=websocket`, reads the Engine.IO open
    /// packet, sends CONNECT `40` and waits for the CONNECT reply `40{"sid":..}`. Returns the
    /// client and the time from the TCP connect to the reply ("time to namespace joined").
    ///
    /// The socket gets `SO_LINGER 0`, so dropping the client resets the connection and leaves
    /// no TIME_WAIT behind (thousands of connections per run on one loopback port range).
    pub async fn connect(addr: SocketAddr) -> Result<(SioClient, Duration), BoxError> {
        let start = Instant::now();
        let mut client = SioClient::open(addr).await?;
        client.send("40").await?;
        client
            .connect_reply(|p| Err(format!("expected a CONNECT reply, got {p:?}").into()))
            .await?;
        Ok((client, start.elapsed()))
    }

    /// Opens the websocket (as [`SioClient::connect`]) and reads the Engine.IO open packet,
    /// without joining a namespace: send a CONNECT packet next, then read its reply with
    /// [`SioClient::connect_reply`].
    pub async fn open(addr: SocketAddr) -> Result<SioClient, BoxError> {
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        tcp.set_zero_linger()?;
        let ws = ws_handshake(tcp, addr).await?;
        let mut client = SioClient { ws };
        let open = client.recv_timeout().await?;
        if !open.starts_with("0{") {
            return Err(format!("expected an open packet, got {open:?}").into());
        }
        Ok(client)
    }

    /// Reads up to the CONNECT reply of the main namespace (`40{..}`) and returns it; pings
    /// are answered, and every other packet before it is handed to `before` (the events a
    /// recovered session missed come first), which may refuse it.
    pub async fn connect_reply(
        &mut self,
        mut before: impl FnMut(&str) -> Result<(), BoxError>,
    ) -> Result<Utf8Bytes, BoxError> {
        loop {
            let reply = self.recv_timeout().await?;
            if reply.starts_with("40") {
                return Ok(reply);
            }
            if reply.starts_with("44") {
                return Err(format!("CONNECT refused: {reply:?}").into());
            }
            before(&reply)?;
        }
    }

    /// Queues one text frame without flushing (see [`SioClient::flush`]).
    pub async fn feed(&mut self, text: impl Into<Utf8Bytes>) -> Result<(), BoxError> {
        self.ws.feed(Message::Text(text.into())).await?;
        Ok(())
    }

    /// Writes the queued frames.
    pub async fn flush(&mut self) -> Result<(), BoxError> {
        self.ws.flush().await?;
        Ok(())
    }

    /// Sends one text frame now.
    pub async fn send(&mut self, text: impl Into<Utf8Bytes>) -> Result<(), BoxError> {
        self.ws.send(Message::Text(text.into())).await?;
        Ok(())
    }

    /// The next text frame (control and binary frames skipped); `None` when the connection
    /// ended. Engine.IO pings (`2`) are returned like any packet: answer them with `3`
    /// ([`SioClient::answer_ping`]). Cancel-safe.
    pub async fn recv(&mut self) -> Option<Result<Utf8Bytes, BoxError>> {
        loop {
            match self.ws.next().await? {
                Ok(Message::Text(text)) => return Some(Ok(text)),
                Ok(Message::Close(_)) => return None,
                Ok(_) => continue,
                Err(e) => return Some(Err(e.into())),
            }
        }
    }

    /// The next text frame if one is already buffered or readable without waiting.
    pub fn try_recv(&mut self) -> Option<Result<Utf8Bytes, BoxError>> {
        self.recv().now_or_never().flatten()
    }

    /// [`SioClient::recv`] with [`READ_TIMEOUT`], answering pings, an end being an error.
    pub async fn recv_timeout(&mut self) -> Result<Utf8Bytes, BoxError> {
        loop {
            let next = tokio::time::timeout(READ_TIMEOUT, self.recv())
                .await
                .map_err(|_| "timed out waiting for a packet")?;
            let text = next.ok_or("connection closed")??;
            if self.answer_ping(&text).await? {
                continue;
            }
            return Ok(text);
        }
    }

    /// Leaves cleanly: a namespace DISCONNECT (`41`, so a server with connection state
    /// recovery keeps nothing for this socket), then a websocket close, and waits (at most
    /// [`READ_TIMEOUT`]) for the server to end the connection.
    pub async fn leave(mut self) -> Result<(), BoxError> {
        self.send("41").await?;
        self.ws.close(None).await?;
        tokio::time::timeout(READ_TIMEOUT, async {
            while let Some(Ok(_)) = self.ws.next().await {}
        })
        .await
        .map_err(|_| "timed out waiting for the server to close")?;
        Ok(())
    }

    /// Answers `text` with a pong if it is an Engine.IO ping; returns whether it was one.
    pub async fn answer_ping(&mut self, text: &str) -> Result<bool, BoxError> {
        if text == "2" {
            self.send("3").await?;
            return Ok(true);
        }
        Ok(false)
    }
}

/// The websocket upgrade, by hand and cheaply (the load generator must not be the
/// bottleneck of the connect scenario): a fixed request with a fixed key, the answer's status
/// checked but not its accept hash; small read buffers (idle clients by thousands).
async fn ws_handshake(
    mut tcp: TcpStream,
    addr: SocketAddr,
) -> Result<WebSocketStream<TcpStream>, BoxError> {
    let request = format!(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {addr}\r\n\
         Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await?;
    let mut buf = Vec::with_capacity(512);
    let head_end = loop {
        let mut chunk = [0u8; 512];
        let n = tcp.read(&mut chunk).await?;
        if n == 0 {
            return Err("connection closed during the websocket upgrade".into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buf.len() > 16 * 1024 {
            return Err("websocket upgrade answer too long".into());
        }
    };
    if !buf.starts_with(b"HTTP/1.1 101") {
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        return Err(format!("websocket upgrade refused: {head}").into());
    }
    let config = WebSocketConfig::default().read_buffer_size(4096);
    Ok(WebSocketStream::from_partially_read(
        tcp,
        buf.split_off(head_end),
        Role::Client,
        Some(config),
    )
    .await)
}

/// A Socket.IO client over HTTP long-polling (Engine.IO v4 payloads), on one keep-alive
/// HTTP/1.1 connection, requests strictly one at a time.
pub struct PollingClient {
    io: BufStream<TcpStream>,
    host: String,
    sid: String,
}

impl PollingClient {
    /// Handshakes (`GET ...&transport=polling`), sends CONNECT `40` and polls until the
    /// CONNECT reply arrives. Returns the client and the time to namespace joined.
    pub async fn connect(addr: SocketAddr) -> Result<(PollingClient, Duration), BoxError> {
        let start = Instant::now();
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        tcp.set_zero_linger()?;
        let mut client = PollingClient {
            io: BufStream::new(tcp),
            host: addr.to_string(),
            sid: String::new(),
        };
        let open = client
            .request("GET", "/socket.io/?EIO=4&transport=polling", None)
            .await?;
        let sid = open
            .strip_prefix("0{\"sid\":\"")
            .and_then(|rest| rest.split('"').next())
            .ok_or_else(|| format!("bad handshake {open:?}"))?;
        client.sid = sid.to_owned();
        client.post("40").await?;
        loop {
            let packets = client.poll().await?;
            if packets.iter().any(|p| p.starts_with("40")) {
                break;
            }
        }
        Ok((client, start.elapsed()))
    }

    /// Sends a payload (packets joined with `\x1e`) with a POST; expects `ok`.
    pub async fn post(&mut self, payload: &str) -> Result<(), BoxError> {
        let path = format!("/socket.io/?EIO=4&transport=polling&sid={}", self.sid);
        let body = self.request("POST", &path, Some(payload)).await?;
        if body != "ok" {
            return Err(format!("POST answered {body:?}").into());
        }
        Ok(())
    }

    /// One GET (held by the server until it has something): the packets it carried. Pings are
    /// answered with a POST `3` and left out; noops are left out.
    pub async fn poll(&mut self) -> Result<Vec<String>, BoxError> {
        let path = format!("/socket.io/?EIO=4&transport=polling&sid={}", self.sid);
        let body = self.request("GET", &path, None).await?;
        let mut packets = Vec::new();
        let mut ping = false;
        for packet in body.split('\x1e') {
            match packet {
                "2" => ping = true,
                "6" => {}
                p if p.starts_with('1') => return Err("the server closed the session".into()),
                p => packets.push(p.to_owned()),
            }
        }
        if ping {
            self.post("3").await?;
        }
        Ok(packets)
    }

    async fn request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<String, BoxError> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        if let Some(body) = body {
            head.push_str("Content-Type: text/plain;charset=UTF-8\r\n");
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        self.io.write_all(head.as_bytes()).await?;
        if let Some(body) = body {
            self.io.write_all(body.as_bytes()).await?;
        }
        self.io.flush().await?;
        tokio::time::timeout(READ_TIMEOUT, self.read_response())
            .await
            .map_err(|_| "timed out waiting for an HTTP response")?
    }

    async fn read_response(&mut self) -> Result<String, BoxError> {
        let mut line = String::new();
        self.io.read_line(&mut line).await?;
        let status = line.split(' ').nth(1).unwrap_or("").to_owned();
        let mut length = None;
        let mut chunked = false;
        loop {
            line.clear();
            if self.io.read_line(&mut line).await? == 0 {
                return Err("connection closed in the response head".into());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = Some(value.parse::<usize>()?);
                } else if name.eq_ignore_ascii_case("transfer-encoding")
                    && value.eq_ignore_ascii_case("chunked")
                {
                    chunked = true;
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.io.read_line(&mut line).await?;
                let size =
                    usize::from_str_radix(line.trim_end().split(';').next().unwrap_or(""), 16)?;
                let start = body.len();
                body.resize(start + size + 2, 0);
                self.io.read_exact(&mut body[start..]).await?;
                body.truncate(start + size);
                if size == 0 {
                    break;
                }
            }
        } else if let Some(length) = length {
            body.resize(length, 0);
            self.io.read_exact(&mut body).await?;
        }
        let body = String::from_utf8(body)?;
        if status != "200" {
            return Err(format!("HTTP {status}: {body}").into());
        }
        Ok(body)
    }
}
