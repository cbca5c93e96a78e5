//! A harness that plays the Engine.IO session task around a [`SocketIo`] server: scripted
//! Engine.IO connections and a virtual clock, no sockets, no sleeping. This crate's scenario
//! tests use it, other crates' too (`socketio-admin`), and so can yours: handlers tested
//! without a network.
//!
//! ```
//! use socketio::testing::{v, Harness};
//! use socketio::{AckSender, Data, SocketIo, SocketRef, Value};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let io = SocketIo::new(Default::default());
//! io.on_connection(|socket: SocketRef| {
//!     socket.on("double", |Data(n): Data<u64>, ack: AckSender| ack.send(&(n * 2)));
//! });
//! let h = Harness::new(io);
//! let client = h.client();
//! client.connect("/");
//! client.expect_connect("/");
//! client.emit("/", "double", v(serde_json::json!([21])), Some(1));
//! assert_eq!(client.expect_ack("/", 1), vec![Value::from(42)]);
//! # }
//! ```
//!
//! - [`Harness::new`] takes a server built as usual (`SocketIo::builder()...build()`); its
//!   engine handler ([`SioHandler`]) is driven directly.
//! - [`Harness::client`] opens one Engine.IO connection (`engineio::testing::socket`, then
//!   `Handler::on_connect`). A [`TestClient`] sends Socket.IO packets (encoded with the server's
//!   parser, JSON or msgpack) through `Handler::on_message`, and collects the packets the server
//!   writes to it, decoded.
//! - After every step the harness pumps every connection's [`Outbox`] the way the real driver
//!   does: `Outgoing::Command` goes back to `Handler::on_command`, `Message` / `Batch` are what
//!   the client receives, `Close(reason)` ends the session (commands already queued are still
//!   handled, messages after the close are dropped) and `Handler::on_disconnect` gets the
//!   reason. A deadline that is already due fires before the next input, as in the driver.
//!   Every client read (`received`, `expect_*`, `closed`) and every client send pumps first,
//!   so what test code emits or broadcasts directly is handled as the session task would.
//! - Time is `t0` plus milliseconds. [`Harness::advance`] moves the clock and fires every
//!   connection deadline (`Handler::poll_timeout` / `on_timeout`) at its exact instant.
//! - Async work (awaiting middlewares, async handlers, ack futures) runs on the test's tokio
//!   runtime: [`Harness::settle`] yields to it and pumps until nothing changes for a few rounds;
//!   [`Harness::wait`] polls a future the same way and fails the test (instead of hanging) when
//!   it never completes. Tests run on a current-thread runtime with tokio's clock paused, so no
//!   tokio timer can fire by itself while the harness is pumping: every timeout a test sees
//!   comes from the virtual clock. One exception: connection state recovery keeps time on
//!   tokio's clock (what the adapter keeps expires by it, and the expiry timer, one task per
//!   namespace, sleeps on it), so a test moves it with `tokio::time::sleep` (the paused clock
//!   jumps), not with [`Harness::advance`].
//!
//! Only one thread and one task touch the harness (`Rc<RefCell<..>>`); user handlers never
//! reach it, they record what they see in a [`Log`].

// A test harness: it fails the test (panics) when the server does not do what is expected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::codec::{self, Packet, PacketDecoder, PacketType, Parser};
use crate::{SioHandler, SocketIo, SocketRef, Value};
use bytes::Bytes;
use engineio::testing::{self, Outbox, Outgoing};
use engineio::{CloseReason, Data, Handler, ProtocolVersion, RequestHead, Sid, Text};

/// How many rounds without any change make the server "settled".
const QUIET_ROUNDS: usize = 8;
/// A bound on the rounds of `settle` / `wait`, so that a stuck test fails instead of hanging.
const MAX_ROUNDS: usize = 10_000;

/// A JSON value (`serde_json::json!`) as a Socket.IO [`Value`].
pub fn v(json: serde_json::Value) -> Value {
    Value::from(json)
}

/// Binary bytes as a [`Value`].
pub fn bin(bytes: &'static [u8]) -> Value {
    Value::from(Bytes::from_static(bytes))
}

/// Milliseconds.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A thread-safe list of strings handlers append to; the test takes and checks it.
#[derive(Clone, Default)]
pub struct Log(Arc<parking_lot::Mutex<Vec<String>>>);

