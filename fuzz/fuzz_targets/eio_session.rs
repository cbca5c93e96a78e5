//! The Engine.IO session state machine (`engineio-proto`) fed random request sequences, as
//! the driver would: requests are routed with `route` first, then handed to the `Session`
//! with a virtual clock. Invariants:
//! - nothing panics;
//! - every HTTP request is answered at most once, and only requests that were made;
//! - `Event::Closed` comes once, last;
//! - left alone, every session ends: with no more input it is closed by its timers within
//!   ping_interval + ping_timeout + upgrade_timeout + close_timeout (no immortal session).
#![no_main]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use bytes::Bytes;
use engineio_codec::{Data, Frame, PayloadDecoder, ProtocolVersion, Sid};
use engineio_proto::{
    route, Config, Event, Method, Opening, PostBody, PostStart, Query, RequestId, RequestInfo,
    Route, Session, Transmit, TransportKind, WsId,
};
use libfuzzer_sys::fuzz_target;

struct Harness {
    session: Session,
    now: Instant,
    next: u64,
    open_requests: HashSet<u64>,
    pending_posts: Vec<RequestId>,
    closed: bool,
    version: ProtocolVersion,
}

impl Harness {
    fn id(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    fn drain(&mut self) {
        while let Some(t) = self.session.poll_transmit() {
            if let Transmit::Http { req, .. } = t {
                assert!(self.open_requests.remove(&req.0), "request {req:?} answered twice or never made");
            }
        }
        while let Some(e) = self.session.poll_event() {
            assert!(!self.closed, "event after Closed: {e:?}");
            if let Event::Closed(_) = e {
                self.closed = true;
            }
        }
        assert_eq!(self.closed, self.session.is_closed());
    }
}

fn config(byte: u8) -> Config {
    Config {
        ping_interval: Duration::from_millis(300),
        ping_timeout: Duration::from_millis(200),
        upgrade_timeout: Duration::from_millis(500),
        close_timeout: Duration::from_millis(700),
        max_payload: 64,
        max_buffered_packets: usize::from(byte & 7) + 1,
        allow_upgrades: byte & 8 == 0,
        allow_eio3: true,
        ..Config::default()
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let cfg = config(data[0]);
    let version = if data[1] & 1 == 0 {
        ProtocolVersion::V4
    } else {
        ProtocolVersion::V3
    };
    let t0 = Instant::now();
    let sid = Sid::from_random([3; 15]);
    let (opening, first) = if data[1] & 2 == 0 {
        (Opening::Polling { req: RequestId(1), b64: data[1] & 4 != 0 }, Some(1))
    } else {
        (Opening::WebSocket { ws: WsId(1) }, None)
    };
    let mut h = Harness {
        session: Session::new(t0, sid, version, opening, &cfg),
        now: t0,
        next: 10,
        open_requests: first.into_iter().collect(),
        pending_posts: Vec::new(),
        closed: false,
        version,
    };
    h.drain();
    let mut ws_ids: Vec<u64> = vec![1];
    let mut ops = data[2..].iter().copied();
    while let Some(op) = ops.next() {
        let arg = ops.next().unwrap_or(0);
        let now = h.now;
        match op % 12 {
            0 => {
                // a polling GET, routed first
                let q = format!("EIO={}&transport=polling&sid={sid}", h.version.as_str());
                let info = RequestInfo { method: Method::Get, method_name: "GET", query: Query::parse(&q), origin: None, websocket_upgrade: false };
                let transport = h.session.transport();
                if let Ok(Route::PollGet(_)) = route(&cfg, &info, |_| Some(transport)) {
                    let id = h.id();
                    h.open_requests.insert(id);
                    h.session.handle_get(now, RequestId(id));
                }
            }
            1 => {
                let id = h.id();
                h.open_requests.insert(id);
                if h.session.handle_post_start(now, RequestId(id), arg & 1 == 1) == PostStart::Accepted {
                    h.pending_posts.push(RequestId(id));
                }
            }
            2 => {
                // the body of the oldest accepted POST: `arg` bytes of the rest of the input
                if !h.pending_posts.is_empty() {
                    let req = h.pending_posts.remove(0);
                    let body: Vec<u8> = ops.by_ref().take(usize::from(arg & 63)).collect();
                    let binary = arg & 64 != 0;
                    let mut decoder = PayloadDecoder::new(h.version, binary, 64);
                    let post = if decoder.push(&body).is_err() {
                        PostBody::TooLarge
                    } else if arg & 128 != 0 {
                        PostBody::Aborted
                    } else {
                        PostBody::Decoded(decoder.finish())
                    };
                    h.session.handle_post_body(now, req, post);
                }
            }
            3 => {
                let id = h.id();
                ws_ids.push(id);
                h.session.handle_ws_open(now, WsId(id));
            }
            4 | 5 => {
                // a websocket frame on one of the websockets seen so far
                let ws = ws_ids[usize::from(arg) % ws_ids.len()];
                let len = usize::from(ops.next().unwrap_or(0) & 31);
                let body: Vec<u8> = ops.by_ref().take(len).collect();
                let frame = if op % 12 == 4 {
                    Frame::Text(String::from_utf8_lossy(&body).into_owned().into())
                } else {
                    Frame::Binary(Bytes::from(body))
                };
                h.session.handle_ws_frame(now, WsId(ws), frame);
            }
            6 => {
                // well-formed frames that drive the upgrade and heartbeat
                let ws = ws_ids[usize::from(arg >> 2) % ws_ids.len()];
                let text = ["2probe", "5", "3", "4hi"][usize::from(arg & 3)];
                h.session.handle_ws_frame(now, WsId(ws), Frame::Text(text.into()));
            }
            7 => {
                let ws = ws_ids[usize::from(arg) % ws_ids.len()];
                h.session.handle_ws_closed(now, WsId(ws), arg & 128 != 0);
            }
            8 => {
                let _ = h.session.send(Data::Text(format!("m{arg}").as_str().into()));
            }
            9 => h.session.close(now),
            10 | 11 => {
                h.now += Duration::from_millis(u64::from(arg) * 4);
                let now = h.now;
                h.session.handle_timeout(now);
            }
            _ => unreachable!(),
        }
        h.drain();
        if let Some(at) = h.session.poll_timeout() {
            // a deadline in the past must fire on the next handle_timeout
            if at <= h.now {
                let now = h.now;
                h.session.handle_timeout(now);
                h.drain();
            }
        }
    }
    // Left alone, the session must end within the sum of its timers.
    let limit = h.now + Duration::from_millis(300 + 200 + 500 + 700 + 10);
    while let Some(at) = h.session.poll_timeout() {
        assert!(at <= limit, "a deadline beyond every timer: the session would live on");
        h.now = h.now.max(at);
        let now = h.now;
        h.session.handle_timeout(now);
        h.drain();
    }
    assert!(h.session.is_closed(), "a session with no deadline left is not closed");
    let _ = TransportKind::Polling;
});
