//! A virtual clock and a scripted fake client around one [`Session`].
//!
//! Time is an `Instant` base (`t0`, the handshake) plus milliseconds; nothing sleeps. The
//! client issues polling GETs/POSTs and websocket frames with increasing ids, and collects
//! every transmit and event the session produces, in the order the driver would drain them.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use engineio_proto::codec::{
    encode_frame, Bytes, Data, Frame, Packet, PayloadDecoder, ProtocolVersion, Sid,
};
use engineio_proto::{
    CloseReason, Config, Event, HttpResponse, Opening, PostBody, PostStart, RequestId, Session,
    Transmit, WsId,
};

pub const V3: ProtocolVersion = ProtocolVersion::V3;
pub const V4: ProtocolVersion = ProtocolVersion::V4;

/// The polling GET body content type.
pub const TEXT: &str = "text/plain; charset=UTF-8";

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A config with the short timers of the Node test suites (300/200 ms heartbeat).
pub fn fast_config() -> Config {
    Config {
        ping_interval: ms(300),
        ping_timeout: ms(200),
        upgrade_timeout: ms(1_000),
        close_timeout: ms(2_000),
        ..Config::default()
    }
}

pub fn test_sid() -> Sid {
    Sid::from_random([7; 15])
}

/// One session driven by a scripted client on a virtual clock.
pub struct Client {
    pub t0: Instant,
    pub now: Instant,
    pub config: Config,
    pub version: ProtocolVersion,
    pub session: Session,
    next_req: u64,
    next_ws: u64,
    /// Everything transmitted and not yet taken by a test, in order.
    pub transmits: Vec<Transmit>,
    /// Every event not yet taken by a test, in order.
    pub events: Vec<Event>,
}

/// The id of the handshake GET of a polling client.
pub const HANDSHAKE_REQ: RequestId = RequestId(1);
/// The id of the handshake websocket of a websocket client.
pub const HANDSHAKE_WS: WsId = WsId(1);

impl Client {
    /// Opens a session with a polling handshake GET (`RequestId(1)`), answered at once.
    pub fn polling(config: Config, version: ProtocolVersion) -> Client {
        Self::open(
            config,
            version,
            Opening::Polling {
                req: HANDSHAKE_REQ,
                b64: false,
            },
        )
    }

    /// As [`Client::polling`] for a v3 client that sent `b64=1`.
    pub fn polling_b64(config: Config, version: ProtocolVersion) -> Client {
        Self::open(
            config,
            version,
            Opening::Polling {
                req: HANDSHAKE_REQ,
                b64: true,
            },
        )
    }

    /// Opens a session with a websocket handshake (`WsId(1)`).
    pub fn websocket(config: Config, version: ProtocolVersion) -> Client {
        Self::open(config, version, Opening::WebSocket { ws: HANDSHAKE_WS })
    }

    /// Opens a polling session and consumes the handshake response.
    pub fn polling_open(config: Config, version: ProtocolVersion) -> Client {
        let mut c = Self::polling(config, version);
        let handshake = c.response(HANDSHAKE_REQ);
        assert_eq!(handshake.status, 200);
        c.assert_quiet();
        c
    }

    /// Opens a websocket session and consumes the handshake frame.
    pub fn websocket_open(config: Config, version: ProtocolVersion) -> Client {
        let mut c = Self::websocket(config, version);
        let frames = c.ws_texts(HANDSHAKE_WS);
        assert_eq!(frames.len(), 1);
        assert!(frames[0].starts_with("0{"), "{frames:?}");
        c.assert_quiet();
        c
    }

    fn open(config: Config, version: ProtocolVersion, opening: Opening) -> Client {
        let t0 = Instant::now();
        let session = Session::new(t0, test_sid(), version, opening, &config);
        let mut c = Client {
            t0,
            now: t0,
            config,
            version,
            session,
            next_req: 2,
            next_ws: 2,
            transmits: Vec::new(),
            events: Vec::new(),
        };
        c.drain();
        c
    }

    // ----- clock -----

    /// The instant `n` ms after the handshake.
    pub fn at(&self, n: u64) -> Instant {
        self.t0 + ms(n)
    }

    /// Moves the clock to `t0 + n` ms, firing every deadline on the way at its exact instant,
    /// as a driver sleeping on `poll_timeout` would.
    pub fn advance_to(&mut self, n: u64) {
        let target = self.at(n);
        assert!(target >= self.now, "the clock only moves forward");
        for _ in 0..10_000 {
            match self.session.poll_timeout() {
                Some(deadline) if deadline <= target => {
                    self.now = self.now.max(deadline);
                    self.session.handle_timeout(self.now);
                    self.drain();
                }
                _ => {
                    self.now = target;
                    return;
                }
            }
        }
        panic!("a timer keeps firing without moving forward");
    }