impl Log {
    /// An empty log.
    pub fn new() -> Self {
        Log::default()
    }

    /// Appends an entry.
    pub fn push(&self, entry: impl Into<String>) {
        self.0.lock().push(entry.into());
    }

    /// Everything logged so far, emptied.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock())
    }

    /// Everything logged so far, kept.
    pub fn snapshot(&self) -> Vec<String> {
        self.0.lock().clone()
    }
}

/// The server and its connections on a virtual clock.
#[derive(Clone)]
pub struct Harness {
    world: Rc<RefCell<World>>,
}

struct World {
    io: SocketIo,
    parser: Arc<dyn Parser>,
    max_attachments: usize,
    max_buffered: usize,
    t0: Instant,
    now: Instant,
    conns: Vec<Conn>,
}

/// One Engine.IO connection, seen from its session task and from its client.
struct Conn {
    sid: Sid,
    /// The engine socket the handler got.
    engine: engineio::Socket,
    /// The handler's state; `None` once `on_disconnect` ran.
    state: Option<crate::Client>,
    outbox: Outbox,
    /// The client's decoder of what the server writes.
    decoder: Box<dyn PacketDecoder>,
    /// Packets received and not yet taken by the test.
    inbox: VecDeque<Packet>,
    /// The Engine.IO messages received and not yet taken, as written: text as is, binary as
    /// `<bin 01 02>`.
    raw: Vec<String>,
    /// The engine was asked to close (what `Outgoing::Close` said).
    closing: Option<CloseReason>,
    /// The session ended with this reason (after `on_disconnect`).
    closed: Option<CloseReason>,
    /// Messages the server wrote after the close (the client never gets them).
    dropped_after_close: usize,
}

impl Harness {
    /// A harness around `io`, at virtual time 0.
    pub fn new(io: SocketIo) -> Harness {
        let config = io.config();
        let parser = config.parser.clone();
        let max_attachments = config.max_attachments;
        let max_buffered = config.engine.max_buffered_packets;
        let t0 = Instant::now();
        Harness {
            world: Rc::new(RefCell::new(World {
                io,
                parser,
                max_attachments,
                max_buffered,
                t0,
                now: t0,
                conns: Vec::new(),
            })),
        }
    }

    /// A harness around a server with Node's defaults.
    pub fn default_server() -> Harness {
        Harness::new(SocketIo::new(Default::default()))
    }

    /// The server.
    pub fn io(&self) -> SocketIo {
        self.world.borrow().io.clone()
    }

    // ----- connections -----

    /// Opens an Engine.IO v4 connection (a Socket.IO v5 client, `socket.io-client` 3/4).
    pub fn client(&self) -> TestClient {
        self.open(ProtocolVersion::V4, "")
    }

    /// Opens an Engine.IO v3 connection (a Socket.IO v4 client, `socket.io-client` 2.x).
    pub fn client_v3(&self) -> TestClient {
        self.open(ProtocolVersion::V3, "")
    }

    /// Opens a v4 connection whose handshake request carried `query` (`foo=bar&n=1`) and
    /// the header `x-test: yes`.
    pub fn client_with_query(&self, query: &str) -> TestClient {
        self.open(ProtocolVersion::V4, query)
    }

    /// Opens a v4 connection whose handshake request carried these headers too.
    pub fn client_with_headers(&self, headers: &[(&'static str, &'static str)]) -> TestClient {
        self.open_with(ProtocolVersion::V4, "", headers)
    }

    fn open(&self, version: ProtocolVersion, query: &str) -> TestClient {
        self.open_with(version, query, &[])
    }

