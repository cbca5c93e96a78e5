//! One Engine.IO session: the sans-IO state machine. [`Session`]'s docs hold the state diagram
//! and the calling contract (the module is private; the type is what users see).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use engineio_codec::{
    decode_binary_frame, decode_text_frame, encode_frame, encode_payload, Data, DecodedPayload,
    Frame, Handshake, Packet, ProtocolVersion, Sid,
};

use crate::timer::{Timer, TimerTable};
use crate::{CloseReason, Config, RequestError, SendError, TransportKind};

/// Identifies one held HTTP request of a session (chosen by the driver).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RequestId(pub u64);

/// Identifies one websocket of a session (chosen by the driver).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WsId(pub u64);

/// An HTTP response to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<&'static str>,
    /// Body.
    pub body: Bytes,
    /// Whether the body may be compressed (HTTP compression of polling answers): true for a
    /// payload holding at least one packet sent with [`SendOptions::compress`] (Node's
    /// `Polling#send`: `packets.some(p => p.options.compress)`). Messages, pings, pongs and
    /// the handshake are sent with it unless the application said otherwise; a bare noop or
    /// close answer, errors and POST answers are not.
    pub compress: bool,
}

impl HttpResponse {
    /// A response with no body and no content type.
    pub fn empty(status: u16) -> Self {
        HttpResponse {
            status,
            content_type: None,
            body: Bytes::new(),
            compress: false,
        }
    }

    /// The JSON error response of a refused polling request.
    pub fn error(err: &RequestError) -> Self {
        HttpResponse {
            status: err.status(),
            content_type: Some("application/json"),
            body: Bytes::from(err.json_body()),
            compress: false,
        }
    }

    /// `200 ok` (`text/html`), the answer to an accepted POST.
    pub fn post_ok() -> Self {
        HttpResponse {
            status: 200,
            content_type: Some("text/html"),
            body: Bytes::from_static(b"ok"),
            compress: false,
        }
    }
}

/// How an application message is sent (Node's `socket.send(data, options)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendOptions {
    /// Whether the message may be compressed. Default true, as Node (`compress !== false`).
    /// Only HTTP compression of polling answers reads it: an answer is compressed (above the
    /// threshold) when at least one of its packets allows it, so a payload made only of
    /// `compress: false` messages goes out as it is. Websocket frames are never compressed
    /// (no permessage-deflate).
    pub compress: bool,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions { compress: true }
    }
}

/// Something the driver must write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transmit {
    /// Answer a held HTTP request.
    Http {
        /// Which request.
        req: RequestId,
        /// The response.
        response: HttpResponse,
    },
    /// Send a websocket frame.
    Ws {
        /// Which websocket.
        ws: WsId,
        /// The frame.
        frame: Frame,
    },
    /// Close a websocket (with a close code when one applies, e.g. 1009 for too large).
    WsClose {
        /// Which websocket.
        ws: WsId,
        /// Close code.
        code: Option<u16>,
    },
}

/// Something the application must see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A message from the peer.
    Message(Data),
    /// The session moved from polling to websocket.
    Upgraded,
    /// The session is over; no more events follow.
    Closed(CloseReason),
}

/// How a new session's first connection arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opening {
    /// A polling GET, answered with the handshake.
    Polling {
        /// The handshake request.
        req: RequestId,
        /// `b64` was in the query (v3 text-only payloads).
        b64: bool,
    },
    /// A websocket, sent the handshake as its first frame.
    WebSocket {
        /// The websocket.
        ws: WsId,
    },
}

/// Whether a POST may send its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostStart {
    /// Read the body, then call [`Session::handle_post_body`].
    Accepted,
    /// Refused: the response is already in the transmit queue; do not read the body.
    Refused,
}

/// A POST body as read by the driver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PostBody {
    /// The whole body, decoded.
    Decoded(DecodedPayload),
    /// The body passed `max_payload`: answered 413, data dropped, session kept.
    TooLarge,
    /// The body did not arrive: the peer went away mid-body or trickled it past the read
    /// timeout. Answered 400 and the session closes ("transport error"), as Node does when a
    /// data request closes prematurely.
    Aborted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Open,
    /// A server close waits for a polling GET to carry the close packet.
    Closing(CloseReason),
    Closed,
}

