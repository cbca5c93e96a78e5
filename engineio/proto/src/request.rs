//! Request routing: Node's validation order for every HTTP request and websocket upgrade.
//!
//! [`route`] runs steps 1-4 of Node's `verify()` (transport, Origin, sid, handshake method);
//! the caller then runs its allow-request hook on a [`Route::Handshake`] and finally
//! [`Config::accept_version`] (step 5), in that order. [`route_with_context`] does the same
//! and also says why a request was refused the way Node's `connection_error` event does
//! ([`Refusal`]: the error and its [`ErrorContext`]).

use crate::{Config, RequestError};
use engineio_codec::{ProtocolVersion, Sid};

/// The HTTP method, as far as Engine.IO cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET: handshake or receive.
    Get,
    /// POST: send.
    Post,
    /// OPTIONS: a CORS preflight (answered before routing when CORS is on).
    Options,
    /// Anything else.
    Other,
}

impl Method {
    /// The method's name (`"GET"`, ...; `"OTHER"` for [`Method::Other`], whose name is in
    /// [`RequestInfo::method_name`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Options => "OPTIONS",
            Method::Other => "OTHER",
        }
    }

    /// Maps a method name (`"GET"`, ...) to a [`Method`].
    pub fn from_name(name: &str) -> Method {
        match name {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "OPTIONS" => Method::Options,
            _ => Method::Other,
        }
    }
}

/// A transport kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// HTTP long-polling.
    Polling,
    /// WebSocket.
    WebSocket,
}

impl TransportKind {
    /// The query-string name (`polling` / `websocket`).
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Polling => "polling",
            TransportKind::WebSocket => "websocket",
        }
    }
}

/// The Engine.IO query parameters of a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query<'a> {
    /// `EIO`.
    pub eio: Option<&'a str>,
    /// `transport`.
    pub transport: Option<&'a str>,
    /// `sid`.
    pub sid: Option<&'a str>,
    /// `b64` present (v3 clients that cannot take binary bodies).
    pub b64: bool,
}

impl<'a> Query<'a> {
    /// Parses a raw query string (`EIO=4&transport=polling&t=N1`); the first occurrence of a key wins.
    /// Values are used as-is: the values Engine.IO reads never need percent-decoding.
    pub fn parse(raw: &'a str) -> Query<'a> {
        let mut q = Query::default();
        for pair in raw.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "EIO" if q.eio.is_none() => q.eio = Some(value),
                "transport" if q.transport.is_none() => q.transport = Some(value),
                "sid" if q.sid.is_none() => q.sid = Some(value),
                "b64" => q.b64 = true,
                _ => {}
            }
        }
        q
    }
}

/// What the router needs to know about a request.
#[derive(Clone, Debug)]
pub struct RequestInfo<'a> {
    /// The method.
    pub method: Method,
    /// The method's name as the request wrote it (`"PUT"`, ...), for [`ErrorContext`].
    pub method_name: &'a str,
    /// The parsed query.
    pub query: Query<'a>,
    /// The raw `Origin` header, if any.
    pub origin: Option<&'a [u8]>,
    /// Whether this is a websocket upgrade request.
    pub websocket_upgrade: bool,
}

/// Where a valid request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// A new session. The caller runs its allow-request hook, then [`Config::accept_version`].
    Handshake {
        /// The protocol version the client asked for (`EIO`).
        version: ProtocolVersion,
        /// The transport of the first connection.
        transport: TransportKind,
        /// `b64` was given.
        b64: bool,
    },
    /// A polling GET for a live session.
    PollGet(Sid),
    /// A polling POST for a live session.
    PollPost(Sid),
    /// A polling request with another method for a live session: answer 500, empty body.
    PollOtherMethod(Sid),
    /// A websocket for a live session: an upgrade attempt (the session refuses it if it is not
    /// on polling or already upgrading).
    Upgrade(Sid),
    /// A websocket upgrade request that asked for `transport=polling`: accept nothing, close.
    RejectUpgrade,
}

/// Validates a request in Node's order and says where it goes.
///
/// `session_transport` looks a sid up: `None` when no live session has it, else the session's
/// current transport. (The protocol version of a session request is not checked: see
/// [`route_with_context`].)
pub fn route(
    config: &Config,
    req: &RequestInfo<'_>,
    session_transport: impl FnOnce(&Sid) -> Option<TransportKind>,
) -> Result<Route, RequestError> {
    let version = ProtocolVersion::from_query(req.query.eio);
    route_with_context(config, req, |sid| {
        session_transport(sid).map(|transport| (transport, version))
    })
    .map_err(|refusal| refusal.error)
}

