//! Scenario tests of the Engine.IO state machine against protocol.md section 1, rule by rule.
//!
//! Every test drives [`Session`] (and [`route`]) with a virtual clock and a scripted client
//! (`support::Client`): no sockets, no sleeping. Section headers name the rule under test.

#![allow(clippy::unwrap_used)]

mod support;

use engineio_proto::codec::{Bytes, Data, Frame, Handshake, ProtocolVersion, Sid};
use engineio_proto::{
    route, CloseReason, Config, Event, HttpResponse, Method, PostBody, PostStart, Query,
    RequestError, RequestId, RequestInfo, Route, SendError, Session, Transmit, TransportKind,
    Transports, WsId,
};
use support::{
    bin, fast_config, ms, test_sid, text, Client, HANDSHAKE_REQ, HANDSHAKE_WS, TEXT, V3, V4,
};

const BINARY: &str = "application/octet-stream";

/// The handshake JSON the session must produce for `config` (Node's exact key order).
fn handshake_json(config: &Config, upgrades: &str) -> String {
    format!(
        r#"{{"sid":"{}","upgrades":[{}],"pingInterval":{},"pingTimeout":{},"maxPayload":{}}}"#,
        test_sid(),
        upgrades,
        config.ping_interval.as_millis(),
        config.ping_timeout.as_millis(),
        config.max_payload
    )
}

/// A config with a long heartbeat, for tests that must not be disturbed by pings.
fn quiet_config() -> Config {
    Config {
        upgrade_timeout: ms(1_000),
        close_timeout: ms(2_000),
        ..Config::default()
    }
}

fn req<'a>(method: Method, query: &'a str, websocket_upgrade: bool) -> RequestInfo<'a> {
    RequestInfo {
        method,
        method_name: method.as_str(),
        query: Query::parse(query),
        origin: None,
        websocket_upgrade,
    }
}

/// Routes a request against one live session, as a driver's session table would (a closed
/// session has been removed from the table).
fn route_to(client: &Client, info: &RequestInfo<'_>) -> Result<Route, RequestError> {
    let session = &client.session;
    route(&client.config, info, |sid| {
        (*sid == session.sid() && !session.is_closed()).then(|| session.transport())
    })
}

fn polling_query(sid: Sid) -> String {
    format!("EIO=4&transport=polling&sid={sid}&t=NxyZ")
}

// =============================================================================================
// 1.1 Endpoint and query
// =============================================================================================

#[test]
fn r1_1_query_reads_eio_transport_sid_b64_and_ignores_the_rest() {
    let q = Query::parse("EIO=3&transport=polling&t=N8hyd6w&sid=AAAAAAAAAAAAAAAAAAAA&b64=1&j=0");
    assert_eq!(q.eio, Some("3"));
    assert_eq!(q.transport, Some("polling"));
    assert_eq!(q.sid, Some("AAAAAAAAAAAAAAAAAAAA"));
    assert!(q.b64);
    assert!(!Query::parse("EIO=4&transport=polling").b64);
}

#[test]
fn r1_1_eio_4_is_v4_anything_else_is_v3() {
    let config = Config::default();
    for (eio, version) in [
        ("EIO=4&", ProtocolVersion::V4),
        ("EIO=3&", ProtocolVersion::V3),
        ("", ProtocolVersion::V3),
        ("EIO=abc&", ProtocolVersion::V3),
        ("EIO=5&", ProtocolVersion::V3),
    ] {
        let query = format!("{eio}transport=polling");
        let routed = route(&config, &req(Method::Get, &query, false), |_| None);
        assert_eq!(
            routed,
            Ok(Route::Handshake {
                version,
                transport: TransportKind::Polling,
                b64: false
            }),
            "{query}"
        );
    }
}

#[test]
fn r1_1_v3_refused_with_code_5_unless_allow_eio3() {
    let config = Config::default();
    assert!(!config.allow_eio3);
    for eio in [None, Some("3"), Some("abc"), Some("5")] {
        let err = config
            .accept_version(ProtocolVersion::from_query(eio))
            .unwrap_err();
        assert_eq!(err, RequestError::UnsupportedProtocolVersion);
        let response = HttpResponse::error(&err);
        assert_eq!(response.status, 400);
        assert_eq!(response.content_type, Some("application/json"));
        assert_eq!(
            &response.body[..],
            br#"{"code":5,"message":"Unsupported protocol version"}"#
        );
    }
    assert_eq!(config.accept_version(V4), Ok(()));
    let v3 = Config {
        allow_eio3: true,
        ..Config::default()
    };
    assert_eq!(v3.accept_version(V3), Ok(()));
}

// =============================================================================================
// 1.2 Packet types
// =============================================================================================

#[test]
fn r1_2_text_frame_with_unknown_type_is_a_parse_error() {
    for bad in ["", "abc", "7", "9hello", "bAQID"] {
        let mut c = Client::websocket_open(quiet_config(), V4);
        c.ws_text(HANDSHAKE_WS, bad);
        assert_eq!(c.ws_close_code(HANDSHAKE_WS), Some(None), "{bad:?}");
        assert_eq!(c.closed_reason(), CloseReason::ParseError, "{bad:?}");
    }
}

#[test]
fn r1_2_post_with_unknown_type_is_a_parse_error() {
    for bad in ["abc", "7", "4ok\x1e8"] {
        let mut c = Client::polling_open(quiet_config(), V4);
        assert_eq!(c.post(bad), HttpResponse::post_ok(), "{bad:?}");
        let events = c.take_events();
        assert_eq!(
            events.last(),
            Some(&Event::Closed(CloseReason::ParseError)),
            "{bad:?}"
        );
    }
}

#[test]
fn r1_2_open_noop_upgrade_from_the_client_on_its_transport_are_ignored() {
    let mut c = Client::polling_open(quiet_config(), V4);
    assert_eq!(c.post("0{}\x1e6\x1e5\x1e4still"), HttpResponse::post_ok());
    assert_eq!(c.messages(), vec![text("still")]);
    let mut w = Client::websocket_open(quiet_config(), V4);
    for frame in ["0", "6", "5"] {
        w.ws_text(HANDSHAKE_WS, frame);
    }
    w.assert_quiet();
    assert!(!w.session.is_closed());
}

// =============================================================================================
// 1.3 v4 encodings
// =============================================================================================

#[test]
fn r1_3_v4_websocket_binary_frames_are_raw_bytes_both_ways() {
    let mut c = Client::websocket_open(quiet_config(), V4);
    c.ws_frame(
        HANDSHAKE_WS,
        Frame::Binary(Bytes::from_static(&[1, 2, 3, 4])),
    );
    // A binary frame is always a message, even when it starts with a type digit byte.
    c.ws_frame(HANDSHAKE_WS, Frame::Binary(Bytes::from_static(&[2])));
    assert_eq!(c.messages(), vec![bin(&[1, 2, 3, 4]), bin(&[2])]);
    c.session.send(bin(&[1, 2, 3, 4])).unwrap();
    c.drain();
    assert_eq!(
        c.ws_frames(HANDSHAKE_WS),
        vec![Frame::Binary(Bytes::from_static(&[1, 2, 3, 4]))]
    );
}

#[test]
fn r1_3_v4_get_joins_packets_with_record_separator_and_base64_binary() {
    let mut c = Client::polling_open(quiet_config(), V4);
    c.session.send(text("hello")).unwrap();
    c.session.send(bin(&[1, 2, 3, 4])).unwrap();
    c.drain();
    assert_eq!(c.poll(), "4hello\x1ebAQIDBA==");
}

#[test]
fn r1_3_v4_post_payload_delivers_text_and_binary_in_order() {
    let mut c = Client::polling_open(quiet_config(), V4);
    assert_eq!(c.post("4hello\x1ebAQIDBA==\x1e4€"), HttpResponse::post_ok());
    assert_eq!(
        c.messages(),
        vec![text("hello"), bin(&[1, 2, 3, 4]), text("€")]
    );
}

#[test]
fn r1_3_v4_post_ok_is_text_html_ok() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let response = c.post("4x");
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type, Some("text/html"));
    assert_eq!(&response.body[..], b"ok");
}

#[test]
fn r1_3_v4_octet_stream_post_is_refused_400_and_closes() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let held = c.get();
    let (post, start) = c.post_start(true);
    assert_eq!(start, PostStart::Refused);
    assert_eq!(c.response(post), HttpResponse::empty(400));
    assert_eq!(c.get_body(held), "1");
    assert_eq!(c.closed_reason(), CloseReason::TransportError);
}

// =============================================================================================
// 1.4 v3 encodings
// =============================================================================================

#[test]
fn r1_4_v3_websocket_binary_frames_carry_a_type_byte_both_ways() {
    let config = Config {
        allow_eio3: true,
        ..quiet_config()
    };
    let mut c = Client::websocket_open(config, V3);
    c.ws_frame(
        HANDSHAKE_WS,
        Frame::Binary(Bytes::from_static(&[4, 1, 2, 3, 4])),
    );
    let [Data::Binary(echo)] = &c.messages()[..] else {
        panic!("expected one binary message")
    };
    assert_eq!(&echo[..], &[1, 2, 3, 4]);
    c.session.send(Data::Binary(echo.clone())).unwrap();
    c.drain();
    assert_eq!(
        c.ws_frames(HANDSHAKE_WS),
        vec![Frame::Binary(Bytes::from_static(&[4, 1, 2, 3, 4]))]
    );
}

#[test]
fn r1_4_v3_websocket_bad_type_byte_is_a_parse_error() {
    let mut c = Client::websocket_open(quiet_config(), V3);
    c.ws_frame(HANDSHAKE_WS, Frame::Binary(Bytes::from_static(&[9, 1])));
    assert_eq!(c.ws_close_code(HANDSHAKE_WS), Some(None));
    assert_eq!(c.closed_reason(), CloseReason::ParseError);
}

#[test]
fn r1_4_v3_get_text_payload_uses_length_prefixes() {
    let mut c = Client::polling_open(quiet_config(), V3);
    c.session.send(text("hello")).unwrap();
    c.session.send(text("€")).unwrap();
    c.drain();
    assert_eq!(c.poll(), "6:4hello2:4€");
}