    fn open_with(
        &self,
        version: ProtocolVersion,
        query: &str,
        extra: &[(&'static str, &'static str)],
    ) -> TestClient {
        let idx = {
            let mut w = self.world.borrow_mut();
            let idx = w.conns.len();
            let mut seed = [0u8; 15];
            seed[..8].copy_from_slice(&(idx as u64 + 1).to_be_bytes());
            let sid = Sid::from_random(seed);
            let eio = if version == ProtocolVersion::V4 { 4 } else { 3 };
            let mut uri = format!("/socket.io/?EIO={eio}&transport=polling");
            if !query.is_empty() {
                uri.push('&');
                uri.push_str(query);
            }
            let mut headers = http::HeaderMap::new();
            headers.insert("x-test", http::HeaderValue::from_static("yes"));
            for (name, value) in extra {
                headers.insert(*name, http::HeaderValue::from_static(value));
            }
            let head = RequestHead {
                uri: uri.parse().unwrap(),
                headers,
                remote_addr: Some(([127, 0, 0, 1], 40_000 + idx as u16).into()),
                time: std::time::SystemTime::now(),
            };
            let (socket, outbox) = testing::socket_with_head(sid, version, w.max_buffered, head);
            let engine = socket.clone();
            let decoder = w.parser.decoder(w.max_attachments);
            let io = w.io.clone();
            let now = w.now;
            let state = io.engine().handler().on_connect(socket, now);
            w.conns.push(Conn {
                sid,
                engine,
                state: Some(state),
                outbox,
                decoder,
                inbox: VecDeque::new(),
                raw: Vec::new(),
                closing: None,
                closed: None,
                dropped_after_close: 0,
            });
            idx
        };
        self.pump();
        TestClient {
            harness: self.clone(),
            idx,
        }
    }

    // ----- the session task -----

    /// Handles everything the connections queued (messages, commands, closes) until nothing
    /// is left; true when anything happened.
    pub fn pump(&self) -> bool {
        self.world.borrow_mut().pump()
    }

    /// Lets the runtime run every task that can make progress (async middlewares and handlers,
    /// ack futures), pumping the connections between turns, until nothing changes for a few
    /// rounds. Never waits for time: a task sleeping on a timer stays asleep.
    pub async fn settle(&self) {
        let mut quiet = 0;
        for _ in 0..MAX_ROUNDS {
            let mut progressed = self.pump();
            tokio::task::yield_now().await;
            progressed |= self.pump();
            if progressed {
                quiet = 0;
            } else {
                quiet += 1;
                if quiet >= QUIET_ROUNDS {
                    return;
                }
            }
        }
        panic!("the server never settled (something keeps producing output)");
    }

    /// Drives `fut` to completion alongside the connections (pumping and yielding between
    /// polls); fails the test when it does not complete while the server is otherwise idle.
    pub async fn wait<F: Future>(&self, fut: F) -> F::Output {
        let mut fut = std::pin::pin!(fut);
        let mut quiet = 0;
        for _ in 0..MAX_ROUNDS {
            let mut progressed = self.pump();
            if let Poll::Ready(out) = poll_once(fut.as_mut()).await {
                self.pump();
                return out;
            }
            tokio::task::yield_now().await;
            progressed |= self.pump();
            if progressed {
                quiet = 0;
            } else {
                quiet += 1;
                if quiet >= QUIET_ROUNDS * 4 {
                    break;
                }
            }
        }
        panic!("the awaited future never completed (it waits for something the test did not do)");
    }

    /// Whether `fut` is still pending after the server settled (polls it once more).
    pub async fn still_pending<F: Future + Unpin>(&self, fut: &mut F) -> bool {
        self.settle().await;
        poll_once(Pin::new(fut)).await.is_pending()
    }

    // ----- the virtual clock -----

    /// The current virtual instant.
    pub fn now(&self) -> Instant {
        self.world.borrow().now
    }

    /// Milliseconds since the harness started.
    pub fn elapsed_ms(&self) -> u128 {
        let w = self.world.borrow();
        (w.now - w.t0).as_millis()
    }

    /// Moves the clock `n` ms forward, firing every connection deadline on the way at its own
    /// instant (settling the runtime after each, as the session tasks would run meanwhile).
    pub async fn advance(&self, n: u64) {
        let target = self.now() + ms(n);
        self.settle().await;
        for _ in 0..MAX_ROUNDS {
            let due = {
                let mut w = self.world.borrow_mut();
                match w.next_deadline() {
                    Some(at) if at <= target => {
                        w.now = w.now.max(at);
                        w.fire_due();
                        true
                    }
                    _ => false,
                }
            };
            if !due {
                self.world.borrow_mut().now = target;
                self.settle().await;
                return;
            }
            self.settle().await;
        }
        panic!("a deadline keeps firing without the clock moving");
    }

    /// The earliest deadline of any connection, in ms since the harness started.
    pub fn next_deadline_ms(&self) -> Option<u128> {
        let w = self.world.borrow();
        w.next_deadline().map(|at| (at - w.t0).as_millis())
    }