    /// Moves the clock to `t0 + n` ms without firing anything: the driver's timer has not woken
    /// up yet, so the next input arrives first (and must fire the expired deadlines itself).
    pub fn skip_to(&mut self, n: u64) {
        let target = self.at(n);
        assert!(target >= self.now, "the clock only moves forward");
        self.now = target;
    }

    /// Milliseconds since the handshake.
    pub fn elapsed_ms(&self) -> u128 {
        (self.now - self.t0).as_millis()
    }

    // ----- draining -----

    /// Drains the session in the documented order: transmits, then events.
    pub fn drain(&mut self) {
        while let Some(t) = self.session.poll_transmit() {
            self.transmits.push(t);
        }
        while let Some(e) = self.session.poll_event() {
            self.events.push(e);
        }
    }

    /// Takes every transmit collected so far.
    pub fn take_transmits(&mut self) -> Vec<Transmit> {
        std::mem::take(&mut self.transmits)
    }

    /// Takes every event collected so far.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Asserts nothing was transmitted and no event happened since the last take.
    pub fn assert_quiet(&mut self) {
        assert!(
            self.transmits.is_empty(),
            "unexpected transmits: {:?}",
            self.transmits
        );
        assert!(
            self.events.is_empty(),
            "unexpected events: {:?}",
            self.events
        );
    }

    /// Takes the events and asserts the session is still open and only got messages.
    pub fn messages(&mut self) -> Vec<Data> {
        self.take_events()
            .into_iter()
            .map(|e| match e {
                Event::Message(d) => d,
                other => panic!("expected only messages, got {other:?}"),
            })
            .collect()
    }

    /// Takes the events and asserts the last one is `Closed`, returning its reason.
    pub fn closed_reason(&mut self) -> CloseReason {
        let events = self.take_events();
        match events.last() {
            Some(Event::Closed(reason)) => {
                assert!(self.session.is_closed());
                assert_eq!(
                    self.session.poll_timeout(),
                    None,
                    "a closed session has no timer"
                );
                *reason
            }
            _ => panic!("expected Closed as the last event, got {events:?}"),
        }
    }

    // ----- polling -----

    fn new_req(&mut self) -> RequestId {
        let id = RequestId(self.next_req);
        self.next_req += 1;
        id
    }

    /// Issues a polling GET and returns its id (it may be held).
    pub fn get(&mut self) -> RequestId {
        let req = self.new_req();
        self.session.handle_get(self.now, req);
        self.drain();
        req
    }

    /// Removes and returns the response to `req`, if there is one yet.
    pub fn try_response(&mut self, req: RequestId) -> Option<HttpResponse> {
        let pos = self
            .transmits
            .iter()
            .position(|t| matches!(t, Transmit::Http { req: r, .. } if *r == req))?;
        match self.transmits.remove(pos) {
            Transmit::Http { response, .. } => Some(response),
            _ => unreachable!(),
        }
    }

    /// Removes and returns the response to `req`; panics when it has not been answered.
    pub fn response(&mut self, req: RequestId) -> HttpResponse {
        self.try_response(req)
            .unwrap_or_else(|| panic!("{req:?} not answered; transmits: {:?}", self.transmits))
    }

    /// Asserts `req` is still held (no response yet).
    pub fn assert_held(&self, req: RequestId) {
        assert!(
            !self
                .transmits
                .iter()
                .any(|t| matches!(t, Transmit::Http { req: r, .. } if *r == req)),
            "{req:?} should be held; transmits: {:?}",
            self.transmits
        );
    }

    /// The 200 text body answered to a GET.
    pub fn get_body(&mut self, req: RequestId) -> String {
        let response = self.response(req);
        assert_eq!(response.status, 200, "{response:?}");
        assert_eq!(response.content_type, Some(TEXT), "{response:?}");
        String::from_utf8(response.body.to_vec()).expect("text body")
    }

    /// A GET that must be answered at once; returns its text body.
    pub fn poll(&mut self) -> String {
        let req = self.get();
        self.get_body(req)
    }

    /// Starts a POST (`binary` = `Content-Type: application/octet-stream`).
    pub fn post_start(&mut self, binary: bool) -> (RequestId, PostStart) {
        let req = self.new_req();
        let start = self.session.handle_post_start(self.now, req, binary);
        self.drain();
        (req, start)
    }