#[test]
fn r1_4_v3_b64_client_gets_binary_as_text() {
    let mut c = Client::polling_b64(quiet_config(), V3);
    let _ = c.response(HANDSHAKE_REQ);
    c.session.send(text("hello")).unwrap();
    c.session.send(bin(&[1, 2, 3, 4])).unwrap();
    c.drain();
    assert_eq!(c.poll(), "6:4hello10:b4AQIDBA==");
}

#[test]
fn r1_4_v3_binary_batch_without_b64_is_an_octet_stream_body() {
    let mut c = Client::polling_open(quiet_config(), V3);
    c.session.send(text("0")).unwrap();
    c.session.send(bin(&[1, 2])).unwrap();
    c.drain();
    let req = c.get();
    let response = c.response(req);
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type, Some(BINARY));
    assert_eq!(
        &response.body[..],
        &[0, 2, 255, b'4', b'0', 1, 3, 255, 4, 1, 2]
    );
}

#[test]
fn r1_4_v3_post_text_and_binary_payloads_are_accepted() {
    let mut c = Client::polling_open(quiet_config(), V3);
    assert_eq!(c.post("6:4hello2:4€10:b4AQIDBA=="), HttpResponse::post_ok());
    assert_eq!(
        c.messages(),
        vec![text("hello"), text("€"), bin(&[1, 2, 3, 4])]
    );
    // v3 only: an octet-stream POST body in the binary payload format.
    let body = [0, 2, 255, b'4', b'0', 1, 3, 255, 4, 1, 2];
    assert_eq!(c.post_bytes(&body, true), HttpResponse::post_ok());
    assert_eq!(c.messages(), vec![text("0"), bin(&[1, 2])]);
    assert!(!c.session.is_closed());
}

#[test]
fn r1_4_v3_post_length_errors_are_parse_errors_after_the_good_packets() {
    for bad in ["6:4hello3:4a", "6:4helloX", "x:4a", "6:4hello2"] {
        let mut c = Client::polling_open(quiet_config(), V3);
        assert_eq!(c.post(bad), HttpResponse::post_ok(), "{bad:?}");
        let events = c.take_events();
        assert_eq!(
            events.last(),
            Some(&Event::Closed(CloseReason::ParseError)),
            "{bad:?}"
        );
        if bad.starts_with("6:4hello") {
            assert_eq!(events[0], Event::Message(text("hello")), "{bad:?}");
        }
    }
}

// =============================================================================================
// 1.5 Handshake
// =============================================================================================