    /// Number of connections whose session is still open.
    pub fn open_connections(&self) -> usize {
        self.world
            .borrow()
            .conns
            .iter()
            .filter(|c| c.state.is_some())
            .count()
    }
}

async fn poll_once<F: Future>(mut fut: Pin<&mut F>) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx))).await
}

impl World {
    fn pump(&mut self) -> bool {
        let io = self.io.clone();
        let handler = io.engine().handler();
        let now = self.now;
        let mut any = false;
        for _ in 0..MAX_ROUNDS {
            let mut progressed = false;
            for conn in &mut self.conns {
                progressed |= conn.pump(handler, now);
            }
            if !progressed {
                return any;
            }
            any = true;
        }
        panic!("the connections keep producing output");
    }

    fn next_deadline(&self) -> Option<Instant> {
        let handler = self.io.engine().handler();
        self.conns
            .iter()
            .filter(|c| c.closing.is_none())
            .filter_map(|c| c.state.as_ref().and_then(|s| handler.poll_timeout(s)))
            .min()
    }

    /// Fires the deadlines due at `now`, as the driver's one timer would.
    fn fire_due(&mut self) {
        let io = self.io.clone();
        let handler = io.engine().handler();
        let now = self.now;
        for conn in &mut self.conns {
            conn.fire_due(handler, now);
        }
        self.pump();
    }
}

impl Conn {
    fn fire_due(&mut self, handler: &SioHandler, now: Instant) -> bool {
        if self.closing.is_some() {
            return false;
        }
        match self.state.as_mut() {
            Some(state) if handler.poll_timeout(state).is_some_and(|at| at <= now) => {
                handler.on_timeout(state, now);
                true
            }
            _ => false,
        }
    }

    /// One turn of the session task: due deadlines, then everything queued; then the close.
    fn pump(&mut self, handler: &SioHandler, now: Instant) -> bool {
        let mut progressed = false;
        loop {
            progressed |= self.fire_due(handler, now);
            let Some(out) = self.outbox.try_next() else {
                break;
            };
            progressed = true;
            match out {
                Outgoing::Message(data) => self.receive(vec![data]),
                Outgoing::Batch(batch) => self.receive(batch),
                Outgoing::Command(cmd) => {
                    if let Some(state) = self.state.as_mut() {
                        handler.on_command(state, cmd, now);
                    }
                }
                Outgoing::Close(reason) => {
                    if self.closing.is_none() {
                        self.closing = Some(reason);
                    }
                }
            }
        }
        if let Some(reason) = self.closing {
            if let Some(state) = self.state.take() {
                handler.on_disconnect(state, reason, now);
                self.end(reason);
                progressed = true;
            }
        }
        progressed
    }

    /// The session is over: the socket reports closed, what is left is never delivered.
    fn end(&mut self, reason: CloseReason) {
        self.closed = Some(reason);
        self.outbox.close();
        while self.outbox.try_next().is_some() {
            self.dropped_after_close += 1;
        }
    }

    fn receive(&mut self, batch: Vec<Data>) {
        if self.closing.is_some() || self.closed.is_some() {
            self.dropped_after_close += batch.len();
            return;
        }
        for data in batch {
            self.raw.push(match &data {
                Data::Text(text) => text.as_str().to_owned(),
                Data::Binary(bytes) => {
                    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
                    format!("<bin {}>", hex.join(" "))
                }
            });
            let decoded = match data {
                Data::Text(text) => self.decoder.decode_text(text.as_str()),
                Data::Binary(bytes) => self.decoder.decode_binary(bytes),
            };
            match decoded {
                Ok(Some(packet)) => self.inbox.push_back(packet),
                Ok(None) => {}
                Err(e) => panic!("the server wrote a packet the client cannot decode: {e}"),
            }
        }
    }
}

/// How a packet looks on the wire with the JSON parser (`42["ev",1]`, `51-["b",{..}]`):
/// readable assertions, whatever parser the server uses.
pub fn wire(packet: &Packet) -> String {
    codec::encode(packet).text
}

/// One scripted client on one Engine.IO connection.
#[derive(Clone)]
pub struct TestClient {
    harness: Harness,
    idx: usize,
}

impl TestClient {
    fn with_conn<R>(&self, f: impl FnOnce(&mut Conn) -> R) -> R {
        let mut w = self.harness.world.borrow_mut();
        f(&mut w.conns[self.idx])
    }