/// Node's description of a websocket message over `max_payload` (the text of the `ws`
/// package's error: `new Error(err)` of a `RangeError`).
pub(crate) const MAX_PAYLOAD_EXCEEDED: &str = "RangeError: Max payload size exceeded";

/// How often an upgrading session answers a held polling GET with a noop after the probe.
/// Node: 100 ms check interval, not configurable in Node.
const UPGRADE_NOOP_INTERVAL: Duration = Duration::from_millis(100);

#[derive(Clone, Copy, Debug)]
struct Upgrade {
    ws: WsId,
}

/// What a held GET gets when the session ends under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HeldGetAnswer {
    Close,
    Noop,
}

/// One Engine.IO session: the transport state machine of one client, driven by inputs that carry
/// the current time.
///
/// ```text
///                 handshake (GET or websocket)
///                          |
///                          v
///   +------------------- Open ------------------------+
///   |   polling <-- upgrade: ws attached, 2probe/3probe,
///   |               every 100 ms a held GET is answered 6,
///   |               then 5 --> websocket
///   |                      |
///   |  server close on polling, no GET held
///   |                      v
///   |                   Closing --(GET carries `1`, or close_timeout)--+
///   |                                                                 |
///   +--(peer close, error, ping timeout, server close)------> Closed <-+
/// ```
///
/// # Upgrade sequence
///
/// As Node's `Socket._maybeUpgrade`: a websocket for the sid attaches
/// ([`Session::handle_ws_open`]) and the upgrade deadline ([`Timer::Upgrade`]) starts. On `2probe`
/// it gets `3probe` and the noop check ([`Timer::UpgradeNoop`]) starts: every 100 ms, if a polling
/// GET is held at that moment, it is answered `6` so the client can pause polling; a second probe
/// restarts the check. `5` completes the upgrade (a GET still held gets `6`, the buffer goes out
/// on the websocket); any other packet, the upgrade deadline, the websocket closing or the
/// session closing aborts it. Either way the check stops.
///
/// # Calling contract
///
/// The driver owns one [`Session`] and feeds it inputs through the `handle_*` methods and the
/// application's [`Session::send`] / [`Session::close`], passing the current time where asked.
/// After every input it drains, in this order:
///
/// 1. [`Session::poll_transmit`] until `None`: HTTP responses for held requests, websocket frames,
///    websocket closes;
/// 2. [`Session::poll_event`] until `None`: messages, upgrade, and finally [`Event::Closed`];
/// 3. [`Session::poll_timeout`]: the one deadline to sleep until, then call
///    [`Session::handle_timeout`].
///
/// Request and websocket ids ([`RequestId`], [`WsId`]) are chosen by the driver and only compared
/// here.
///
/// # Deadlines first
///
/// Every input that takes `now` (the `handle_*` methods, [`Session::close`] and
/// [`Session::close_with`]) first fires every deadline at or before `now`, in deadline order,
/// exactly as [`Session::handle_timeout`]`(now)` would, and only then handles the input, which
/// may find the session closed. An input never overtakes an expired deadline, even when the
/// driver's timer has not woken up yet: a pong arriving at or after the pong deadline does not
/// save the session, a GET or POST arriving then is refused as on a closed session (400 code 1),
/// a `5` arriving at or after the upgrade deadline finds the upgrade aborted. A deadline equal to
/// `now` has expired; inputs strictly before it are handled normally. [`Session::send`] and
/// [`Session::send_batch`] take no time: they act on the state left by the last input.
#[derive(Debug)]
pub struct Session {
    sid: Sid,
    version: ProtocolVersion,
    config: SessionLimits,
    state: State,
    transport: TransportKind,
    ws: Option<WsId>,
    upgrade: Option<Upgrade>,
    held_get: Option<RequestId>,
    post: Option<RequestId>,
    b64: bool,
    buffer: VecDeque<Packet>,
    /// Whether a packet of `buffer` may be compressed (see [`HttpResponse::compress`]); the
    /// buffer is always written or dropped whole, so one flag covers it.
    buffer_compress: bool,
    /// Node's close `description` of a "transport error" (the error's message).
    close_description: Option<Cow<'static, str>>,
    timers: TimerTable,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
}