#[test]
fn r1_5_v4_polling_handshake_body_is_exact() {
    let config = Config::default();
    let mut c = Client::polling(config.clone(), V4);
    let response = c.response(HANDSHAKE_REQ);
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type, Some(TEXT));
    let expected = format!("0{}", handshake_json(&config, r#""websocket""#));
    assert_eq!(std::str::from_utf8(&response.body).unwrap(), expected);
    assert_eq!(
        expected,
        format!(
            r#"0{{"sid":"{}","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}}"#,
            test_sid()
        )
    );
    c.assert_quiet();
}

#[test]
fn r1_5_handshake_json_parses_back_with_the_session_sid() {
    let mut c = Client::polling(Config::default(), V4);
    let body = c.get_body(HANDSHAKE_REQ);
    let handshake = Handshake::from_json(&body[1..]).unwrap();
    assert_eq!(handshake.sid, c.session.sid());
    assert_eq!(handshake.sid.as_str().len(), 20);
    assert_eq!(handshake.upgrades, vec!["websocket".to_owned()]);
    assert_eq!(
        (handshake.ping_interval, handshake.ping_timeout),
        (25_000, 20_000)
    );
    assert_eq!(handshake.max_payload, 1_000_000);
}

#[test]
fn r1_5_websocket_handshake_is_the_first_frame_with_no_upgrades() {
    let config = fast_config();
    let mut c = Client::websocket(config.clone(), V4);
    assert_eq!(c.session.transport(), TransportKind::WebSocket);
    assert_eq!(
        c.ws_frames(HANDSHAKE_WS),
        vec![Frame::Text(
            format!("0{}", handshake_json(&config, "")).into()
        )]
    );
    c.assert_quiet();
}

#[test]
fn r1_5_upgrades_empty_when_upgrades_off_or_websocket_disabled() {
    let no_upgrades = Config {
        allow_upgrades: false,
        ..Config::default()
    };
    let no_ws = Config {
        transports: Transports {
            polling: true,
            websocket: false,
        },
        ..Config::default()
    };
    for config in [no_upgrades, no_ws] {
        let mut c = Client::polling(config.clone(), V4);
        assert_eq!(
            c.get_body(HANDSHAKE_REQ),
            format!("0{}", handshake_json(&config, ""))
        );
    }
}

#[test]
fn r1_5_handshake_reflects_the_config() {
    let config = Config {
        ping_interval: ms(300),
        ping_timeout: ms(200),
        max_payload: 1234,
        ..Config::default()
    };
    let mut c = Client::polling(config, V4);
    let body = c.get_body(HANDSHAKE_REQ);
    assert!(
        body.ends_with(r#","pingInterval":300,"pingTimeout":200,"maxPayload":1234}"#),
        "{body}"
    );
}

#[test]
fn r1_5_v3_polling_handshake_is_a_length_prefixed_payload() {
    let config = Config {
        allow_eio3: true,
        ..Config::default()
    };
    let mut c = Client::polling(config.clone(), V3);
    let packet = format!("0{}", handshake_json(&config, r#""websocket""#));
    assert_eq!(
        c.get_body(HANDSHAKE_REQ),
        format!("{}:{packet}", packet.len())
    );
    assert!(c.session.poll_timeout().is_some());
}

#[test]
fn r1_5_v3_websocket_handshake_frame_has_no_length_prefix() {
    let config = Config {
        allow_eio3: true,
        ..Config::default()
    };
    let mut c = Client::websocket(config.clone(), V3);
    assert_eq!(
        c.ws_texts(HANDSHAKE_WS),
        vec![format!("0{}", handshake_json(&config, ""))]
    );
}

#[test]
fn r1_5_packet_queued_right_after_open_comes_with_the_next_poll() {
    // Socket.IO v4 (EIO3) queues `40` right after open; not in the handshake body.
    let config = Config {
        allow_eio3: true,
        ..quiet_config()
    };
    for (version, expected) in [(V3, "2:40"), (V4, "40")] {
        let mut c = Client::polling(config.clone(), version);
        c.session.send(text("0")).unwrap();
        c.drain();
        let handshake = c.get_body(HANDSHAKE_REQ);
        assert!(
            handshake.ends_with('}'),
            "only the open packet: {handshake}"
        );
        assert_eq!(c.poll(), expected);
    }
}

// =============================================================================================
// 1.6 Request validation order and error responses
// =============================================================================================

#[test]
fn r1_6_error_responses_have_node_codes_statuses_and_compact_json() {
    let cases = [
        (
            RequestError::TransportUnknown,
            400,
            r#"{"code":0,"message":"Transport unknown"}"#,
        ),
        (
            RequestError::UnknownSid,
            400,
            r#"{"code":1,"message":"Session ID unknown"}"#,
        ),
        (
            RequestError::BadHandshakeMethod,
            400,
            r#"{"code":2,"message":"Bad handshake method"}"#,
        ),
        (
            RequestError::BadRequest,
            400,
            r#"{"code":3,"message":"Bad request"}"#,
        ),
        (
            RequestError::Forbidden(None),
            403,
            r#"{"code":4,"message":"Forbidden"}"#,
        ),
        (
            RequestError::Forbidden(Some("go away".into())),
            403,
            r#"{"code":4,"message":"go away"}"#,
        ),
        (
            RequestError::UnsupportedProtocolVersion,
            400,
            r#"{"code":5,"message":"Unsupported protocol version"}"#,
        ),
    ];
    for (err, status, body) in cases {
        let response = HttpResponse::error(&err);
        assert_eq!(response.status, status, "{err:?}");
        assert_eq!(response.content_type, Some("application/json"));
        assert_eq!(std::str::from_utf8(&response.body).unwrap(), body);
        // The websocket refusal body is the message text.
        assert_eq!(
            body,
            format!(r#"{{"code":{},"message":"{}"}}"#, err.code(), err)
        );
    }
}

#[test]
fn r1_6_step_1_transport_missing_or_disabled_is_code_0_before_anything_else() {
    let config = Config::default();
    let mut bad_origin = req(Method::Post, "EIO=4&sid=nope", false);
    bad_origin.origin = Some(b"http://x\x00y");
    assert_eq!(
        route(&config, &bad_origin, |_| None),
        Err(RequestError::TransportUnknown)
    );
    for query in [
        "EIO=4",
        "EIO=4&transport=flash",
        "EIO=4&transport=",
        "EIO=4&transport=Polling",
    ] {
        for ws in [false, true] {
            let info = req(Method::Get, query, ws);
            assert_eq!(
                route(&config, &info, |_| None),
                Err(RequestError::TransportUnknown),
                "{query}"
            );
        }
    }
    let ws_only = Config {
        transports: Transports {
            polling: false,
            websocket: true,
        },
        ..Config::default()
    };
    let info = req(Method::Get, "EIO=4&transport=polling", false);
    assert_eq!(
        route(&ws_only, &info, |_| None),
        Err(RequestError::TransportUnknown)
    );
    let polling_only = Config {
        transports: Transports {
            polling: true,
            websocket: false,
        },
        ..Config::default()
    };
    let info = req(Method::Get, "EIO=4&transport=websocket", true);
    assert_eq!(
        route(&polling_only, &info, |_| None),
        Err(RequestError::TransportUnknown)
    );
}

#[test]
fn r1_6_step_2_origin_with_invalid_characters_is_code_3_before_the_sid() {
    let config = Config::default();
    let mut info = req(
        Method::Get,
        "EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA",
        false,
    );
    info.origin = Some(b"http://a\x7fb");
    assert_eq!(
        route(&config, &info, |_| None),
        Err(RequestError::BadRequest)
    );
    // Tab and Latin-1 bytes are valid header characters.
    for ok in [
        &b"http://example.com"[..],
        b"http://a\tb",
        b"http://\xe9t\xe9",
    ] {
        let mut info = req(Method::Get, "EIO=4&transport=polling", false);
        info.origin = Some(ok);
        assert!(route(&config, &info, |_| None).is_ok(), "{ok:?}");
    }
}

#[test]
fn r1_6_step_3_unknown_sid_is_code_1_before_the_method_check() {
    let config = Config::default();
    for method in [Method::Get, Method::Post, Method::Other] {
        for query in [
            "EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA",
            "EIO=4&transport=polling&sid=short",
            "EIO=4&transport=polling&sid=",
        ] {
            let info = req(method, query, false);
            assert_eq!(
                route(&config, &info, |_| None),
                Err(RequestError::UnknownSid),
                "{query}"
            );
        }
    }
    let info = req(
        Method::Get,
        "EIO=4&transport=websocket&sid=AAAAAAAAAAAAAAAAAAAA",
        true,
    );
    assert_eq!(
        route(&config, &info, |_| None),
        Err(RequestError::UnknownSid)
    );
}

#[test]
fn r1_6_step_3_known_sid_routes_by_method() {
    let c = Client::polling_open(quiet_config(), V4);
    let sid = c.session.sid();
    let query = polling_query(sid);
    assert_eq!(
        route_to(&c, &req(Method::Get, &query, false)),
        Ok(Route::PollGet(sid))
    );
    assert_eq!(
        route_to(&c, &req(Method::Post, &query, false)),
        Ok(Route::PollPost(sid))
    );
    // Known sid, polling, another method: the driver answers 500, empty body.
    assert_eq!(
        route_to(&c, &req(Method::Other, &query, false)),
        Ok(Route::PollOtherMethod(sid))
    );
}

#[test]
fn r1_6_step_3_transport_mismatch_without_upgrade_is_code_3() {
    let c = Client::websocket_open(quiet_config(), V4);
    let sid = c.session.sid();
    let query = polling_query(sid);
    for method in [Method::Get, Method::Post] {
        assert_eq!(
            route_to(&c, &req(method, &query, false)),
            Err(RequestError::BadRequest)
        );
    }
    let p = Client::polling_open(quiet_config(), V4);
    let query = format!("EIO=4&transport=websocket&sid={}", p.session.sid());
    assert_eq!(
        route_to(&p, &req(Method::Get, &query, false)),
        Err(RequestError::BadRequest)
    );
    assert_eq!(
        route_to(&p, &req(Method::Get, &query, true)),
        Ok(Route::Upgrade(p.session.sid()))
    );
}

#[test]
fn r1_6_step_4_handshake_method_and_websocket_without_upgrade() {
    let config = Config::default();
    for method in [Method::Post, Method::Options, Method::Other] {
        let info = req(method, "EIO=4&transport=polling", false);
        assert_eq!(
            route(&config, &info, |_| None),
            Err(RequestError::BadHandshakeMethod)
        );
    }
    let info = req(Method::Get, "EIO=4&transport=websocket", false);
    assert_eq!(
        route(&config, &info, |_| None),
        Err(RequestError::BadRequest)
    );
    let info = req(Method::Get, "EIO=4&transport=websocket", true);
    assert_eq!(
        route(&config, &info, |_| None),
        Ok(Route::Handshake {
            version: V4,
            transport: TransportKind::WebSocket,
            b64: false
        })
    );
}

#[test]
fn r1_6_step_5_version_is_checked_after_routing() {
    // An unsupported version still routes as a handshake (steps 1-4 pass); step 5 refuses it.
    let config = Config::default();
    let info = req(Method::Get, "EIO=3&transport=polling&b64=1", false);
    let Ok(Route::Handshake { version, b64, .. }) = route(&config, &info, |_| None) else {
        panic!("expected a handshake")
    };
    assert!(b64);
    assert_eq!(
        config.accept_version(version),
        Err(RequestError::UnsupportedProtocolVersion)
    );
    // Earlier failures win over the version: a POST handshake with EIO=3 is code 2.
    let info = req(Method::Post, "EIO=3&transport=polling", false);
    assert_eq!(
        route(&config, &info, |_| None),
        Err(RequestError::BadHandshakeMethod)
    );
}

#[test]
fn r1_6_upgrade_request_for_polling_is_rejected_after_101() {
    let config = Config::default();
    let info = req(Method::Get, "EIO=4&transport=polling", true);
    assert_eq!(route(&config, &info, |_| None), Ok(Route::RejectUpgrade));
    let c = Client::polling_open(quiet_config(), V4);
    let query = polling_query(c.session.sid());
    assert_eq!(
        route_to(&c, &req(Method::Get, &query, true)),
        Ok(Route::RejectUpgrade)
    );
}

// =============================================================================================
// 1.7 Polling transport rules
// =============================================================================================

#[test]
fn r1_7_get_is_held_until_a_message_is_queued() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let held = c.get();
    c.assert_held(held);
    c.advance_to(1_000);
    c.assert_held(held);
    c.session.send(text("hello")).unwrap();
    c.drain();
    assert_eq!(c.get_body(held), "4hello");
    c.assert_quiet();
}

#[test]
fn r1_7_buffered_packets_answer_a_get_at_once_in_one_payload() {
    let mut c = Client::polling_open(quiet_config(), V4);
    for i in 0..5 {
        c.session.send(text(&format!("m{i}"))).unwrap();
    }
    c.session.send(bin(&[0xff])).unwrap();
    c.drain();
    c.assert_quiet();
    assert_eq!(c.poll(), "4m0\x1e4m1\x1e4m2\x1e4m3\x1e4m4\x1eb/w==");
    // The buffer is empty again: the next GET is held.
    let held = c.get();
    c.assert_held(held);
}

#[test]
fn r1_7_no_get_timeout_the_ping_releases_a_held_get() {
    let mut c = Client::polling_open(fast_config(), V4);
    let held = c.get();
    c.advance_to(299);
    c.assert_held(held);
    c.advance_to(300);
    assert_eq!(c.get_body(held), "2");
}

#[test]
fn r1_7_duplicate_get_gets_400_first_gets_close_session_transport_error() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let first = c.get();
    let second = c.get();
    assert_eq!(c.response(second), HttpResponse::empty(400));
    assert_eq!(c.get_body(first), "1");
    assert_eq!(c.closed_reason(), CloseReason::TransportError);
    c.assert_quiet();
    // Later requests: 400 code 1.
    let query = polling_query(c.session.sid());
    assert_eq!(
        route_to(&c, &req(Method::Get, &query, false)),
        Err(RequestError::UnknownSid)
    );
    let late = c.get();
    assert_eq!(
        c.response(late),
        HttpResponse::error(&RequestError::UnknownSid)
    );
}

#[test]
fn r1_7_overlapping_post_gets_400_and_closes() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let held = c.get();
    let (first, start) = c.post_start(false);
    assert_eq!(start, PostStart::Accepted);
    let (second, start) = c.post_start(false);
    assert_eq!(start, PostStart::Refused);
    assert_eq!(c.response(second), HttpResponse::empty(400));
    assert_eq!(c.get_body(held), "1");
    assert_eq!(c.closed_reason(), CloseReason::TransportError);
    // The first POST's body arrives after the close: answered, but nothing is delivered.
    c.post_body(first, b"4late", false);
    assert_eq!(c.response(first), HttpResponse::post_ok());
    c.assert_quiet();
}

#[test]
fn r1_7_sequential_posts_are_fine() {
    let mut c = Client::polling_open(quiet_config(), V4);
    for i in 0..3 {
        assert_eq!(c.post(&format!("4m{i}")), HttpResponse::post_ok());
    }
    assert_eq!(c.messages(), vec![text("m0"), text("m1"), text("m2")]);
}

#[test]
fn r1_7_post_over_max_payload_is_413_and_keeps_the_session() {
    let config = Config {
        max_payload: 13,
        ..quiet_config()
    };
    let mut c = Client::polling_open(config, V4);
    let held = c.get();
    let response = c.post("4hello\x1e4world!");
    assert_eq!(response, HttpResponse::empty(413));
    assert!(response.body.is_empty());
    c.assert_held(held);
    c.assert_quiet();
    assert!(!c.session.is_closed());
    // The session still works, and exactly the limit is accepted.
    assert_eq!(c.post("4hello\x1e4world"), HttpResponse::post_ok());
    assert_eq!(c.messages(), vec![text("hello"), text("world")]);
    c.session.send(text("still open")).unwrap();
    c.drain();
    assert_eq!(c.get_body(held), "4still open");
}

#[test]
fn r1_7_max_payload_counts_utf8_bytes() {
    // `4€` is 2 characters but 4 bytes.
    let exact = Config {
        max_payload: 4,
        ..quiet_config()
    };
    let mut c = Client::polling_open(exact, V4);
    assert_eq!(c.post("4€"), HttpResponse::post_ok());
    assert_eq!(c.messages(), vec![text("€")]);
    let under = Config {
        max_payload: 3,
        ..quiet_config()
    };
    let mut c = Client::polling_open(under, V4);
    assert_eq!(c.post("4€"), HttpResponse::empty(413));
    c.assert_quiet();
}

#[test]
fn r1_7_parse_error_post_is_ok_and_closes_after_delivering_the_good_packets() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let held = c.get();
    assert_eq!(
        c.post("4one\x1e4two\x1eabc\x1e4three"),
        HttpResponse::post_ok()
    );
    assert_eq!(c.get_body(held), "1");
    assert_eq!(
        c.take_events(),
        vec![
            Event::Message(text("one")),
            Event::Message(text("two")),
            Event::Closed(CloseReason::ParseError)
        ]
    );
    assert!(c.session.is_closed());
    let query = polling_query(c.session.sid());
    assert_eq!(
        route_to(&c, &req(Method::Post, &query, false)),
        Err(RequestError::UnknownSid)
    );
}

#[test]
fn r1_7_empty_post_body_is_a_parse_error() {
    for version in [V4, V3] {
        let mut c = Client::polling_open(quiet_config(), version);
        assert_eq!(c.post(""), HttpResponse::post_ok());
        assert_eq!(c.closed_reason(), CloseReason::ParseError);
    }
}

#[test]
fn r1_7_v4_client_ping_over_post_is_a_transport_error() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let held = c.get();
    assert_eq!(c.post("4before\x1e2\x1e4after"), HttpResponse::post_ok());
    assert_eq!(c.get_body(held), "1");
    assert_eq!(
        c.take_events(),
        vec![
            Event::Message(text("before")),
            Event::Closed(CloseReason::TransportError)
        ]
    );
}

