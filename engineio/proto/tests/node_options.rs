//! Node's options and events at the protocol level: the close `description` of a transport
//! error, the `compress` send option of polling answers, and the `connection_error` context
//! of refused requests.

mod support;

use engineio_proto::codec::{Frame, ProtocolVersion, Sid};
use engineio_proto::{
    route_with_context, CloseReason, Config, ErrorContext, Method, PostBody, Query, Refusal,
    RequestError, RequestInfo, Route, SendOptions, TransportKind, Transports,
};
use support::*;

fn quiet() -> Config {
    Config {
        upgrade_timeout: ms(1_000),
        close_timeout: ms(2_000),
        ..Config::default()
    }
}

/// Closes `c` and returns (reason, description).
fn closed(c: &mut Client) -> (CloseReason, Option<String>) {
    let reason = c.closed_reason();
    (reason, c.session.close_description().map(str::to_owned))
}

fn transport_error(description: &str) -> (CloseReason, Option<String>) {
    (CloseReason::TransportError, Some(description.to_owned()))
}

// ----- close descriptions -----

#[test]
fn description_of_a_second_get_is_overlap_from_client() {
    let mut c = Client::polling_open(quiet(), V4);
    let _held = c.get();
    let _second = c.get();
    assert_eq!(closed(&mut c), transport_error("overlap from client"));
}

#[test]
fn description_of_overlapping_posts_is_data_request_overlap_from_client() {
    let mut c = Client::polling_open(quiet(), V4);
    let (_first, _) = c.post_start(false);
    let (_second, _) = c.post_start(false);
    assert_eq!(
        closed(&mut c),
        transport_error("data request overlap from client")
    );
}

#[test]
fn description_of_a_binary_post_in_v4_is_invalid_content() {
    let mut c = Client::polling_open(quiet(), V4);
    let _ = c.post_start(true);
    assert_eq!(closed(&mut c), transport_error("invalid content"));
}

#[test]
fn description_of_an_aborted_post_body_is_data_request_closed_prematurely() {
    let mut c = Client::polling_open(quiet(), V4);
    let (req, _) = c.post_start(false);
    c.session.handle_post_body(c.now, req, PostBody::Aborted);
    c.drain();
    assert_eq!(
        closed(&mut c),
        transport_error("data request connection closed prematurely")
    );
}

#[test]
fn description_of_a_lost_poll_is_poll_connection_closed_prematurely() {
    let mut c = Client::polling_open(quiet(), V4);
    c.session.handle_poll_lost(c.now);
    c.drain();
    assert_eq!(
        closed(&mut c),
        transport_error("poll connection closed prematurely")
    );
}

#[test]
fn description_of_a_heartbeat_in_the_wrong_direction_is_invalid_heartbeat_direction() {
    let mut v4 = Client::polling_open(quiet(), V4);
    v4.post("2");
    assert_eq!(
        closed(&mut v4),
        transport_error("invalid heartbeat direction")
    );
    let config = Config {
        allow_eio3: true,
        ..quiet()
    };
    let mut v3 = Client::websocket_open(config, V3);
    v3.ws_text(HANDSHAKE_WS, "3");
    assert_eq!(
        closed(&mut v3),
        transport_error("invalid heartbeat direction")
    );
}

#[test]
fn description_of_a_websocket_message_over_the_limit_is_nodes_range_error() {
    let config = Config {
        max_payload: 10,
        ..quiet()
    };
    let mut c = Client::websocket_open(config, V4);
    c.ws_frame(HANDSHAKE_WS, Frame::Text("4".repeat(11).into()));
    assert_eq!(
        closed(&mut c),
        transport_error("RangeError: Max payload size exceeded")
    );
}

#[test]
fn description_of_a_websocket_error_is_the_drivers_and_only_for_the_current_transport() {
    let mut c = Client::websocket_open(quiet(), V4);
    c.session
        .handle_ws_error(c.now, HANDSHAKE_WS, "write error");
    c.drain();
    assert_eq!(closed(&mut c), transport_error("write error"));

    // An upgrade websocket that fails aborts the upgrade; the session lives on, undescribed.
    let mut c = Client::polling_open(quiet(), V4);
    let ws = c.ws_open();
    c.session.handle_ws_error(c.now, ws, "write error");
    c.drain();
    assert!(!c.session.is_closed());
    assert_eq!(c.session.close_description(), None);
}