/// What Node's `connection_error` event says about a refused request, besides its code and
/// message: its `context` object (field names in the variant docs).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorContext {
    /// Code 0, `{ transport }`: the `transport` query value (`None` when absent, which Node
    /// writes as `{}`).
    UnknownTransport {
        /// The `transport` query value.
        transport: Option<String>,
    },
    /// Code 3, `{ name: "INVALID_ORIGIN", origin }`: the `Origin` header has characters a
    /// header value cannot have.
    InvalidOrigin {
        /// The header, lossily decoded.
        origin: String,
    },
    /// Code 1, `{ sid }`: no live session has this id.
    UnknownSid {
        /// The `sid` query value.
        sid: String,
    },
    /// Code 3, `{ name: "TRANSPORT_MISMATCH", transport, previousTransport }`: a request
    /// for a session on another transport that is not an upgrade (polling after the upgrade).
    TransportMismatch {
        /// The transport of the request.
        transport: TransportKind,
        /// The session's transport.
        previous_transport: TransportKind,
    },
    /// Code 3, `{ name: "PROTOCOL_MISMATCH", protocol, previousProtocol }`: a request for a
    /// session with another `EIO` than its handshake's.
    ProtocolMismatch {
        /// The request's protocol (Node's rule: `EIO=4` is 4, anything else 3).
        protocol: ProtocolVersion,
        /// The session's.
        previous_protocol: ProtocolVersion,
    },
    /// Code 2, `{ method }`: a handshake (no `sid`) with a method other than GET.
    BadHandshakeMethod {
        /// The request method (`"POST"`, ...).
        method: String,
    },
    /// Code 3, `{ name: "TRANSPORT_HANDSHAKE_ERROR" }`: a `transport=websocket` handshake
    /// that is not a websocket upgrade request.
    TransportHandshakeError,
    /// Code 4, `{ message }`: the allow-request hook refused (with its message, if any).
    Forbidden {
        /// The hook's message.
        message: Option<String>,
    },
    /// Code 5, `{ protocol }`: an `EIO` version the server does not accept.
    UnsupportedProtocolVersion {
        /// The protocol asked for (3 for anything but `EIO=4`, as Node).
        protocol: ProtocolVersion,
    },
    /// Code 3, `{ name: "ID_GENERATION_ERROR", error }`: the session id generator failed, or
    /// gave an id that cannot be used.
    IdGenerationError {
        /// What went wrong.
        error: String,
    },
}

impl ErrorContext {
    /// Node's `name` field of the context, for the variants that have one.
    pub fn name(&self) -> Option<&'static str> {
        match self {
            ErrorContext::InvalidOrigin { .. } => Some("INVALID_ORIGIN"),
            ErrorContext::TransportMismatch { .. } => Some("TRANSPORT_MISMATCH"),
            ErrorContext::ProtocolMismatch { .. } => Some("PROTOCOL_MISMATCH"),
            ErrorContext::TransportHandshakeError => Some("TRANSPORT_HANDSHAKE_ERROR"),
            ErrorContext::IdGenerationError { .. } => Some("ID_GENERATION_ERROR"),
            _ => None,
        }
    }
}

/// A refused request: the error (code, message, HTTP status) and Node's context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The error.
    pub error: RequestError,
    /// Node's `context` of the `connection_error` event.
    pub context: ErrorContext,
}

impl Refusal {
    fn new(error: RequestError, context: ErrorContext) -> Self {
        Refusal { error, context }
    }
}