#[test]
fn r1_7_v3_client_pong_over_post_is_a_transport_error() {
    let mut c = Client::polling_open(quiet_config(), V3);
    assert_eq!(c.post("1:3"), HttpResponse::post_ok());
    assert_eq!(c.closed_reason(), CloseReason::TransportError);
}

#[test]
fn r1_7_post_close_answers_the_held_get_with_noop_and_closes() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let held = c.get();
    assert_eq!(c.post("1"), HttpResponse::post_ok());
    assert_eq!(c.get_body(held), "6");
    assert_eq!(c.closed_reason(), CloseReason::TransportClose);
    c.assert_quiet();
    let query = polling_query(c.session.sid());
    assert_eq!(
        route_to(&c, &req(Method::Get, &query, false)),
        Err(RequestError::UnknownSid)
    );
}

#[test]
fn r1_7_post_close_without_held_get_closes() {
    for version in [V4, V3] {
        let mut c = Client::polling_open(quiet_config(), version);
        let body = if version == V4 { "1" } else { "1:1" };
        assert_eq!(c.post(body), HttpResponse::post_ok());
        assert_eq!(c.closed_reason(), CloseReason::TransportClose);
        c.assert_quiet();
    }
}

#[test]
fn r1_7_packets_after_a_close_in_the_same_payload_are_ignored() {
    let mut c = Client::polling_open(quiet_config(), V4);
    assert_eq!(c.post("4a\x1e1\x1e4b\x1eabc"), HttpResponse::post_ok());
    assert_eq!(
        c.take_events(),
        vec![
            Event::Message(text("a")),
            Event::Closed(CloseReason::TransportClose)
        ]
    );
}

#[test]
fn r1_7_get_content_type_is_text_plain_utf8() {
    let mut c = Client::polling_open(quiet_config(), V4);
    c.session.send(bin(&[1])).unwrap();
    c.drain();
    let req = c.get();
    assert_eq!(
        c.response(req).content_type,
        Some("text/plain; charset=UTF-8")
    );
}

// =============================================================================================
// 1.8 WebSocket transport rules
// =============================================================================================

#[test]
fn r1_8_one_packet_per_frame() {
    let mut c = Client::websocket_open(quiet_config(), V4);
    c.session.send(text("a")).unwrap();
    c.session.send(text("b")).unwrap();
    c.session.send(text("€")).unwrap();
    c.drain();
    assert_eq!(c.ws_texts(HANDSHAKE_WS), vec!["4a", "4b", "4€"]);
    // A frame is one packet: a record separator inside it is data, not a payload separator.
    c.ws_text(HANDSHAKE_WS, "4x\x1e4y");
    assert_eq!(c.messages(), vec![text("x\x1e4y")]);
}

#[test]
fn r1_8_oversize_frame_closes_with_1009() {
    let config = Config {
        max_payload: 6,
        ..quiet_config()
    };
    for frame in [
        Frame::Text("4hello!".into()),
        Frame::Binary(Bytes::from_static(&[0; 7])),
        Frame::Text("4€€".into()),
    ] {
        let mut c = Client::websocket_open(config.clone(), V4);
        c.ws_frame(HANDSHAKE_WS, frame.clone());
        assert_eq!(c.ws_close_code(HANDSHAKE_WS), Some(Some(1009)), "{frame:?}");
        assert_eq!(c.closed_reason(), CloseReason::TransportError);
        c.assert_quiet();
    }
    // Exactly the limit is accepted.
    let mut c = Client::websocket_open(config, V4);
    c.ws_text(HANDSHAKE_WS, "4hello");
    c.ws_frame(HANDSHAKE_WS, Frame::Binary(Bytes::from_static(&[0; 6])));
    assert_eq!(c.messages(), vec![text("hello"), bin(&[0; 6])]);
}

#[test]
fn r1_8_invalid_text_frame_is_parse_error() {
    let mut c = Client::websocket_open(quiet_config(), V4);
    c.ws_text(HANDSHAKE_WS, "4fine");
    c.ws_text(HANDSHAKE_WS, "abc");
    assert_eq!(c.ws_close_code(HANDSHAKE_WS), Some(None));
    assert_eq!(
        c.take_events(),
        vec![
            Event::Message(text("fine")),
            Event::Closed(CloseReason::ParseError)
        ]
    );
    // Frames after the close are ignored.
    c.ws_text(HANDSHAKE_WS, "4late");
    c.assert_quiet();
}

#[test]
fn r1_8_client_close_packet_over_websocket_closes() {
    // Node ignores it and dies by ping timeout; closing at once is also compliant.
    let mut c = Client::websocket_open(quiet_config(), V4);
    c.ws_text(HANDSHAKE_WS, "1");
    assert_eq!(c.ws_close_code(HANDSHAKE_WS), Some(None));
    assert_eq!(c.closed_reason(), CloseReason::TransportClose);
}

#[test]
fn r1_8_peer_closing_the_websocket_ends_the_session() {
    for (error, reason) in [
        (false, CloseReason::TransportClose),
        (true, CloseReason::TransportError),
    ] {
        let mut c = Client::websocket_open(quiet_config(), V4);
        c.session.handle_ws_closed(c.now, HANDSHAKE_WS, error);
        c.drain();
        assert_eq!(c.closed_reason(), reason);
        c.assert_quiet();
    }
}

#[test]
fn r1_8_second_websocket_on_a_websocket_session_is_closed_at_once() {
    let mut c = Client::websocket_open(quiet_config(), V4);
    let query = format!("EIO=4&transport=websocket&sid={}", c.session.sid());
    assert_eq!(
        route_to(&c, &req(Method::Get, &query, true)),
        Ok(Route::Upgrade(c.session.sid()))
    );
    let second = c.ws_open();
    assert_eq!(c.ws_close_code(second), Some(None));
    c.assert_quiet();
    c.ws_text(second, "4ignored");
    c.ws_text(HANDSHAKE_WS, "4main");
    assert_eq!(c.messages(), vec![text("main")]);
}

// =============================================================================================
// 1.9 Heartbeat
// =============================================================================================

#[test]
fn r1_9_v4_first_ping_at_ping_interval_after_handshake() {
    let mut c = Client::polling_open(fast_config(), V4);
    assert_eq!(c.session.poll_timeout(), Some(c.at(300)));
    c.advance_to(299);
    c.assert_quiet();
    c.advance_to(300);
    assert_eq!(c.poll(), "2");
}

#[test]
fn r1_9_v4_pong_rearms_the_interval() {
    let mut c = Client::polling_open(fast_config(), V4);
    let held = c.get();
    c.advance_to(300);
    assert_eq!(c.get_body(held), "2");
    assert_eq!(c.session.poll_timeout(), Some(c.at(500)));
    c.advance_to(350);
    assert_eq!(c.post("3"), HttpResponse::post_ok());
    assert_eq!(c.session.poll_timeout(), Some(c.at(650)));
    let held = c.get();
    c.advance_to(649);
    c.assert_held(held);
    c.advance_to(650);
    assert_eq!(c.get_body(held), "2");
    assert_eq!(c.session.poll_timeout(), Some(c.at(850)));
    assert!(!c.session.is_closed());
    c.assert_quiet();
}

#[test]
fn r1_9_v4_pongs_keep_the_session_alive_forever() {
    let mut c = Client::websocket_open(fast_config(), V4);
    for round in 1..=10u64 {
        c.advance_to(300 * round + 10 * (round - 1));
        assert_eq!(c.ws_texts(HANDSHAKE_WS), vec!["2"], "round {round}");
        c.advance_to(310 * round);
        c.ws_text(HANDSHAKE_WS, "3");
    }
    assert!(!c.session.is_closed());
    c.assert_quiet();
}

#[test]
fn r1_9_v4_no_pong_closes_exactly_at_interval_plus_timeout() {
    let mut c = Client::polling_open(fast_config(), V4);
    let held = c.get();
    c.advance_to(300);
    assert_eq!(c.get_body(held), "2");
    let held = c.get();
    c.advance_to(499);
    c.assert_held(held);
    assert!(!c.session.is_closed());
    c.advance_to(500);
    assert_eq!(c.get_body(held), "1");
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
    // The suite's check: polled at interval + timeout, the session is gone.
    let query = polling_query(c.session.sid());
    assert_eq!(
        route_to(&c, &req(Method::Get, &query, false)),
        Err(RequestError::UnknownSid)
    );
}

#[test]
fn r1_9_v4_ping_timeout_counts_from_the_handshake_even_without_polling() {
    let mut c = Client::polling_open(fast_config(), V4);
    c.advance_to(500);
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
    c.assert_quiet();
}

#[test]
fn r1_9_v4_ordinary_traffic_is_not_a_pong() {
    let mut c = Client::polling_open(fast_config(), V4);
    c.advance_to(300);
    assert_eq!(c.poll(), "2");
    c.advance_to(400);
    assert_eq!(c.post("4busy\x1e4busier"), HttpResponse::post_ok());
    assert_eq!(c.messages(), vec![text("busy"), text("busier")]);
    c.advance_to(500);
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
}

#[test]
fn r1_9_v4_websocket_ping_pong() {
    let mut c = Client::websocket_open(fast_config(), V4);
    c.advance_to(300);
    assert_eq!(c.ws_texts(HANDSHAKE_WS), vec!["2"]);
    c.advance_to(499);
    c.ws_text(HANDSHAKE_WS, "3");
    assert_eq!(c.session.poll_timeout(), Some(c.at(799)));
    c.advance_to(799);
    assert_eq!(c.ws_texts(HANDSHAKE_WS), vec!["2"]);
    c.advance_to(999);
    assert_eq!(c.ws_close_code(HANDSHAKE_WS), Some(None));
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
}

#[test]
fn r1_9_v4_client_ping_over_websocket_is_a_transport_error() {
    let mut c = Client::websocket_open(fast_config(), V4);
    c.ws_text(HANDSHAKE_WS, "2");
    assert_eq!(c.ws_close_code(HANDSHAKE_WS), Some(None));
    assert_eq!(c.closed_reason(), CloseReason::TransportError);
}