    /// Same, after the session tasks handled what test code queued meanwhile (an emit or a
    /// broadcast made outside any handler): what a client reads is what the driver wrote.
    fn read_conn<R>(&self, f: impl FnOnce(&mut Conn) -> R) -> R {
        self.harness.pump();
        let mut w = self.harness.world.borrow_mut();
        f(&mut w.conns[self.idx])
    }

    /// The Engine.IO session id.
    pub fn sid(&self) -> Sid {
        self.with_conn(|c| c.sid)
    }

    // ----- sending -----

    /// Feeds Engine.IO messages as one batch (one polling POST: the driver dispatches them all
    /// before it takes the commands they caused), then pumps.
    pub fn send_messages(&self, batch: Vec<Data>) {
        // A client answers what it read: whatever test code queued meanwhile (an emit with ack
        // registers its ack through the queue) is handled first, as the driver would have.
        self.harness.pump();
        {
            let mut w = self.harness.world.borrow_mut();
            let io = w.io.clone();
            let handler = io.engine().handler();
            let now = w.now;
            let conn = &mut w.conns[self.idx];
            // The driver handles due deadlines before input.
            conn.fire_due(handler, now);
            for data in batch {
                if conn.closing.is_some() {
                    break;
                }
                match conn.state.as_mut() {
                    Some(state) => handler.on_message(state, data, now),
                    None => break,
                }
            }
        }
        self.harness.pump();
    }

    /// Sends packets in one batch, encoded with the server's parser.
    pub fn send_batch(&self, packets: &[Packet]) {
        let parser = self.harness.world.borrow().parser.clone();
        let mut batch = Vec::new();
        for packet in packets {
            let messages = parser.encode(packet);
            if let Some(text) = messages.text {
                batch.push(Data::Text(Text::new(&text)));
            }
            batch.extend(messages.binary.into_iter().map(Data::Binary));
        }
        self.send_messages(batch);
    }

    /// Sends one packet (with its attachments).
    pub fn send(&self, packet: Packet) {
        self.send_batch(&[packet]);
    }

    /// Sends a raw text message (without the Engine.IO `4`), e.g. a malformed packet.
    pub fn send_text(&self, text: &str) {
        self.send_messages(vec![Data::Text(Text::new(text))]);
    }

    /// Sends a raw binary message.
    pub fn send_binary(&self, bytes: &'static [u8]) {
        self.send_messages(vec![Data::Binary(Bytes::from_static(bytes))]);
    }

    /// CONNECT to `nsp` without payload.
    pub fn connect(&self, nsp: &str) {
        self.send(Packet::connect(nsp, None));
    }

    /// CONNECT to `nsp` with an auth payload.
    pub fn connect_with(&self, nsp: &str, auth: serde_json::Value) {
        self.send(Packet::connect(nsp, Some(v(auth))));
    }

    /// CONNECT to `nsp` and expect the success reply; returns the socket id.
    pub fn join(&self, nsp: &str) -> String {
        self.connect(nsp);
        self.expect_connect(nsp)
    }

    /// An EVENT `[event, ...args]` (`args` a JSON array, or a [`Value`] array with binary).
    pub fn emit(&self, nsp: &str, event: &str, args: impl Into<Value>, ack: Option<u64>) {
        self.send(event_packet(nsp, event, args.into(), ack));
    }

    /// An ACK `[...args]` for the server's ack `id`.
    pub fn ack(&self, nsp: &str, id: u64, args: impl Into<Value>) {
        let args = args.into();
        assert!(args.is_array(), "ack args must be an array");
        self.send(Packet::ack(nsp, args, id));
    }

    /// A DISCONNECT for `nsp` (the client leaves the namespace).
    pub fn disconnect(&self, nsp: &str) {
        self.send(Packet::disconnect(nsp));
    }

    /// The client's transport goes away (websocket closed, polling `1`): the session ends with
    /// "transport close".
    pub fn close_transport(&self) {
        self.end_session(CloseReason::TransportClose);
    }

    /// The session ends for `reason` with Node's `description` (what the Engine.IO state
    /// machine reports for a transport error: `"overlap from client"`, ...).
    pub fn end_session_described(&self, reason: CloseReason, description: &str) {
        self.with_conn(|c| c.outbox.set_close_description(description));
        self.end_session(reason);
    }

