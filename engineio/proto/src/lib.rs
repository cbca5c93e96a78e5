//! `engineio-proto`: the Engine.IO server as a sans-IO state machine.
//!
//! This is the second layer of the workspace, between the codec (`engineio-codec`) and the async
//! driver (`engineio`). It owns every protocol rule: Node's request validation order and error
//! codes ([`route`], [`RequestError`]), the handshake, the polling rules, the websocket rules, the
//! upgrade, the heartbeat and every close reason ([`Session`]). It never touches a socket, a
//! runtime or the clock: the caller passes `now` in and reads out what to transmit, which events
//! happened and when to wake up next.
//!
//! Use it directly only to write a new driver; applications use the `engineio` crate.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use engineio_codec::{Data, ProtocolVersion, Sid};
//! use engineio_proto::{CloseReason, Config, Event, Opening, RequestId, Session, Transmit};
//!
//! let config = Config::default();
//! let t0 = Instant::now();
//! let sid = Sid::from_random([7; 15]);
//! let mut session = Session::new(t0, sid, ProtocolVersion::V4, Opening::Polling { req: RequestId(1), b64: false }, &config);
//!
//! // The handshake GET is answered with the open packet.
//! let Some(Transmit::Http { response, .. }) = session.poll_transmit() else { panic!() };
//! assert!(response.body.starts_with(b"0{\"sid\":"));
//!
//! // A message waits for the next GET.
//! session.send(Data::Text("hello".into())).unwrap();
//! session.handle_get(t0, RequestId(2));
//! let Some(Transmit::Http { response, .. }) = session.poll_transmit() else { panic!() };
//! assert_eq!(&response.body[..], b"4hello");
//!
//! // The first ping is due at ping_interval; it waits for the next GET.
//! assert_eq!(session.poll_timeout(), Some(t0 + Duration::from_millis(25_000)));
//! session.handle_timeout(t0 + Duration::from_millis(25_000));
//!
//! // No pong: the session dies at ping_interval + ping_timeout. Deadlines fire before any input,
//! // so a GET arriving then finds the session gone (400, code 1) even though the driver has not
//! // called `handle_timeout` yet.
//! assert_eq!(session.poll_timeout(), Some(t0 + Duration::from_millis(45_000)));
//! session.handle_get(t0 + Duration::from_millis(45_000), RequestId(3));
//! let Some(Transmit::Http { response, .. }) = session.poll_transmit() else { panic!() };
//! assert_eq!(response.status, 400);
//! assert_eq!(session.poll_event(), Some(Event::Closed(CloseReason::PingTimeout)));
//! assert_eq!(session.poll_timeout(), None);
//! ```

mod close;
mod config;
mod error;
mod request;
mod session;
mod timer;

pub use close::CloseReason;
pub use config::{Config, Transports};
pub use error::{RequestError, SendError};
pub use request::{
    route, route_with_context, ErrorContext, Method, Query, Refusal, RequestInfo, Route,
    TransportKind,
};
pub use session::{
    Event, HttpResponse, Opening, PostBody, PostStart, RequestId, SendOptions, Session, Transmit,
    WsId,
};
pub use timer::Timer;

pub use engineio_codec as codec;