#[test]
fn r1_9_v3_server_never_pings_and_timer_starts_at_open() {
    let mut c = Client::polling_open(fast_config(), V3);
    assert_eq!(c.session.poll_timeout(), Some(c.at(500)));
    let held = c.get();
    c.advance_to(499);
    c.assert_held(held);
    c.assert_quiet();
    c.advance_to(500);
    assert_eq!(c.get_body(held), "1:1");
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
}

#[test]
fn r1_9_v3_client_ping_answered_pong_without_data() {
    let mut c = Client::polling_open(fast_config(), V3);
    let held = c.get();
    c.advance_to(100);
    assert_eq!(c.post("1:2"), HttpResponse::post_ok());
    assert_eq!(c.get_body(held), "1:3");
    // Any ping data: still a bare `3`.
    assert_eq!(c.post("6:2hello"), HttpResponse::post_ok());
    assert_eq!(c.poll(), "1:3");
    c.assert_quiet();
}

#[test]
fn r1_9_v3_each_ping_rearms_interval_plus_timeout() {
    let mut c = Client::polling_open(fast_config(), V3);
    c.advance_to(400);
    assert_eq!(c.post("1:2"), HttpResponse::post_ok());
    assert_eq!(c.session.poll_timeout(), Some(c.at(900)));
    c.advance_to(800);
    assert_eq!(c.post("1:2"), HttpResponse::post_ok());
    assert_eq!(c.session.poll_timeout(), Some(c.at(1_300)));
    assert_eq!(c.poll(), "1:31:3");
    // Messages do not re-arm it.
    c.advance_to(1_200);
    assert_eq!(c.post("2:4x"), HttpResponse::post_ok());
    assert_eq!(c.messages(), vec![text("x")]);
    c.advance_to(1_299);
    assert!(!c.session.is_closed());
    c.advance_to(1_300);
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
}

#[test]
fn r1_9_v3_websocket_ping_answered_pong() {
    let mut c = Client::websocket_open(fast_config(), V3);
    c.advance_to(450);
    c.ws_text(HANDSHAKE_WS, "2");
    assert_eq!(c.ws_texts(HANDSHAKE_WS), vec!["3"]);
    assert_eq!(c.session.poll_timeout(), Some(c.at(950)));
    c.advance_to(950);
    assert_eq!(c.ws_close_code(HANDSHAKE_WS), Some(None));
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
}

// =============================================================================================
// 1.10 Upgrade polling -> websocket
// =============================================================================================

#[test]
fn r1_10_probe_is_answered_3probe_on_the_new_websocket() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let query = format!("EIO=4&transport=websocket&sid={}", c.session.sid());
    assert_eq!(
        route_to(&c, &req(Method::Get, &query, true)),
        Ok(Route::Upgrade(c.session.sid()))
    );
    let ws = c.ws_open();
    c.assert_quiet();
    c.ws_text(ws, "2probe");
    assert_eq!(c.ws_frames(ws), vec![Frame::Text("3probe".into())]);
    assert_eq!(c.session.transport(), TransportKind::Polling);
    c.assert_quiet();
}

#[test]
fn r1_10_probe_releases_the_held_get_with_noop() {
    // As Node: not at the probe, at the first 100 ms check after it.
    let mut c = Client::polling_open(quiet_config(), V4);
    let held = c.get();
    let ws = c.ws_open();
    c.assert_held(held);
    c.ws_text(ws, "2probe");
    assert_eq!(c.ws_texts(ws), vec!["3probe"]);
    c.assert_held(held);
    c.advance_to(100);
    assert_eq!(c.get_body(held), "6");
}

#[test]
fn r1_10_get_after_probe_is_answered_noop() {
    // The suite's check: a GET issued after `3probe` returns exactly `6` (at the next check).
    let mut c = Client::polling_open(quiet_config(), V4);
    let _ws = c.probe();
    let first = c.get();
    c.assert_held(first);
    c.advance_to(100);
    assert_eq!(c.get_body(first), "6");
    let second = c.get();
    c.assert_held(second);
    c.advance_to(200);
    assert_eq!(c.get_body(second), "6");
}

#[test]
fn r1_10_get_before_probe_is_held_normally() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let _ws = c.ws_open();
    let held = c.get();
    c.assert_held(held);
    c.session.send(text("m")).unwrap();
    c.drain();
    assert_eq!(c.get_body(held), "4m");
}

#[test]
fn r1_10_upgrade_packet_switches_and_flushes_the_buffer_to_the_websocket() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let ws = c.ws_open();
    c.ws_text(ws, "2probe");
    assert_eq!(c.ws_texts(ws), vec!["3probe"]);
    // Queued while the client paused polling.
    c.session.send(text("a")).unwrap();
    c.session.send(bin(&[1, 2])).unwrap();
    c.drain();
    c.assert_quiet();
    c.ws_text(ws, "5");
    assert_eq!(c.take_events(), vec![Event::Upgraded]);
    assert_eq!(
        c.ws_frames(ws),
        vec![
            Frame::Text("4a".into()),
            Frame::Binary(Bytes::from_static(&[1, 2]))
        ]
    );
    assert_eq!(c.session.transport(), TransportKind::WebSocket);
    c.assert_quiet();
    // From now on everything goes over the websocket, both ways.
    c.session.send(text("b")).unwrap();
    c.drain();
    assert_eq!(c.ws_texts(ws), vec!["4b"]);
    c.ws_text(ws, "4up");
    assert_eq!(c.messages(), vec![text("up")]);
}

#[test]
fn r1_10_upgrade_answers_a_held_get_with_noop() {
    // `5` without waiting for the GET to be released by the probe check.
    let mut c = Client::polling_open(quiet_config(), V4);
    let ws = c.ws_open();
    let held = c.get();
    c.ws_text(ws, "5");
    assert_eq!(c.get_body(held), "6");
    assert_eq!(c.take_events(), vec![Event::Upgraded]);
}

#[test]
fn r1_10_polling_after_upgrade_is_code_3() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let _ws = c.upgrade();
    let sid = c.session.sid();
    let query = polling_query(sid);
    for method in [Method::Get, Method::Post] {
        assert_eq!(
            route_to(&c, &req(method, &query, false)),
            Err(RequestError::BadRequest)
        );
    }
    // Should a driver still hand one over, the session refuses it the same way.
    let late = c.get();
    assert_eq!(
        c.response(late),
        HttpResponse::error(&RequestError::BadRequest)
    );
    let (post, start) = c.post_start(false);
    assert_eq!(start, PostStart::Refused);
    assert_eq!(
        c.response(post),
        HttpResponse::error(&RequestError::BadRequest)
    );
    assert!(!c.session.is_closed());
    c.assert_quiet();
}

#[test]
fn r1_10_other_packet_before_upgrade_aborts_it() {
    for packet in ["4hello", "2", "3probe", "1", "6"] {
        let mut c = Client::polling_open(quiet_config(), V4);
        let ws = c.ws_open();
        c.ws_text(ws, "2probe");
        assert_eq!(c.ws_texts(ws), vec!["3probe"]);
        c.ws_text(ws, packet);
        assert_eq!(c.ws_close_code(ws), Some(None), "{packet}");
        c.assert_quiet();
        assert_eq!(c.session.transport(), TransportKind::Polling);
        assert!(!c.session.is_closed());
        // `5` on the aborted websocket does nothing; polling goes on as before.
        c.ws_text(ws, "5");
        c.assert_quiet();
        let held = c.get();
        c.assert_held(held);
        c.session.send(text("still polling")).unwrap();
        c.drain();
        assert_eq!(c.get_body(held), "4still polling");
    }
}

#[test]
fn r1_10_invalid_frame_before_upgrade_aborts_it_without_closing_the_session() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let ws = c.ws_open();
    c.ws_text(ws, "abc");
    assert_eq!(c.ws_close_code(ws), Some(None));
    c.assert_quiet();
    assert!(!c.session.is_closed());
}

#[test]
fn r1_10_oversize_frame_on_the_upgrade_websocket_closes_only_it() {
    let config = Config {
        max_payload: 8,
        ..quiet_config()
    };
    let mut c = Client::polling_open(config, V4);
    let ws = c.ws_open();
    c.ws_text(ws, "2probe-too-long");
    assert_eq!(c.ws_close_code(ws), Some(Some(1009)));
    c.assert_quiet();
    assert!(!c.session.is_closed());
    assert_eq!(c.session.transport(), TransportKind::Polling);
}

#[test]
fn r1_10_upgrade_timeout_aborts_and_session_stays_on_polling() {
    let mut c = Client::polling_open(quiet_config(), V4);
    c.advance_to(100);
    let ws = c.ws_open();
    assert_eq!(c.session.poll_timeout(), Some(c.at(1_100)));
    c.ws_text(ws, "2probe");
    assert_eq!(c.ws_texts(ws), vec!["3probe"]);
    c.advance_to(1_099);
    c.assert_quiet();
    c.advance_to(1_100);
    assert_eq!(c.ws_close_code(ws), Some(None));
    c.assert_quiet();
    assert_eq!(c.session.transport(), TransportKind::Polling);
    assert_eq!(c.session.poll_timeout(), Some(c.at(25_000)));
    c.ws_text(ws, "5");
    c.assert_quiet();
    // After the abort a GET is held again (no more `6`).
    let held = c.get();
    c.assert_held(held);
    c.session.send(text("x")).unwrap();
    c.drain();
    assert_eq!(c.get_body(held), "4x");
}

#[test]
fn r1_10_upgrade_websocket_closed_by_peer_leaves_session_on_polling() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let ws = c.ws_open();
    c.ws_text(ws, "2probe");
    assert_eq!(c.ws_texts(ws), vec!["3probe"]);
    c.session.handle_ws_closed(c.now, ws, false);
    c.drain();
    c.assert_quiet();
    assert!(!c.session.is_closed());
    assert_eq!(c.session.poll_timeout(), Some(c.at(25_000)));
    // A new upgrade attempt is allowed.
    let _ws = c.upgrade();
    assert_eq!(c.session.transport(), TransportKind::WebSocket);
}