/// The parts of [`Config`] a session needs, copied in.
#[derive(Clone, Copy, Debug)]
struct SessionLimits {
    ping_interval: std::time::Duration,
    ping_timeout: std::time::Duration,
    upgrade_timeout: std::time::Duration,
    close_timeout: std::time::Duration,
    max_payload: usize,
    allow_upgrades: bool,
    max_buffered_packets: usize,
}

impl Session {
    /// Opens a session: queues the handshake (`0{...}`) on the first connection and arms the heartbeat.
    pub fn new(
        now: Instant,
        sid: Sid,
        version: ProtocolVersion,
        opening: Opening,
        config: &Config,
    ) -> Self {
        let limits = SessionLimits {
            ping_interval: config.ping_interval,
            ping_timeout: config.ping_timeout,
            upgrade_timeout: config.upgrade_timeout,
            close_timeout: config.close_timeout,
            max_payload: config.max_payload,
            allow_upgrades: config.allow_upgrades,
            max_buffered_packets: config.max_buffered_packets,
        };
        let (transport, ws, held_get, b64) = match opening {
            Opening::Polling { req, b64 } => (TransportKind::Polling, None, Some(req), b64),
            Opening::WebSocket { ws } => (TransportKind::WebSocket, Some(ws), None, false),
        };
        let upgrades = if transport == TransportKind::Polling
            && config.allow_upgrades
            && config.transports.websocket
        {
            vec!["websocket".to_owned()]
        } else {
            Vec::new()
        };
        let handshake = Handshake {
            sid,
            upgrades,
            ping_interval: config.ping_interval.as_millis() as u64,
            ping_timeout: config.ping_timeout.as_millis() as u64,
            max_payload: config.max_payload as u64,
        };
        let mut session = Session {
            sid,
            version,
            config: limits,
            state: State::Open,
            transport,
            ws,
            upgrade: None,
            held_get,
            post: None,
            b64,
            buffer: VecDeque::new(),
            buffer_compress: false,
            close_description: None,
            timers: TimerTable::default(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        };
        session.queue(Packet::Open(handshake.to_json()), true);
        if let Some(packet) = &config.initial_packet {
            session.queue(Packet::Message(packet.clone()), true);
        }
        match version {
            ProtocolVersion::V4 => session
                .timers
                .set(Timer::PingInterval, now + limits.ping_interval),
            ProtocolVersion::V3 => session.arm_v3_ping_deadline(now),
        }
        session.flush();
        session
    }

    /// The session id.
    pub fn sid(&self) -> Sid {
        self.sid
    }

    /// The protocol version.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The current transport.
    pub fn transport(&self) -> TransportKind {
        self.transport
    }

    /// Whether the session has ended.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    // ----- application commands -----

    /// Queues a message for the peer.
    pub fn send(&mut self, data: Data) -> Result<(), SendError> {
        self.send_with(data, SendOptions::default())
    }

    /// Queues a message for the peer with send options.
    pub fn send_with(&mut self, data: Data, options: SendOptions) -> Result<(), SendError> {
        if self.state != State::Open {
            return Err(SendError::Closed);
        }
        if self.buffer.len() >= self.config.max_buffered_packets {
            return Err(SendError::Full);
        }
        self.queue(Packet::Message(data), options.compress);
        self.flush();
        Ok(())
    }

    /// Queues several messages that must go out together or not at all (a Socket.IO packet and
    /// its attachments): refused whole when they do not all fit.
    pub fn send_batch(&mut self, batch: Vec<Data>) -> Result<(), SendError> {
        self.send_batch_with(batch, SendOptions::default())
    }

    /// [`Session::send_batch`] with send options (for every message of the batch).
    pub fn send_batch_with(
        &mut self,
        batch: Vec<Data>,
        options: SendOptions,
    ) -> Result<(), SendError> {
        if self.state != State::Open {
            return Err(SendError::Closed);
        }
        if self.buffer.len() + batch.len() > self.config.max_buffered_packets {
            return Err(SendError::Full);
        }
        self.buffer_compress |= options.compress && !batch.is_empty();
        self.buffer.extend(batch.into_iter().map(Packet::Message));
        self.flush();
        Ok(())
    }

    /// Node's `description` of the close (the second argument of its `close` event), once the
    /// session is closed: for "transport error", the message of the error (`"overlap from
    /// client"`, `"invalid heartbeat direction"`, `"poll connection closed prematurely"`,
    /// ...); `None` for every other reason, as Node.
    pub fn close_description(&self) -> Option<&str> {
        self.close_description.as_deref()
    }

    /// Whether events wait in [`Session::poll_event`].
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// How many packets wait in the outgoing buffer (a polling client that has not polled).
    pub fn buffered_len(&self) -> usize {
        self.buffer.len()
    }

    /// Closes the session from the server side ("forced close").
    pub fn close(&mut self, now: Instant) {
        self.close_with(now, CloseReason::ForcedClose);
    }

    /// Closes the session from the server side with the given reason. On polling without a held
    /// GET, the close packet waits for the next GET (at most `close_timeout`).
    ///
    /// Deadlines due at `now` fire first: a session whose ping timeout has passed closes with
    /// "ping timeout", not with `reason`.
    pub fn close_with(&mut self, now: Instant, reason: CloseReason) {
        self.fire_due_deadlines(now);
        if self.state != State::Open {
            return;
        }
        self.abort_upgrade();
        match self.transport {
            TransportKind::WebSocket => {
                self.buffer.push_back(Packet::Close);
                self.flush();
                self.finish(reason, HeldGetAnswer::Close);
            }
            // Nothing buffered and a GET held: it carries `1` now.
            TransportKind::Polling if self.held_get.is_some() => {
                self.finish(reason, HeldGetAnswer::Close);
            }
            // As Node: buffered packets go out first (in their own response), then a later
            // GET gets `6` + `1`.
            TransportKind::Polling => {
                self.state = State::Closing(reason);
                self.timers.clear_all();
                self.timers
                    .set(Timer::CloseDrain, now + self.config.close_timeout);
            }
        }
    }

    // ----- polling inputs -----

    /// A polling GET arrived. Answered at once when packets are buffered, otherwise held until
    /// something is queued (a message, the ping, the upgrade noop, the close).
    pub fn handle_get(&mut self, now: Instant, req: RequestId) {
        self.fire_due_deadlines(now);
        if self.state == State::Closed {
            self.respond(req, HttpResponse::error(&RequestError::UnknownSid));
            return;
        }
        if self.transport != TransportKind::Polling {
            self.respond(req, HttpResponse::error(&RequestError::BadRequest));
            return;
        }
        if self.held_get.is_some() {
            // Node: the second GET gets 400, the session closes, the held GET gets `1`.
            self.respond(req, HttpResponse::empty(400));
            self.fail("overlap from client", HeldGetAnswer::Close);
            return;
        }
        self.held_get = Some(req);
        if !self.buffer.is_empty() {
            self.flush();
        } else if let State::Closing(reason) = self.state {
            let payload = encode_payload(&[Packet::Noop, Packet::Close], self.version, self.b64);
            self.held_get = None;
            self.respond(
                req,
                HttpResponse {
                    status: 200,
                    content_type: Some(payload.content_type),
                    body: payload.body,
                    compress: false,
                },
            );
            self.finish(reason, HeldGetAnswer::Close);
        }
    }

    /// A polling POST arrived, before its body is read. `binary_body` means its Content-Type is
    /// `application/octet-stream`.
    pub fn handle_post_start(
        &mut self,
        now: Instant,
        req: RequestId,
        binary_body: bool,
    ) -> PostStart {
        self.fire_due_deadlines(now);
        if self.state == State::Closed {
            self.respond(req, HttpResponse::error(&RequestError::UnknownSid));
            return PostStart::Refused;
        }
        if self.transport != TransportKind::Polling {
            self.respond(req, HttpResponse::error(&RequestError::BadRequest));
            return PostStart::Refused;
        }
        if self.post.is_some() || (binary_body && self.version == ProtocolVersion::V4) {
            self.respond(req, HttpResponse::empty(400));
            let description = if self.post.is_some() {
                "data request overlap from client"
            } else {
                "invalid content"
            };
            self.fail(description, HeldGetAnswer::Close);
            return PostStart::Refused;
        }
        self.post = Some(req);
        PostStart::Accepted
    }

    /// The body of an accepted POST has been read. The POST is answered `200 ok` (even when its
    /// content closes the session, as Node does), or 413 when too large (session kept).
    pub fn handle_post_body(&mut self, now: Instant, req: RequestId, body: PostBody) {
        self.fire_due_deadlines(now);
        if self.post == Some(req) {
            self.post = None;
        }
        match body {
            PostBody::TooLarge => self.respond(req, HttpResponse::empty(413)),
            PostBody::Aborted => {
                self.respond(req, HttpResponse::empty(400));
                self.fail(
                    "data request connection closed prematurely",
                    HeldGetAnswer::Close,
                );
            }
            PostBody::Decoded(decoded) => {
                for packet in decoded.packets {
                    if self.state != State::Open {
                        break;
                    }
                    if packet == Packet::Close {
                        // Node's polling transport: a held GET gets `6`, then the session closes.
                        self.finish(CloseReason::TransportClose, HeldGetAnswer::Noop);
                        break;
                    }
                    self.on_packet(now, packet);
                }
                if decoded.error.is_some() && self.state == State::Open {
                    self.finish(CloseReason::ParseError, HeldGetAnswer::Close);
                }
                self.respond(req, HttpResponse::post_ok());
            }
        }
    }

    // ----- websocket inputs -----

    /// A polling GET's connection closed before its response (with packets) could be written:
    /// the session ends with "transport error", as Node does for a poll closed prematurely.
    pub fn handle_poll_lost(&mut self, now: Instant) {
        self.fire_due_deadlines(now);
        if self.transport == TransportKind::Polling {
            self.fail("poll connection closed prematurely", HeldGetAnswer::Close);
        }
    }

    /// A websocket for this sid was accepted (an upgrade attempt). Refused (closed at once) when
    /// the session is not on polling, already upgrading, closing, or upgrades are off.
    pub fn handle_ws_open(&mut self, now: Instant, ws: WsId) {
        self.fire_due_deadlines(now);
        if self.state != State::Open
            || self.transport != TransportKind::Polling
            || self.upgrade.is_some()
            || !self.config.allow_upgrades
        {
            self.transmits
                .push_back(Transmit::WsClose { ws, code: None });
            return;
        }
        self.upgrade = Some(Upgrade { ws });
        self.timers
            .set(Timer::Upgrade, now + self.config.upgrade_timeout);
    }

    /// A websocket frame arrived.
    pub fn handle_ws_frame(&mut self, now: Instant, ws: WsId, frame: Frame) {
        self.fire_due_deadlines(now);
        if self.state != State::Open {
            return;
        }
        let is_main = self.ws == Some(ws);
        let is_upgrade = self.upgrade.is_some_and(|u| u.ws == ws);
        if !is_main && !is_upgrade {
            return;
        }
        let size = match &frame {
            Frame::Text(t) => t.len(),
            Frame::Binary(b) => b.len(),
        };
        if size > self.config.max_payload {
            if is_main {
                self.transmits.push_back(Transmit::WsClose {
                    ws,
                    code: Some(1009),
                });
                self.ws = None;
                self.fail(MAX_PAYLOAD_EXCEEDED, HeldGetAnswer::Close);
            } else {
                self.abort_upgrade_with(Some(1009));
            }
            return;
        }
        let decoded = match frame {
            Frame::Text(text) => decode_text_frame(&text),
            Frame::Binary(bytes) => decode_binary_frame(bytes, self.version),
        };
        let packet = match decoded {
            Ok(p) => p,
            Err(_) if is_main => {
                self.finish(CloseReason::ParseError, HeldGetAnswer::Close);
                return;
            }
            Err(_) => {
                self.abort_upgrade();
                return;
            }
        };
        if is_main {
            if packet == Packet::Close {
                self.finish(CloseReason::TransportClose, HeldGetAnswer::Close);
            } else {
                self.on_packet(now, packet);
            }
            return;
        }
        match packet {
            Packet::Ping(data) if data == "probe" => {
                let pong = encode_frame(&Packet::Pong("probe".into()), self.version);
                self.transmits.push_back(Transmit::Ws { ws, frame: pong });
                // As Node: no noop now; the check runs every 100 ms from the (last) probe.
                self.timers
                    .set(Timer::UpgradeNoop, now + UPGRADE_NOOP_INTERVAL);
            }
            Packet::Upgrade => self.complete_upgrade(ws),
            _ => self.abort_upgrade(),
        }
    }

    /// A websocket failed with an error (a read or write error, a message over the limit):
    /// as [`Session::handle_ws_closed`] with `error`, and `description` becomes the close
    /// description when this ends the session (Node passes the error: `"write error"`,
    /// `"RangeError: Max payload size exceeded"`, ...).
    pub fn handle_ws_error(
        &mut self,
        now: Instant,
        ws: WsId,
        description: impl Into<Cow<'static, str>>,
    ) {
        self.fire_due_deadlines(now);
        if self.state != State::Closed && self.ws == Some(ws) {
            self.close_description = Some(description.into());
        }
        self.handle_ws_closed(now, ws, true);
    }

    /// A websocket ended (closed by the peer, or an I/O error).
    pub fn handle_ws_closed(&mut self, now: Instant, ws: WsId, error: bool) {
        self.fire_due_deadlines(now);
        if self.state == State::Closed {
            return;
        }
        if self.ws == Some(ws) {
            self.ws = None;
            let reason = if error {
                CloseReason::TransportError
            } else {
                CloseReason::TransportClose
            };
            self.finish(reason, HeldGetAnswer::Close);
        } else if self.upgrade.is_some_and(|u| u.ws == ws) {
            self.upgrade = None;
            self.timers.clear(Timer::Upgrade);
            self.timers.clear(Timer::UpgradeNoop);
        }
    }

    // ----- time -----

    /// Fires every timer due at `now` (deadline at or before `now`), in deadline order. Every
    /// other input does the same before handling itself.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.fire_due_deadlines(now);
    }