/// [`route`], saying why a request is refused (Node's `connection_error` context), and
/// checking, as Node, that a request for a session has the session's protocol version
/// (`session` gives the live session's transport and version).
pub fn route_with_context(
    config: &Config,
    req: &RequestInfo<'_>,
    session: impl FnOnce(&Sid) -> Option<(TransportKind, ProtocolVersion)>,
) -> Result<Route, Refusal> {
    // 1. transport
    let transport = match req.query.transport {
        Some("polling") if config.transports.polling => TransportKind::Polling,
        Some("websocket") if config.transports.websocket => TransportKind::WebSocket,
        other => {
            return Err(Refusal::new(
                RequestError::TransportUnknown,
                ErrorContext::UnknownTransport {
                    transport: other.map(str::to_owned),
                },
            ))
        }
    };
    // 2. Origin header characters
    if let Some(origin) = req.origin.filter(|o| !is_valid_header_value(o)) {
        return Err(Refusal::new(
            RequestError::BadRequest,
            ErrorContext::InvalidOrigin {
                origin: String::from_utf8_lossy(origin).into_owned(),
            },
        ));
    }
    // 3. sid
    if let Some(raw_sid) = req.query.sid {
        let unknown = || {
            Refusal::new(
                RequestError::UnknownSid,
                ErrorContext::UnknownSid {
                    sid: raw_sid.to_owned(),
                },
            )
        };
        let sid = Sid::parse(raw_sid).ok_or_else(unknown)?;
        let (current, version) = session(&sid).ok_or_else(unknown)?;
        if !req.websocket_upgrade && current != transport {
            return Err(Refusal::new(
                RequestError::BadRequest,
                ErrorContext::TransportMismatch {
                    transport,
                    previous_transport: current,
                },
            ));
        }
        let protocol = ProtocolVersion::from_query(req.query.eio);
        if protocol != version {
            return Err(Refusal::new(
                RequestError::BadRequest,
                ErrorContext::ProtocolMismatch {
                    protocol,
                    previous_protocol: version,
                },
            ));
        }
        if req.websocket_upgrade {
            return Ok(match transport {
                TransportKind::WebSocket => Route::Upgrade(sid),
                TransportKind::Polling => Route::RejectUpgrade,
            });
        }
        return Ok(match req.method {
            Method::Get => Route::PollGet(sid),
            Method::Post => Route::PollPost(sid),
            Method::Options | Method::Other => Route::PollOtherMethod(sid),
        });
    }
    // 4. handshake
    if req.method != Method::Get {
        return Err(Refusal::new(
            RequestError::BadHandshakeMethod,
            ErrorContext::BadHandshakeMethod {
                method: req.method_name.to_owned(),
            },
        ));
    }
    if transport == TransportKind::WebSocket && !req.websocket_upgrade {
        return Err(Refusal::new(
            RequestError::BadRequest,
            ErrorContext::TransportHandshakeError,
        ));
    }
    if transport == TransportKind::Polling && req.websocket_upgrade {
        return Ok(Route::RejectUpgrade);
    }
    Ok(Route::Handshake {
        version: ProtocolVersion::from_query(req.query.eio),
        transport,
        b64: req.query.b64,
    })
}

impl Config {
    /// Step 5 of validation: refuses v3 unless `allow_eio3`.
    pub fn accept_version(&self, version: ProtocolVersion) -> Result<(), RequestError> {
        match version {
            ProtocolVersion::V3 if !self.allow_eio3 => {
                Err(RequestError::UnsupportedProtocolVersion)
            }
            _ => Ok(()),
        }
    }
}