#[test]
fn r1_10_second_websocket_refused_while_upgrading() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let first = c.ws_open();
    let second = c.ws_open();
    assert_eq!(c.ws_close_code(second), Some(None));
    c.assert_quiet();
    c.ws_text(second, "2probe");
    c.assert_quiet();
    c.ws_text(first, "2probe");
    assert_eq!(c.ws_texts(first), vec!["3probe"]);
    c.ws_text(first, "5");
    assert_eq!(c.take_events(), vec![Event::Upgraded]);
}

#[test]
fn r1_10_second_websocket_refused_after_upgrade() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let ws = c.upgrade();
    let second = c.ws_open();
    assert_eq!(c.ws_close_code(second), Some(None));
    c.assert_quiet();
    c.ws_text(ws, "4ok");
    assert_eq!(c.messages(), vec![text("ok")]);
}

#[test]
fn r1_10_probe_and_upgrade_back_to_back() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let held = c.get();
    let ws = c.ws_open();
    c.session
        .handle_ws_frame(c.now, ws, Frame::Text("2probe".into()));
    c.session
        .handle_ws_frame(c.now, ws, Frame::Text("5".into()));
    c.drain();
    assert_eq!(c.ws_texts(ws), vec!["3probe"]);
    assert_eq!(c.get_body(held), "6");
    assert_eq!(c.take_events(), vec![Event::Upgraded]);
    assert_eq!(c.session.transport(), TransportKind::WebSocket);
    c.assert_quiet();
}

#[test]
fn r1_10_refused_when_upgrades_are_off() {
    let config = Config {
        allow_upgrades: false,
        ..quiet_config()
    };
    let mut c = Client::polling_open(config, V4);
    let ws = c.ws_open();
    assert_eq!(c.ws_close_code(ws), Some(None));
    c.ws_text(ws, "2probe");
    c.ws_text(ws, "5");
    c.assert_quiet();
    assert_eq!(c.session.transport(), TransportKind::Polling);
}

#[test]
fn r1_10_heartbeat_continues_over_the_upgraded_websocket() {
    let mut c = Client::polling_open(fast_config(), V4);
    c.advance_to(100);
    let ws = c.upgrade();
    c.advance_to(300);
    assert_eq!(c.ws_texts(ws), vec!["2"]);
    c.ws_text(ws, "3");
    assert_eq!(c.session.poll_timeout(), Some(c.at(600)));
    c.advance_to(800);
    assert_eq!(c.ws_texts(ws), vec!["2"]);
    assert_eq!(c.ws_close_code(ws), Some(None));
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
}

#[test]
fn r1_10_ping_queued_during_upgrade_goes_out_on_the_websocket() {
    let mut c = Client::polling_open(fast_config(), V4);
    c.advance_to(250);
    let ws = c.ws_open();
    c.ws_text(ws, "2probe");
    assert_eq!(c.ws_texts(ws), vec!["3probe"]);
    c.advance_to(300);
    c.assert_quiet();
    c.ws_text(ws, "5");
    assert_eq!(c.take_events(), vec![Event::Upgraded]);
    assert_eq!(c.ws_texts(ws), vec!["2"]);
    c.ws_text(ws, "3");
    c.advance_to(550);
    assert!(!c.session.is_closed());
}

#[test]
fn r1_10_v3_upgrade() {
    let mut c = Client::polling_open(quiet_config(), V3);
    let held = c.get();
    let ws = c.ws_open();
    c.ws_text(ws, "2probe");
    assert_eq!(c.ws_texts(ws), vec!["3probe"]);
    c.assert_held(held);
    c.advance_to(100);
    assert_eq!(c.get_body(held), "1:6");
    c.session.send(bin(&[9])).unwrap();
    c.drain();
    c.ws_text(ws, "5");
    assert_eq!(c.take_events(), vec![Event::Upgraded]);
    assert_eq!(
        c.ws_frames(ws),
        vec![Frame::Binary(Bytes::from_static(&[4, 9]))]
    );
    c.ws_text(ws, "2");
    assert_eq!(c.ws_texts(ws), vec!["3"]);
}

#[test]
fn r1_10_no_noop_before_100ms_after_the_probe_then_the_held_get_gets_it() {
    let mut c = Client::polling_open(quiet_config(), V4);
    c.advance_to(50);
    let held = c.get();
    let _ws = c.probe();
    c.assert_held(held);
    assert_eq!(c.session.poll_timeout(), Some(c.at(150)));
    c.advance_to(149);
    c.assert_held(held);
    c.assert_quiet();
    c.advance_to(150);
    assert_eq!(c.get_body(held), "6");
    c.assert_quiet();
}

#[test]
fn r1_10_noop_check_without_a_held_get_sends_nothing_and_the_next_check_answers_a_later_get() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let _ws = c.probe();
    c.advance_to(100);
    c.assert_quiet();
    // The check runs on every 100 ms while upgrading, GET or not.
    assert_eq!(c.session.poll_timeout(), Some(c.at(200)));
    c.advance_to(150);
    let held = c.get();
    c.assert_held(held);
    c.advance_to(199);
    c.assert_held(held);
    c.advance_to(200);
    assert_eq!(c.get_body(held), "6");
    c.assert_quiet();
}

#[test]
fn r1_10_second_probe_restarts_the_noop_check() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let held = c.get();
    let ws = c.probe();
    c.advance_to(60);
    c.ws_text(ws, "2probe");
    assert_eq!(c.ws_texts(ws), vec!["3probe"]);
    assert_eq!(c.session.poll_timeout(), Some(c.at(160)));
    c.advance_to(159);
    c.assert_held(held);
    c.advance_to(160);
    assert_eq!(c.get_body(held), "6");
}

#[test]
fn r1_10_noop_check_stops_after_the_upgrade() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let ws = c.probe();
    c.advance_to(50);
    c.ws_text(ws, "5");
    assert_eq!(c.take_events(), vec![Event::Upgraded]);
    assert_eq!(c.session.poll_timeout(), Some(c.at(25_000)));
    c.advance_to(1_000);
    c.assert_quiet();
}

#[test]
fn r1_10_noop_check_stops_when_the_upgrade_is_aborted() {
    type Abort = (&'static str, fn(&mut Client, WsId));
    let aborts: [Abort; 3] = [
        ("other packet", |c, ws| c.ws_text(ws, "4x")),
        ("upgrade timeout", |c, _| c.advance_to(1_000)),
        ("websocket closed", |c, ws| {
            let now = c.now;
            c.session.handle_ws_closed(now, ws, false);
            c.drain();
        }),
    ];
    for (name, abort) in aborts {
        let mut c = Client::polling_open(quiet_config(), V4);
        let ws = c.probe();
        c.advance_to(50);
        abort(&mut c, ws);
        let _ = c.ws_close_code(ws);
        c.assert_quiet();
        assert!(!c.session.is_closed(), "{name}");
        assert_eq!(c.session.poll_timeout(), Some(c.at(25_000)), "{name}");
        // Polling goes on as before the upgrade attempt: a GET stays held, no more `6`.
        let held = c.get();
        let later = c.elapsed_ms() as u64 + 500;
        c.advance_to(later);
        c.assert_held(held);
        c.assert_quiet();
    }
}

#[test]
fn r1_10_noop_check_never_keeps_a_closed_session_alive() {
    // Ping timeout while upgrading (the upgrade deadline is later than the pong deadline).
    let mut c = Client::polling_open(fast_config(), V4);
    let ws = c.probe();
    c.advance_to(500);
    assert_eq!(c.ws_close_code(ws), Some(None));
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
    assert_eq!(c.session.poll_timeout(), None);
    // Server close with a held GET: closed at once, no timer left.
    let mut c = Client::polling_open(quiet_config(), V4);
    let held = c.get();
    let ws = c.probe();
    c.advance_to(50);
    c.session.close(c.now);
    c.drain();
    assert_eq!(c.get_body(held), "1");
    assert_eq!(c.ws_close_code(ws), Some(None));
    assert_eq!(c.closed_reason(), CloseReason::ForcedClose);
    assert_eq!(c.session.poll_timeout(), None);
    // Server close without a held GET: only the drain deadline, then nothing.
    let mut c = Client::polling_open(quiet_config(), V4);
    let ws = c.probe();
    c.advance_to(50);
    c.session.close(c.now);
    c.drain();
    assert_eq!(c.ws_close_code(ws), Some(None));
    assert_eq!(c.session.poll_timeout(), Some(c.at(2_050)));
    c.advance_to(2_050);
    assert_eq!(c.closed_reason(), CloseReason::ForcedClose);
    assert_eq!(c.session.poll_timeout(), None);
}

// =============================================================================================
// 1.11 Closing
// =============================================================================================

#[test]
fn r1_11_server_close_with_held_get_answers_it_close() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let held = c.get();
    c.session.close(c.now);
    c.drain();
    assert_eq!(c.get_body(held), "1");
    assert_eq!(c.closed_reason(), CloseReason::ForcedClose);
    c.assert_quiet();
}

#[test]
fn r1_11_server_close_without_get_waits_for_the_next_get() {
    let mut c = Client::polling_open(quiet_config(), V4);
    c.advance_to(100);
    c.session.close(c.now);
    c.drain();
    c.assert_quiet();
    assert!(!c.session.is_closed());
    assert_eq!(c.session.send(text("too late")), Err(SendError::Closed));
    c.advance_to(600);
    // As Node: a GET after a close with nothing buffered gets noop + close.
    assert_eq!(c.poll(), "6\x1e1");
    assert_eq!(c.closed_reason(), CloseReason::ForcedClose);
    let late = c.get();
    assert_eq!(
        c.response(late),
        HttpResponse::error(&RequestError::UnknownSid)
    );
}

#[test]
fn r1_11_buffered_messages_go_out_before_the_close_packet() {
    let mut c = Client::polling_open(quiet_config(), V4);
    c.session.send(text("last words")).unwrap();
    c.session.close(c.now);
    c.drain();
    c.assert_quiet();
    // As Node: the buffer drains in its own response, the close comes with the next GET.
    assert_eq!(c.poll(), "4last words");
    assert!(!c.session.is_closed());
    assert_eq!(c.poll(), "6\x1e1");
    assert_eq!(c.closed_reason(), CloseReason::ForcedClose);
}