    // ----- outputs -----

    /// The next thing to write.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next thing the application must see.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Session::handle_timeout`] must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    // ----- internals -----

    /// Fires every deadline at or before `now`, earliest first. Timers re-armed while firing
    /// count from `now` (as Node's timers re-arm from when they ran), so a late call fires each
    /// overdue timer once instead of catching up.
    fn fire_due_deadlines(&mut self, now: Instant) {
        while let Some(timer) = self.timers.take_expired(now) {
            match timer {
                Timer::PingInterval => {
                    if self.state == State::Open {
                        self.queue(Packet::Ping(String::new()), true);
                        self.flush();
                        self.timers
                            .set(Timer::PingTimeout, now + self.config.ping_timeout);
                    }
                }
                Timer::PingTimeout => self.finish(CloseReason::PingTimeout, HeldGetAnswer::Close),
                Timer::Upgrade => self.abort_upgrade(),
                Timer::UpgradeNoop => {
                    // Node's `check`: a noop only when the polling transport is writable (a
                    // GET is held, hence nothing buffered); the interval runs on regardless.
                    if self.state == State::Open
                        && self.upgrade.is_some()
                        && self.transport == TransportKind::Polling
                    {
                        self.answer_held_get(HeldGetAnswer::Noop);
                        self.timers
                            .set(Timer::UpgradeNoop, now + UPGRADE_NOOP_INTERVAL);
                    }
                }
                Timer::CloseDrain => {
                    if let State::Closing(reason) = self.state {
                        self.finish(reason, HeldGetAnswer::Close);
                    }
                }
            }
        }
    }