    /// The session ends for `reason` (ping timeout, transport error, ...), as the Engine.IO
    /// state machine would report it.
    pub fn end_session(&self, reason: CloseReason) {
        {
            let mut w = self.harness.world.borrow_mut();
            let io = w.io.clone();
            let handler = io.engine().handler();
            let now = w.now;
            let conn = &mut w.conns[self.idx];
            if conn.closing.is_none() {
                conn.closing = Some(reason);
            }
            // The driver takes what is queued before the session's final event.
            conn.pump(handler, now);
        }
        self.harness.pump();
    }

    /// The connection moves to websocket: the engine socket reports it, then the handler
    /// hears of the upgrade (`Handler::on_upgrade`), as the driver does.
    pub fn upgrade(&self) {
        self.harness.pump();
        {
            let mut w = self.harness.world.borrow_mut();
            let io = w.io.clone();
            let handler = io.engine().handler();
            let now = w.now;
            let conn = &mut w.conns[self.idx];
            conn.outbox.set_upgraded(true);
            if let Some(state) = conn.state.as_mut() {
                handler.on_upgrade(state, now);
            }
        }
        self.harness.pump();
    }

    /// The engine socket of this connection.
    pub fn engine(&self) -> engineio::Socket {
        self.with_conn(|c| c.engine.clone())
    }