#[test]
fn r1_11_close_timeout_expiry_closes_without_a_get() {
    let mut c = Client::polling_open(fast_config(), V4);
    c.advance_to(100);
    c.session.close(c.now);
    c.drain();
    // Closing: the heartbeat is off, only the drain deadline remains.
    assert_eq!(c.session.poll_timeout(), Some(c.at(2_100)));
    c.advance_to(2_099);
    c.assert_quiet();
    assert!(!c.session.is_closed());
    c.advance_to(2_100);
    assert_eq!(c.closed_reason(), CloseReason::ForcedClose);
    c.assert_quiet();
    let late = c.get();
    assert_eq!(
        c.response(late),
        HttpResponse::error(&RequestError::UnknownSid)
    );
}

#[test]
fn r1_11_websocket_close_sends_pending_frames_then_closes() {
    let mut c = Client::websocket_open(quiet_config(), V4);
    c.session.send(text("a")).unwrap();
    c.session.send(text("b")).unwrap();
    c.session.close(c.now);
    c.drain();
    let transmits = c.take_transmits();
    let (last, frames) = transmits.split_last().unwrap();
    assert_eq!(
        last,
        &engineio_proto::Transmit::WsClose {
            ws: HANDSHAKE_WS,
            code: None
        }
    );
    let texts: Vec<_> = frames
        .iter()
        .map(|t| match t {
            engineio_proto::Transmit::Ws {
                ws,
                frame: Frame::Text(s),
            } if *ws == HANDSHAKE_WS => &**s,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(&texts[..2], &["4a", "4b"]);
    // Optionally a `1` packet before the close frame; nothing else.
    assert!(texts[2..].is_empty() || texts[2..] == ["1"], "{texts:?}");
    assert_eq!(c.closed_reason(), CloseReason::ForcedClose);
}

#[test]
fn r1_11_close_while_upgrading_closes_the_upgrade_websocket() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let ws = c.ws_open();
    c.ws_text(ws, "2probe");
    assert_eq!(c.ws_texts(ws), vec!["3probe"]);
    let held = c.get();
    c.advance_to(100);
    assert_eq!(c.get_body(held), "6");
    c.session.close(c.now);
    c.drain();
    assert_eq!(c.ws_close_code(ws), Some(None));
    c.assert_quiet();
    let upgrade_attempt = c.ws_open();
    assert_eq!(c.ws_close_code(upgrade_attempt), Some(None));
    assert_eq!(c.poll(), "6\x1e1");
    assert_eq!(c.closed_reason(), CloseReason::ForcedClose);
}

#[test]
fn r1_11_close_reasons_have_node_strings() {
    let all = [
        (CloseReason::TransportClose, "transport close"),
        (CloseReason::TransportError, "transport error"),
        (CloseReason::ParseError, "parse error"),
        (CloseReason::PingTimeout, "ping timeout"),
        (CloseReason::ForcedClose, "forced close"),
        (CloseReason::ForcedServerClose, "forced server close"),
        (CloseReason::ServerShuttingDown, "server shutting down"),
    ];
    for (reason, s) in all {
        assert_eq!(reason.as_str(), s);
        assert_eq!(reason.to_string(), s);
    }
}

#[test]
fn r1_11_close_with_reports_the_given_reason_once() {
    for reason in [
        CloseReason::ForcedClose,
        CloseReason::ForcedServerClose,
        CloseReason::ServerShuttingDown,
    ] {
        let mut c = Client::websocket_open(quiet_config(), V4);
        c.session.close_with(c.now, reason);
        c.drain();
        assert_eq!(c.ws_close_code(HANDSHAKE_WS), Some(None));
        assert_eq!(c.closed_reason(), reason);
        let _ = c.take_transmits();
        // Closing twice, or any input after the close, produces nothing.
        c.session.close(c.now);
        c.session.handle_timeout(c.at(1_000_000));
        c.ws_text(HANDSHAKE_WS, "4x");
        c.drain();
        c.assert_quiet();
    }
}

#[test]
fn r1_11_closed_is_the_last_event() {
    let mut c = Client::polling_open(fast_config(), V4);
    c.advance_to(500);
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
    assert_eq!(
        c.post("4ignored"),
        HttpResponse::error(&RequestError::UnknownSid)
    );
    c.advance_to(10_000);
    c.assert_quiet();
}

// =============================================================================================
// 1.12 Defaults
// =============================================================================================

#[test]
fn r1_12_config_defaults_are_node_defaults() {
    let config = Config::default();
    assert_eq!(config.ping_interval, ms(25_000));
    assert_eq!(config.ping_timeout, ms(20_000));
    assert_eq!(config.upgrade_timeout, ms(10_000));
    assert_eq!(config.max_payload, 1_000_000);
    assert_eq!(
        config.transports,
        Transports {
            polling: true,
            websocket: true
        }
    );
    assert!(config.allow_upgrades);
    assert!(!config.allow_eio3);
    assert_eq!(config.close_timeout, ms(30_000));
}

#[test]
fn r1_12_default_timers_drive_the_session() {
    let mut c = Client::polling_open(Config::default(), V4);
    let ws = c.ws_open();
    assert_eq!(c.session.poll_timeout(), Some(c.at(10_000)));
    c.advance_to(10_000);
    assert_eq!(c.ws_close_code(ws), Some(None));
    assert_eq!(c.session.poll_timeout(), Some(c.at(25_000)));
    c.advance_to(25_000);
    assert_eq!(c.poll(), "2");
    c.advance_to(44_999);
    assert!(!c.session.is_closed());
    c.advance_to(45_000);
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
}

// =============================================================================================
// Deadlines before input: every input first fires the deadlines at or before its `now`, as
// `handle_timeout(now)` would (`Client::skip_to` moves the clock without firing them, as when
// the input beats the driver's timer)
// =============================================================================================

#[test]
fn r1_9_get_after_the_pong_deadline_finds_the_session_closed() {
    let mut c = Client::polling_open(fast_config(), V4);
    c.advance_to(300);
    assert_eq!(c.poll(), "2");
    c.skip_to(520);
    let late = c.get();
    assert_eq!(
        c.response(late),
        HttpResponse::error(&RequestError::UnknownSid)
    );
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
    c.assert_quiet();
}

#[test]
fn r1_9_get_at_the_pong_deadline_closes_the_held_get_and_is_not_a_duplicate() {
    let mut c = Client::polling_open(fast_config(), V4);
    let held = c.get();
    c.advance_to(300);
    assert_eq!(c.get_body(held), "2");
    let held = c.get();
    c.skip_to(500);
    let late = c.get();
    // The ping timeout closes the session first: the held GET gets `1` as on any ping
    // timeout, and the new GET meets a gone session, not a live one with a GET held.
    assert_eq!(c.get_body(held), "1");
    assert_eq!(
        c.response(late),
        HttpResponse::error(&RequestError::UnknownSid)
    );
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
    c.assert_quiet();
}

#[test]
fn r1_9_pong_posted_after_the_pong_deadline_does_not_save_the_session() {
    // The POST starts after the deadline: refused as on a gone session.
    let mut c = Client::polling_open(fast_config(), V4);
    c.advance_to(300);
    assert_eq!(c.poll(), "2");
    c.skip_to(500);
    assert_eq!(c.post("3"), HttpResponse::error(&RequestError::UnknownSid));
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
    // The POST starts in time, its body (the pong) arrives at the deadline: too late. The
    // POST is answered as any body arriving after the close, and nothing is delivered.
    let mut c = Client::polling_open(fast_config(), V4);
    c.advance_to(300);
    assert_eq!(c.poll(), "2");
    c.advance_to(450);
    let (req, start) = c.post_start(false);
    assert_eq!(start, PostStart::Accepted);
    c.skip_to(500);
    c.post_body(req, b"3\x1e4late", false);
    assert_eq!(c.response(req), HttpResponse::post_ok());
    assert_eq!(
        c.take_events(),
        vec![Event::Closed(CloseReason::PingTimeout)]
    );
    assert_eq!(c.session.poll_timeout(), None);
}

#[test]
fn r1_9_pong_frame_after_the_pong_deadline_does_not_save_the_session() {
    let mut c = Client::websocket_open(fast_config(), V4);
    c.advance_to(300);
    assert_eq!(c.ws_texts(HANDSHAKE_WS), vec!["2"]);
    c.skip_to(500);
    c.ws_text(HANDSHAKE_WS, "3");
    assert_eq!(c.ws_close_code(HANDSHAKE_WS), Some(None));
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
    c.assert_quiet();
}

#[test]
fn r1_9_v3_ping_after_its_deadline_does_not_save_the_session() {
    let mut c = Client::websocket_open(fast_config(), V3);
    c.skip_to(500);
    c.ws_text(HANDSHAKE_WS, "2");
    // No `3`: the session was gone before the ping was read.
    assert_eq!(c.ws_close_code(HANDSHAKE_WS), Some(None));
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
    c.assert_quiet();
}

#[test]
fn r1_9_inputs_strictly_before_a_deadline_are_handled_normally_and_at_it_fire_it() {
    // A pong 1 ms before its deadline saves the session.
    let mut c = Client::websocket_open(fast_config(), V4);
    c.advance_to(300);
    assert_eq!(c.ws_texts(HANDSHAKE_WS), vec!["2"]);
    c.skip_to(499);
    c.ws_text(HANDSHAKE_WS, "3");
    c.assert_quiet();
    assert!(!c.session.is_closed());
    assert_eq!(c.session.poll_timeout(), Some(c.at(799)));
    // A GET 1 ms before the ping is held; a POST exactly at the ping deadline fires the ping
    // first (it answers the held GET), then its message is delivered.
    let mut c = Client::polling_open(fast_config(), V4);
    c.skip_to(299);
    let held = c.get();
    c.assert_held(held);
    c.skip_to(300);
    assert_eq!(c.post("4hi"), HttpResponse::post_ok());
    assert_eq!(c.get_body(held), "2");
    assert_eq!(c.messages(), vec![text("hi")]);
    assert_eq!(c.session.poll_timeout(), Some(c.at(500)));
    c.assert_quiet();
}

#[test]
fn r1_10_upgrade_packet_after_the_upgrade_deadline_finds_the_upgrade_aborted() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let ws = c.probe();
    c.skip_to(1_000);
    c.ws_text(ws, "5");
    assert_eq!(c.ws_close_code(ws), Some(None));
    c.assert_quiet();
    assert_eq!(c.session.transport(), TransportKind::Polling);
    assert!(!c.session.is_closed());
    // 1 ms earlier it completes.
    let mut c = Client::polling_open(quiet_config(), V4);
    let ws = c.probe();
    c.skip_to(999);
    c.ws_text(ws, "5");
    assert_eq!(c.take_events(), vec![Event::Upgraded]);
    assert_eq!(c.session.transport(), TransportKind::WebSocket);
    c.assert_quiet();
}