    fn on_packet(&mut self, now: Instant, packet: Packet) {
        match packet {
            Packet::Message(data) => self.events.push_back(Event::Message(data)),
            Packet::Ping(_) => match self.version {
                ProtocolVersion::V3 => {
                    self.arm_v3_ping_deadline(now);
                    // One pong per ping (as Node) while the buffer has room; past
                    // `max_buffered_packets` only one pong waits, so a peer that POSTs pings
                    // without ever polling cannot grow the buffer without bound.
                    if self.buffer.len() < self.config.max_buffered_packets
                        || !self.buffer.iter().any(|p| matches!(p, Packet::Pong(_)))
                    {
                        self.queue(Packet::Pong(String::new()), true);
                    }
                    self.flush();
                }
                ProtocolVersion::V4 => {
                    self.fail("invalid heartbeat direction", HeldGetAnswer::Close)
                }
            },
            Packet::Pong(_) => match self.version {
                ProtocolVersion::V4 => {
                    self.timers.clear(Timer::PingTimeout);
                    self.timers
                        .set(Timer::PingInterval, now + self.config.ping_interval);
                }
                ProtocolVersion::V3 => {
                    self.fail("invalid heartbeat direction", HeldGetAnswer::Close)
                }
            },
            Packet::Close => self.finish(CloseReason::TransportClose, HeldGetAnswer::Close),
            // Node ignores these from a client on the current transport.
            Packet::Open(_) | Packet::Upgrade | Packet::Noop => {}
        }
    }