/// Node's `checkInvalidHeaderChar`: tab and visible Latin-1 only.
fn is_valid_header_value(value: &[u8]) -> bool {
    value
        .iter()
        .all(|&b| b == b'\t' || (0x20..=0x7e).contains(&b) || b >= 0x80)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SID: &str = "AAAAAAAAAAAAAAAAAAAA";

    fn info(method: Method, query: &str, ws: bool) -> RequestInfo<'_> {
        RequestInfo {
            method,
            method_name: method.as_str(),
            query: Query::parse(query),
            origin: None,
            websocket_upgrade: ws,
        }
    }

    fn run(req: &RequestInfo<'_>, live: Option<TransportKind>) -> Result<Route, RequestError> {
        route(&Config::default(), req, |_| live)
    }

    #[test]
    fn query_parsing_takes_first_value_and_flags() {
        let q = Query::parse("EIO=4&transport=polling&t=abc&sid=x&transport=websocket&b64=1");
        assert_eq!(q.eio, Some("4"));
        assert_eq!(q.transport, Some("polling"));
        assert_eq!(q.sid, Some("x"));
        assert!(q.b64);
        assert_eq!(Query::parse(""), Query::default());
    }

    #[test]
    fn transport_is_checked_first() {
        for q in [
            "EIO=4",
            "EIO=4&transport=foo",
            "transport=",
            "sid=bad&transport=tcp",
        ] {
            assert_eq!(
                run(&info(Method::Post, q, false), None),
                Err(RequestError::TransportUnknown),
                "{q}"
            );
        }
        let cfg = Config {
            transports: crate::Transports {
                polling: false,
                websocket: true,
            },
            ..Config::default()
        };
        let req = info(Method::Get, "EIO=4&transport=polling", false);
        assert_eq!(
            route(&cfg, &req, |_| None),
            Err(RequestError::TransportUnknown)
        );
    }

    #[test]
    fn origin_with_invalid_characters_is_bad_request() {
        let mut req = info(Method::Get, "EIO=4&transport=polling", false);
        req.origin = Some(b"http://a\x01b");
        assert_eq!(run(&req, None), Err(RequestError::BadRequest));
        req.origin = Some(b"http://example.com");
        assert!(run(&req, None).is_ok());
    }

    #[test]
    fn unknown_or_malformed_sid_is_code_1() {
        let q = format!("EIO=4&transport=polling&sid={SID}");
        assert_eq!(
            run(&info(Method::Get, &q, false), None),
            Err(RequestError::UnknownSid)
        );
        let q = "EIO=4&transport=polling&sid=short";
        assert_eq!(
            run(&info(Method::Get, q, false), Some(TransportKind::Polling)),
            Err(RequestError::UnknownSid)
        );
    }

    #[test]
    fn transport_mismatch_is_code_3_unless_upgrading() {
        let q = format!("EIO=4&transport=polling&sid={SID}");
        assert_eq!(
            run(
                &info(Method::Get, &q, false),
                Some(TransportKind::WebSocket)
            ),
            Err(RequestError::BadRequest)
        );
        let q = format!("EIO=4&transport=websocket&sid={SID}");
        let sid = Sid::parse(SID).expect("valid sid");
        assert_eq!(
            run(&info(Method::Get, &q, true), Some(TransportKind::Polling)),
            Ok(Route::Upgrade(sid))
        );
        assert_eq!(
            run(&info(Method::Get, &q, true), Some(TransportKind::WebSocket)),
            Ok(Route::Upgrade(sid))
        );
    }

    #[test]
    fn session_methods_route() {
        let q = format!("EIO=4&transport=polling&sid={SID}");
        let sid = Sid::parse(SID).expect("valid sid");
        let live = Some(TransportKind::Polling);
        assert_eq!(
            run(&info(Method::Get, &q, false), live),
            Ok(Route::PollGet(sid))
        );
        assert_eq!(
            run(&info(Method::Post, &q, false), live),
            Ok(Route::PollPost(sid))
        );
        assert_eq!(
            run(&info(Method::Other, &q, false), live),
            Ok(Route::PollOtherMethod(sid))
        );
    }

    #[test]
    fn handshake_rules() {
        assert_eq!(
            run(&info(Method::Post, "EIO=4&transport=polling", false), None),
            Err(RequestError::BadHandshakeMethod)
        );
        assert_eq!(
            run(&info(Method::Get, "EIO=4&transport=websocket", false), None),
            Err(RequestError::BadRequest)
        );
        assert_eq!(
            run(&info(Method::Get, "EIO=4&transport=polling", true), None),
            Ok(Route::RejectUpgrade)
        );
        assert_eq!(
            run(&info(Method::Get, "EIO=4&transport=websocket", true), None),
            Ok(Route::Handshake {
                version: ProtocolVersion::V4,
                transport: TransportKind::WebSocket,
                b64: false
            })
        );
        assert_eq!(
            run(
                &info(Method::Get, "EIO=3&transport=polling&b64=1", false),
                None
            ),
            Ok(Route::Handshake {
                version: ProtocolVersion::V3,
                transport: TransportKind::Polling,
                b64: true
            })
        );
    }

    #[test]
    fn version_check_is_last_and_follows_allow_eio3() {
        let cfg = Config::default();
        assert_eq!(cfg.accept_version(ProtocolVersion::V4), Ok(()));
        assert_eq!(
            cfg.accept_version(ProtocolVersion::from_query(None)),
            Err(RequestError::UnsupportedProtocolVersion)
        );
        assert_eq!(
            cfg.accept_version(ProtocolVersion::from_query(Some("abc"))),
            Err(RequestError::UnsupportedProtocolVersion)
        );
        let v3 = Config {
            allow_eio3: true,
            ..Config::default()
        };
        assert_eq!(v3.accept_version(ProtocolVersion::V3), Ok(()));
    }
}