    /// Waits (real time, at most 5 s) until a packet arrived: for work the server hands to
    /// tokio's blocking pool (bcrypt), which the virtual clock does not drive.
    pub async fn wait_for_packets(&self) {
        for _ in 0..5000 {
            self.harness.settle().await;
            if self.read_conn(|c| !c.inbox.is_empty()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        panic!("no packet arrived in 5 s");
    }

    /// Pretends `n` packets wait in the session's outgoing buffer (a client that stopped
    /// reading): `volatile` emits are dropped, others fail with `QueueFull` when it is full.
    pub fn set_buffered(&self, n: usize) {
        self.with_conn(|c| c.outbox.set_buffered(n));
    }

    // ----- the server side of this connection -----

    /// The server's socket of this connection in `nsp`, if connected.
    pub fn socket(&self, nsp: &str) -> Option<SocketRef> {
        let io = self.harness.io();
        let sid = self.sid();
        // `of` would create a missing namespace: look among the existing ones.
        io.namespaces()
            .into_iter()
            .find(|ns| ns.name() == nsp)?
            .sockets()
            .into_iter()
            .find(|s| s.engine_id() == sid)
    }

    /// Same, failing the test when there is none.
    pub fn server_socket(&self, nsp: &str) -> SocketRef {
        self.socket(nsp)
            .unwrap_or_else(|| panic!("no server socket for {nsp} on this connection"))
    }

    // ----- receiving -----

    /// Every packet received and not yet taken.
    pub fn received(&self) -> Vec<Packet> {
        self.read_conn(|c| c.inbox.drain(..).collect())
    }

    /// The Engine.IO messages received since the last call, exactly as written (text as is,
    /// binary as `<bin 01 02>`); independent of [`TestClient::received`].
    pub fn raw_messages(&self) -> Vec<String> {
        self.read_conn(|c| std::mem::take(&mut c.raw))
    }

    /// The packets received and not yet taken, as wire text (JSON parser notation).
    pub fn received_wire(&self) -> Vec<String> {
        self.received().iter().map(wire).collect()
    }

    /// Packets waiting, as wire text, without taking them (for failure messages).
    fn pending_wire(&self) -> Vec<String> {
        self.read_conn(|c| c.inbox.iter().map(wire).collect())
    }

    /// The next packet received, failing the test when there is none.
    pub fn next_packet(&self) -> Packet {
        self.read_conn(|c| c.inbox.pop_front())
            .unwrap_or_else(|| panic!("expected a packet, got nothing"))
    }

    fn next_of(&self, what: &str) -> Packet {
        let pending = self.pending_wire();
        self.read_conn(|c| c.inbox.pop_front())
            .unwrap_or_else(|| panic!("expected {what}, got nothing (received: {pending:?})"))
    }

    /// The next packet is the CONNECT reply of `nsp`; returns the socket id (`""` for a v4
    /// protocol reply, which has no payload).
    pub fn expect_connect(&self, nsp: &str) -> String {
        let p = self.next_of(&format!("CONNECT {nsp}"));
        assert_eq!(
            (p.kind, p.nsp.as_str()),
            (PacketType::Connect, nsp),
            "expected CONNECT {nsp}, got {}",
            wire(&p)
        );
        match &p.data {
            Some(data) => data
                .get("sid")
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("CONNECT reply without sid: {}", wire(&p)))
                .to_owned(),
            None => String::new(),
        }
    }

    /// The next packet is a CONNECT_ERROR for `nsp`; returns its payload.
    pub fn expect_connect_error(&self, nsp: &str) -> Value {
        let p = self.next_of(&format!("CONNECT_ERROR {nsp}"));
        assert_eq!(
            (p.kind, p.nsp.as_str()),
            (PacketType::ConnectError, nsp),
            "expected CONNECT_ERROR {nsp}, got {}",
            wire(&p)
        );
        p.data.unwrap_or_default()
    }

    /// The next packet is a DISCONNECT for `nsp`.
    pub fn expect_disconnect(&self, nsp: &str) {
        let p = self.next_of(&format!("DISCONNECT {nsp}"));
        assert_eq!(
            (p.kind, p.nsp.as_str()),
            (PacketType::Disconnect, nsp),
            "expected DISCONNECT {nsp}, got {}",
            wire(&p)
        );
    }

    /// The next packet is the event `event` in `nsp`, without ack id; returns its arguments.
    pub fn expect_event(&self, nsp: &str, event: &str) -> Vec<Value> {
        let (id, args) = self.expect_event_id(nsp, event);
        assert_eq!(id, None, "event {event} asks for an ack");
        args
    }

    /// The next packet is the event `event` in `nsp` asking for an ack; returns the ack id and
    /// the arguments.
    pub fn expect_event_with_ack(&self, nsp: &str, event: &str) -> (u64, Vec<Value>) {
        let (id, args) = self.expect_event_id(nsp, event);
        (
            id.unwrap_or_else(|| panic!("event {event} has no ack id")),
            args,
        )
    }

    fn expect_event_id(&self, nsp: &str, event: &str) -> (Option<u64>, Vec<Value>) {
        let p = self.next_of(&format!("event {event} in {nsp}"));
        assert!(
            p.kind.is_event() && p.nsp == nsp && p.event_name() == Some(event),
            "expected event {event} in {nsp}, got {}",
            wire(&p)
        );
        let Some(Value::Array(mut items)) = p.data else {
            unreachable!("an event has an array payload")
        };
        items.remove(0);
        (p.id, items)
    }

    /// The next packet is the ACK `id` in `nsp`; returns its arguments.
    pub fn expect_ack(&self, nsp: &str, id: u64) -> Vec<Value> {
        let p = self.next_of(&format!("ACK {id} in {nsp}"));
        assert!(
            p.kind.is_ack() && p.nsp == nsp && p.id == Some(id),
            "expected ACK {id} in {nsp}, got {}",
            wire(&p)
        );
        match p.data {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        }
    }

    /// Nothing was received since the last take.
    pub fn expect_nothing(&self) {
        let pending = self.pending_wire();
        assert!(pending.is_empty(), "expected nothing, received {pending:?}");
    }

    /// The names of the events received (in `nsp`), taking every packet.
    pub fn event_names(&self, nsp: &str) -> Vec<String> {
        self.received()
            .iter()
            .filter(|p| p.kind.is_event() && p.nsp == nsp)
            .filter_map(|p| p.event_name().map(str::to_owned))
            .collect()
    }

    /// Why the session ended, if it did.
    pub fn closed(&self) -> Option<CloseReason> {
        self.read_conn(|c| c.closed)
    }

    /// Whether the session is still open.
    pub fn is_open(&self) -> bool {
        self.closed().is_none()
    }

    /// How many messages the server wrote after closing the session.
    pub fn dropped_after_close(&self) -> usize {
        self.read_conn(|c| c.dropped_after_close)
    }
}

/// An EVENT packet `[event, ...args]`.
pub fn event_packet(nsp: &str, event: &str, args: Value, ack: Option<u64>) -> Packet {
    let mut items = vec![Value::from(event)];
    match args {
        Value::Array(args) => items.extend(args),
        Value::Null => {}
        other => items.push(other),
    }
    Packet::event(nsp, Value::Array(items), ack)
}