    fn arm_v3_ping_deadline(&mut self, now: Instant) {
        let deadline = now + self.config.ping_interval + self.config.ping_timeout;
        self.timers.set(Timer::PingTimeout, deadline);
    }

    fn complete_upgrade(&mut self, ws: WsId) {
        self.upgrade = None;
        self.timers.clear(Timer::Upgrade);
        self.timers.clear(Timer::UpgradeNoop);
        self.answer_held_get(HeldGetAnswer::Noop);
        self.transport = TransportKind::WebSocket;
        self.ws = Some(ws);
        self.events.push_back(Event::Upgraded);
        self.flush();
    }

    fn abort_upgrade(&mut self) {
        self.abort_upgrade_with(None);
    }

    fn abort_upgrade_with(&mut self, code: Option<u16>) {
        if let Some(u) = self.upgrade.take() {
            self.timers.clear(Timer::Upgrade);
            self.timers.clear(Timer::UpgradeNoop);
            self.transmits
                .push_back(Transmit::WsClose { ws: u.ws, code });
        }
    }

    /// Writes the buffer to the current transport if it can take it.
    fn flush(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        match self.transport {
            TransportKind::WebSocket => {
                if let Some(ws) = self.ws {
                    // Websocket frames are never compressed (no permessage-deflate).
                    self.buffer_compress = false;
                    for packet in self.buffer.drain(..) {
                        let frame = encode_frame(&packet, self.version);
                        self.transmits.push_back(Transmit::Ws { ws, frame });
                    }
                }
            }
            TransportKind::Polling => {
                if let Some(req) = self.held_get.take() {
                    let packets: Vec<Packet> = self.buffer.drain(..).collect();
                    let payload = encode_payload(&packets, self.version, self.b64);
                    let response = HttpResponse {
                        status: 200,
                        content_type: Some(payload.content_type),
                        body: payload.body,
                        compress: std::mem::take(&mut self.buffer_compress),
                    };
                    self.transmits.push_back(Transmit::Http { req, response });
                }
            }
        }
    }