    /// Delivers the body of an accepted POST, decoded the way a driver does: streamed through a
    /// [`PayloadDecoder`] bounded by `max_payload`, in two chunks.
    pub fn post_body(&mut self, req: RequestId, body: &[u8], binary: bool) {
        let mut decoder = PayloadDecoder::new(self.version, binary, self.config.max_payload);
        let (a, b) = body.split_at(body.len() / 2);
        let pushed = decoder.push(a).and_then(|()| decoder.push(b));
        let body = match pushed {
            Ok(()) => PostBody::Decoded(decoder.finish()),
            Err(_) => PostBody::TooLarge,
        };
        self.session.handle_post_body(self.now, req, body);
        self.drain();
    }

    /// A whole text POST; returns its response.
    pub fn post(&mut self, body: &str) -> HttpResponse {
        self.post_bytes(body.as_bytes(), false)
    }

    /// A whole POST with raw bytes; returns its response.
    pub fn post_bytes(&mut self, body: &[u8], binary: bool) -> HttpResponse {
        let (req, start) = self.post_start(binary);
        if start == PostStart::Accepted {
            self.post_body(req, body, binary);
        }
        self.response(req)
    }

    // ----- websocket -----

    /// Opens an upgrade websocket for this sid and returns its id.
    pub fn ws_open(&mut self) -> WsId {
        let ws = WsId(self.next_ws);
        self.next_ws += 1;
        self.session.handle_ws_open(self.now, ws);
        self.drain();
        ws
    }

    /// The client sends a frame.
    pub fn ws_frame(&mut self, ws: WsId, frame: Frame) {
        self.session.handle_ws_frame(self.now, ws, frame);
        self.drain();
    }

    /// The client sends a text frame.
    pub fn ws_text(&mut self, ws: WsId, text: &str) {
        self.ws_frame(ws, Frame::Text(text.into()));
    }

    /// The client sends a packet, encoded as one frame.
    pub fn ws_packet(&mut self, ws: WsId, packet: &Packet) {
        let frame = encode_frame(packet, self.version);
        self.ws_frame(ws, frame);
    }

    /// Removes and returns the frames sent on `ws`, in order.
    pub fn ws_frames(&mut self, ws: WsId) -> Vec<Frame> {
        let mut frames = Vec::new();
        self.transmits.retain(|t| match t {
            Transmit::Ws { ws: w, frame } if *w == ws => {
                frames.push(frame.clone());
                false
            }
            _ => true,
        });
        frames
    }

    /// Removes and returns the text frames sent on `ws`; panics on a binary frame.
    pub fn ws_texts(&mut self, ws: WsId) -> Vec<String> {
        self.ws_frames(ws)
            .into_iter()
            .map(|f| match f {
                Frame::Text(t) => String::from(t),
                Frame::Binary(b) => panic!("unexpected binary frame {b:?}"),
            })
            .collect()
    }

    /// Removes the close of `ws` and returns its code; `None` when `ws` was not closed.
    pub fn ws_close_code(&mut self, ws: WsId) -> Option<Option<u16>> {
        let pos = self
            .transmits
            .iter()
            .position(|t| matches!(t, Transmit::WsClose { ws: w, .. } if *w == ws))?;
        match self.transmits.remove(pos) {
            Transmit::WsClose { code, .. } => Some(code),
            _ => unreachable!(),
        }
    }

    /// Opens an upgrade websocket and probes it (`2probe` answered `3probe`); returns it.
    pub fn probe(&mut self) -> WsId {
        let ws = self.ws_open();
        self.ws_text(ws, "2probe");
        assert_eq!(self.ws_texts(ws), vec!["3probe".to_owned()]);
        ws
    }

    /// Upgrades the session to a new websocket (`2probe`, `3probe`, `5`) and returns it.
    pub fn upgrade(&mut self) -> WsId {
        let ws = self.ws_open();
        self.ws_text(ws, "2probe");
        assert_eq!(self.ws_texts(ws), vec!["3probe".to_owned()]);
        self.ws_text(ws, "5");
        assert_eq!(self.take_events(), vec![Event::Upgraded]);
        ws
    }
}

/// A binary message.
pub fn bin(bytes: &'static [u8]) -> Data {
    Data::Binary(Bytes::from_static(bytes))
}

/// A text message.
pub fn text(s: &str) -> Data {
    Data::Text(s.into())
}