#[test]
fn r1_10_a_late_input_runs_the_overdue_noop_check_once() {
    // The check due at 100 runs when the GET arrives at 350 (no GET held then) and counts its
    // next run from 350, as Node's interval re-arms from when it ran; no catching up.
    let mut c = Client::polling_open(quiet_config(), V4);
    let _ws = c.probe();
    c.skip_to(350);
    let held = c.get();
    c.assert_held(held);
    assert_eq!(c.session.poll_timeout(), Some(c.at(450)));
    c.advance_to(450);
    assert_eq!(c.get_body(held), "6");
}

#[test]
fn r1_11_get_after_the_close_timeout_finds_the_session_closed() {
    let mut c = Client::polling_open(fast_config(), V4);
    c.session.close(c.now);
    c.drain();
    c.skip_to(2_000);
    let late = c.get();
    // Not `6` + `1`: the drain deadline ended the session before the GET came in.
    assert_eq!(
        c.response(late),
        HttpResponse::error(&RequestError::UnknownSid)
    );
    assert_eq!(c.closed_reason(), CloseReason::ForcedClose);
    c.assert_quiet();
}

#[test]
fn expired_deadlines_fire_in_deadline_order_before_the_input() {
    let config = Config {
        upgrade_timeout: ms(150),
        ..fast_config()
    };
    let mut c = Client::polling_open(config, V4);
    let held = c.get();
    let ws = c.ws_open();
    // Due by 350: the upgrade deadline (150), then the ping (300); then the POST is handled.
    c.skip_to(350);
    assert_eq!(c.post("4m"), HttpResponse::post_ok());
    assert_eq!(
        c.take_transmits(),
        vec![
            Transmit::WsClose { ws, code: None },
            Transmit::Http {
                req: held,
                response: HttpResponse {
                    status: 200,
                    content_type: Some(TEXT),
                    body: Bytes::from_static(b"2"),
                    compress: true,
                },
            },
        ]
    );
    assert_eq!(c.messages(), vec![text("m")]);
    // The pong deadline counts from when the ping fired (350), as in `handle_timeout(350)`.
    assert_eq!(c.session.poll_timeout(), Some(c.at(550)));

    // Probed: the noop check (100) runs before the upgrade deadline (150), so the held GET gets
    // `6`, not the ping (300), which waits for the next GET.
    let config = Config {
        upgrade_timeout: ms(150),
        ..fast_config()
    };
    let mut c = Client::polling_open(config, V4);
    let held = c.get();
    let ws = c.probe();
    c.skip_to(350);
    assert_eq!(c.post("4m"), HttpResponse::post_ok());
    assert_eq!(c.get_body(held), "6");
    assert_eq!(c.ws_close_code(ws), Some(None));
    assert_eq!(c.messages(), vec![text("m")]);
    c.assert_quiet();
    assert_eq!(c.poll(), "2");
}

#[test]
fn every_input_fires_the_expired_deadlines_first() {
    // A polling session with a POST in progress and a probed upgrade websocket; the pong
    // deadline (500) has passed when the input comes in. Without the deadlines first, each of
    // these would be handled as if the session were alive (or closed for another reason).
    type Input = (&'static str, fn(&mut Client, RequestId, WsId));
    let inputs: [Input; 10] = [
        ("handle_timeout", |c, _, _| {
            let now = c.now;
            c.session.handle_timeout(now);
        }),
        ("get", |c, _, _| {
            let late = c.get();
            assert_eq!(
                c.response(late),
                HttpResponse::error(&RequestError::UnknownSid)
            );
        }),
        ("post start", |c, _, _| {
            let (_, start) = c.post_start(false);
            assert_eq!(start, PostStart::Refused);
        }),
        ("post body", |c, post, _| {
            c.post_body(post, b"3\x1e4x", false)
        }),
        ("ws open", |c, _, _| {
            let late = c.ws_open();
            assert_eq!(c.ws_close_code(late), Some(None));
        }),
        ("ws frame", |c, _, ws| c.ws_text(ws, "5")),
        ("ws closed", |c, _, ws| {
            let now = c.now;
            c.session.handle_ws_closed(now, ws, true);
        }),
        ("poll lost", |c, _, _| {
            let now = c.now;
            c.session.handle_poll_lost(now);
        }),
        ("close", |c, _, _| {
            let now = c.now;
            c.session.close(now);
        }),
        ("close_with", |c, _, _| {
            let now = c.now;
            c.session.close_with(now, CloseReason::ServerShuttingDown);
        }),
    ];
    for (name, input) in inputs {
        let mut c = Client::polling_open(fast_config(), V4);
        let ws = c.probe();
        c.advance_to(300);
        assert_eq!(c.poll(), "2", "{name}");
        let (post, start) = c.post_start(false);
        assert_eq!(start, PostStart::Accepted);
        c.skip_to(500);
        input(&mut c, post, ws);
        c.drain();
        assert_eq!(
            c.take_events(),
            vec![Event::Closed(CloseReason::PingTimeout)],
            "{name}"
        );
        assert!(c.session.is_closed(), "{name}");
        assert_eq!(c.session.poll_timeout(), None, "{name}");
        assert_eq!(c.session.transport(), TransportKind::Polling, "{name}");
    }
}

// =============================================================================================
// Application commands and the deadline table
// =============================================================================================

#[test]
fn send_on_a_closed_session_fails_closed() {
    let mut c = Client::websocket_open(quiet_config(), V4);
    c.ws_text(HANDSHAKE_WS, "1");
    assert_eq!(c.closed_reason(), CloseReason::TransportClose);
    assert_eq!(c.session.send(text("x")), Err(SendError::Closed));
    assert_eq!(c.session.send(bin(&[1])), Err(SendError::Closed));
}

#[test]
fn send_beyond_the_buffer_limit_fails_full_until_drained() {
    let config = Config {
        max_buffered_packets: 3,
        ..quiet_config()
    };
    let mut c = Client::polling_open(config, V4);
    for i in 0..3 {
        c.session.send(text(&i.to_string())).unwrap();
    }
    assert_eq!(c.session.send(text("3")), Err(SendError::Full));
    c.drain();
    assert_eq!(c.poll(), "40\x1e41\x1e42");
    c.session.send(text("again")).unwrap();
    c.drain();
    assert_eq!(c.poll(), "4again");
    // A websocket never fills: every packet is written at once.
    let config = Config {
        max_buffered_packets: 1,
        ..quiet_config()
    };
    let mut w = Client::websocket_open(config, V4);
    for _ in 0..10 {
        w.session.send(text("x")).unwrap();
    }
}

#[test]
fn poll_timeout_is_always_the_earliest_deadline() {
    let config = Config {
        ping_interval: ms(300),
        ping_timeout: ms(200),
        upgrade_timeout: ms(100),
        close_timeout: ms(50),
        ..Config::default()
    };
    let mut c = Client::polling_open(config, V4);
    assert_eq!(c.session.poll_timeout(), Some(c.at(300)));
    // Upgrade deadline earlier than the ping.
    c.advance_to(50);
    let ws = c.ws_open();
    assert_eq!(c.session.poll_timeout(), Some(c.at(150)));
    c.advance_to(150);
    assert_eq!(c.ws_close_code(ws), Some(None));
    assert_eq!(c.session.poll_timeout(), Some(c.at(300)));
    // Upgrade deadline later than the ping.
    c.advance_to(250);
    let ws = c.ws_open();
    assert_eq!(c.session.poll_timeout(), Some(c.at(300)));
    c.advance_to(300);
    // Ping sent: pong deadline 500 vs upgrade 350.
    assert_eq!(c.session.poll_timeout(), Some(c.at(350)));
    c.ws_text(ws, "5");
    assert_eq!(c.take_events(), vec![Event::Upgraded]);
    assert_eq!(c.ws_texts(ws), vec!["2"]);
    assert_eq!(c.session.poll_timeout(), Some(c.at(500)));
    c.ws_text(ws, "3");
    assert_eq!(c.session.poll_timeout(), Some(c.at(600)));
    c.session.close(c.now);
    c.drain();
    assert_eq!(c.session.poll_timeout(), None);
    // Closing on polling: only the drain deadline.
    let mut p = Client::polling_open(fast_config(), V4);
    p.advance_to(10);
    p.session.close(p.now);
    assert_eq!(p.session.poll_timeout(), Some(p.at(2_010)));
}

#[test]
fn session_reports_sid_version_and_transport() {
    let config = Config {
        allow_eio3: true,
        ..Config::default()
    };
    let s = Session::new(
        std::time::Instant::now(),
        test_sid(),
        V3,
        engineio_proto::Opening::WebSocket { ws: WsId(9) },
        &config,
    );
    assert_eq!(s.sid(), test_sid());
    assert_eq!(s.version(), V3);
    assert_eq!(s.transport(), TransportKind::WebSocket);
    assert!(!s.is_closed());
}

#[test]
fn aborted_post_body_is_400_and_closes_with_transport_error() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let held = c.get();
    let (req, start) = c.post_start(false);
    assert_eq!(start, PostStart::Accepted);
    let now = c.now;
    c.session.handle_post_body(now, req, PostBody::Aborted);
    c.drain();
    assert_eq!(c.response(req), HttpResponse::empty(400));
    assert_eq!(c.get_body(held), "1");
    assert_eq!(c.closed_reason(), CloseReason::TransportError);
}

#[test]
fn a_poll_lost_before_delivery_closes_with_transport_error() {
    let mut c = Client::polling_open(quiet_config(), V4);
    let held = c.get();
    c.session.send(text("lost?")).unwrap();
    c.drain();
    assert_eq!(c.get_body(held), "4lost?");
    // The driver could not write that response: the peer's connection was gone.
    let now = c.now;
    c.session.handle_poll_lost(now);
    c.drain();
    assert_eq!(c.closed_reason(), CloseReason::TransportError);
}