#[test]
fn other_reasons_have_no_description_as_in_node() {
    let mut parse = Client::polling_open(quiet(), V4);
    parse.post("abc");
    assert_eq!(closed(&mut parse), (CloseReason::ParseError, None));

    let mut close_packet = Client::polling_open(quiet(), V4);
    close_packet.post("1");
    assert_eq!(
        closed(&mut close_packet),
        (CloseReason::TransportClose, None)
    );

    let mut ws_closed = Client::websocket_open(quiet(), V4);
    ws_closed
        .session
        .handle_ws_closed(ws_closed.now, HANDSHAKE_WS, false);
    ws_closed.drain();
    assert_eq!(closed(&mut ws_closed), (CloseReason::TransportClose, None));

    let mut forced = Client::polling_open(quiet(), V4);
    let _held = forced.get();
    forced.session.close(forced.now);
    forced.drain();
    assert_eq!(closed(&mut forced), (CloseReason::ForcedClose, None));

    let open = Client::polling_open(quiet(), V4);
    assert_eq!(open.session.close_description(), None);
    let mut timeout = Client::polling_open(fast_config(), V4);
    timeout.advance_to(600);
    assert_eq!(closed(&mut timeout), (CloseReason::PingTimeout, None));
}

// ----- compress -----

#[test]
fn compress_a_payload_with_a_default_message_may_be_compressed() {
    let mut c = Client::polling_open(quiet(), V4);
    c.session
        .send_with(text("a"), SendOptions { compress: false })
        .expect("queued");
    c.session.send(text("b")).expect("queued");
    let req = c.get();
    let response = c.response(req);
    assert_eq!(&response.body[..], b"4a\x1e4b");
    assert!(response.compress);
}

#[test]
fn compress_a_payload_made_only_of_compress_false_messages_may_not_be_compressed() {
    let mut c = Client::polling_open(quiet(), V4);
    let off = SendOptions { compress: false };
    c.session.send_with(text("a"), off).expect("queued");
    c.session
        .send_batch_with(vec![text("b"), text("c")], off)
        .expect("queued");
    let req = c.get();
    let response = c.response(req);
    assert_eq!(&response.body[..], b"4a\x1e4b\x1e4c");
    assert!(!response.compress);
    // The flag goes with the buffer: the next answer starts afresh.
    c.session.send(text("d")).expect("queued");
    let req = c.get();
    assert!(c.response(req).compress);
}

#[test]
fn compress_the_handshake_and_pings_are_sent_with_compress_as_in_node() {
    let mut c = Client::polling(fast_config(), V4);
    assert!(c.response(HANDSHAKE_REQ).compress, "handshake");
    let held = c.get();
    c.advance_to(300);
    let ping = c.response(held);
    assert_eq!(&ping.body[..], b"2");
    assert!(ping.compress, "ping");
}

#[test]
fn compress_noop_and_close_answers_and_errors_are_never_compressed() {
    let mut c = Client::polling_open(quiet(), V4);
    let held = c.get();
    let _ws = c.probe();
    c.advance_to(100);
    let noop = c.response(held);
    assert_eq!(&noop.body[..], b"6");
    assert!(!noop.compress);

    let mut c = Client::polling_open(quiet(), V4);
    let held = c.get();
    c.session.close(c.now);
    c.drain();
    let close = c.response(held);
    assert_eq!(&close.body[..], b"1");
    assert!(!close.compress);
    let late = c.get();
    assert!(!c.response(late).compress);
    assert!(!c.post("4x").compress);
}

// ----- connection_error contexts -----

const SID: &str = "AAAAAAAAAAAAAAAAAAAA";

fn info<'a>(method: &'a str, query: &'a str, upgrade: bool) -> RequestInfo<'a> {
    RequestInfo {
        method: Method::from_name(method),
        method_name: method,
        query: Query::parse(query),
        origin: None,
        websocket_upgrade: upgrade,
    }
}

fn refused(
    req: &RequestInfo<'_>,
    live: Option<(TransportKind, ProtocolVersion)>,
) -> (u8, ErrorContext) {
    match route_with_context(&Config::default(), req, |_| live) {
        Err(Refusal { error, context }) => (error.code(), context),
        Ok(route) => panic!("routed: {route:?}"),
    }
}

#[test]
fn context_of_an_unknown_transport_is_the_transport_value() {
    assert_eq!(
        refused(&info("GET", "EIO=4&transport=flash", false), None),
        (
            0,
            ErrorContext::UnknownTransport {
                transport: Some("flash".into())
            }
        )
    );
    assert_eq!(
        refused(&info("GET", "EIO=4", false), None),
        (0, ErrorContext::UnknownTransport { transport: None })
    );
}

#[test]
fn context_of_an_invalid_origin_names_it() {
    let mut req = info("GET", "EIO=4&transport=polling", false);
    req.origin = Some(b"http://a\x01b");
    let (code, context) = refused(&req, None);
    assert_eq!(code, 3);
    assert_eq!(context.name(), Some("INVALID_ORIGIN"));
    assert_eq!(
        context,
        ErrorContext::InvalidOrigin {
            origin: "http://a\u{1}b".into()
        }
    );
}