    fn answer_held_get(&mut self, answer: HeldGetAnswer) {
        if let Some(req) = self.held_get.take() {
            let packet = match answer {
                HeldGetAnswer::Close => Packet::Close,
                HeldGetAnswer::Noop => Packet::Noop,
            };
            let payload = encode_payload(&[packet], self.version, self.b64);
            // As Node, a noop or close answer is never compressed (sent without options).
            let response = HttpResponse {
                status: 200,
                content_type: Some(payload.content_type),
                body: payload.body,
                compress: false,
            };
            self.transmits.push_back(Transmit::Http { req, response });
        }
    }

    fn respond(&mut self, req: RequestId, response: HttpResponse) {
        self.transmits.push_back(Transmit::Http { req, response });
    }

    /// Ends the session with "transport error" and Node's description of the error.
    fn fail(&mut self, description: &'static str, held_get: HeldGetAnswer) {
        if self.state != State::Closed {
            self.close_description = Some(Cow::Borrowed(description));
        }
        self.finish(CloseReason::TransportError, held_get);
    }

    /// Queues a packet for the current transport; `compress` as [`SendOptions::compress`].
    fn queue(&mut self, packet: Packet, compress: bool) {
        self.buffer_compress |= compress;
        self.buffer.push_back(packet);
    }

    /// Ends the session now.
    fn finish(&mut self, reason: CloseReason, held_get: HeldGetAnswer) {
        if self.state == State::Closed {
            return;
        }
        self.state = State::Closed;
        self.timers.clear_all();
        self.abort_upgrade();
        self.answer_held_get(held_get);
        if let Some(ws) = self.ws.take() {
            self.transmits
                .push_back(Transmit::WsClose { ws, code: None });
        }
        self.buffer.clear();
        self.buffer_compress = false;
        self.events.push_back(Event::Closed(reason));
    }
}