#[test]
fn context_of_an_unknown_sid_is_the_sid_as_sent() {
    for sid in [SID, "not-a-sid"] {
        let query = format!("EIO=4&transport=polling&sid={sid}");
        assert_eq!(
            refused(&info("GET", &query, false), None),
            (1, ErrorContext::UnknownSid { sid: sid.into() })
        );
    }
}

#[test]
fn context_of_polling_after_the_upgrade_is_transport_mismatch() {
    let query = format!("EIO=4&transport=polling&sid={SID}");
    let (code, context) = refused(
        &info("GET", &query, false),
        Some((TransportKind::WebSocket, ProtocolVersion::V4)),
    );
    assert_eq!((code, context.name()), (3, Some("TRANSPORT_MISMATCH")));
    assert_eq!(
        context,
        ErrorContext::TransportMismatch {
            transport: TransportKind::Polling,
            previous_transport: TransportKind::WebSocket,
        }
    );
}

#[test]
fn a_request_with_another_protocol_than_its_session_is_refused_as_protocol_mismatch() {
    for query in [
        format!("EIO=3&transport=polling&sid={SID}"),
        format!("transport=polling&sid={SID}"),
    ] {
        let (code, context) = refused(
            &info("GET", &query, false),
            Some((TransportKind::Polling, ProtocolVersion::V4)),
        );
        assert_eq!((code, context.name()), (3, Some("PROTOCOL_MISMATCH")));
        assert_eq!(
            context,
            ErrorContext::ProtocolMismatch {
                protocol: ProtocolVersion::V3,
                previous_protocol: ProtocolVersion::V4,
            }
        );
    }
    // An upgrade is checked too.
    let query = format!("EIO=3&transport=websocket&sid={SID}");
    let (code, _) = refused(
        &info("GET", &query, true),
        Some((TransportKind::Polling, ProtocolVersion::V4)),
    );
    assert_eq!(code, 3);
    // The same protocol routes.
    let query = format!("EIO=4&transport=polling&sid={SID}");
    let routed = route_with_context(&Config::default(), &info("GET", &query, false), |_| {
        Some((TransportKind::Polling, ProtocolVersion::V4))
    });
    assert_eq!(
        routed,
        Ok(Route::PollGet(Sid::parse(SID).expect("valid sid")))
    );
}

#[test]
fn context_of_a_bad_handshake_method_is_the_method_name() {
    for method in ["POST", "PUT", "DELETE"] {
        assert_eq!(
            refused(&info(method, "EIO=4&transport=polling", false), None),
            (
                2,
                ErrorContext::BadHandshakeMethod {
                    method: method.into()
                }
            )
        );
    }
}

#[test]
fn context_of_a_websocket_handshake_without_upgrade_is_transport_handshake_error() {
    let (code, context) = refused(&info("GET", "EIO=4&transport=websocket", false), None);
    assert_eq!(code, 3);
    assert_eq!(context, ErrorContext::TransportHandshakeError);
    assert_eq!(context.name(), Some("TRANSPORT_HANDSHAKE_ERROR"));
}

#[test]
fn route_and_route_with_context_agree_on_every_refusal() {
    let polling_only = Config {
        transports: Transports {
            polling: true,
            websocket: false,
        },
        ..Config::default()
    };
    let sid_query = format!("EIO=4&transport=polling&sid={SID}");
    let cases = [
        info("GET", "EIO=4&transport=websocket", true),
        info("POST", "EIO=4&transport=polling", false),
        info("GET", &sid_query, false),
        info("GET", "EIO=4&transport=websocket", false),
    ];
    for config in [Config::default(), polling_only] {
        for req in &cases {
            let plain = engineio_proto::route(&config, req, |_| None);
            let detailed = route_with_context(&config, req, |_| None).map_err(|r| r.error);
            assert_eq!(plain, detailed, "{req:?}");
        }
    }
    assert_eq!(
        RequestError::Forbidden(None).code(),
        4,
        "the hook's code, for the record"
    );
}

// ----- initial_packet -----

#[test]
fn initial_packet_goes_out_with_the_open_packet_as_node() {
    let config = Config {
        initial_packet: Some(text("welcome")),
        ..quiet()
    };
    let mut c = Client::polling(config.clone(), V4);
    let body = c.get_body(HANDSHAKE_REQ);
    assert!(body.starts_with("0{"), "{body}");
    assert!(body.ends_with("}\u{1e}4welcome"), "{body}");
    let mut ws = Client::websocket(config, V4);
    let frames = ws.ws_texts(HANDSHAKE_WS);
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[1], "4welcome");
}
